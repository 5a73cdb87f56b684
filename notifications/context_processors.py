from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .inbox import unread_count


def inbox(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_unread": 0}
    # Read with the person when they were loaded (dialogue/signed_in.py), else asked here.
    loaded = getattr(user, "unread_notifications", None)
    return {"nav_unread": unread_count(user) if loaded is None else loaded}
