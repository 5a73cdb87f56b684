"""Database work of the live sockets, in threads of a pool rather than Channels' single
database thread: a thousand sockets reconnecting at once do not queue behind each other there.
Only reads and self-contained writes go here (nothing that must stay in one thread)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from channels.db import database_sync_to_async
from django.db import connections

T = TypeVar("T")


def in_database(function: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    """``function`` in a thread of the pool. Its connections are handed back after each call,
    whatever their age: a connection left with one of many idle threads would stay open."""

    def run(*args: Any, **kwargs: Any) -> T:
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return database_sync_to_async(run, thread_sensitive=False)
