from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.db import connections
from django.db.backends.utils import CursorWrapper
from django.test import Client

from config.asgi import application
from dialogue import announcements
from dialogue.models import User
from notifications.hub import stop_hub
from tests.conftest import World

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@pytest.fixture(autouse=True)
def _in_memory_channel_layer(settings: Any) -> None:
    """Consumers run in this process: the in-memory layer serves them. (channels_redis keeps
    per-event-loop state and shields its blocking read, so a Redis layer outlives each test's
    loop; the Redis path is tested across real processes in tests/integration.)"""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture
async def hub_cleanup() -> AsyncIterator[None]:
    yield
    await stop_hub()


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections() -> AsyncIterator[None]:
    """Consumers reach the database from asgiref's one worker thread, whose connection is
    persistent (``CONN_MAX_AGE``): closed after each test, or it keeps the test database busy
    and PostgreSQL refuses to drop it at the end of the run."""
    yield
    await sync_to_async(connections.close_all)()


def session_cookie(user: User) -> tuple[bytes, bytes]:
    client = Client()
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())


async def socket(user: User | None = None) -> WebsocketCommunicator:
    headers = [ORIGIN]
    if user is not None:
        headers.append(await sync_to_async(session_cookie)(user))
    return WebsocketCommunicator(application, "/ws/live/", headers=headers)


async def subscribe(
    ws: WebsocketCommunicator, stream: str, since: int | None = None
) -> list[dict[str, Any]]:
    """Subscribe and return every frame up to and including ``subscribed`` (or ``refused``)."""
    message: dict[str, Any] = {"type": "subscribe", "streams": [stream]}
    if since is not None:
        message["since"] = since
    await ws.send_to(text_data=json.dumps(message))
    frames = []
    while True:
        frame = json.loads(await ws.receive_from(timeout=5))
        frames.append(frame)
        if frame["type"] in ("subscribed", "refused"):
            return frames


async def next_event(ws: WebsocketCommunicator, timeout: float = 5) -> dict[str, Any]:
    while True:
        frame = json.loads(await ws.receive_from(timeout=timeout))
        if frame["type"] == "event":
            return frame


@pytest.fixture
def queries(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """Start counting the statements every thread sends to the database (a consumer's run in
    the database thread); calling the result returns them so far."""
    seen: list[str] | None = None
    original = CursorWrapper._execute

    def counting(self: CursorWrapper, sql: str, *args: Any) -> Any:
        if seen is not None:
            seen.append(sql)
        return original(self, sql, *args)

    monkeypatch.setattr(CursorWrapper, "_execute", counting)

    def start() -> list[str]:
        nonlocal seen
        seen = []
        return seen

    return start


def post_announcement(world: World, title: str = "News", audience: str = "members") -> None:
    """An announcement by the world's secretariat staff: an event on the dialogue's stream."""
    announcements.post_announcement(
        by=world.people["secretariat_staff"],
        dialogue=world.dialogue,
        title=title,
        body="Text",
        audience=audience,
    )
