"""The events of the meeting in session, on ``meeting:<id>``: where the room stands on the
agenda (``session.*``) and the list of speakers (``floor.*``).

Live only (nobody's inbox fills with every turn of the floor). Their audience is the meeting's:
the list of speakers names delegations, never people, and is as public as the agenda. Pages
re-fetch their fragment on each, so a page that missed some (offline for a minute) gets them
replayed on reconnect and shows the state as it is now.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogue.models import User
from dialogue.translations import from_data
from meetings import events
from meetings.models import Delegation, FloorKind, FloorRequest, ParticipationMode, Sitting
from notifications import registry
from notifications.models import Channel, Event

ITEM_OPENED = "session.item_opened"
ITEM_CLOSED = "session.item_closed"
DELAY_CHANGED = "session.delay_changed"
FLOOR_REQUESTED = "floor.requested"
FLOOR_WITHDRAWN = "floor.withdrawn"
FLOOR_GIVEN = "floor.given"
FLOOR_ENDED = "floor.ended"
QUEUE_CHANGED = "floor.queue_changed"  # reordered, list closed or reopened, tour de table
ATTENDANCE_RECORDED = "attendance.recorded"  # a participant present on a day, in person or online

SESSION = registry.register_category(
    "session", gettext_lazy("The meeting in session"), Channel.IN_APP
)


@dataclass(frozen=True)
class SessionFacts(events.MeetingFacts):
    """Where the room stands: the agenda item under discussion (its key in the released
    agenda, or null between items) and the delay in minutes (negative: early)."""

    item: int | None
    item_number: str
    item_title: str
    item_title_i18n: dict[str, str]
    delay_minutes: int


@dataclass(frozen=True)
class FloorChanged(SessionFacts):
    """A change of the list of speakers; ``request`` and the delegation are the one it is
    about (empty for a change of the whole list)."""

    request: int | None
    delegation_key: str
    delegation_name: str
    delegation_name_i18n: dict[str, str]
    floor_kind: FloorKind | None
    change: Literal[
        "requested",
        "withdrawn",
        "given",
        "ended",
        "reordered",
        "list_closed",
        "list_reopened",
        "tour",
    ]
    speaking_seconds: int | None
    list_closed: bool


@dataclass(frozen=True)
class AttendanceRecorded(events.NominationFacts):
    """A participant present on a day (``YYYY-MM-DD``, the meeting's local date); for the
    delegation's audience (the secretariat, the state's focal point, the person)."""

    day: str
    mode: ParticipationMode


def _describe(event: Event) -> registry.Description:
    data = event.data
    title = from_data(data, "item_title").pick()
    delegation = from_data(data, "delegation_name").pick()
    texts = {
        ITEM_OPENED: _("Now under discussion: %(item)s"),
        ITEM_CLOSED: _("Item closed: %(item)s"),
        DELAY_CHANGED: _("The room's delay: %(delay)s min"),
        FLOOR_REQUESTED: _("%(delegation)s asks for the floor"),
        FLOOR_WITHDRAWN: _("%(delegation)s withdrew its request for the floor"),
        FLOOR_GIVEN: _("%(delegation)s has the floor"),
        FLOOR_ENDED: _("%(delegation)s finished speaking"),
        QUEUE_CHANGED: _("The list of speakers changed"),
        ATTENDANCE_RECORDED: _("%(person)s present on %(day)s (%(delegation)s)"),
    }
    return registry.Description(
        title=registry.fill(
            texts[event.type],
            {
                "item": title,
                "delegation": delegation,
                "delay": data.get("delay_minutes", 0),
                "person": data.get("person", ""),
                "day": data.get("day", ""),
            },
        ),
        text="",
        url=reverse("meeting_detail", args=[data["meeting"]]) + "#session",
    )


for _type in (ITEM_OPENED, ITEM_CLOSED, DELAY_CHANGED):
    registry.register(
        _type, category=SESSION, describe=_describe, payload=SessionFacts, in_inbox=False
    )
registry.register(
    ATTENDANCE_RECORDED,
    category=SESSION,
    describe=_describe,
    payload=AttendanceRecorded,
    in_inbox=False,
)
for _type in (FLOOR_REQUESTED, FLOOR_WITHDRAWN, FLOOR_GIVEN, FLOOR_ENDED, QUEUE_CHANGED):
    registry.register(
        _type, category=SESSION, describe=_describe, payload=FloorChanged, in_inbox=False
    )


def _where(sitting: Sitting) -> dict[str, Any]:
    discussion = sitting.current
    row = item_row(sitting) if discussion is not None else None
    return {
        "item": discussion.item_id if discussion is not None else None,
        "item_number": row.get("number", "") if row else "",
        "item_title": from_data(row, "title").pick(settings.LANGUAGE_CODE) if row else "",
        "item_title_i18n": from_data(row, "title").as_dict() if row else {},
        "delay_minutes": sitting.delay_minutes,
    }


def item_row(sitting: Sitting) -> dict[str, Any] | None:
    """The released agenda's row of the item under discussion (public items only: an internal
    item is never taken up in the room's list)."""
    if sitting.current is None:
        return None
    from meetings import agenda

    release = sitting.meeting.agenda_releases.order_by("-number").first()
    if release is None:
        return None
    key = sitting.current.item_id
    return next((r for r in agenda.public_items(release.items) if r["key"] == key), None)


def publish_session(sitting: Sitting, event_type: str, *, by: User) -> None:
    """Publish where the room stands; inside the caller's transaction."""
    events.publish_meeting_event(sitting.meeting, event_type, by=by, **_where(sitting))


def publish_floor(
    sitting: Sitting,
    event_type: str,
    *,
    by: User,
    change: str,
    request: FloorRequest | None = None,
    delegation: Delegation | None = None,
) -> None:
    """Publish a change of the list of speakers; inside the caller's transaction."""
    delegation = delegation or (request.delegation if request is not None else None)
    member = delegation.member if delegation is not None else None
    list_closed = sitting.current.speakers_closed if sitting.current is not None else False
    events.publish_meeting_event(
        sitting.meeting,
        event_type,
        by=by,
        **_where(sitting),
        request=request.pk if request is not None else None,
        delegation_key=delegation.key if delegation is not None else "",
        delegation_name=member.name_i18n.pick(settings.LANGUAGE_CODE) if member else "",
        delegation_name_i18n=member.name_i18n.as_dict() if member else {},
        floor_kind=request.kind if request is not None else None,
        change=change,
        speaking_seconds=request.speaking_seconds if request is not None else None,
        list_closed=list_closed,
    )
