"""Reads for the registration pages, each in a fixed number of queries whatever the number of
nominations. What a person may see comes from ``dialogue.permissions``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery

from dialogue import permissions
from dialogue.http import QueryFilters, choice, search_text
from dialogue.members import Member
from dialogue.models import Membership, Organisation, State
from dialogue.translations import in_text
from meetings.models import (
    NOMINATIONS_CLOSED,
    RUNNING,
    Category,
    Delegation,
    Meeting,
    MeetingStatus,
    Nomination,
    NominationLetter,
    NominationStatus,
    RegistrationSettings,
)

from . import quotas
from .access import is_closed

CATEGORY_ORDER = {c: i for i, c in enumerate(Category.values)}


def member_for_key(meeting: Meeting, key: str) -> Member | None:
    """The state (``GE``) or organisation (``iom``) an address names, if it is a current member
    of the meeting's dialogue."""
    members = Membership.objects.current().filter(dialogue_id=meeting.dialogue_id)
    if len(key) == 2 and key.isupper():
        return State.objects.filter(code=key, pk__in=members.values("state_id")).first()
    return Organisation.objects.filter(slug=key, pk__in=members.values("organisation_id")).first()


def settings_of(meeting: Meeting) -> RegistrationSettings | None:
    """The meeting's registration settings: joined already when the meeting was loaded with
    ``select_related("registration_settings")``, else read."""
    try:
        return meeting.registration_settings
    except RegistrationSettings.DoesNotExist:
        return None


def _ordered(nominations: list[Nomination]) -> list[Nomination]:
    """Running first, the head first, then by category and name."""
    return sorted(
        nominations,
        key=lambda n: (
            n.status not in RUNNING,
            CATEGORY_ORDER.get(n.category, 99),
            n.full_name.lower(),
        ),
    )


@dataclass(frozen=True)
class DelegationView:
    member: Member
    delegation: Delegation | None
    nominations: list[Nomination]
    quota: list[quotas.QuotaLine]
    letters: list[NominationLetter]
    settings: RegistrationSettings | None

    @property
    def letter(self) -> NominationLetter | None:
        return self.letters[0] if self.letters else None

    @property
    def open_categories(self) -> list[str]:
        return [c for c in Category.values if any(c in q.rule.categories for q in self.quota)]

    @property
    def remaining(self) -> int:
        return sum(q.remaining for q in self.quota)

    @property
    def running(self) -> list[Nomination]:
        return [n for n in self.nominations if n.is_running]


def delegation_view(meeting: Meeting, member: Member) -> DelegationView:
    delegation = (
        Delegation.objects.filter(meeting=meeting, **_member(member))
        .select_related("state", "organisation")
        .first()
    )
    nominations: list[Nomination] = []
    letters: list[NominationLetter] = []
    if delegation is not None:
        nominations = list(
            delegation.nominations.select_related("person").prefetch_related("follow_up_answers")
        )
        letters = list(delegation.letters.select_related("uploaded_by", "verified_by"))
    return DelegationView(
        member=member,
        delegation=delegation,
        nominations=_ordered(nominations),
        quota=quotas.quota_lines(meeting, member, nominations),
        letters=letters,
        settings=settings_of(meeting),
    )


def _member(member: Member) -> dict[str, Any]:
    return {"state": member} if isinstance(member, State) else {"organisation": member}


@dataclass(frozen=True)
class QueueFilters(QueryFilters):
    """The review queue's filters: a delegation (a state's code or an organisation's slug), a
    status, a category and a name, address or affiliation to search for."""

    state: str = search_text()
    status: str = choice(NominationStatus.values)
    category: str = choice(Category.values)
    q: str = search_text(max_length=100)


@dataclass
class Queue:
    nominations: list[Nomination]
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def status_counts(self) -> list[tuple[str, str, int]]:
        return [
            (value, str(label), self.counts[value]) for value, label in NominationStatus.choices
        ]


def review_queue(user: Any, meeting: Meeting, filters: QueueFilters) -> Queue:
    """The nominations of a meeting ``user`` may see, filtered and searched, with the count per
    status (before the status filter) and each delegation's latest letter."""
    visible = (
        permissions.nominations_visible_to(user)
        .filter(meeting=meeting)
        .select_related("delegation__state", "delegation__organisation", "nominated_by")
    )
    if filters.state:
        visible = visible.filter(
            Q(delegation__state__code=filters.state)
            | Q(delegation__organisation__slug=filters.state)
        )
    if filters.category:
        visible = visible.filter(category=filters.category)
    if filters.q:
        visible = visible.filter(
            Q(full_name__icontains=filters.q)
            | Q(email__icontains=filters.q)
            | Q(affiliation__icontains=filters.q)
        )
    rows = list(visible.order_by(in_text("delegation__state__name_i18n"), "nominated_at", "id"))
    counts = Counter(n.status for n in rows)
    if filters.status:
        rows = [n for n in rows if n.status == filters.status]
    letters: dict[int, NominationLetter] = {}
    for letter in NominationLetter.objects.filter(
        delegation_id__in={n.delegation_id for n in rows}
    ).order_by("version"):
        letters[letter.delegation_id] = letter  # the last one wins: the latest version
    for nomination in rows:
        # shown beside each row; an attribute for the template, not a field
        nomination.delegation_letter = letters.get(nomination.delegation_id)  # type: ignore[attr-defined]
    return Queue(nominations=rows, counts=counts)


def nomination_counts() -> dict[str, Subquery]:
    """The number of a meeting's nominations in each status (``count_<status>``), as columns of
    the query that loads the meeting."""
    return {
        f"count_{status}": Subquery(
            Nomination.objects.filter(meeting=OuterRef("pk"), status=status)
            .order_by()
            .values("meeting")
            .annotate(n=Count("id"))
            .values("n")[:1],
            output_field=IntegerField(),
        )
        for status in NominationStatus.values
    }


def with_nomination_counts() -> QuerySet[Meeting]:
    """Meetings carrying the number of their nominations in each status, in the same query."""
    return Meeting.objects.annotate(**nomination_counts())


def meeting_page_columns(serves: bool) -> dict[str, Subquery]:
    """What the meeting page loads with the meeting for its registration section: the counts,
    for the secretariat (``queries.MEETING_PAGE_COLUMNS``; ``serves``: the person serves a
    dialogue)."""
    return nomination_counts() if serves else {}


@dataclass(frozen=True)
class OwnNomination:
    pk: int
    status: str
    category: str

    @property
    def status_label(self) -> str:
        return str(NominationStatus(self.status).label)

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)


@dataclass(frozen=True)
class MeetingRegistration:
    """What the meeting page says about registration to one person."""

    settings: RegistrationSettings | None
    is_open: bool
    is_closed: bool  # over: closed, in session, concluded, cancelled or past ("closed")
    status_counts: list[tuple[str, str, int]] | None  # for the secretariat
    nominates: bool  # a focal point of a member state
    own_nominations: list[OwnNomination]
    # Open, but past the nominations deadline: focal points nominate no more (participants still
    # confirm); the page says so rather than "Registration open", as the status badge does
    # (``Meeting.shown_status``).
    nominations_closed: bool = False


def meeting_registration(user: Any, meeting: Meeting) -> MeetingRegistration:
    """From the meeting as ``visible_meeting`` loads it (settings joined, counts annotated by
    ``with_nomination_counts``) and the person's standing: no query of its own."""
    reg = settings_of(meeting)
    manager = permissions.can_manage_registration(user, meeting)
    counts = None
    if reg is not None and manager:
        counts = [
            (value, str(label), getattr(meeting, f"count_{value}", None) or 0)
            for value, label in NominationStatus.choices
        ]
    is_open = meeting.status == MeetingStatus.REGISTRATION_OPEN and not is_closed(meeting)
    return MeetingRegistration(
        settings=reg,
        is_open=is_open,
        nominations_closed=meeting.shown_status.value == NOMINATIONS_CLOSED,
        is_closed=is_closed(meeting),
        status_counts=counts,
        nominates=reg is not None
        and bool(permissions.nominating_states(user, meeting.dialogue_id)),
        own_nominations=[
            OwnNomination(p.nomination_id, p.status, p.category)
            for p in permissions.participations(user)
            if p.meeting_id == meeting.pk
        ]
        if reg is not None and not manager  # the secretariat has the queue
        else [],
    )


@dataclass(frozen=True)
class OpenDelegation:
    meeting: Meeting
    state: State
    view: DelegationView


def open_delegations_for(user: Any) -> list[OpenDelegation]:
    """For a focal point: each meeting with registration open in their dialogues, with their
    state's delegation and what is left of its quota."""
    result: list[OpenDelegation] = []
    grants = [
        g
        for g in permissions.standing(user).grants
        if g.kind == "focal_point" and g.state_id is not None
    ]
    if not grants:
        return result
    meetings = (
        Meeting.objects.filter(
            status=MeetingStatus.REGISTRATION_OPEN,
            dialogue_id__in={g.dialogue_id for g in grants},
        )
        .select_related("dialogue")
        .order_by("starts_at")
    )
    states = {s.pk: s for s in State.objects.filter(pk__in={g.state_id for g in grants})}
    for meeting in meetings:
        for grant in grants:
            if grant.dialogue_id == meeting.dialogue_id and grant.state_id in states:
                state = states[grant.state_id]
                result.append(OpenDelegation(meeting, state, delegation_view(meeting, state)))
    return result


def own_nominations(user: Any) -> QuerySet[Nomination]:
    """The nominations naming ``user`` (linked once their address is verified)."""
    return (
        Nomination.objects.filter(person_id=user.pk, erased_at__isnull=True)
        .select_related(
            "meeting", "meeting__dialogue", "delegation__state", "delegation__organisation"
        )
        .order_by("-meeting__starts_at")
    )
