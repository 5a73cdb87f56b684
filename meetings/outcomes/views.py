"""Outcome pages: drafting, sharing with the chair and for comment, commenting on behalf of a
state, adopting; and the action points of a meeting.

Every view asks ``dialogue.permissions``; what someone may not see answers 404, like what does
not exist. Writes go through ``meetings.outcomes``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dialogue import permissions
from dialogue.http import AuthenticatedRequest, next_or, show_refusal, visible_or_404
from meetings.events import meeting_url
from meetings.models import ActionPoint, Outcome, OutcomeStatus
from meetings.views import managed_meeting

from . import services
from .forms import (
    ActionPointForm,
    ActionPointStatusForm,
    CommentForm,
    OutcomeForm,
    ShareForCommentForm,
)


def _visible_outcome(request: HttpRequest, pk: int) -> Outcome:
    outcomes = Outcome.objects.select_related("meeting", "meeting__dialogue", "meeting__body")
    return visible_or_404(request, outcomes, pk, permissions.can_view_outcome)


def _managed_outcome(request: HttpRequest, pk: int) -> Outcome:
    outcome = _visible_outcome(request, pk)
    if not permissions.can_manage_meeting(request.user, outcome.meeting):
        raise Http404
    return outcome


def _shown_language(outcome: Outcome) -> str:
    """The language of the text ``outcome.text`` shows (the reader's, or the fallback)."""
    return outcome.text.language


# --- Outcomes --------------------------------------------------------------------------------


@login_required
def outcome_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = managed_meeting(request, pk)
    form = OutcomeForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = services.draft_outcome(by=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The draft was saved: only the secretariat sees it."))
            return redirect("outcome_detail", pk=outcome.pk)
    return render(request, "meetings/outcome_form.html", {"meeting": meeting, "form": form})


def outcome_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The text in the viewer's language; for the secretariat the comments state by state and
    the next steps; for a focal point their state's comments and, until the deadline, the
    comment form."""
    outcome = _visible_outcome(request, pk)
    meeting = outcome.meeting
    manager = permissions.can_manage_meeting(request.user, outcome.meeting)
    state_ids = permissions.states_commenting_for(request.user, outcome)
    comments_open = services.comments_open(outcome, timezone.now())
    context: dict[str, Any] = {
        "outcome": outcome,
        "meeting": meeting,
        "text_language": _shown_language(outcome),
        "is_manager": manager,
        "comments_open": comments_open,
        "deadline_passed": outcome.status == OutcomeStatus.FOR_COMMENT and not comments_open,
    }
    if manager:
        table = services.comment_table(outcome)
        context.update(
            table=table,
            not_answered=services.not_answered(table),
            changeable=outcome.status in services.CHANGEABLE,
            share_form=ShareForCommentForm(meeting=meeting),
        )
    if state_ids:
        context.update(
            own_comments=services.comments_of(outcome, state_ids),
            comment_form=CommentForm(state_ids=state_ids) if comments_open else None,
        )
    return render(request, "meetings/outcome_detail.html", context)


@login_required
def outcome_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = _managed_outcome(request, pk)
    if outcome.status not in services.CHANGEABLE:
        messages.error(request, _("An adopted outcome cannot be changed."))
        return redirect("outcome_detail", pk=outcome.pk)
    initial = {"kind": outcome.kind, "title": outcome.title_i18n, "text": outcome.text_i18n}
    form = OutcomeForm(request.POST or None, initial=initial, meeting=outcome.meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_outcome(by=request.user, outcome=outcome, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The outcome was saved."))
            return redirect("outcome_detail", pk=outcome.pk)
    return render(
        request,
        "meetings/outcome_form.html",
        {"meeting": outcome.meeting, "outcome": outcome, "form": form},
    )


@login_required
@require_POST
def outcome_share(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = _managed_outcome(request, pk)
    form = ShareForCommentForm(request.POST, meeting=outcome.meeting)
    if not form.is_valid():
        messages.error(request, _("Give the deadline for comments as a date and time."))
        return redirect("outcome_detail", pk=outcome.pk)
    try:
        services.share_for_comment(
            by=request.user, outcome=outcome, deadline=form.cleaned_data["deadline"]
        )
    except ValidationError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request,
            _("The draft was shared for comment with the focal points and the chair."),
        )
    return redirect("outcome_detail", pk=outcome.pk)


@login_required
@require_POST
def outcome_share_with_chair(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = _managed_outcome(request, pk)
    try:
        services.share_with_chair(by=request.user, outcome=outcome)
    except ValidationError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("The chair can now read the draft."))
    return redirect("outcome_detail", pk=outcome.pk)


@login_required
@require_POST
def outcome_comment(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = _visible_outcome(request, pk)
    state_ids = permissions.states_commenting_for(request.user, outcome)
    if not state_ids:
        raise Http404
    form = CommentForm(request.POST, state_ids=state_ids)
    if not form.is_valid():
        if "state" in form.errors:
            raise Http404  # a state this person does not speak for
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("outcome_detail", pk=outcome.pk)
    data = form.cleaned_data
    try:
        services.comment(
            by=request.user,
            outcome=outcome,
            state=data["state"],
            text=data["text"],
            no_objection=data["no_objection"],
        )
    except ValidationError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Your comment was sent to the secretariat."))
    return redirect("outcome_detail", pk=outcome.pk)


@login_required
@require_POST
def outcome_adopt(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = _managed_outcome(request, pk)
    try:
        services.adopt(by=request.user, outcome=outcome)
    except ValidationError as error:
        show_refusal(request, error)
        return redirect("outcome_detail", pk=outcome.pk)
    messages.success(request, _("The outcome was adopted and published."))
    return redirect("outcome_detail", pk=outcome.pk)


# --- Action points ---------------------------------------------------------------------------


@login_required
def action_point_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = managed_meeting(request, pk)
    form = ActionPointForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_action_point(by=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The action point was added."))
            return redirect(f"{meeting_url(meeting.pk)}#outcomes")
    return render(request, "meetings/action_point_form.html", {"meeting": meeting, "form": form})


@login_required
@require_POST
def action_point_status(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Change an action point's status; back to ``next`` (the later meeting's page it was
    changed from) or to the meeting where it was agreed."""
    point = ActionPoint.objects.select_related("meeting").filter(pk=pk).first()
    if point is None:
        raise Http404
    meeting = managed_meeting(request, point.meeting_id)
    form = ActionPointStatusForm(request.POST)
    if form.is_valid():
        try:
            services.set_action_point_status(
                by=request.user, action_point=point, status=form.cleaned_data["status"]
            )
        except ValidationError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("The action point's status was changed."))
    else:
        messages.error(request, _("Choose a status."))
    return redirect(next_or(request, f"{meeting_url(meeting.pk)}#outcomes"))


urlpatterns: list[URLPattern] = [
    path("meetings/<int:pk>/outcomes/new/", outcome_create, name="outcome_create"),
    path("outcomes/<int:pk>/", outcome_detail, name="outcome_detail"),
    path("outcomes/<int:pk>/edit/", outcome_edit, name="outcome_edit"),
    path("outcomes/<int:pk>/share/", outcome_share, name="outcome_share"),
    path(
        "outcomes/<int:pk>/share-with-chair/",
        outcome_share_with_chair,
        name="outcome_share_with_chair",
    ),
    path("outcomes/<int:pk>/comment/", outcome_comment, name="outcome_comment"),
    path("outcomes/<int:pk>/adopt/", outcome_adopt, name="outcome_adopt"),
    path("meetings/<int:pk>/action-points/new/", action_point_create, name="action_point_create"),
    path("action-points/<int:pk>/status/", action_point_status, name="action_point_status"),
]
