"""The bare reference of ``bench/pages.py``: an ASGI application that answers every request with
``304 Not Modified`` and does nothing else, served by the same Daphne. What a request costs the
server before any of the product's code runs. Never deploy."""

from typing import Any


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await receive()
    await send({"type": "http.response.start", "status": 304, "headers": [(b"etag", b'"bare"')]})
    await send({"type": "http.response.body", "body": b""})
