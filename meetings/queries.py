"""Reads for meeting pages, each in a fixed number of queries whatever the agenda size."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from dialogue import permissions

from . import agenda
from .models import ActionPoint, AgendaRelease, Meeting


@dataclass(frozen=True)
class AgendaView:
    """The agenda a person sees: a release (or, for the secretariat, the draft), as rows."""

    items: list[dict[str, Any]]
    release: AgendaRelease | None
    is_draft: bool
    unreleased_changes: bool


def agenda_for(user: Any, meeting: Meeting, *, version: int | None = None) -> AgendaView:
    releases = meeting.agenda_releases.all()
    release = (
        releases.filter(number=version).first() if version else releases.order_by("-number").first()
    )
    manager = permissions.can_see_internal_agenda(user, meeting)
    if manager and version is None:
        draft = agenda.snapshot(meeting)
        return AgendaView(draft, release, True, release is None or release.items != draft)
    if release is None:
        return AgendaView([], None, False, False)
    items = release.items if manager else agenda.public_items(release.items)
    return AgendaView(items, release, False, False)


def open_action_points(meeting: Meeting) -> QuerySet[ActionPoint]:
    """Action points of this meeting, and those still open from the body's earlier meetings."""
    carried_over = Q(
        body_id=meeting.body_id,
        meeting__starts_at__lt=meeting.starts_at,
        status__in=ActionPoint.OPEN_STATUSES,
    )
    return (
        ActionPoint.objects.filter(Q(meeting=meeting) | carried_over)
        .select_related("meeting", "owner_state", "owner_organisation")
        .order_by("due_on", "id")
    )


def upcoming_and_past(
    meetings: QuerySet[Meeting], now: datetime.datetime
) -> tuple[list[Meeting], list[Meeting]]:
    rows = list(meetings.select_related("dialogue", "body", "country"))
    return [m for m in rows if m.ends_at >= now], [m for m in reversed(rows) if m.ends_at < now]
