"""What the WebSocket server under Daphne (Autobahn) costs per connection, trimmed.

Autobahn formats its whole configuration with ``pprint.pformat`` for a debug line on every new
connection, whether or not debug logging is on: about a third of a millisecond of CPU per
connect, which 1,000 clients reconnecting after a restart pay at once (bench/recovery.py). The
formatting is made lazy: done only when the line is written.
"""

from __future__ import annotations

from pprint import pformat
from typing import Any


class LazyFormat:
    """``pformat(value)``, computed when the log line is formatted, never otherwise."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __format__(self, spec: str) -> str:
        return format(pformat(self.value), spec)

    def __str__(self) -> str:
        return pformat(self.value)

    __repr__ = __str__


def install() -> None:
    """Make Autobahn's per-connection configuration dump lazy (once; idempotent)."""
    from autobahn.websocket import protocol

    protocol.pformat = LazyFormat  # type: ignore[assignment]  # used only as a log argument
