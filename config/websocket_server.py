"""What the WebSocket server under Daphne (Twisted and Autobahn) costs per connection and per
frame, trimmed. Each change keeps the behaviour and was measured with ``bench/live.py
--profile`` (py-spy):

- Autobahn formats its whole configuration with ``pprint.pformat`` for a debug line on every
  new connection, and highlights names and values (``hltype``, ``hlval``: ``inspect`` and
  ``click.style``) for a debug line on every frame it writes, whether or not debug logging is
  on: about a third of a millisecond per connect, and a tenth of a fan-out's CPU. The
  formatting is made lazy: done only when the line is written.
- Twisted buffers every write until the event loop reports the socket writable: two
  ``epoll_ctl`` calls and a trip through the loop per frame and socket, a fifth of a fan-out's
  CPU. A write to a plain TCP connection with nothing queued is tried at once, as asyncio's
  own transports do; what the kernel does not take is queued as before.
- Daphne tests every header value for forbidden bytes by building a set of its bytes
  (``ForbiddenBytes`` asks one compiled pattern instead), HTTP requests included.
- Memory kept for every open socket, most of them idle: Daphne feeds each application
  instance through an ``asyncio.Queue`` (three deques and an Event: ``ApplicationQueue`` is
  what Daphne uses of it), and the HTTP channel of the upgrade request stays attached to the
  connection (``install_upgrade_release``); Autobahn copies its options into every
  connection (``install_shared_options``) and keeps the raw handshake
  (``install_handshake_release``).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from functools import partial
from pprint import pformat
from typing import Any


class Lazy:
    """``function(value)``, computed when a log line is formatted, never otherwise."""

    def __init__(self, function: Callable[[Any], Any], value: Any) -> None:
        self.function = function
        self.value = value

    def __format__(self, spec: str) -> str:
        return format(self.function(self.value), spec)

    def __str__(self) -> str:
        return str(self.function(self.value))

    __repr__ = __str__


def lazy(function: Callable[[Any], Any]) -> Callable[[Any], Lazy]:
    def deferred(value: Any) -> Lazy:
        return Lazy(function, value)

    deferred.lazy = True  # type: ignore[attr-defined]  # a mark against re-wrapping
    return deferred


def install() -> None:
    """Make Autobahn's debug formatting lazy, Twisted's TCP writes eager and Daphne's queues
    slim (once; idempotent)."""
    from autobahn.twisted import websocket as twisted_websocket
    from autobahn.websocket import protocol

    if not getattr(protocol.pformat, "lazy", False):
        protocol.pformat = lazy(pformat)  # type: ignore[assignment]  # used only as a log argument
    for module in (protocol, twisted_websocket):
        for name in ("hltype", "hlval"):
            original = getattr(module, name, None)
            if original is not None and not getattr(original, "lazy", False):
                setattr(module, name, lazy(original))
    install_eager_writes()
    install_application_queue()
    install_upgrade_release()
    install_shared_options()
    install_handshake_release()
    install_header_check()


def install_eager_writes() -> None:
    from twisted.internet import tcp

    original = tcp.Server.write
    if getattr(original, "eager", False):
        return

    def write(connection: Any, data: bytes) -> None:
        # Only with nothing queued (order is kept) and no TLS layer in between; anything the
        # kernel does not take, and every error, goes the buffered way (doWrite reports it).
        if (
            data
            and type(data) is bytes
            and connection.connected
            and not connection.TLS
            and not connection._writeDisconnected
            and not connection._tempDataBuffer
            and connection.offset == len(connection.dataBuffer)
        ):
            try:
                sent = connection.socket.send(data)
            except OSError:
                sent = 0
            if sent == len(data):
                return
            data = data[sent:]
        original(connection, data)

    write.eager = True  # type: ignore[attr-defined]  # a mark against re-wrapping
    tcp.Server.write = write  # type: ignore[method-assign]  # the point of this module


class ApplicationQueue:
    """What Daphne needs of the queue it feeds an application instance through (``put_nowait``
    from the protocol, ``get`` as the instance's ``receive``), without ``asyncio.Queue``'s three
    deques and its Event: about 4 KB less for every open connection, most of them idle."""

    __slots__ = ("_items", "_waiters")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiters: list[asyncio.Future[None]] | None = None

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        if self._waiters:
            # Each waiter looks again; the first takes the item (ASGI has but one in practice).
            for waiter in self._waiters:
                if not waiter.done():
                    waiter.set_result(None)

    async def get(self) -> Any:
        while not self._items:
            waiter = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                self._waiters.remove(waiter)
                if not self._waiters:
                    self._waiters = None
        return self._items.pop(0)

    def qsize(self) -> int:
        return len(self._items)

    def empty(self) -> bool:
        return not self._items


def install_application_queue() -> None:
    """Daphne's ``create_application`` as it is, with the slimmer queue."""
    from daphne import server

    if getattr(server.Server.create_application, "slim_queue", False):
        return

    def create_application(self: Any, protocol: Any, scope: dict[str, Any]) -> Any:
        assert "application_instance" not in self.connections[protocol]  # noqa: S101 - as Daphne
        input_queue = ApplicationQueue()
        scope.setdefault("asgi", {"version": "3.0"})
        application_instance = self.application(
            scope=scope, receive=input_queue.get, send=partial(self.handle_reply, protocol)
        )
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            application_instance, loop=asyncio.get_event_loop()
        )
        return input_queue

    create_application.slim_queue = True  # type: ignore[attr-defined]  # a mark against re-wrapping
    server.Server.create_application = create_application


def install_upgrade_release() -> None:
    """After Daphne hands a connection over to the WebSocket protocol, the HTTP channel that
    parsed the upgrade request stays registered as the TCP transport's producer, and with it
    the request, its headers and Twisted's HTTP state: about 2 KB kept for the socket's whole
    life for nothing (the channel reads no more; the socket's own limits protect the server).
    The channel is unregistered and lets go of the request once the upgrade is done."""
    from daphne.http_protocol import WebRequest

    process = WebRequest.process
    if getattr(process, "releases_upgrades", False):
        return

    def release_after_upgrade(request: Any) -> Any:
        result = process(request)
        channel = request.channel
        if request.transport is None and channel is not None and _is_upgrade(request):
            transport = getattr(channel, "transport", None)
            if transport is not None and getattr(transport, "producer", None) is not None:
                transport.unregisterProducer()
            requests = getattr(channel, "requests", None)
            if requests and request in requests:
                requests.remove(request)
        return result

    release_after_upgrade.releases_upgrades = True  # type: ignore[attr-defined]  # a mark against re-wrapping
    WebRequest.process = release_after_upgrade


def _is_upgrade(request: Any) -> bool:
    upgrade = request.requestHeaders.getRawHeaders(b"upgrade") or []
    return bool(upgrade) and upgrade[0].lower() == b"websocket"


def install_shared_options() -> None:
    """Autobahn copies each of its ~30 options from the factory into every connection's own
    attributes, unless the connection already has them. Daphne has one factory, configured
    before it listens: its options are set once on the protocol class instead, which every
    connection then reads (about 2 KB less per connection: the attribute table stays small).
    A connection of any other factory still gets its factory's own values."""
    from autobahn.websocket import protocol

    original = protocol.WebSocketProtocol._connectionMade
    if getattr(original, "shares_options", False):
        return

    def connection_made(connection: Any) -> None:
        factory = connection.factory
        cls = type(connection)
        if factory.isServer:
            if "_options_of" not in cls.__dict__:
                for name in connection.CONFIG_ATTRS:
                    value = getattr(factory, name)
                    # A function on a class would be bound to each connection as a method.
                    setattr(cls, name, staticmethod(value) if callable(value) else value)
                cls._options_of = factory
            if cls._options_of is not factory:
                for name in connection.CONFIG_ATTRS:
                    if name not in connection.__dict__:
                        setattr(connection, name, getattr(factory, name))
        original(connection)

    connection_made.shares_options = True  # type: ignore[attr-defined]  # a mark against re-wrapping
    protocol.WebSocketProtocol._connectionMade = connection_made  # type: ignore[method-assign,assignment]  # the point of this module


def install_handshake_release() -> None:
    """Autobahn keeps the raw bytes of the upgrade request and of its response for the
    connection's life; nothing reads them once the handshake is answered."""
    from autobahn.websocket import protocol

    original = protocol.WebSocketServerProtocol.succeedHandshake
    if getattr(original, "releases_handshake", False):
        return

    def succeed_handshake(connection: Any, res: Any) -> Any:
        result = original(connection, res)
        connection.http_request_data = connection.http_response_data = None
        return result

    succeed_handshake.releases_handshake = True  # type: ignore[attr-defined]  # a mark against re-wrapping
    protocol.WebSocketServerProtocol.succeedHandshake = succeed_handshake  # type: ignore[method-assign,assignment]  # the point of this module


class ForbiddenBytes:
    """Daphne's test of a header value for bytes RFC 9110 forbids
    (``INVALID_HEADER_VALUE_BYTES.intersection(value)``), by one compiled pattern instead of a
    set built from every byte of every value: a tenth of a connect's CPU for a browser's
    headers (cookies, user agent)."""

    def __init__(self, forbidden: frozenset[int]) -> None:
        self.forbidden = forbidden
        escaped = b"".join(re.escape(bytes([byte])) for byte in sorted(forbidden))
        self.pattern = re.compile(b"[" + escaped + b"]")

    def intersection(self, value: bytes) -> bool:
        return self.pattern.search(value) is not None


def install_header_check() -> None:
    from daphne import http_protocol

    current = http_protocol.INVALID_HEADER_VALUE_BYTES
    if isinstance(current, frozenset):
        http_protocol.INVALID_HEADER_VALUE_BYTES = ForbiddenBytes(current)
