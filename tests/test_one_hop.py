"""config/one_hop.py: the calendar feeds asked without a session cookie take the chain without
the session middleware, and answer exactly as the full chain does; with a session cookie, the
person's own feed."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Mapping
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.core import signals
from django.db import close_old_connections
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from config.one_hop import OneHopASGIHandler
from tests.conftest import World, client_for
from tests.meetings.conftest import istanbul_meeting


def _asgi_get(path: str, *headers: tuple[bytes, bytes]) -> tuple[int, dict[str, str], bytes]:
    """One GET through the project's ASGI handler, as Daphne calls it."""
    route, _, query = path.partition("?")
    sent: list[dict[str, Any]] = []
    given = False

    async def receive() -> dict[str, Any]:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": route,
        "raw_path": route.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    # As Django's test client does: the test's transaction is the connection to keep.
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    try:
        async_to_sync(OneHopASGIHandler())(scope, receive, send)
    finally:
        for signal in (signals.request_started, signals.request_finished):
            signal.connect(close_old_connections)
    start = sent[0]
    head = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], head, body


def test_feed_without_a_session_answers_as_the_full_chain(world: World) -> None:
    meeting = istanbul_meeting(world, is_public=True)
    path = f"/meetings/{meeting.pk}/calendar.ics?agenda=1"
    full = Client().get(path)
    status, headers, body = _asgi_get(path)
    assert (status, body, headers["etag"]) == (200, full.content, full["ETag"])
    assert headers["cache-control"] == full["Cache-Control"]
    assert "Cookie" in headers["vary"]
    assert headers["content-security-policy"] == full["Content-Security-Policy"]
    assert _asgi_get(path, (b"if-none-match", full["ETag"].encode()))[0] == 304


def test_feed_with_a_session_is_the_signed_in_persons(world: World) -> None:
    meeting = istanbul_meeting(world, is_public=False)
    path = f"/meetings/{meeting.pk}/calendar.ics"
    assert _asgi_get(path)[0] == 404  # members only: a visitor without a session sees nothing
    session = client_for(world.person("delegate_a")).cookies[settings.SESSION_COOKIE_NAME].value
    cookie = f"{settings.SESSION_COOKIE_NAME}={session}".encode()
    assert _asgi_get(path, (b"cookie", cookie))[0] == 200


# --- Threads kept for requests -----------------------------------------------------------------

_threads: list[int] = []


def _where(request: HttpRequest) -> HttpResponse:
    _threads.append(threading.get_ident())
    if request.GET.get("slow"):
        time.sleep(0.2)
    return HttpResponse("ok")


urlpatterns = [path("one-hop-thread/", _where)]


async def _served(handler: OneHopASGIHandler, path: str) -> int:
    route, _, query = path.partition("?")
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Mapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "method": "GET",
        "path": route,
        "query_string": query.encode(),
        "headers": [(b"host", b"testserver")],
    }
    await handler(scope, receive, send)
    return int(sent[0]["status"])


@pytest.mark.urls("tests.test_one_hop")
def test_each_request_runs_in_a_thread_kept_for_the_next() -> None:
    """One request per thread at a time, in a thread kept from earlier requests (not started
    and joined per request, as in Django's handler)."""
    handler = OneHopASGIHandler()
    _threads.clear()

    async def scenario() -> None:
        assert await _served(handler, "/one-hop-thread/") == 200
        assert await _served(handler, "/one-hop-thread/") == 200
        both = await asyncio.gather(
            _served(handler, "/one-hop-thread/?slow=1"), _served(handler, "/one-hop-thread/?slow=1")
        )
        assert both == [200, 200]

    asyncio.run(scenario())
    first, second, *together = _threads
    assert first == second != threading.get_ident()  # kept, and not the event loop's
    assert len(set(together)) == 2  # at the same time: a thread each
    assert first in together
