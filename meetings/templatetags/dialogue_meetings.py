"""The meetings section of a dialogue's page, drawn by meetings: the dialogue's template says
``{% load dialogue_meetings %}`` and ``{% dialogue_meetings dialogue %}`` (the dialogue app
cannot import meetings)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from dialogue import desk, permissions
from meetings.registration import queries as registration_queries

register = template.Library()

UPCOMING = 6
RECENT = 4


@register.inclusion_tag("meetings/_dialogue_meetings.html", takes_context=True)
def dialogue_meetings(context: Any, dialogue: Any) -> dict[str, Any]:
    """Upcoming and recent meetings of ``dialogue`` the viewer may see, each with its dates,
    place and status and, for those concerned, what it needs of them: the secretariat's
    nominations to review, a focal point's registration, letter and comments, a recipient's
    papers to acknowledge (``dialogue.desk``)."""
    request = context.get("request")
    user = request.user if request is not None else None
    now = timezone.now()
    visible = permissions.meetings_visible_to(user).filter(dialogue=dialogue)
    secretariat = permissions.is_secretariat(user, dialogue)
    if secretariat:
        visible = visible.annotate(**registration_queries.nomination_counts())
    visible = visible.select_related("dialogue", "body", "registration_settings")
    upcoming = list(visible.filter(ends_at__gte=now).order_by("starts_at")[:UPCOMING])
    recent = list(visible.filter(ends_at__lt=now).order_by("-starts_at")[:RECENT])
    needs: dict[int, list[desk.Need]] = {}
    for need in desk.needs_of(user):
        if need.meeting_id is not None:
            needs.setdefault(need.meeting_id, []).append(need)
    rows = [
        (meeting, needs.get(meeting.pk, []), getattr(meeting, "count_nominated", None) or 0)
        for meeting in upcoming
    ]
    return {
        "request": request,
        "dialogue": dialogue,
        "upcoming": rows,
        "recent": [(meeting, [], 0) for meeting in recent],
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE"),
    }
