"""On SIGTERM (and Ctrl-C), tell every live socket the server is going away before it exits.

Daphne runs Twisted's reactor, whose own SIGTERM handler stops the reactor at once: the
application instances are cancelled and the connections dropped without a close frame, so
browsers see 1006 and back off as after a network failure. The handler installed here, once the
reactor runs, first has the hub close every socket with 1001 "going away" (clients reconnect at
once, with jitter: ``static/js/live.js``) and waits for their answers, at most the setting
``LIVE_GOING_AWAY_GRACE_SECONDS`` (a second); then it hands over to the handler it replaced. A
second signal meanwhile stops at once.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

from django.conf import settings

from .consumers import CloseCode
from .hub import LiveHub, current_hub

logger = logging.getLogger(__name__)

Handler = Callable[[int, FrameType | None], Any]
SIGNALS = (signal.SIGTERM, signal.SIGINT)


def install() -> None:
    """Under Daphne (Twisted's reactor imported before the application), install the handlers
    once the reactor runs: it installs its own as it starts. Elsewhere (tests, other servers)
    nothing changes."""
    if "twisted.internet.reactor" not in sys.modules:
        return
    from twisted.internet import reactor

    allow_going_away_close()
    reactor.callWhenRunning(install_handlers)


def allow_going_away_close() -> None:
    """Let Daphne close a socket with 1001. Autobahn, under Daphne, lets an application close
    only with 1000 or 3000-4999 and raises otherwise; yet 1001 is the code RFC 6455 (7.4.1)
    gives "a server going down", and the one browsers reconnect on. That code alone is written
    as a close frame directly, as Autobahn itself does when it fails a connection."""
    from daphne.ws_protocol import WebSocketProtocol

    original = WebSocketProtocol.serverClose
    if getattr(original, "allows_going_away", False):
        return

    def server_close(protocol: Any, code: int | None = None) -> None:
        if code == CloseCode.GOING_AWAY:
            protocol.sendCloseFrame(code=code, reasonUtf8=b"going away", isReply=False)
        else:
            original(protocol, code)

    server_close.allows_going_away = True  # type: ignore[attr-defined]  # a mark against re-wrapping
    WebSocketProtocol.serverClose = server_close


def install_handlers() -> None:
    """Wrap the current handlers of SIGTERM and SIGINT (the reactor's, when it runs)."""
    going = GoingAway()
    for signum in SIGNALS:
        previous = signal.getsignal(signum)
        if callable(previous):
            signal.signal(signum, going.handler(previous))


class GoingAway:
    def __init__(self) -> None:
        self.started = False

    def handler(self, previous: Handler) -> Handler:
        def on_signal(signum: int, frame: FrameType | None) -> None:
            # The signal interrupts the reactor's event loop, in its thread: its hub is found.
            hub = current_hub()
            if self.started or hub is None or hub.loop is None:
                previous(signum, frame)
                return
            self.started = True
            loop = hub.loop
            loop.call_soon_threadsafe(
                lambda: loop.create_task(self._go_away(hub, previous, signum))
            )

        return on_signal

    async def _go_away(self, hub: LiveHub, previous: Handler, signum: int) -> None:
        try:
            told = await hub.go_away(grace=settings.LIVE_GOING_AWAY_GRACE_SECONDS)
            logger.info("told %d live sockets the server is going away", told)
        except Exception:
            logger.exception("closing live sockets before exiting failed")
        finally:
            previous(signum, None)
