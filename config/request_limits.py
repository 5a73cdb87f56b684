"""Two guards around the HTTP application (``config/asgi.py``), below Django:

``BodySizeLimit`` refuses a request body that is too large with 413 before Django reads it.
Django under ASGI spools the whole body to a temporary file before any view runs, with no cap
of its own; this checks ``Content-Length`` first and counts the bytes as they stream in (for a
chunked body without a length), and the moment the cap is passed it tells Django the client
went away (so Django drops what it read) and answers 413 itself. Document uploads
(``settings.DOCUMENT_UPLOAD_PATHS``) get ``DOCUMENT_MAX_BYTES`` for the file plus room for the
multipart form around it (``MULTIPART_ENVELOPE``: so a file of exactly the cap arrives, and the
upload checks refuse one byte more with a sentence on the form); every other request
``REQUEST_MAX_BYTES``.

``install_daphne_guard`` puts the same cap one step earlier, in Daphne's HTTP request (Twisted
reads a whole request body into a temporary file before the ASGI application is even called):
a ``Content-Length`` over the cap is answered 413 as soon as the headers are in, and a chunked
body is cut off once it passes the cap; nothing of it is stored. It also stops Twisted from
parsing every ``multipart/form-data`` body into memory for ``request.args``, which Daphne never
reads (measured: a 50 MB upload made Daphne's memory peak 590 MB above its level).

``StreamedBodies`` then hands such a body to the application from Twisted's temporary file as
the application reads it: Daphne itself pushes the whole body into the application's queue at
once (a 200 MB upload held 200 MB of memory).

``PacedResponses`` gives streamed responses back-pressure under Daphne. Daphne's ``send`` hands
each chunk to Twisted, which buffers it without limit, so a response streamed to a slow client
is read ahead into the server's memory as fast as the disk allows. While a response streams,
this registers a push producer with Twisted's request (Twisted's own consumer interface, as
``twisted.web.static.File`` uses): Twisted pauses it when the socket's buffer is full, and
``send`` waits until it resumes. Under another server (uvicorn awaits the socket's drain
itself) it does nothing.
"""

from __future__ import annotations

import asyncio
import functools
import io
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import unquote

from django.conf import settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[..., Awaitable[None]]  # Django's handler types its messages more narrowly


# Boundaries, part headers and the form's other fields (titles, a note, the states named)
# around an uploaded file.
MULTIPART_ENVELOPE = 1024 * 1024


def _limits_for(path: str) -> tuple[int, int]:
    """The cap on the body of a request to ``path``, and the size to tell the client."""
    for pattern in settings.DOCUMENT_UPLOAD_PATHS:
        if re.match(pattern, path):
            file_cap = int(settings.DOCUMENT_MAX_BYTES)
            return file_cap + MULTIPART_ENVELOPE, file_cap
    cap = int(settings.REQUEST_MAX_BYTES)
    return cap, cap


def _refusal(told: int) -> bytes:
    megabytes = told // (1024 * 1024)
    return (
        f"Request too large: at most {megabytes} MB.\n"
        f"Запрос слишком велик: не более {megabytes} МБ.\n"
    ).encode()


class BodySizeLimit:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap, told = _limits_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            await _refuse(send, told)
            return
        received = 0
        over = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    over = True  # Django stops reading and drops what it spooled
                    return {"type": "http.disconnect"}
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        await self.app(scope, counting_receive, watching_send)
        if over and not started:
            await _refuse(send, told)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _refuse(send: Send, told: int) -> None:
    body = _refusal(told)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                (b"x-content-type-options", b"nosniff"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _Pacer:
    """A Twisted push producer that only records whether Twisted wants more."""

    def __init__(self) -> None:
        self.ready = asyncio.Event()
        self.ready.set()

    def pauseProducing(self) -> None:
        self.ready.clear()

    def resumeProducing(self) -> None:
        self.ready.set()

    def stopProducing(self) -> None:
        self.ready.set()  # the connection is gone: let the sender finish


def _twisted_request(send: Send) -> Any:
    """Daphne's request object behind its ``send`` (``partial(server.handle_reply, request)``)."""
    if isinstance(send, functools.partial) and send.args:
        request = send.args[0]
        if hasattr(request, "registerProducer") and hasattr(request, "unregisterProducer"):
            return request
    return None


class StreamedBodies:
    """Under Daphne, the body of a large request comes from Twisted's temporary file a chunk at
    a time as the application reads it (see ``install_daphne_guard``), not from a queue that
    holds all of it."""

    chunk = 64 * 1024

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = _twisted_request(send) if scope["type"] == "http" else None
        body = getattr(request, "_streamed_body", None)
        if body is None:
            await self.app(scope, receive, send)
            return
        done = False

        async def file_receive() -> Message:
            nonlocal done
            if done:
                return await receive()
            chunk = await asyncio.to_thread(body.read, self.chunk)
            if chunk:
                return {"type": "http.request", "body": chunk, "more_body": True}
            done = True
            return await receive()  # Daphne's own (empty, last) body message

        body.seek(0)
        await self.app(scope, file_receive, send)


class PacedResponses:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = _twisted_request(send) if scope["type"] == "http" else None
        if request is None:
            await self.app(scope, receive, send)
            return
        pacer: _Pacer | None = None

        async def paced_send(message: Message) -> None:
            nonlocal pacer
            streaming = message["type"] == "http.response.body" and message.get("more_body")
            if message["type"] == "http.response.body" and not streaming and pacer is not None:
                request.unregisterProducer()  # before Daphne finishes the request
                pacer = None
            await send(message)
            if streaming:
                if pacer is None and getattr(request, "producer", None) is None:
                    pacer = _Pacer()
                    request.registerProducer(pacer, True)
                if pacer is not None and not request.finished:
                    await pacer.ready.wait()

        try:
            await self.app(scope, receive, paced_send)
        finally:
            if pacer is not None and getattr(request, "producer", None) is pacer:
                request.unregisterProducer()


# --- Daphne: refuse before Twisted stores the body ----------------------------------------------

_LINGER_SECONDS = 5.0


def _refuse_early(request: Any) -> None:
    """Answer 413 on the raw connection and drop what the client still sends."""
    if getattr(request, "_body_refused", False):
        return
    request._body_refused = True
    body = _refusal(request._body_told)
    # No "100 Continue" after this: the client must not start sending the body.
    request.requestHeaders.removeHeader(b"expect")
    transport = request.channel.transport
    transport.write(
        b"HTTP/1.1 413 Payload Too Large\r\n"
        b"Content-Type: text/plain; charset=utf-8\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n"
        b"X-Content-Type-Options: nosniff\r\n"
        b"Connection: close\r\n\r\n" + body
    )
    # Closing at once with unread data would reset the connection before the client reads the
    # answer: half-close, keep discarding for a moment, then close.
    if hasattr(transport, "loseWriteConnection"):
        transport.loseWriteConnection()
    from twisted.internet import reactor as running

    reactor: Any = running  # the module stands for the running reactor
    reactor.callLater(_LINGER_SECONDS, transport.loseConnection)


def install_daphne_guard() -> None:
    """Cap request bodies inside Daphne's request class (idempotent; without Daphne a no-op)."""
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:  # pragma: no cover - Daphne is a dependency
        return
    if getattr(WebRequest, "_body_cap_guard", False):
        return
    got_length = WebRequest.gotLength
    handle_chunk = WebRequest.handleContentChunk
    process = WebRequest.process

    def guarded_got_length(self: Any, length: int | None) -> None:
        # Daphne hands the raw body to the application; Twisted's own parsing of form bodies
        # into ``request.args`` (set per request in its constructor) only costs memory.
        self._parsePOSTFormSubmission = False
        raw = getattr(self.channel, "_path", b"") or b""
        path = unquote(raw.split(b"?", 1)[0].decode("latin-1"))
        self._body_cap, self._body_told = _limits_for(path)
        self._body_seen = 0
        got_length(self, length if length is None or length <= self._body_cap else 0)
        if length is not None and length > self._body_cap:
            _refuse_early(self)

    def guarded_chunk(self: Any, data: bytes) -> None:
        if getattr(self, "_body_refused", False):
            return
        self._body_seen += len(data)
        if self._body_seen > self._body_cap:
            _refuse_early(self)
            return
        handle_chunk(self, data)

    def guarded_process(self: Any) -> Any:
        if getattr(self, "_body_refused", False):
            return None
        if not isinstance(self.content, io.BytesIO):
            # A large body is in Twisted's temporary file. Daphne would now push all of it into
            # the application's queue at once (the whole upload in memory); it pushes an empty
            # body instead, and ``StreamedBodies`` hands the file to the application as it reads.
            self._streamed_body, self.content = self.content, io.BytesIO()
        return process(self)

    WebRequest.gotLength = guarded_got_length
    WebRequest.handleContentChunk = guarded_chunk
    WebRequest.process = guarded_process
    WebRequest._body_cap_guard = True
