"""The check-in desk at the door: a field a handheld scanner types into, the camera, and the
arrivals by delegation.

Only those who manage the meeting's registration reach it; anyone else gets 404, like what does
not exist. Arrivals are written by ``attendance.check_in``; the desk page follows the meeting's
stream and re-fetches its counts when ``nomination.checked_in`` arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from dialogue.http import AuthenticatedRequest, is_fetch, show_refusal
from meetings.models import Category, CheckInUndone, Meeting, Nomination, NominationStatus
from meetings.views import registration_meeting

from . import attendance


@dataclass
class DelegationArrivals:
    key: str
    name: str
    arrived: list[Nomination] = field(default_factory=list)
    waiting: list[Nomination] = field(default_factory=list)

    @property
    def approved(self) -> int:
        return len(self.arrived) + len(self.waiting)


@dataclass
class Arrivals:
    delegations: list[DelegationArrivals]

    @property
    def arrived(self) -> int:
        return sum(len(d.arrived) for d in self.delegations)

    @property
    def approved(self) -> int:
        return sum(d.approved for d in self.delegations)


def arrivals(meeting: Meeting) -> Arrivals:
    """Approved participants by delegation, arrived or not, in one query at any size."""
    by_delegation: dict[int, DelegationArrivals] = {}
    approved = (
        Nomination.objects.filter(meeting=meeting, status=NominationStatus.APPROVED)
        .select_related("delegation__state", "delegation__organisation")
        .order_by("full_name", "id")
    )
    for nomination in approved:
        delegation = nomination.delegation
        row = by_delegation.setdefault(
            delegation.pk, DelegationArrivals(key=delegation.key, name=delegation.member.name)
        )
        (row.arrived if nomination.checked_in_at else row.waiting).append(nomination)
    for row in by_delegation.values():
        row.arrived.sort(key=lambda n: n.checked_in_at or timezone.now())
    return Arrivals(sorted(by_delegation.values(), key=lambda row: row.name.casefold()))


def _counts_context(meeting: Meeting) -> dict[str, Any]:
    return {
        "meeting": meeting,
        "arrivals": arrivals(meeting),
        "undone": list(
            CheckInUndone.objects.filter(nomination__meeting=meeting).select_related(
                "nomination", "checked_in_by", "undone_by"
            )[:50]
        ),
        "closed": attendance.check_in_closed(meeting),
    }


@login_required
@require_safe
def check_in(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The desk: a field a handheld scanner types into, the camera, and the arrivals."""
    meeting = registration_meeting(request, pk)
    return render(request, "meetings/check_in.html", _counts_context(meeting))


@login_required
@require_safe
def check_in_counts(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The arrivals by delegation, as a fragment the desk page re-fetches."""
    meeting = registration_meeting(request, pk)
    return render(request, "meetings/_check_in_counts.html", _counts_context(meeting))


def _who(nomination: Nomination) -> dict[str, str]:
    return {
        "name": nomination.full_name,
        "delegation": nomination.delegation.member.name,
        "category": str(Category(nomination.category).label),
    }


def _arrival_message(result: attendance.CheckIn, meeting: Meeting) -> str:
    nomination = result.nomination
    if not result.already or nomination.checked_in_at is None:
        return _("Welcome, %(name)s (%(delegation)s, %(category)s)") % _who(nomination)
    arrived = nomination.checked_in_at.astimezone(meeting.zone)
    at = {"time": formats.time_format(arrived, "H:i"), **_who(nomination)}
    if arrived.date() == timezone.now().astimezone(meeting.zone).date():
        return _("Already arrived at %(time)s: %(name)s (%(delegation)s, %(category)s)") % at
    at["date"] = formats.date_format(arrived.date(), "j E")
    return (
        _("Already arrived on %(date)s at %(time)s: %(name)s (%(delegation)s, %(category)s)") % at
    )


def _wants_json(request: HttpRequest) -> bool:
    return is_fetch(request) or "application/json" in request.headers.get("Accept", "")


@login_required
@require_POST
def check_in_scan(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Record an arrival from a scanned badge. JSON for the desk's script; without script, back
    to the desk with the result as a message."""
    meeting = registration_meeting(request, pk)
    token = request.POST.get("token", "").strip()
    as_json = _wants_json(request)
    try:
        if not token:
            raise ValidationError(_("Scan a badge first: the field was empty."))
        result = attendance.check_in(by=request.user, meeting=meeting, token=token)
    except ValidationError as error:
        if as_json:
            message = " ".join(error.messages)
            return JsonResponse({"ok": False, "status": "refused", "message": message}, status=422)
        show_refusal(request, error)
        return redirect("check_in", pk=meeting.pk)
    message = _arrival_message(result, meeting)
    if as_json:
        nomination = result.nomination
        return JsonResponse(
            {
                "ok": True,
                "status": "already" if result.already else "welcome",
                "message": message,
                "delegation_key": nomination.delegation.key,
            }
        )
    (messages.info if result.already else messages.success)(request, message)
    return redirect("check_in", pk=meeting.pk)


@login_required
@require_POST
def check_in_undo(request: AuthenticatedRequest, pk: int, nomination_pk: int) -> HttpResponse:
    """Undo an arrival recorded by mistake; back to the desk, which lists it as undone."""
    meeting = registration_meeting(request, pk)
    nomination = get_object_or_404(Nomination, pk=nomination_pk, meeting=meeting)
    try:
        attendance.undo_check_in(by=request.user, nomination=nomination)
    except ValidationError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request,
            _("The arrival of %(name)s was undone: they read as not arrived.")
            % {"name": nomination.full_name},
        )
    return redirect("check_in", pk=meeting.pk)


urlpatterns: list[URLPattern] = [
    path("meetings/<int:pk>/check-in/", check_in, name="check_in"),
    path("meetings/<int:pk>/check-in/scan/", check_in_scan, name="check_in_scan"),
    path("meetings/<int:pk>/check-in/counts/", check_in_counts, name="check_in_counts"),
    path(
        "meetings/<int:pk>/check-in/<int:nomination_pk>/undo/",
        check_in_undo,
        name="check_in_undo",
    ),
]
