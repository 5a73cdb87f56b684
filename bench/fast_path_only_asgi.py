"""The project's ASGI application with the hub's log backstop slowed to once an hour: live
frames then arrive only by the fast path (the channel layer), so ``bench/recovery.py`` can tell
when that path is back after Redis restarts. Never deploy: the backstop is what delivers what
the fast path loses."""

from config.asgi import application  # first: sets Django up
from notifications import hub

hub.BACKSTOP_INTERVAL = 3600.0

__all__ = ["application"]
