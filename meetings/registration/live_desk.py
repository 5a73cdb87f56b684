"""The secretariat's live desk for a meeting: counters that move as things happen.

Nominations by status, seats used per quota rule, letters awaiting verification, arrivals
today, and what other apps add (documents: the receipts of the latest circulation, registered
with ``register_counters`` when that app is ready, since meetings may not import it). Every
counter is read from the database when the fragment is drawn; the page re-fetches the fragment
on each live event of the meeting that can move one (``static/js/pages/live-desk.js``). So the
desk is right after a reconnect too: the events missed while away are replayed, each one
re-fetches, and the counts are those of the database, not sums of events.

Reads: the meeting's nominations by status and arrival (one query), its quota rules, the
current memberships of its dialogue, the running nominations per delegation and category, the
letters awaiting verification, plus one query per registered source: the same count whatever
the number of nominations.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dialogue.models import Membership
from dialogue.translations import listed
from meetings.models import (
    RUNNING,
    Category,
    Funding,
    Meeting,
    Nomination,
    NominationLetter,
    NominationStatus,
    QuotaRule,
)
from meetings.views import registration_meeting


@dataclass(frozen=True)
class Counter:
    """One figure of the desk: what it counts, the number, and of how many when it is a share
    (``None`` otherwise). ``key`` names it in the page (``desk-<key>``)."""

    key: str
    label: str
    value: int
    of: int | None = None


@dataclass(frozen=True)
class CounterGroup:
    key: str
    heading: str
    counters: tuple[Counter, ...]
    note: str = ""


CounterSource = Callable[[Meeting], CounterGroup | None]
_SOURCES: list[CounterSource] = []


def register_counters(source: CounterSource) -> None:
    """Let an app above meetings add a group of counters to the desk (in ``AppConfig.ready``)."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def _today(meeting: Meeting) -> datetime.date:
    return timezone.now().astimezone(meeting.zone).date()


def nomination_counters(meeting: Meeting) -> tuple[CounterGroup, CounterGroup]:
    """Nominations by status, and arrivals (today, in all): one query."""
    rows = (
        Nomination.objects.filter(meeting_id=meeting.pk)
        .order_by()
        .values("status")
        .annotate(
            n=Count("pk"),
            arrived=Count("pk", filter=Q(checked_in_at__isnull=False)),
        )
    )
    by_status = {row["status"]: row["n"] for row in rows}
    arrived = sum(row["arrived"] for row in rows if row["status"] == NominationStatus.APPROVED)
    approved = by_status.get(NominationStatus.APPROVED, 0)
    day = _today(meeting)
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=meeting.zone)
    arrived_today = Nomination.objects.filter(
        meeting_id=meeting.pk,
        status=NominationStatus.APPROVED,
        checked_in_at__gte=start,
        checked_in_at__lt=start + datetime.timedelta(days=1),
    ).count()
    statuses = CounterGroup(
        "statuses",
        _("Nominations by status"),
        tuple(
            Counter(f"status-{value}", str(label), by_status.get(value, 0))
            for value, label in NominationStatus.choices
        ),
    )
    arrivals = CounterGroup(
        "arrivals",
        _("Arrivals"),
        (
            Counter("arrived-today", _("Arrived today"), arrived_today),
            Counter("arrived", _("Arrived in all"), arrived, approved),
        ),
    )
    return statuses, arrivals


def quota_counters(meeting: Meeting) -> CounterGroup:
    """Seats used per quota rule, over every delegation the rule applies to: a rule naming a
    state or organisation covers that one; a rule of a kind covers the current members of that
    kind that no rule names. Running nominations (nominated, approved, waitlisted) use seats, as
    the quota check counts them. Three queries."""
    rules = list(QuotaRule.objects.filter(meeting_id=meeting.pk).order_by("pk"))
    named_states = {r.state_id for r in rules if r.state_id}
    named_organisations = {r.organisation_id for r in rules if r.organisation_id}
    kind_of: dict[tuple[str, int], str] = {}
    for state_id, organisation_id, kind in (
        Membership.objects.current()
        .filter(dialogue_id=meeting.dialogue_id)
        .values_list("state_id", "organisation_id", "kind")
    ):
        if state_id:
            kind_of[("state", state_id)] = kind
        else:
            kind_of[("organisation", organisation_id)] = kind
    used: dict[int, int] = defaultdict(int)
    funded: dict[int, int] = defaultdict(int)
    rows = (
        Nomination.objects.filter(meeting_id=meeting.pk, status__in=RUNNING)
        .order_by()
        .values("delegation__state_id", "delegation__organisation_id", "category", "funding")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        state_id, organisation_id = row["delegation__state_id"], row["delegation__organisation_id"]
        member = ("state", state_id) if state_id else ("organisation", organisation_id)
        own = [
            r
            for r in rules
            if (state_id and r.state_id == state_id)
            or (organisation_id and r.organisation_id == organisation_id)
        ]
        applying = own or [
            r for r in rules if r.member_kind and r.member_kind == kind_of.get(member)
        ]
        for rule in applying:
            if row["category"] in rule.categories:
                used[rule.pk] += row["n"]
                if row["funding"] == Funding.GRANTED:
                    funded[rule.pk] += row["n"]
    counters = []
    for rule in rules:
        if rule.state_id or rule.organisation_id:
            covered = 1
        else:
            covered = sum(
                1
                for (kind_name, member_id), kind in kind_of.items()
                if kind == rule.member_kind
                and member_id not in (named_states if kind_name == "state" else named_organisations)
            )
        categories = listed(Category(c).label for c in rule.categories)
        label = _("%(scope)s (%(categories)s): seats used") % {
            "scope": rule.scope_label,
            "categories": categories,
        }
        counters.append(Counter(f"quota-{rule.pk}", label, used[rule.pk], rule.seats * covered))
        if rule.funded_seats:
            counters.append(
                Counter(
                    f"quota-{rule.pk}-funded",
                    _("%(scope)s: funded seats granted") % {"scope": rule.scope_label},
                    funded[rule.pk],
                    rule.funded_seats * covered,
                )
            )
    return CounterGroup(
        "quotas",
        _("Seats used per quota rule"),
        tuple(counters),
        note=_("No quota is set.") if not rules else "",
    )


def letter_counters(meeting: Meeting) -> CounterGroup:
    """Delegations whose latest nomination letter awaits verification: one query."""
    newer = NominationLetter.objects.filter(
        delegation_id=OuterRef("delegation_id"), version__gt=OuterRef("version")
    )
    waiting = (
        NominationLetter.objects.filter(delegation__meeting_id=meeting.pk, verified_at__isnull=True)
        .exclude(Exists(newer))
        .count()
    )
    return CounterGroup(
        "letters",
        _("Nomination letters"),
        (Counter("letters-waiting", _("Awaiting verification"), waiting),),
    )


def desk_counters(meeting: Meeting) -> list[CounterGroup]:
    statuses, arrivals = nomination_counters(meeting)
    groups = [statuses, quota_counters(meeting), letter_counters(meeting), arrivals]
    for source in _SOURCES:
        group = source(meeting)
        if group is not None:
            groups.append(group)
    return groups


def _context(meeting: Meeting) -> dict[str, object]:
    return {"meeting": meeting, "groups": desk_counters(meeting), "as_of": timezone.now()}


@require_safe
def live_desk(request: HttpRequest, pk: int) -> HttpResponse:
    """The desk: the secretariat of the meeting's dialogue (404 for anyone else)."""
    meeting = registration_meeting(request, pk)
    return render(request, "meetings/live_desk.html", _context(meeting))


@require_safe
def live_desk_counters(request: HttpRequest, pk: int) -> HttpResponse:
    """The counters, as a fragment the desk re-fetches on each live event."""
    meeting = registration_meeting(request, pk)
    return render(request, "meetings/_live_desk_counters.html", _context(meeting))


urlpatterns: list[URLPattern] = [
    path("meetings/<int:pk>/desk/", live_desk, name="live_desk"),
    path("meetings/<int:pk>/desk/counters/", live_desk_counters, name="live_desk_counters"),
]
