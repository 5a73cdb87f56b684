"""Who is on a live socket: the Django session's person, read in one trip to the database with
what the permission policy needs of them (``LivePolicy.prepare``).

Channels' ``AuthMiddlewareStack`` takes a trip to its single database thread on every connect,
a visitor without a session too (its ``SessionMiddleware`` builds the session store there), and
wraps every frame the socket sends afterwards to see whether the session needs saving, which a
socket never does. Here the session cookie is read from the handshake's headers: a visitor
without one costs no trip and no query, a signed-in person one trip, in a thread of the pool
(reads only; the session through the configured session engine, as a request's is, and
Django's ``get_user`` checks it as it does for a request), and frames go
straight to the server.
"""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser
from django.http import parse_cookie

from .database import in_database
from .policy import get_policy


def session_key_of(scope: Any) -> str | None:
    """The session cookie of the handshake, if it has one."""
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            return parse_cookie(value.decode("latin1")).get(settings.SESSION_COOKIE_NAME) or None
    return None


def _person(session_key: str) -> tuple[Any, Any]:
    """The person of the session, prepared by the policy (or anonymous), and the session."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = auth.get_user(SimpleNamespace(session=session))  # type: ignore[arg-type]  # its session is all it reads
    prepared = get_policy().prepare(user) if user.is_authenticated else None
    if prepared is None:
        return AnonymousUser(), None
    return prepared, session


class LiveAuthMiddleware:
    """Puts ``scope["user"]`` (anonymous, or the signed-in person prepared by the policy) and
    ``scope["session"]`` (the signed-in person's session, else None)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        key = session_key_of(scope)
        if key is None:
            user, session = AnonymousUser(), None
        else:
            user, session = await in_database(_person)(key)
        # The scope is this connection's own (``ClientAddress`` copied it): filled in place
        # rather than copied again for every socket's lifetime.
        scope["user"], scope["session"] = user, session
        return await self.inner(scope, receive, send)


def LiveAuthStack(inner: Any) -> Any:
    return LiveAuthMiddleware(inner)
