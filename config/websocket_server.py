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
"""

from __future__ import annotations

from collections.abc import Callable
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
    """Make Autobahn's debug formatting lazy and Twisted's TCP writes eager (once; idempotent)."""
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
    tcp.Server.write = write
