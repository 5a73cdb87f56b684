"""Reading responses in tests as a client would."""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync


def body_of(response: Any) -> bytes:
    """The bytes of a response; a streamed download is read the way the ASGI server reads it
    (asynchronously), not through the test client's synchronous fallback."""
    if not response.streaming:
        return bytes(response.content)
    if not response.is_async:
        return b"".join(response.streaming_content)

    async def read() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    return async_to_sync(read)()
