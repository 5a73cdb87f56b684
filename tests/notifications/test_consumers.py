from __future__ import annotations

import json

import pytest
from channels.testing import WebsocketCommunicator

from config.asgi import application
from notifications.consumers import CloseCode

ORIGIN = (b"origin", b"http://127.0.0.1:8000")


async def test_live_socket_answers_ping() -> None:
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=[ORIGIN])
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_to(text_data=json.dumps({"type": "ping"}))
    assert json.loads(await communicator.receive_from()) == {"type": "pong"}
    await communicator.disconnect()


@pytest.mark.parametrize("headers", [[], [(b"origin", b"https://evil.example")]])
async def test_live_socket_refuses_a_missing_or_foreign_origin(
    headers: list[tuple[bytes, bytes]],
) -> None:
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, _ = await communicator.connect()
    assert not connected


async def test_live_socket_closes_on_an_unknown_message() -> None:
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=[ORIGIN])
    await communicator.connect()
    await communicator.send_to(text_data=json.dumps({"type": "launch"}))
    assert await communicator.receive_output() == {
        "type": "websocket.close",
        "code": CloseCode.UNKNOWN_MESSAGE,
    }
