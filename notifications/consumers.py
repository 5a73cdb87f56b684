"""The live WebSocket endpoint (``/ws/live/``); the protocol is in ``docs/live-protocol.md``."""

from __future__ import annotations

import json
from typing import Any

from channels.generic.websocket import AsyncWebsocketConsumer

MAX_MESSAGE_BYTES = 4096


class CloseCode:
    UNKNOWN_MESSAGE = 4400
    UNAUTHENTICATED = 4401
    FORBIDDEN = 4403
    TOO_LARGE = 4413
    TOO_FAST = 4429


class LiveConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        await self.accept()

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data.encode()) > MAX_MESSAGE_BYTES:
            await self.close(code=CloseCode.TOO_LARGE)
            return
        try:
            message: Any = json.loads(text_data)
        except ValueError:
            message = None
        if isinstance(message, dict) and message.get("type") == "ping":
            await self.send(text_data=json.dumps({"type": "pong"}))
            return
        await self.close(code=CloseCode.UNKNOWN_MESSAGE)
