from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from . import permissions


def navigation(request: HttpRequest) -> dict[str, Any]:
    """What the page header needs to know about the visitor."""
    user = getattr(request, "user", None)
    return {
        "nav_can_use_admin": permissions.can_use_admin(user),
        "nav_can_invite": permissions.can_invite_anyone(user),
    }
