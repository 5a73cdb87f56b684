"""What the session section of the meeting page, the big screen and the report show: where
the room stands, the estimated times of the items to come, who has the floor, the list of
speakers (delegations, never people) and, for a delegation's participant, their own place."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from dialogue import permissions
from dialogue.translations import from_data
from meetings import agenda
from meetings.models import (
    AgendaItem,
    AttendanceDay,
    Delegation,
    Discussion,
    FloorKind,
    FloorRequest,
    FloorStatus,
    HybridParticipation,
    Meeting,
    MeetingStatus,
    Nomination,
    NominationStatus,
    OnlineLink,
    ParticipationMode,
    Sitting,
)


@dataclass(frozen=True)
class AgendaLine:
    """An item of the released agenda as the room runs it."""

    key: int
    number: str
    title: str
    kind: str
    starts_at: datetime.datetime | None  # as released
    estimated_at: datetime.datetime | None  # as released, shifted by the delay

    @property
    def shifted(self) -> bool:
        return self.starts_at is not None and self.estimated_at != self.starts_at


@dataclass(frozen=True)
class Place:
    """A request on the list (or the one speaking), by delegation."""

    request: int
    place: int  # 1 for the first waiting; 0 for the one speaking
    delegation: str
    delegation_key: str
    point_of_order: bool
    tour: bool
    is_mine: bool


@dataclass(frozen=True)
class Speaker:
    request: int
    delegation: str
    given_at: datetime.datetime
    speaking_seconds: int | None
    is_mine: bool

    @property
    def remaining_seconds(self) -> int | None:
        if self.speaking_seconds is None:
            return None
        spent = (timezone.now() - self.given_at).total_seconds()
        return max(0, int(self.speaking_seconds - spent))


@dataclass(frozen=True)
class SessionView:
    meeting: Meeting
    in_session: bool
    sitting: Sitting | None
    current: AgendaLine | None
    list_closed: bool
    delay_minutes: int
    following: list[AgendaLine]
    items: list[AgendaLine]  # every item of the released agenda (the chair picks from them)
    speaker: Speaker | None
    queue: list[Place]
    can_chair: bool
    # the person's own delegations (id, name) and their waiting request, if any
    own_delegations: list[tuple[int, str]] = field(default_factory=list)
    own_request: Place | None = None
    delegations: list[tuple[int, str]] = field(default_factory=list)  # for the chair
    online_links: list[Any] = field(default_factory=list)  # the links the person may open
    manages_registration: bool = False

    @property
    def early_minutes(self) -> int:
        return -self.delay_minutes if self.delay_minutes < 0 else 0

    @property
    def next_up(self) -> Place | None:
        return self.queue[0] if self.queue else None


def _name(delegation: Delegation) -> str:
    return delegation.member.name


def _lines(meeting: Meeting, delay: int) -> list[AgendaLine]:
    release = meeting.agenda_releases.order_by("-number").first()
    if release is None:
        return []
    shift = datetime.timedelta(minutes=delay)
    lines = []
    for row in agenda.public_items(release.items):
        start = datetime.datetime.fromisoformat(row["starts_at"]) if row["starts_at"] else None
        lines.append(
            AgendaLine(
                key=row["key"],
                number=row["number"],
                title=from_data(row, "title").pick(),
                kind=row["kind"],
                starts_at=start,
                estimated_at=start + shift if start is not None else None,
            )
        )
    return lines


def session_view(user: Any, meeting: Meeting) -> SessionView:
    """The meeting in session as ``user`` sees it (anonymous: the big screen's view)."""
    sitting = (
        Sitting.objects.select_related("current", "first_state").filter(meeting=meeting).first()
    )
    delay = sitting.delay_minutes if sitting is not None else 0
    lines = _lines(meeting, delay)
    discussion: Discussion | None = sitting.current if sitting is not None else None
    if discussion is not None and discussion.closed_at is not None:
        discussion = None
    current = next((x for x in lines if discussion and x.key == discussion.item_id), None)
    if current is not None:
        following = lines[lines.index(current) + 1 :]
    else:
        done = set(
            Discussion.objects.filter(sitting=sitting).values_list("item_id", flat=True)
            if sitting is not None
            else []
        )
        last = max((i for i, x in enumerate(lines) if x.key in done), default=-1)
        following = lines[last + 1 :]
    following = [x for x in following if x.kind != AgendaItem.Kind.SESSION]
    own = permissions.floor_delegation_ids(user, meeting)
    speaker = None
    queue: list[Place] = []
    if discussion is not None:
        requests = list(
            FloorRequest.objects.filter(
                discussion=discussion, status__in=[FloorStatus.WAITING, FloorStatus.SPEAKING]
            )
            .select_related("delegation__state", "delegation__organisation")
            .order_by("position", "id")
        )
        for r in requests:
            if r.status == FloorStatus.SPEAKING and r.given_at is not None:
                speaker = Speaker(
                    r.pk,
                    _name(r.delegation),
                    r.given_at,
                    r.speaking_seconds,
                    r.delegation_id in own,
                )
        waiting = [r for r in requests if r.status == FloorStatus.WAITING]
        queue = [
            Place(
                request=r.pk,
                place=index + 1,
                delegation=_name(r.delegation),
                delegation_key=r.delegation.key,
                point_of_order=r.kind == FloorKind.POINT_OF_ORDER,
                tour=r.kind == FloorKind.TOUR,
                is_mine=r.delegation_id in own,
            )
            for index, r in enumerate(waiting)
        ]
    can_chair = permissions.can_chair_session(user, meeting)
    own_delegations = (
        [
            (d.pk, _name(d))
            for d in Delegation.objects.filter(pk__in=own).select_related("state", "organisation")
        ]
        if own
        else []
    )
    delegations = (
        [
            (d.pk, _name(d))
            for d in Delegation.objects.filter(meeting=meeting, nominations__status="approved")
            .distinct()
            .select_related("state", "organisation")
        ]
        if can_chair
        else []
    )
    return SessionView(
        meeting=meeting,
        in_session=meeting.status == MeetingStatus.IN_SESSION,
        sitting=sitting,
        current=current,
        list_closed=discussion.speakers_closed if discussion is not None else False,
        delay_minutes=delay,
        following=following,
        items=[x for x in lines if x.kind == AgendaItem.Kind.ITEM],
        speaker=speaker,
        queue=queue,
        can_chair=can_chair,
        own_delegations=own_delegations,
        own_request=next((p for p in queue if p.is_mine), None),
        delegations=sorted(delegations, key=lambda d: d[1]),
        manages_registration=permissions.can_manage_registration(user, meeting),
        online_links=online_links_for(user, meeting)
        if user is not None and user.is_authenticated
        else [],
    )


@dataclass(frozen=True)
class Intervention:
    item: str
    delegation: str
    kind: str
    given_at: datetime.datetime
    ended_at: datetime.datetime | None
    seconds: int | None


def interventions(meeting: Meeting) -> list[Intervention]:
    """Who spoke on which item, when and how long, in the order they spoke: for the report."""
    lines = {x.key: x for x in _lines(meeting, 0)}
    rows = (
        FloorRequest.objects.filter(
            discussion__sitting__meeting=meeting,
            status__in=[FloorStatus.SPOKE, FloorStatus.SPEAKING],
        )
        .select_related("delegation__state", "delegation__organisation", "discussion")
        .order_by("given_at", "id")
    )
    result = []
    for r in rows:
        line = lines.get(r.discussion.item_id)
        label = f"{line.number} {line.title}".strip() if line else str(r.discussion.item_id)
        result.append(
            Intervention(
                item=label,
                delegation=_name(r.delegation),
                kind=r.get_kind_display(),
                given_at=r.given_at or r.requested_at,
                ended_at=r.ended_at,
                seconds=r.spoke_seconds,
            )
        )
    return result


def online_links_for(user: Any, meeting: Meeting) -> list[OnlineLink]:
    """The meeting's online links ``user`` may open (the policy's answer), in a fixed order."""
    links = list(OnlineLink.objects.filter(meeting=meeting).select_related("meeting"))
    return [link for link in links if permissions.can_open_online_link(user, link)]


@dataclass(frozen=True)
class DelegationCount:
    delegation: str
    in_person: int
    online: int


def attendance_counts(meeting: Meeting, day: datetime.date) -> list[DelegationCount]:
    """Who is present on ``day``, per delegation, in the room and online."""
    counts: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    rows = AttendanceDay.objects.filter(nomination__meeting=meeting, day=day).select_related(
        "nomination__delegation__state", "nomination__delegation__organisation"
    )
    for row in rows:
        delegation = row.nomination.delegation
        names[delegation.pk] = _name(delegation)
        pair = counts.setdefault(delegation.pk, [0, 0])
        pair[0 if row.mode == ParticipationMode.IN_PERSON else 1] += 1
    return sorted(
        (DelegationCount(names[k], v[0], v[1]) for k, v in counts.items()),
        key=lambda c: c.delegation,
    )


@dataclass(frozen=True)
class AttendanceRow:
    nomination: Nomination
    delegation: str
    mode: str  # chosen: in person or online
    speaker: bool
    present: str  # on the day asked: "", in_person or online


def attendance_rows(
    meeting: Meeting, day: datetime.date, delegation_ids: set[int] | None = None
) -> list[AttendanceRow]:
    """The approved participants (of ``delegation_ids``, or all), their choice and whether
    they are present on ``day``: three queries whatever their number."""
    nominations = Nomination.objects.filter(
        meeting=meeting, status=NominationStatus.APPROVED
    ).select_related("delegation__state", "delegation__organisation")
    if delegation_ids is not None:
        nominations = nominations.filter(delegation_id__in=delegation_ids)
    listed = list(nominations)
    chosen = {
        h.nomination_id: h
        for h in HybridParticipation.objects.filter(nomination__in=[n.pk for n in listed])
    }
    present = dict(
        AttendanceDay.objects.filter(nomination__in=[n.pk for n in listed], day=day).values_list(
            "nomination_id", "mode"
        )
    )
    default = (
        ParticipationMode.ONLINE if meeting.format == "online" else ParticipationMode.IN_PERSON
    )
    rows = [
        AttendanceRow(
            nomination=n,
            delegation=_name(n.delegation),
            mode=chosen[n.pk].mode if n.pk in chosen else default,
            speaker=chosen[n.pk].speaker if n.pk in chosen else False,
            present=present.get(n.pk, ""),
        )
        for n in listed
    ]
    return sorted(rows, key=lambda r: (r.delegation, r.nomination.full_name))
