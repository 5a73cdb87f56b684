"""The registration section of the meeting page, drawn by registration: the meeting page's
template says ``{% load registration %}`` and ``{% registration_section meeting %}``, and its
view knows nothing of registration."""

from __future__ import annotations

from typing import Any

from django import template

from meetings.registration import views

register = template.Library()


@register.inclusion_tag("meetings/_registration.html", takes_context=True)
def registration_section(context: Any, meeting: Any) -> dict[str, Any]:
    """Deadlines, the person's own nominations, the secretariat's counts and links."""
    request = context.get("request")
    user = request.user if request is not None else None
    return {"request": request, **views.registration_section(user, meeting)}
