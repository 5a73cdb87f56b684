"""Helpers of the tests across real processes: a Redis of the test's own, a poster that
changes data through a server's own form, and live clients that resume as the browser's do."""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import websockets
from django.conf import settings
from django.test import Client

from dialogue.models import User
from tests.servers import AsgiServer, RedisServer

STREAM = "dialogue:budapest-process"


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.kill()


class Poster:
    """Posts announcements through a server's own form, as the secretariat's browser does."""

    def __init__(self, user: User) -> None:
        client = Client()
        client.force_login(user)
        self.session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
        self.count = 0

    def post(self, server: AsgiServer) -> int:
        self.count += 1
        body = urllib.parse.urlencode(
            {
                "title_en": f"Announcement {self.count}",
                "body_en": "Text",
                "audience": "public",
                "idempotency_key": uuid.uuid4().hex,
                "csrfmiddlewaretoken": self.csrf,
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 - a loopback URL built here
            f"{server.url}/dialogues/budapest-process/announcements/",
            data=body,
            headers={
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session}; csrftoken={self.csrf}"
            },
        )
        return status_of(request)


def status_of(request: urllib.request.Request) -> int:
    """The status ``request`` gets, redirects not followed (a 302 to the sign-in page is an
    answer here)."""
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=20) as response:
            return int(response.status)
    except urllib.error.HTTPError as answer:
        return answer.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class ResumingClient:
    """A live client as the browser's: reconnects with jittered back-off and resumes from the
    last id it saw; records every frame it is sent."""

    def __init__(self, server: AsgiServer) -> None:
        self.server = server
        self.received: list[int] = []
        self.last_id: int | None = None
        self.subscribed = threading.Event()
        self.disconnects = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    def start(self) -> None:
        self._thread.start()
        assert self.subscribed.wait(15), "the client never subscribed"

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)

    def wait_for(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while len(set(self.received)) < count and time.monotonic() < deadline:
            time.sleep(0.05)

    async def _run(self) -> None:
        attempt = 0
        while not self._stop.is_set():
            try:
                async with websockets.connect(
                    f"ws://127.0.0.1:{self.server.port}/ws/live/",
                    origin=websockets.Origin(self.server.url),
                    open_timeout=5,
                ) as socket:
                    message: dict[str, Any] = {"type": "subscribe", "streams": [STREAM]}
                    if self.last_id is not None:
                        message["since"] = self.last_id
                    await socket.send(json.dumps(message))
                    attempt = 0
                    while not self._stop.is_set():
                        try:
                            raw = await asyncio.wait_for(socket.recv(), 0.2)
                        except TimeoutError:
                            continue
                        frame = json.loads(raw)
                        if frame["type"] == "subscribed":
                            self.last_id = max(self.last_id or 0, frame["last_id"])
                            self.subscribed.set()
                        elif frame["type"] == "event":
                            self.received.append(frame["id"])
                            self.last_id = max(self.last_id or 0, frame["id"])
                            await socket.send(json.dumps({"type": "ack", "id": frame["id"]}))
            except (
                OSError,
                websockets.ConnectionClosed,
                websockets.InvalidHandshake,
                TimeoutError,
            ):
                self.disconnects += 1
            attempt += 1
            await asyncio.sleep(random.uniform(0, min(2.0, 0.1 * 2**attempt)))


@pytest.fixture
def clients() -> Iterator[list[ResumingClient]]:
    started: list[ResumingClient] = []
    yield started
    for client in started:
        client.stop()


def connect(clients: list[ResumingClient], server: AsgiServer) -> ResumingClient:
    """A resuming client on ``server``, subscribed; stopped at the end of the test."""
    client = ResumingClient(server)
    client.start()
    clients.append(client)
    return client
