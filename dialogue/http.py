"""Request types for views and the admin behind a sign-in."""

from __future__ import annotations

from django.http import HttpRequest

from .models import User


class AuthenticatedRequest(HttpRequest):
    """A request whose user is signed in (views behind ``login_required``, the admin)."""

    user: User


def acting_user(request: HttpRequest) -> User:
    """The signed-in person behind a request that cannot be anonymous (the admin)."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("this request needs a signed-in person")
    return user
