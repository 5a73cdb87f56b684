"""Liveness of the stores the platform cannot work without."""

from __future__ import annotations

import asyncio
import uuid

from channels.layers import get_channel_layer
from django.db import connection

CHANNEL_LAYER_TIMEOUT = 2.0


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


async def channel_layer_ok() -> bool:
    """Send a message to a fresh channel and read it back."""
    layer = get_channel_layer()
    if layer is None:
        return False
    channel = f"healthz.{uuid.uuid4().hex}"
    try:
        async with asyncio.timeout(CHANNEL_LAYER_TIMEOUT):
            await layer.send(channel, {"type": "healthz"})
            message = await layer.receive(channel)
    except Exception:
        return False
    return message.get("type") == "healthz"
