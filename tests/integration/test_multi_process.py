"""Two Daphne processes sharing a Redis channel layer, as in production: an event published
through one reaches sockets held by the other; Redis killed and restarted, or a Daphne process
restarted, and every client still ends with every event exactly once."""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import signal
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from django.conf import settings
from django.test import Client

from dialogue.models import User
from tests.conftest import World
from tests.servers import AsgiServer, RedisServer, server_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

STREAM = "dialogue:budapest-process"


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    yield server
    server.kill()


@pytest.fixture
def daphnes(redis_server: RedisServer, tmp_path: Path) -> Iterator[tuple[AsgiServer, AsgiServer]]:
    env = server_env(redis_url=redis_server.url, prefix=f"it-{uuid.uuid4().hex[:10]}")
    servers = (AsgiServer(env, tmp_path / "one.log"), AsgiServer(env, tmp_path / "two.log"))
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()


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
                "title": f"Announcement {self.count}",
                "body": "Text",
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
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=20) as response:
                return int(response.status)
        except urllib.error.HTTPError as answer:
            return answer.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
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


def _connect(clients: list[ResumingClient], server: AsgiServer) -> ResumingClient:
    client = ResumingClient(server)
    client.start()
    clients.append(client)
    return client


def test_event_published_through_one_process_reaches_a_socket_on_the_other(
    world: World, daphnes: tuple[AsgiServer, AsgiServer], clients: list[ResumingClient]
) -> None:
    one, two = daphnes
    listener = _connect(clients, two)
    poster = Poster(world.person("secretariat_staff"))
    started = time.monotonic()
    assert poster.post(one) == 302
    listener.wait_for(1, timeout=5)
    assert len(listener.received) == 1
    assert time.monotonic() - started < 2


def test_redis_killed_and_restarted_empty_loses_nothing(
    world: World,
    daphnes: tuple[AsgiServer, AsgiServer],
    redis_server: RedisServer,
    clients: list[ResumingClient],
) -> None:
    one, two = daphnes
    listeners = [_connect(clients, one), _connect(clients, two)]
    poster = Poster(world.person("secretariat_staff"))
    statuses = [poster.post(one if n % 2 else two) for n in range(3)]
    redis_server.kill()
    statuses += [poster.post(one if n % 2 else two) for n in range(3)]  # Redis is down
    time.sleep(5)
    redis_server.start()
    statuses += [poster.post(one if n % 2 else two) for n in range(3)]
    assert statuses == [302] * 9  # changes still succeed while Redis is down
    for listener in listeners:
        listener.wait_for(9)
        assert sorted(listener.received) == sorted(set(listener.received))  # none twice
        assert len(listener.received) == 9


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_daphne_restart_loses_nothing(
    world: World,
    daphnes: tuple[AsgiServer, AsgiServer],
    clients: list[ResumingClient],
    sig: int,
) -> None:
    one, two = daphnes
    listener = _connect(clients, two)
    poster = Poster(world.person("secretariat_staff"))
    assert poster.post(one) == 302
    listener.wait_for(1)
    two.stop(sig=sig)
    assert [poster.post(one) for _ in range(3)] == [302] * 3  # published while it is down
    two.start()
    assert poster.post(one) == 302
    listener.wait_for(5)
    assert listener.disconnects >= 1
    assert len(listener.received) == 5
    assert len(set(listener.received)) == 5
