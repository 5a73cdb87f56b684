"""Reads for meeting pages, each in a fixed number of queries whatever the agenda size."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from dialogue import permissions

from . import agenda
from .models import ActionPoint, AgendaRelease, Meeting

# Columns the meeting page loads with the meeting for a section that a sub-package draws with its
# template tag (registration's nomination counts, added in ``MeetingsConfig.ready``): the page
# asks no query per section, and neither this module nor ``meetings.views`` imports the
# sub-package.


@dataclass(frozen=True)
class PageColumns:
    """A section's columns: ``shape(user)`` is what decides which (hashable: the page's SQL is
    compiled once per shape), ``columns(shape)`` are they."""

    shape: Callable[[Any], Hashable]
    columns: Callable[[Any], Mapping[str, Any]]


MEETING_PAGE_COLUMNS: list[PageColumns] = []


def page_shape(user: Any) -> tuple[Hashable, ...]:
    """What decides the columns the sections of the meeting page ask for ``user``."""
    return tuple(section.shape(user) for section in MEETING_PAGE_COLUMNS)


def meetings_for_page(shape: tuple[Hashable, ...]) -> QuerySet[Meeting]:
    """Meetings carrying the columns of the sections of the meeting page, for a ``page_shape``."""
    meetings = Meeting.objects.all()
    for section, its_shape in zip(MEETING_PAGE_COLUMNS, shape, strict=True):
        meetings = meetings.annotate(**section.columns(its_shape))
    return meetings


@dataclass(frozen=True)
class AgendaView:
    """The agenda a person sees: a release (or, for the secretariat, the draft), as rows."""

    items: list[dict[str, Any]]
    release: AgendaRelease | None
    is_draft: bool
    unreleased_changes: bool
    changes: list[str]
    # What the rendered rows depend on besides the viewer's language and zone: the release and
    # whether internal items are in it. None for the draft, which changes without a number.
    cache_key: str | None = None


def agenda_for(user: Any, meeting: Meeting, *, version: int | None = None) -> AgendaView:
    """Two queries for the releases (the shown one and the one before, for its changes), one
    more for the secretariat's draft: the same whatever the number of items."""
    releases = meeting.agenda_releases.order_by("-number")
    if version:
        releases = releases.filter(number__lte=version)
    latest_two = list(releases[:2])
    release = latest_two[0] if latest_two else None
    if version and (release is None or release.number != version):
        return AgendaView([], None, False, False, [])
    previous = latest_two[1] if len(latest_two) > 1 else None
    changes = (
        [
            agenda.describe_change(c, meeting.zone)
            for c in agenda.visible_changes(release, user, previous)
        ]
        if release is not None and previous is not None
        else []
    )
    manager = permissions.can_see_internal_agenda(user, meeting)
    if manager and version is None:
        draft = agenda.snapshot(meeting)
        # an empty draft with nothing released has nothing to release
        unreleased = (release.items if release is not None else []) != draft
        return AgendaView(draft, release, True, unreleased, changes)
    if release is None:
        return AgendaView([], None, False, False, [])
    items = release.items if manager else agenda.public_items(release.items)
    scope = "all" if manager else "public"
    return AgendaView(items, release, False, False, changes, f"{release.pk}-{scope}")


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
    rows = list(meetings.select_related("dialogue", "body", "country", "registration_settings"))
    return [m for m in rows if m.ends_at >= now], [m for m in reversed(rows) if m.ends_at < now]
