"""What the hub needs from a connected socket: who is on it, the streams it follows, and where
to write. ``consumers.LiveConsumer`` is one; the hub knows no more of it than this, so the two
do not import each other."""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from typing import Any, Protocol


class LiveSocket(Protocol):
    @property
    def user(self) -> Any: ...

    @property
    def user_key(self) -> int | None: ...

    @property
    def session_key(self) -> str | None: ...

    @property
    def streams(self) -> Collection[str]: ...

    @property
    def finished(self) -> asyncio.Event:
        """Set once the socket is closed and its consumer has returned."""

    async def deliver(self, event_id: int, stream: str, frame: str) -> None: ...

    async def inbox_changed(self, event_id: int) -> None: ...

    async def refresh(self, user: Any) -> None: ...

    async def end_session(self) -> None: ...

    async def go_away(self) -> None:
        """Close with 1001: the server is shutting down."""
