"""Who is on a live socket: the Django session's person, read in one trip to the database with
what the permission policy needs of them (``LivePolicy.prepare``).

Channels' ``AuthMiddleware`` takes a trip to its single database thread on every connect, a
visitor without a session too, and the consumer then took another for the policy: after a
restart, a thousand clients reconnecting at once queued behind each other in that one thread.
Here a visitor without a session costs no trip, and a signed-in person one, in a thread of the
pool (reads only; Django's ``get_user`` checks the session as it does for a request).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from channels.middleware import BaseMiddleware
from channels.sessions import CookieMiddleware, SessionMiddleware
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser

from .database import in_database
from .policy import get_policy


def _person(session: Any) -> Any:
    user = auth.get_user(SimpleNamespace(session=session))  # type: ignore[arg-type]  # its session is all it reads
    if not user.is_authenticated:
        return user
    return get_policy().prepare(user) or AnonymousUser()


class LiveAuthMiddleware(BaseMiddleware):
    """Puts ``scope["user"]``: anonymous, or the signed-in person prepared by the policy."""

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        scope = dict(scope)
        session = scope.get("session")
        if session is None or session.session_key is None:
            scope["user"] = AnonymousUser()
        else:
            scope["user"] = await in_database(_person)(session)
        return await super().__call__(scope, receive, send)


def LiveAuthStack(inner: Any) -> Any:
    return CookieMiddleware(SessionMiddleware(LiveAuthMiddleware(inner)))
