from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from config.asgi import application
from dialogue.models import User
from notifications.hub import stop_hub

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


@pytest.fixture
async def hub_cleanup() -> AsyncIterator[None]:
    yield
    await stop_hub()


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
