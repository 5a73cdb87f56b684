"""The body-size cap and paced streaming around the HTTP application (config/request_limits.py),
as ASGI (any server) and inside a real Daphne (refused before Twisted stores the body; a slow
reader does not make the server read ahead)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from config.request_limits import MULTIPART_ENVELOPE, BodySizeLimit, PacedResponses
from tests.servers import AsgiServer, server_env

MB = 1024 * 1024


class _App:
    """An ASGI app that reads the whole body like Django, then answers 200."""

    def __init__(self) -> None:
        self.called = False
        self.read = 0
        self.disconnected = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.called = True
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                return  # Django raises RequestAborted and answers nothing
            self.read += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _run(path: str, chunks: list[bytes], length: int | None) -> tuple[list[Any], _App]:
    inner = _App()
    headers = [(b"content-length", str(length).encode())] if length is not None else []
    scope = {"type": "http", "path": path, "headers": headers, "method": "POST"}
    queue = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1}
        for i, c in enumerate(chunks)
    ]
    sent: list[Any] = []

    async def receive() -> Any:
        return queue.pop(0) if queue else {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(BodySizeLimit(inner)(scope, receive, send))
    return sent, inner


def test_a_declared_length_over_the_cap_is_refused_before_the_app_runs(settings: Any) -> None:
    settings.REQUEST_MAX_BYTES = 25 * MB
    sent, app = _run("/profile/", [b""], 26 * MB)
    assert sent[0]["status"] == 413
    assert b"at most 25 MB" in sent[1]["body"]
    assert not app.called


def test_a_streamed_body_is_cut_off_when_it_passes_the_cap(settings: Any) -> None:
    settings.REQUEST_MAX_BYTES = 1 * MB
    sent, app = _run("/profile/", [b"x" * (256 * 1024)] * 8, None)
    assert app.disconnected  # Django stops reading and drops what it spooled
    assert app.read < 1 * MB + 256 * 1024
    assert [m.get("status") for m in sent if m["type"] == "http.response.start"] == [413]


def test_document_uploads_get_the_larger_cap_with_room_for_the_form(settings: Any) -> None:
    settings.REQUEST_MAX_BYTES = 1 * MB
    settings.DOCUMENT_MAX_BYTES = 4 * MB
    sent, app = _run("/meetings/7/documents/new/", [b"x" * MB] * 3, 3 * MB)
    assert (sent[0]["status"], app.read) == (200, 3 * MB)
    whole = 4 * MB + MULTIPART_ENVELOPE  # a file of exactly the cap, and its form
    sent, app = _run("/documents/3/upload/", [b"x" * MB] * 4 + [b"x" * MULTIPART_ENVELOPE], whole)
    assert (sent[0]["status"], app.read) == (200, whole)
    sent, _ = _run("/meetings/7/documents/new/", [b""], whole + 1)
    assert sent[0]["status"] == 413
    assert b"at most 4 MB" in sent[1]["body"]  # what the file may weigh


def test_paced_responses_wait_while_twisted_says_the_socket_is_full() -> None:
    class Request:  # the consumer interface of Twisted's request, as Daphne's has it
        producer: Any = None
        finished = False

        def registerProducer(self, producer: Any, streaming: bool) -> None:
            self.producer = producer
            producer.pauseProducing()  # the client is not reading: the socket's buffer is full

        def unregisterProducer(self) -> None:
            self.producer = None

    request = Request()
    delivered: list[bytes] = []

    def handle_reply(request: Any, message: Any) -> None:
        if message["type"] == "http.response.body":
            delivered.append(message["body"])

    async def reply(request: Any, message: Any) -> None:
        handle_reply(request, message)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"a", b"b", b"c"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    async def scenario() -> None:
        send = functools.partial(reply, request)
        task = asyncio.create_task(PacedResponses(app)({"type": "http"}, None, send))
        await asyncio.sleep(0.05)
        assert delivered == [b"a"]  # nothing more is produced while paused
        request.producer.resumeProducing()
        await task
        assert delivered == [b"a", b"b", b"c", b""]
        assert request.producer is None  # unregistered before the end

    asyncio.run(scenario())


# --- Inside Daphne ----------


def _start(settings: Any, tmp_path: Path, **extra: str) -> AsgiServer:
    """Daphne serving config.asgi on the test database, files where this test puts them."""
    env = server_env(
        redis_url=settings.REDIS_URL,
        prefix=f"limits-{uuid.uuid4().hex[:12]}",
        MEDIA_ROOT=str(settings.MEDIA_ROOT),
        **extra,
    )
    server = AsgiServer(env, tmp_path / "daphne.log")
    server.start()
    return server


@pytest.fixture
def asgi_server(transactional_db: None, settings: Any, tmp_path: Path) -> Iterator[AsgiServer]:
    server = _start(settings, tmp_path)
    yield server
    server.stop()


SMALL_CAP = 2 * MB


@pytest.fixture
def small_cap_server(transactional_db: None, settings: Any, tmp_path: Path) -> Iterator[AsgiServer]:
    """The same with a document cap small enough to upload a file of exactly its size."""
    server = _start(settings, tmp_path, DOCUMENT_MAX_BYTES=str(SMALL_CAP))
    yield server
    server.stop()


def _raw(port: int, head: bytes, body: bytes = b"", *, read_timeout: float = 5) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=read_timeout) as connection:
        connection.sendall(head)
        if body:
            # The server may have answered and stopped reading.
            with contextlib.suppress(OSError):
                connection.sendall(body)
        answer = b""
        with contextlib.suppress(TimeoutError, ConnectionResetError):
            while chunk := connection.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer:
                    break
    return answer


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_daphne_refuses_a_large_declared_body_before_it_is_sent(asgi_server: Any) -> None:
    started = time.monotonic()
    answer = _raw(
        asgi_server.port,
        b"POST /meetings/1/documents/new/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: multipart/form-data; boundary=x\r\n"
        b"Content-Length: 314572800\r\nExpect: 100-continue\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 413")
    assert b"100 Continue" not in answer
    assert time.monotonic() - started < 3  # answered with no byte of the 300 MB sent
    answer = _raw(
        asgi_server.port,
        b"POST /profile/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 27262976\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 413")


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_daphne_cuts_off_a_chunked_body_past_the_cap(asgi_server: Any) -> None:
    chunk = b"x" * 65536
    body = (b"%x\r\n" % len(chunk) + chunk + b"\r\n") * 500  # 32 MB, over the 25 MB default
    answer = _raw(
        asgi_server.port,
        b"POST /profile/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        body + b"0\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 413")


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_daphne_does_not_read_ahead_of_a_slow_client(
    asgi_server: Any, world: Any, settings: Any
) -> None:
    from documents import services

    size = 48 * MB
    data = b"%PDF-1.4\n" + os.urandom(size).replace(b"<", b"(").replace(b"/", b"|") + b"\n%%EOF\n"
    document = services.add_document(
        by=world.people["secretariat_staff"],
        dialogue=world.dialogue,
        kind="report",
        title={"en": "A large report"},
        marking="public",
        language="en",
        upload=SimpleUploadedFile("report.pdf", data),
    )
    pid = asgi_server.process.pid
    with socket.create_connection(("127.0.0.1", asgi_server.port)) as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 64 * 1024)
        before = _rss_kb(pid)
        connection.sendall(
            f"GET /documents/{document.pk}/en/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
        )
        received = 0
        for _ in range(20):  # a slow reader: 256 KB every 50 ms for a second
            received += len(connection.recv(256 * 1024))
            time.sleep(0.05)
        growth_mb = (_rss_kb(pid) - before) / 1024
        assert growth_mb < 16, f"the server read ahead: +{growth_mb:.0f} MB"
        deadline = time.monotonic() + 60
        while received < size and time.monotonic() < deadline:
            part = connection.recv(1024 * 1024)
            if not part:
                break
            received += len(part)
    assert received >= size


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_daphne_does_not_parse_a_multipart_upload_into_memory(asgi_server: Any) -> None:
    """Twisted parses every multipart POST into ``request.args`` before Daphne sees it (about
    12 times its size in memory), which Daphne never reads; Daphne then queues the whole body
    for the application. The guard turns the first off and streams the body from Twisted's
    file instead."""
    size = 20 * MB
    boundary = b"limits-boundary"
    head = (
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="file"; filename="report.pdf"\r\n\r\n'
    )
    tail = b"\r\n--" + boundary + b"--\r\n"
    pid = asgi_server.process.pid
    before = peak = _rss_kb(pid)
    with socket.create_connection(("127.0.0.1", asgi_server.port), timeout=30) as connection:
        connection.sendall(
            b"POST /meetings/1/documents/new/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: multipart/form-data; boundary=" + boundary + b"\r\n"
            b"Content-Length: " + str(len(head) + size + len(tail)).encode() + b"\r\n\r\n"
        )
        connection.sendall(head + os.urandom(size) + tail)
        connection.setblocking(False)
        answer = b""
        deadline = time.monotonic() + 30
        while not answer and time.monotonic() < deadline:
            peak = max(peak, _rss_kb(pid))
            with contextlib.suppress(BlockingIOError):
                answer = connection.recv(100)
            time.sleep(0.005)
    assert answer.startswith(b"HTTP/1.1 403")  # no CSRF token: refused, after reading it
    growth_mb = (peak - before) / 1024
    # Neither parsed by Twisted (about 12 times its size) nor queued whole by Daphne (1 time).
    assert growth_mb < 10, f"+{growth_mb:.0f} MB for a 20 MB upload"


class _Uploader:
    """The secretariat's document form, posted through the server as a browser would."""

    def __init__(self, server: AsgiServer, staff: Any) -> None:
        import http.cookiejar
        import re
        import urllib.request

        from django.conf import settings
        from django.test import Client

        client = Client()
        client.force_login(staff)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        opener.addheaders = [("Cookie", f"{settings.SESSION_COOKIE_NAME}={session}")]
        self.url = f"{server.url}/dialogues/budapest-process/documents/new/"
        page = opener.open(self.url).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        self.token = token.group(1)
        csrf = next(c.value for c in jar if c.name == settings.CSRF_COOKIE_NAME)
        self.cookie = (
            f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}"
        )

    def post(self, title: str, data: bytes) -> tuple[int, str]:
        """Upload ``data`` as a PDF; the status after redirects, and the page."""
        import urllib.error
        import urllib.request

        boundary = uuid.uuid4().hex
        fields = {
            "csrfmiddlewaretoken": self.token,
            "kind": "report",
            "title_en": title,
            "series": "GEN",
            "marking": "public",
            "language": "en",
        }
        body = b"".join(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        )
        body += (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="r.pdf"\r\n'
                "Content-Type: application/pdf\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        request = urllib.request.Request(  # noqa: S310 - the test's own server
            self.url,
            data=body,
            headers={
                "Content-Type": f"multipart/form-data; boundary={boundary}",
                "Cookie": self.cookie,
                "Referer": self.url,
            },
        )
        try:
            with urllib.request.build_opener().open(request, timeout=60) as answer:
                return int(answer.status), answer.read().decode()
        except urllib.error.HTTPError as error:
            return int(error.code), error.read().decode()


def _pdf_of(size: int) -> bytes:
    """A PDF of exactly ``size`` bytes whose filler looks like nothing the checks refuse."""
    head, tail = b"%PDF-1.4\n", b"\n%%EOF\n"
    noise = os.urandom(size - len(head) - len(tail))
    return head + noise.replace(b"<", b"(").replace(b"/", b"|").replace(b"%", b"&") + tail


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_a_large_upload_through_daphne_arrives_whole(asgi_server: Any, world: Any) -> None:
    """The body streamed from Twisted's file (``StreamedBodies``) is the body that was sent."""
    import hashlib

    from documents.models import Document

    data = _pdf_of(12 * MB)
    status, _page = _Uploader(asgi_server, world.people["secretariat_staff"]).post(
        "Streamed report", data
    )
    assert status == 200  # followed the redirect to the document's page
    revision = Document.objects.get(title_i18n__en="Streamed report").revisions.get()
    assert revision.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_an_upload_of_exactly_the_cap_through_daphne_is_accepted_and_one_byte_more_refused(
    small_cap_server: Any, world: Any
) -> None:
    from documents.models import Document

    uploader = _Uploader(small_cap_server, world.people["secretariat_staff"])
    status, _page = uploader.post("At the cap", _pdf_of(SMALL_CAP))
    assert status == 200
    assert Document.objects.get(title_i18n__en="At the cap").revisions.get().size == SMALL_CAP
    status, page = uploader.post("Over the cap", _pdf_of(SMALL_CAP + 1))
    assert status == 400  # the form again, with the reason
    assert "The file is too large: at most 2.0\xa0MB." in page
    assert 'name="title_en"' in page
    assert not Document.objects.filter(title_i18n__en="Over the cap").exists()
