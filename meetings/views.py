from __future__ import annotations

import calendar as month_calendar
import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Value
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.kept_queries import KeptQuery
from dialogue import confirmation, permissions
from dialogue.http import AuthenticatedRequest, is_fetch, show_refusal
from dialogue.models import Dialogue
from notifications.inbox import follow_choice_of

from . import agenda, page_cache, queries, services
from .forms import AgendaItemForm, MeetingForm, ReleaseForm
from .models import AgendaItem, Meeting


def _one(meetings: QuerySet[Meeting], pk: int) -> QuerySet[Meeting]:
    """The meeting with its dialogue, body, country and registration settings."""
    return (
        meetings.select_related("dialogue", "body", "country", "registration_settings")
        .filter(pk=pk)
        .order_by()[:1]  # one row by its key: working out an order costs a third of compiling
    )


def _page_meetings(
    shape: tuple[Any, bool], *, pk: int, user_id: int = 0, stream: str = ""
) -> QuerySet[Meeting]:
    """The meeting page's read: the sections' columns (``queries.page_shape``), the versions of
    what the body shows, and for a signed-in person their follow choice (``stream`` a constant:
    built from the row, it cost more to compile than the rest of the query)."""
    sections, signed_in = shape
    meetings = queries.meetings_for_page(sections)
    if signed_in:
        meetings = meetings.annotate(follow_choice=follow_choice_of(user_id, Value(stream)))
    return _one(page_cache.with_page_head(meetings), pk)


# Compiled once per process and shape (config/kept_queries.py): the hottest reads of a meeting.
_MEETING = KeptQuery(lambda shape, *, pk: _one(Meeting.objects.all(), pk))
_PAGE_MEETING = KeptQuery(_page_meetings)


def visible_meeting(
    request: HttpRequest, pk: int, meetings: QuerySet[Meeting] | None = None
) -> Meeting:
    """The meeting (with its dialogue, body, country and registration settings), or 404."""
    found = _MEETING.rows(pk=pk) if meetings is None else list(_one(meetings, pk))
    return _shown(request, found)


def _shown(request: HttpRequest, found: list[Meeting]) -> Meeting:
    meeting = found[0] if found else None
    if meeting is None or not permissions.can_view_meeting(request.user, meeting):
        raise Http404
    return meeting


def managed_meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = visible_meeting(request, pk)
    if not permissions.can_manage_meeting(request.user, meeting):
        raise Http404
    return meeting


def registration_meeting(request: HttpRequest, pk: int) -> Meeting:
    """The meeting, for those who manage its registration; 404 for anyone else."""
    meeting = visible_meeting(request, pk)
    if not permissions.can_manage_registration(request.user, meeting):
        raise Http404
    return meeting


def served_dialogue(request: HttpRequest, slug: str) -> Dialogue:
    """The dialogue, for its secretariat (its letters, its statistics); 404 for anyone else."""
    dialogue = Dialogue.objects.filter(slug=slug).first()
    if dialogue is None or not permissions.is_secretariat(request.user, dialogue):
        raise Http404
    return dialogue


def meeting_list(request: HttpRequest) -> HttpResponse:
    meetings = permissions.meetings_visible_to(request.user).order_by("starts_at")
    upcoming, past = queries.upcoming_and_past(meetings, timezone.now())
    return render(request, "meetings/meeting_list.html", {"upcoming": upcoming, "past": past[:50]})


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # What the sections ask (registration's counts) and the person's follow choice come with the
    # meeting: the page asks no query for them (its budget is 10 whatever the size of the agenda).
    user = request.user
    shape = (queries.page_shape(user), user.is_authenticated)
    values: dict[str, int | str] = (
        {"user_id": user.pk, "stream": f"meeting:{pk}"} if user.is_authenticated else {}
    )
    meeting = _shown(request, _PAGE_MEETING.rows(shape, pk=pk, **values))
    following = _follows(request, meeting)
    body_key = page_cache.body_key(request, meeting)
    context: dict[str, Any] = {}

    def render_body() -> str:
        context.update(_body_context(request, meeting))
        return render_to_string(
            "meetings/_meeting_body.html",
            {
                **context,
                "request": request,
                "user": request.user,
                "LANGUAGE_CODE": translation.get_language(),
                "csrf_token": page_cache.TOKEN_PLACEHOLDER,
            },
        )

    body_until: list[datetime.datetime | None] = []

    def render_page() -> str:
        until, body = page_cache.cached(
            body_key, render_body, lambda: [o.comment_deadline for o in context.get("outcomes", ())]
        )
        body_until.append(until)
        return render_to_string(
            "meetings/meeting_detail.html",
            {
                "meeting": meeting,
                "following": following,
                "body": mark_safe(body),  # noqa: S308 - rendered by our templates, escaped there
                "csrf_token": page_cache.TOKEN_PLACEHOLDER,
            },
            request,
        )

    _until, page = page_cache.cached(
        page_cache.page_key(request, meeting, body_key, following), render_page, lambda: body_until
    )
    return HttpResponse(page_cache.with_token(request, page))


def _body_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    """What ``meetings/_meeting_body.html`` shows (read only when it is rendered)."""
    manager = permissions.can_manage_meeting(request.user, meeting)
    offered = services.offered_transitions(meeting) if manager else []
    return {
        "meeting": meeting,
        "agenda": queries.agenda_for(request.user, meeting),
        "show_online_link": permissions.can_view_online_link(request.user, meeting),
        **_outcomes_context(request, meeting),
        "transitions": [
            (status, services.ACTIONS[status])
            for status in offered
            if status not in services.NEEDS_CONFIRMATION
        ],
        "destructive_transitions": [
            (status, services.ACTIONS[status])
            for status in offered
            if status in services.NEEDS_CONFIRMATION
        ],
        "needs_reason": services.NEEDS_REASON,
        "not_yet": next(
            (
                services.too_early(meeting, status)
                for status in sorted(services.TRANSITIONS.get(meeting.status, ()))
                if manager and services.too_early(meeting, status)
            ),
            None,
        ),
        "may_prepare_next": permissions.can_prepare_next_meeting(request.user, meeting),
    }


def _follows(request: HttpRequest, meeting: Meeting) -> bool:
    """The person's own choice, else whether they follow by default (they act for it)."""
    if not request.user.is_authenticated:
        return False
    choice = getattr(meeting, "follow_choice", None)
    if choice is not None:
        return choice
    return permissions.acts_for_meeting(request.user, meeting)


def _outcomes_context(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    return {
        "action_points": queries.open_action_points(meeting),
        "outcomes": [
            o for o in meeting.outcomes.all() if permissions.can_view_outcome(request.user, o)
        ],
        "is_manager": permissions.can_manage_meeting(request.user, meeting),
    }


def meeting_outcomes(request: HttpRequest, pk: int) -> HttpResponse:
    """Outcomes and action points, as a fragment the live page re-fetches."""
    meeting = visible_meeting(request, pk)
    return render(
        request,
        "meetings/_outcomes.html",
        {"meeting": meeting, **_outcomes_context(request, meeting)},
    )


def meeting_facts(request: HttpRequest, pk: int) -> HttpResponse:
    """When, where and the status, as a fragment the live page re-fetches."""
    meeting = visible_meeting(request, pk)
    context = {
        "meeting": meeting,
        "show_online_link": permissions.can_view_online_link(request.user, meeting),
    }
    return render(request, "meetings/_facts.html", context)


def agenda_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda alone (the live page re-fetches it); ``?version=N`` for an earlier release."""
    meeting = visible_meeting(request, pk)
    version = request.GET.get("version")
    view = queries.agenda_for(
        request.user, meeting, version=int(version) if version and version.isdigit() else None
    )
    if version and view.release is None:
        raise Http404
    template = "meetings/_agenda.html" if is_fetch(request) else "meetings/agenda_page.html"
    return render(request, template, {"meeting": meeting, "agenda": view})


def agenda_changelog(request: HttpRequest, pk: int) -> HttpResponse:
    """Every release with its note and, item by item, what changed."""
    meeting = visible_meeting(request, pk)
    releases = list(meeting.agenda_releases.order_by("number"))
    entries = []
    for index, release in enumerate(releases):
        previous = releases[index - 1] if index else None
        # The first version is the agenda itself, not a change.
        changes = agenda.visible_changes(release, request.user, previous) if previous else []
        entries.append((release, [agenda.describe_change(c, meeting.zone) for c in changes]))
    entries.reverse()
    return render(request, "meetings/changelog.html", {"meeting": meeting, "entries": entries})


@login_required
def meeting_create(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    dialogue = get_object_or_404(Dialogue, slug=slug)
    if not permissions.can_schedule_meetings(request.user, dialogue):
        raise Http404
    form = MeetingForm(
        request.POST or None,
        dialogue=dialogue,
        initial={"time_zone": "Europe/Vienna", "languages": dialogue.languages},
    )
    conflicts: list[services.Conflict] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        conflicts = services.scheduling_conflicts(
            dialogue=dialogue,
            body=data["body"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            venue_name=data["venue_name"],
            room=data["room"],
        )
        if conflicts:
            form.ask("confirm_conflicts")
        if not conflicts or data["confirm_conflicts"]:
            fields = {k: v for k, v in data.items() if k not in ("body", *form.CONFIRMATIONS)}
            try:
                meeting = services.schedule_meeting(
                    by=request.user,
                    dialogue=dialogue,
                    body=data["body"],
                    **form.confirmations(),
                    **fields,
                )
            except ValidationError as error:
                _refused(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "The meeting was created as a draft: only the secretariat sees it "
                        "until it is announced."
                    ),
                )
                return redirect("meeting_detail", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "dialogue": dialogue, "conflicts": conflicts},
    )


def _refused(form: MeetingForm, error: ValidationError) -> None:
    """The service's sentence above the form; a past meeting's refusal also shows the
    checkbox that confirms it."""
    if any(e.code == services.PAST_MEETING for e in error.error_list):
        form.ask("confirm_past")
    form.add_error(None, error)


@login_required
def meeting_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = managed_meeting(request, pk)
    form = MeetingForm(request.POST or None, instance=meeting, dialogue=meeting.dialogue)
    conflicts: list[services.Conflict] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        conflicts = services.scheduling_conflicts(
            dialogue=meeting.dialogue,
            body=data["body"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            venue_name=data["venue_name"],
            room=data["room"],
            exclude=meeting.pk,
        )
        if conflicts:
            form.ask("confirm_conflicts")
        if not conflicts or data["confirm_conflicts"]:
            changes = {k: v for k, v in data.items() if k not in form.CONFIRMATIONS}
            try:
                services.change_meeting(
                    by=request.user,
                    meeting=Meeting.objects.get(pk=meeting.pk),
                    **form.confirmations(),
                    **changes,
                )
            except ValidationError as error:
                _refused(form, error)
            else:
                messages.success(request, _("The meeting was saved."))
                return redirect("meeting_detail", pk=meeting.pk)
    return render(
        request,
        "meetings/meeting_form.html",
        {"form": form, "dialogue": meeting.dialogue, "meeting": meeting, "conflicts": conflicts},
    )


@login_required
@require_POST
def meeting_transition(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = managed_meeting(request, pk)
    to = request.POST.get("to", "")
    try:
        services.transition(
            by=request.user,
            meeting=meeting,
            to=to,
            reason=request.POST.get("reason", ""),
            confirm=request.POST.get("confirm") == "1",
        )
    except ValidationError as error:
        if confirmation.asks_confirmation(error):
            action = str(services.ACTIONS[to])
            return confirmation.confirmation_page(
                request,
                error,
                title=f"{action}: {meeting.title}",
                button=_("Yes: %(action)s") % {"action": action},
                back=reverse("meeting_detail", args=[meeting.pk]),
                keep=("to", "reason"),
            )
        show_refusal(request, error)
    except ValueError as error:  # ``to`` names no status at all (``MeetingStatus(to)``)
        messages.error(request, str(error))
    else:
        messages.success(request, _("The meeting's status was changed."))
    return redirect("meeting_detail", pk=meeting.pk)


@login_required
def agenda_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The secretariat's draft: items, a form to add one, and the release form."""
    meeting = managed_meeting(request, pk)
    form = AgendaItemForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if not (k == "position" and v is None)}
        try:
            agenda.add_item(by=request.user, meeting=meeting, **data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Item added to the draft."))
            return redirect("agenda_edit", pk=meeting.pk)
    context = {
        "meeting": meeting,
        "agenda": queries.agenda_for(request.user, meeting),
        "form": form,
        "release_form": ReleaseForm(meeting=meeting),
    }
    return render(request, "meetings/agenda_edit.html", context)


@login_required
def agenda_item_edit(request: AuthenticatedRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = managed_meeting(request, pk)
    item = get_object_or_404(AgendaItem, pk=item_pk, meeting=meeting)
    if request.method == "POST" and request.POST.get("delete"):
        agenda.remove_item(by=request.user, item=item)
        messages.success(request, _("Item removed from the draft."))
        return redirect("agenda_edit", pk=meeting.pk)
    form = AgendaItemForm(request.POST or None, instance=item, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        changes = {
            k: v for k, v in form.cleaned_data.items() if not (k == "position" and v is None)
        }
        try:
            agenda.change_item(by=request.user, item=item, **changes)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("Draft item saved. Release the agenda to show it to participants.")
            )
            return redirect("agenda_edit", pk=meeting.pk)
    return render(
        request, "meetings/agenda_item_form.html", {"meeting": meeting, "item": item, "form": form}
    )


@login_required
@require_POST
def agenda_release(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = managed_meeting(request, pk)
    form = ReleaseForm(request.POST, meeting=meeting)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say in a few words what this version changes."))
        release = agenda.release_agenda(
            by=request.user, meeting=meeting, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        show_refusal(request, error)
        return redirect("agenda_edit", pk=meeting.pk)
    messages.success(request, _("Agenda version %(number)d released.") % {"number": release.number})
    return redirect("meeting_detail", pk=meeting.pk)


def dialogue_month(request: HttpRequest, slug: str) -> HttpResponse:
    """A month calendar of a dialogue's meetings (``?month=2026-11``)."""
    dialogue = get_object_or_404(Dialogue, slug=slug)
    today = timezone.localdate()
    try:
        first = datetime.date.fromisoformat(request.GET.get("month", "") + "-01")
    except ValueError:
        first = today.replace(day=1)
    last_day = month_calendar.monthrange(first.year, first.month)[1]
    start = datetime.datetime.combine(
        first, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    end = start + datetime.timedelta(days=last_day)
    meetings = list(
        permissions.meetings_visible_to(request.user)
        .filter(dialogue=dialogue, starts_at__lt=end, ends_at__gte=start)
        .select_related("body")
        .order_by("starts_at")
    )
    weeks = []
    for week in month_calendar.Calendar().monthdatescalendar(first.year, first.month):
        weeks.append(
            [
                (
                    day,
                    day.month == first.month,
                    [
                        m
                        for m in meetings
                        if timezone.localtime(m.starts_at).date()
                        <= day
                        <= timezone.localtime(m.ends_at).date()
                    ],
                )
                for day in week
            ]
        )
    previous_month = (first - datetime.timedelta(days=1)).replace(day=1)
    next_month = first + datetime.timedelta(days=last_day)
    return render(
        request,
        "meetings/month.html",
        {
            "dialogue": dialogue,
            "first": first,
            "weeks": weeks,
            "meetings": meetings,
            "previous_month": previous_month,
            "next_month": next_month,
            "today": today,
            "can_schedule": permissions.can_schedule_meetings(request.user, dialogue),
        },
    )
