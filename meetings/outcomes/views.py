"""Outcome pages: drafting, sharing with the chair and for comment, commenting on behalf of a
state, adopting; and the action points of a meeting.

Every view asks ``dialogue.permissions``; what someone may not see answers 404, like what does
not exist. Writes go through ``meetings.outcomes``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dialogue import permissions
from dialogue.http import AuthenticatedRequest, next_or, show_refusal, visible_or_404
from meetings.events import meeting_url
from meetings.models import ActionPoint, Outcome, OutcomeRevision, OutcomeStatus
from meetings.views import managed_meeting

from . import compilation, negotiation, services, silence
from . import diff as text_diff
from .forms import (
    ActionPointForm,
    ActionPointStatusForm,
    CommentForm,
    CompilationOrderForm,
    ExtendSilenceForm,
    ObjectionForm,
    OutcomeForm,
    ReleaseRevisionForm,
    ShareForCommentForm,
    SilenceForm,
    WithdrawSilenceForm,
)


def _visible_outcome(request: HttpRequest, pk: int) -> Outcome:
    outcomes = Outcome.objects.select_related("meeting", "meeting__dialogue", "meeting__body")
    return visible_or_404(request, outcomes, pk, permissions.can_view_outcome)


def _managed_outcome(request: HttpRequest, pk: int) -> Outcome:
    outcome = _visible_outcome(request, pk)
    if not permissions.can_manage_meeting(request.user, outcome.meeting):
        raise Http404
    return outcome


T = TypeVar("T")


def _act(
    request: HttpRequest, action: Callable[[], T], said: str | Callable[[T], str], back: str
) -> HttpResponse:
    """What every button of these pages does once its form is read: carry out ``action`` (a
    service call), show the person its refusal or else ``said`` (the sentence, or one made from
    what the action returned), and go ``back`` (the page the button was on)."""
    try:
        done = action()
    except ValidationError as error:
        show_refusal(request, error)
    else:
        messages.success(request, said(done) if callable(said) else said)
    return redirect(back)


def _refused(request: HttpRequest, sentence: str, back: str) -> HttpResponse:
    """A form that could not be read: say why and go ``back``."""
    messages.error(request, sentence)
    return redirect(back)


def _page_of(outcome: Outcome) -> str:
    return reverse("outcome_detail", args=[outcome.pk])


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


def _revision_or_404(outcome: Outcome, number: Any) -> OutcomeRevision:
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        raise Http404 from None
    revision = outcome.revisions.filter(number=wanted).first()
    if revision is None:
        raise Http404
    revision.outcome = outcome
    return revision


def _comment_rows(request: HttpRequest, outcome: Outcome) -> dict[str, Any]:
    """The secretariat's comment section: "no objection" apart from the comments, the states
    that answered first."""
    table = services.comment_table(outcome)
    return {
        "table": table,
        "not_answered": services.not_answered(table),
        "no_objection_rows": [row for row in table if row.no_objection],
        "comment_rows": [row for row in table if not row.no_objection],
    }


def outcome_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The latest revision (or ``?rev=N``) in the viewer's language with numbered paragraphs;
    the revisions with their changelog; the comments the viewer may read, each "on Rev.N,
    paragraph P"; the silence and its log; for the secretariat the working draft, the comments
    state by state (live) and the next steps; for a focal point the comment and objection
    forms."""
    outcome = _visible_outcome(request, pk)
    meeting = outcome.meeting
    manager = permissions.can_manage_meeting(request.user, outcome.meeting)
    state_ids = permissions.states_commenting_for(request.user, outcome)
    comments_open = services.comments_open(outcome, timezone.now())
    revisions = list(outcome.revisions.order_by("number").prefetch_related("taken_up__state"))
    for r in revisions:
        r.outcome = outcome
    latest = revisions[-1] if revisions else None
    shown = _revision_or_404(outcome, request.GET["rev"]) if "rev" in request.GET else latest
    if shown is not None:
        text = shown.text
        paragraphs = text_diff.paragraphs(text)
        text_language = text.language
    else:
        paragraphs = text_diff.paragraphs(outcome.text)
        text_language = _shown_language(outcome)
    visible_comments = [
        (c, negotiation.where(c)) for c in negotiation.comments_visible_to(request.user, outcome)
    ]
    running = silence.running_silence(outcome)
    silences = list(
        outcome.silences.select_related("revision")
        .prefetch_related("objections__state", "log")
        .order_by("-started_at")
    )
    for s in silences:
        s.outcome = outcome
    context: dict[str, Any] = {
        "outcome": outcome,
        "meeting": meeting,
        "text_language": text_language,
        "paragraphs": paragraphs,
        "revisions": revisions,
        "latest": latest,
        "shown": shown,
        "visible_comments": visible_comments,
        "is_manager": manager,
        "comments_open": comments_open,
        "deadline_passed": outcome.status == OutcomeStatus.FOR_COMMENT and not comments_open,
        "running_silence": running,
        "silences": silences,
        "silence_over": running is not None and running.deadline <= timezone.now(),
        "rendered_at": timezone.now().isoformat(),
    }
    if manager:
        context.update(_comment_rows(request, outcome))
        context.update(
            changeable=outcome.status in services.CHANGEABLE,
            unreleased=negotiation.has_unreleased_changes(outcome, latest),
            share_form=ShareForCommentForm(meeting=meeting),
            release_form=ReleaseRevisionForm(
                comments=[(c.pk, f"{c.state.name} · {where}") for c, where in visible_comments]
            ),
            silence_form=SilenceForm(meeting=meeting, prefix="silence"),
            extend_form=ExtendSilenceForm(meeting=meeting, prefix="extend"),
            withdraw_form=WithdrawSilenceForm(prefix="withdraw"),
            order_form=CompilationOrderForm(initial={"order": " ".join(outcome.compilation_order)}),
        )
    if state_ids:
        context.update(
            own_comments=services.comments_of(outcome, state_ids),
            comment_form=CommentForm(state_ids=state_ids) if comments_open else None,
            objection_form=ObjectionForm(state_ids=state_ids, prefix="objection")
            if running is not None and not context["silence_over"]
            else None,
        )
    return render(request, "meetings/outcome_detail.html", context)


def outcome_comments_fragment(request: HttpRequest, pk: int) -> HttpResponse:
    """The secretariat's comment section alone, re-fetched by the page when a comment or an
    objection arrives (``static/js/pages/outcome.js``)."""
    outcome = _managed_outcome(request, pk)
    context = {"outcome": outcome, "meeting": outcome.meeting, **_comment_rows(request, outcome)}
    return render(request, "meetings/_outcome_comments.html", context)


def outcome_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Two revisions compared (``?from=1&to=2``, by default the last two): paragraphs added,
    removed, moved, words changed within a paragraph; ``?print=1`` as a PDF."""
    outcome = _visible_outcome(request, pk)
    revisions = list(outcome.revisions.order_by("number"))
    if len(revisions) < 2:
        raise Http404
    older = _revision_or_404(outcome, request.GET.get("from", revisions[-2].number))
    newer = _revision_or_404(outcome, request.GET.get("to", revisions[-1].number))
    old_text, new_text = older.text, newer.text
    changes = text_diff.compare(old_text, new_text)
    context = {
        "outcome": outcome,
        "meeting": outcome.meeting,
        "older": older,
        "newer": newer,
        "revisions": revisions,
        "changes": changes,
        "counts": text_diff.summary(changes),
        "text_language": new_text.language,
    }
    if request.GET.get("print") == "1":
        pdf = compilation.render_pdf("meetings/outcome_diff_print.html", context)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="outcome-{outcome.pk}-rev{older.number}-rev{newer.number}.pdf"'
        )
        return response
    return render(request, "meetings/outcome_diff.html", context)


def outcome_compilation(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The comments the viewer may read on a revision (``?rev=N``, else the latest), by
    paragraph, states in the secretariat's order: as PDF or DOCX."""
    outcome = _visible_outcome(request, pk)
    latest = negotiation.latest_revision(outcome)
    if latest is None:
        raise Http404
    revision = _revision_or_404(outcome, request.GET.get("rev", latest.number))
    compiled = negotiation.compile_comments(request.user, revision)
    name = f"outcome-{outcome.pk}-rev{revision.number}-comments"
    if fmt == "docx":
        body = compilation.render_docx(compiled, outcome=outcome)
        response = HttpResponse(
            body,
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.docx"'
        return response
    pdf = compilation.render_pdf(
        "meetings/outcome_compilation_print.html",
        {"outcome": outcome, "meeting": outcome.meeting, "compiled": compiled},
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


@login_required
@require_POST
def outcome_release_revision(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = _managed_outcome(request, pk)
    ids = [c.pk for c in negotiation.comments_visible_to(request.user, outcome)]
    form = ReleaseRevisionForm(request.POST, comments=[(i, "") for i in ids])
    if not form.is_valid():
        return _refused(request, _("Check the note and the comments taken up."), _page_of(outcome))
    return _act(
        request,
        lambda: negotiation.release_revision(
            by=request.user,
            outcome=outcome,
            note=form.cleaned_data["note"],
            taken_up=[int(i) for i in form.cleaned_data["taken_up"]],
            comments_shared=form.cleaned_data["comments_shared"],
        ),
        lambda revision: _("%(revision)s was released.") % {"revision": revision.label},
        _page_of(outcome),
    )


@login_required
@require_POST
def outcome_share_comments(request: AuthenticatedRequest, pk: int, number: int) -> HttpResponse:
    outcome = _managed_outcome(request, pk)
    revision = _revision_or_404(outcome, number)
    shared = request.POST.get("shared") == "1"
    negotiation.set_comments_shared(by=request.user, revision=revision, shared=shared)
    messages.success(
        request,
        _("States now see each other's comments on %(revision)s.")
        if shared
        else _("States no longer see each other's comments on %(revision)s."),
    )
    return redirect("outcome_detail", pk=outcome.pk)


@login_required
@require_POST
def outcome_heads(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Let heads of delegation speak for their states on the outcome, or stop it."""
    outcome = _managed_outcome(request, pk)
    allowed = request.POST.get("allowed") == "1"
    return _act(
        request,
        lambda: negotiation.set_heads_may_comment(
            by=request.user, outcome=outcome, allowed=allowed
        ),
        _("Heads of delegation may now comment and object on behalf of their states.")
        if allowed
        else _("Only focal points comment and object on behalf of their states now."),
        _page_of(outcome),
    )


@login_required
@require_POST
def outcome_compilation_order(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = _managed_outcome(request, pk)
    form = CompilationOrderForm(request.POST)
    if not form.is_valid():
        return redirect(_page_of(outcome))
    codes = form.cleaned_data["order"].replace(",", " ").split()
    return _act(
        request,
        lambda: negotiation.set_compilation_order(by=request.user, outcome=outcome, codes=codes),
        _("The order of states was saved."),
        _page_of(outcome),
    )


@login_required
@require_POST
def outcome_silence(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = _managed_outcome(request, pk)
    form = SilenceForm(request.POST, meeting=outcome.meeting, prefix="silence")
    if not form.is_valid():
        return _refused(
            request, _("Give the end of the silence as a date and time."), _page_of(outcome)
        )
    return _act(
        request,
        lambda: silence.start(
            by=request.user, outcome=outcome, deadline=form.cleaned_data["deadline"]
        ),
        lambda started: (
            _("%(revision)s is under silence until %(deadline)s.")
            % {
                "revision": started.revision.label,
                "deadline": silence.silence_deadline_label(started),
            }
        ),
        _page_of(outcome),
    )


@login_required
@require_POST
def outcome_silence_extend(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = _managed_outcome(request, pk)
    running = silence.running_silence(outcome)
    form = ExtendSilenceForm(request.POST, meeting=outcome.meeting, prefix="extend")
    if running is None:
        return _refused(request, _("This outcome is not under silence."), _page_of(outcome))
    if not form.is_valid():
        return _refused(
            request, _("Give the new end of the silence and the reason."), _page_of(outcome)
        )
    return _act(
        request,
        lambda: silence.extend(
            by=request.user,
            silence=running,
            deadline=form.cleaned_data["deadline"],
            reason=form.cleaned_data["reason"],
        ),
        _("The silence was extended."),
        _page_of(outcome),
    )


@login_required
@require_POST
def outcome_silence_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = _managed_outcome(request, pk)
    running = silence.running_silence(outcome)
    form = WithdrawSilenceForm(request.POST, prefix="withdraw")
    if running is None:
        return _refused(request, _("This outcome is not under silence."), _page_of(outcome))
    if not form.is_valid():
        return _refused(request, _("Give the reason."), _page_of(outcome))
    return _act(
        request,
        lambda: silence.withdraw(
            by=request.user, silence=running, reason=form.cleaned_data["reason"]
        ),
        _("The silence was withdrawn."),
        _page_of(outcome),
    )


@login_required
@require_POST
def outcome_object(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = _visible_outcome(request, pk)
    state_ids = permissions.states_commenting_for(request.user, outcome)
    running = silence.running_silence(outcome)
    if not state_ids:
        raise Http404
    form = ObjectionForm(request.POST, state_ids=state_ids, prefix="objection")
    if not form.is_valid():
        if "state" in form.errors:
            raise Http404
        return _refused(
            request,
            _("Write the objection: the secretariat and the chair read it."),
            _page_of(outcome),
        )
    if running is None:
        running = outcome.silences.order_by("-started_at").first()
        if running is None:
            return _refused(request, _("This outcome is not under silence."), _page_of(outcome))
    objected_to = running
    return _act(
        request,
        lambda: silence.object_to(
            by=request.user,
            silence=objected_to,
            state=form.cleaned_data["state"],
            text=form.cleaned_data["text"],
        ),
        _("Your objection was sent: the silence is broken."),
        _page_of(outcome),
    )


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
        return _refused(
            request, _("Give the deadline for comments as a date and time."), _page_of(outcome)
        )
    return _act(
        request,
        lambda: services.share_for_comment(
            by=request.user, outcome=outcome, deadline=form.cleaned_data["deadline"]
        ),
        _("The draft was shared for comment with the focal points and the chair."),
        _page_of(outcome),
    )


@login_required
@require_POST
def outcome_share_with_chair(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    outcome = _managed_outcome(request, pk)
    return _act(
        request,
        lambda: services.share_with_chair(by=request.user, outcome=outcome),
        _("The chair can now read the draft."),
        _page_of(outcome),
    )


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
        return _refused(
            request,
            " ".join(str(e) for errors in form.errors.values() for e in errors),
            _page_of(outcome),
        )
    data = form.cleaned_data
    return _act(
        request,
        lambda: services.comment(
            by=request.user,
            outcome=outcome,
            state=data["state"],
            text=data["text"],
            no_objection=data["no_objection"],
            paragraph=data.get("paragraph"),
            proposed_text=data.get("proposed_text") or "",
        ),
        _("Your comment was sent to the secretariat."),
        _page_of(outcome),
    )


@login_required
@require_POST
def outcome_adopt(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Adopt; when the service asks for a confirmation (comments still open, states not
    answered), a page says why and asks again."""
    outcome = _managed_outcome(request, pk)
    try:
        services.adopt(by=request.user, outcome=outcome, confirm=request.POST.get("confirm") == "1")
    except ValidationError as error:
        if getattr(error, "code", None) == services.ADOPT_NEEDS_CONFIRMATION:
            return render(
                request,
                "meetings/outcome_adopt_confirm.html",
                {
                    "outcome": outcome,
                    "meeting": outcome.meeting,
                    "warnings": services.adoption_warnings(outcome),
                },
            )
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
    back = next_or(request, f"{meeting_url(meeting.pk)}#outcomes")
    if not form.is_valid():
        return _refused(request, _("Choose a status."), back)
    return _act(
        request,
        lambda: services.set_action_point_status(
            by=request.user, action_point=point, status=form.cleaned_data["status"]
        ),
        _("The action point's status was changed."),
        back,
    )


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
    path(
        "outcomes/<int:pk>/comments/", outcome_comments_fragment, name="outcome_comments_fragment"
    ),
    path("outcomes/<int:pk>/diff/", outcome_diff, name="outcome_diff"),
    path(
        "outcomes/<int:pk>/compilation.pdf",
        outcome_compilation,
        {"fmt": "pdf"},
        name="outcome_compilation_pdf",
    ),
    path(
        "outcomes/<int:pk>/compilation.docx",
        outcome_compilation,
        {"fmt": "docx"},
        name="outcome_compilation_docx",
    ),
    path(
        "outcomes/<int:pk>/revisions/release/",
        outcome_release_revision,
        name="outcome_release_revision",
    ),
    path(
        "outcomes/<int:pk>/revisions/<int:number>/share-comments/",
        outcome_share_comments,
        name="outcome_share_comments",
    ),
    path(
        "outcomes/<int:pk>/compilation-order/",
        outcome_compilation_order,
        name="outcome_compilation_order",
    ),
    path("outcomes/<int:pk>/heads/", outcome_heads, name="outcome_heads"),
    path("outcomes/<int:pk>/silence/", outcome_silence, name="outcome_silence"),
    path(
        "outcomes/<int:pk>/silence/extend/", outcome_silence_extend, name="outcome_silence_extend"
    ),
    path(
        "outcomes/<int:pk>/silence/withdraw/",
        outcome_silence_withdraw,
        name="outcome_silence_withdraw",
    ),
    path("outcomes/<int:pk>/object/", outcome_object, name="outcome_object"),
    path("meetings/<int:pk>/action-points/new/", action_point_create, name="action_point_create"),
    path("action-points/<int:pk>/status/", action_point_status, name="action_point_status"),
]
