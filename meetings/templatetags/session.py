"""The session section of the meeting page, drawn by the session sub-package: the meeting
page's template says ``{% load session %}`` and ``{% session_section meeting %}``, and its
view knows nothing of the session. A meeting not in session asks no query for it."""

from __future__ import annotations

from typing import Any

from django import template

from meetings.models import MeetingStatus
from meetings.session import queries

register = template.Library()


@register.inclusion_tag("meetings/session/_session.html", takes_context=True)
def session_section(context: Any, meeting: Any) -> dict[str, Any]:
    """Where the room stands, the list of speakers, the person's place and the chair's
    controls; nothing while the meeting is not in session."""
    request = context.get("request")
    user = request.user if request is not None else None
    if meeting.status != MeetingStatus.IN_SESSION:
        return {"meeting": meeting, "session": None, "request": request}
    return {
        "meeting": meeting,
        "session": queries.session_view(user, meeting),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
