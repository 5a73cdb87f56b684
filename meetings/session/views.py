"""The pages of the meeting in session: the session section of the meeting page (a fragment
its script re-fetches on every ``session.*`` and ``floor.*`` event), the big screen in the room
(``/meetings/<id>/now/``), the chair's and the delegations' actions, and the record of
interventions for the report."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dialogue import permissions
from dialogue.http import AuthenticatedRequest, is_fetch, show_refusal
from dialogue.models import State
from meetings.models import (
    Delegation,
    FloorRequest,
    Meeting,
    Nomination,
    OnlineLink,
    OnlineLinkKind,
)
from meetings.views import visible_meeting

from . import hybrid, queries, room, speakers


def session_section(request: HttpRequest, pk: int) -> HttpResponse:
    """The session section of the meeting page, as a fragment."""
    meeting = visible_meeting(request, pk)
    return render(
        request,
        "meetings/session/_session.html",
        {"meeting": meeting, "session": queries.session_view(request.user, meeting)},
    )


def session_now(request: HttpRequest, pk: int) -> HttpResponse:
    """The big screen in the room: the item under discussion, the estimated times, who has
    the floor and the list of speakers; no controls. As public as the meeting's agenda; shows
    delegations, never a person (it is rendered as an anonymous visitor sees it)."""
    meeting = visible_meeting(request, pk)
    # What a room's screen shows is the same for everyone: nobody's own place, no controls.
    view = queries.session_view(AnonymousUser(), meeting)
    template = "meetings/session/_now.html" if is_fetch(request) else "meetings/session/now.html"
    return render(request, template, {"meeting": meeting, "session": view})


def _back(meeting: Meeting) -> str:
    return reverse("meeting_detail", args=[meeting.pk]) + "#session"


def _answer(
    request: HttpRequest,
    meeting: Meeting,
    act: Callable[[], Any],
    done: str,
    *,
    back: str = "",
) -> HttpResponse:
    """Run a service for a POST: the page's script gets JSON (``error`` says why a service
    refused), a form without script goes back to the meeting page with a message."""
    try:
        act()
    except ValidationError as error:
        if is_fetch(request):
            return JsonResponse({"error": " ".join(error.messages)}, status=400)
        show_refusal(request, error)
    else:
        if is_fetch(request):
            return JsonResponse({"ok": True, "message": done})
        messages.success(request, done)
    return redirect(back or _back(meeting))


def _number(value: str | None) -> int:
    try:
        return int((value or "").strip())
    except ValueError as error:
        raise ValidationError(_("Enter a whole number.")) from error


def _request_of(meeting: Meeting, value: str | None) -> FloorRequest:
    found = (
        FloorRequest.objects.select_related("discussion__sitting__meeting", "delegation")
        .filter(pk=_number(value), discussion__sitting__meeting=meeting)
        .first()
    )
    if found is None:
        raise ValidationError(_("This request is no longer on the list."))
    return found


@login_required
@require_POST
def session_chair(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The chair's (and the secretariat's) actions, named by ``action``."""
    meeting = visible_meeting(request, pk)
    if not permissions.can_chair_session(request.user, meeting):
        raise Http404
    by, post = request.user, request.POST
    action = post.get("action", "")

    def configure() -> Any:
        state_code = post.get("first_state", "").strip()
        seconds = post.get("speaking_seconds", "").strip()
        return room.configure_session(
            by=by,
            meeting=meeting,
            protocol_order=post.get("protocol_order", ""),
            first_state=State.objects.filter(code=state_code).first() if state_code else None,
            speaking_seconds=_number(seconds) if seconds else None,
        )

    def add_speaker() -> Any:
        delegation = Delegation.objects.filter(
            meeting=meeting, pk=_number(post.get("delegation"))
        ).first()
        if delegation is None:
            raise ValidationError(_("Choose a delegation."))
        return speakers.request_floor(
            by=by,
            meeting=meeting,
            delegation=delegation,
            point_of_order=post.get("point_of_order") == "1",
        )

    actions: dict[str, tuple[Callable[[], Any], str]] = {
        "open_item": (
            lambda: room.open_item(by=by, meeting=meeting, item_key=_number(post.get("item"))),
            _("The item is under discussion."),
        ),
        "close_item": (lambda: room.close_item(by=by, meeting=meeting), _("The item is closed.")),
        "delay": (
            lambda: room.set_delay(by=by, meeting=meeting, minutes=_number(post.get("minutes"))),
            _("The delay is stated."),
        ),
        "configure": (configure, _("The session's settings were saved.")),
        "give_floor": (
            lambda: speakers.give_floor(
                by=by,
                meeting=meeting,
                request=_request_of(meeting, post["request"]) if post.get("request") else None,
            ),
            _("The floor is given."),
        ),
        "end_floor": (lambda: speakers.end_floor(by=by, meeting=meeting), _("Speaking ended.")),
        "move_up": (
            lambda: speakers.move_request(
                by=by, request=_request_of(meeting, post.get("request")), places=-1
            ),
            _("The list of speakers was reordered."),
        ),
        "move_down": (
            lambda: speakers.move_request(
                by=by, request=_request_of(meeting, post.get("request")), places=1
            ),
            _("The list of speakers was reordered."),
        ),
        "withdraw": (
            lambda: speakers.withdraw_floor(
                by=by, request=_request_of(meeting, post.get("request"))
            ),
            _("The request was taken off the list."),
        ),
        "close_list": (
            lambda: speakers.close_list(by=by, meeting=meeting, closed=True),
            _("The list of speakers is closed."),
        ),
        "reopen_list": (
            lambda: speakers.close_list(by=by, meeting=meeting, closed=False),
            _("The list of speakers is open again."),
        ),
        "tour": (
            lambda: speakers.tour_de_table(by=by, meeting=meeting),
            _("Every delegation present is on the list, in protocol order."),
        ),
        "add_speaker": (add_speaker, _("The delegation is on the list.")),
    }
    if action not in actions:
        raise Http404
    act, done = actions[action]
    return _answer(request, meeting, act, done)


@login_required
@require_POST
def session_floor(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A delegation's participant asks for the floor, raises a point of order or withdraws."""
    meeting = visible_meeting(request, pk)
    own = permissions.floor_delegation_ids(request.user, meeting)
    if not own:
        raise Http404
    by, post = request.user, request.POST
    action = post.get("action", "request")
    chosen = post.get("delegation", "")
    delegation = (
        Delegation.objects.filter(pk=_number(chosen), meeting=meeting).first()
        if chosen.isdigit()
        else None
    )
    try:
        if action == "withdraw":
            return _answer(
                request,
                meeting,
                lambda: speakers.withdraw_floor(
                    by=by, request=_request_of(meeting, post.get("request"))
                ),
                _("Your request was withdrawn."),
            )
        if action not in ("request", "point_of_order"):
            raise Http404
        return _answer(
            request,
            meeting,
            lambda: speakers.request_floor(
                by=by,
                meeting=meeting,
                delegation=delegation,
                point_of_order=action == "point_of_order",
            ),
            _("Your request is on the list."),
        )
    except PermissionDenied as error:
        raise Http404 from error


@login_required
def session_interventions(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Who spoke on which item, when and how long: for the secretariat's report."""
    meeting = visible_meeting(request, pk)
    if not permissions.can_chair_session(request.user, meeting):
        raise Http404
    return render(
        request,
        "meetings/session/interventions.html",
        {"meeting": meeting, "interventions": queries.interventions(meeting)},
    )


# --- Who is here: in person or online, the online links, attendance per day ------------------


@login_required
def session_online_link(request: AuthenticatedRequest, pk: int, link_pk: int) -> HttpResponse:
    """The platform's door to an online link: the policy decides, the day's attendance online
    is recorded, then the browser goes on to the address (which no page, e-mail or feed
    shows)."""
    meeting = visible_meeting(request, pk)
    link = OnlineLink.objects.select_related("meeting").filter(pk=link_pk, meeting=meeting).first()
    if link is None:
        raise Http404
    try:
        address = hybrid.open_online_link(user=request.user, link=link)
    except PermissionDenied as error:
        raise Http404 from error
    response = HttpResponseRedirect(address)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _acting_delegations(request: AuthenticatedRequest, meeting: Meeting) -> set[int]:
    if permissions.can_manage_registration(request.user, meeting):
        return set(meeting.delegations.values_list("pk", flat=True))
    states = permissions.nominating_states(request.user, meeting.dialogue_id)
    return set(meeting.delegations.filter(state_id__in=states).values_list("pk", flat=True))


@login_required
def session_participation(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """In person or online, and the speakers online, for the delegations the person acts for
    (a focal point: their state's; the secretariat: all, and the meeting's online links)."""
    meeting = visible_meeting(request, pk)
    delegations = _acting_delegations(request, meeting)
    if not delegations:
        raise Http404
    manager = permissions.can_manage_registration(request.user, meeting)
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("action") == "link" and manager:
                hybrid.set_online_link(
                    by=request.user,
                    meeting=meeting,
                    kind=post.get("kind", ""),
                    language=post.get("language", ""),
                    url=post.get("url", "").strip(),
                )
            else:
                nomination = Nomination.objects.filter(
                    pk=_number(post.get("nomination")),
                    meeting=meeting,
                    delegation_id__in=delegations,
                ).first()
                if nomination is None:
                    raise Http404
                hybrid.choose_participation(
                    by=request.user,
                    nomination=nomination,
                    mode=post.get("mode", ""),
                    speaker=post.get("speaker") == "1",
                )
        except ValidationError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("Saved."))
        return redirect("session_participation", pk=meeting.pk)
    day = hybrid.today_at(meeting)
    return render(
        request,
        "meetings/session/participation.html",
        {
            "meeting": meeting,
            "rows": queries.attendance_rows(meeting, day, delegations),
            "manager": manager,
            "links": OnlineLink.objects.filter(meeting=meeting) if manager else [],
            "link_kinds": OnlineLinkKind.choices,
            "languages": list(dict.fromkeys([*meeting.languages, *meeting.interpretation])),
        },
    )


@login_required
def session_attendance(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The desk's attendance per day: each approved participant present in the room or
    online, and the counts per delegation (re-fetched live on ``attendance.recorded``)."""
    meeting = visible_meeting(request, pk)
    if not permissions.can_manage_registration(request.user, meeting):
        raise Http404
    days = hybrid.meeting_days(meeting)
    asked = request.POST.get("day") or request.GET.get("day") or ""
    try:
        day = datetime.date.fromisoformat(asked)
    except ValueError:
        today = hybrid.today_at(meeting)
        day = today if today in days else days[0]
    if request.method == "POST":
        nomination = Nomination.objects.filter(
            pk=_number(request.POST.get("nomination")), meeting=meeting
        ).first()
        if nomination is None:
            raise Http404
        return _answer(
            request,
            meeting,
            lambda: hybrid.record_attendance(
                by=request.user, nomination=nomination, day=day, mode=request.POST.get("mode", "")
            ),
            _("Attendance recorded."),
            back=reverse("session_attendance", args=[meeting.pk]) + f"?day={day.isoformat()}",
        )
    context = {
        "meeting": meeting,
        "day": day,
        "days": days,
        "rows": queries.attendance_rows(meeting, day),
        "counts": queries.attendance_counts(meeting, day),
    }
    template = (
        "meetings/session/_attendance.html"
        if is_fetch(request)
        else "meetings/session/attendance.html"
    )
    return render(request, template, context)
