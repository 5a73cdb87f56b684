"""Registration pages: the registration section of the meeting page, the secretariat's set-up
and review queue, a delegation's page for its focal point, a nomination, and a person's own
registrations.

Every view asks ``dialogue.permissions``; what someone may not see answers 404, like what does
not exist. Writes go through ``meetings.registration``; a refusal comes back as a message on
the page the person was on, with what they typed kept where a form allows it.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from dialogue import confirmation, permissions
from dialogue.http import AuthenticatedRequest, is_fetch, next_or, show_refusal, visible_or_404
from dialogue.members import Member
from dialogue.models import Membership, Organisation, State
from meetings.models import (
    Category,
    FollowUpQuestion,
    Funding,
    LetterKind,
    Meeting,
    Nomination,
    NominationLetter,
    NominationStatus,
    QuotaRule,
)
from meetings.views import managed_meeting, registration_meeting, visible_meeting

from . import (
    access,
    attendance,
    decisions,
    imports,
    nomination_letters,
    nominations,
    personal_data,
    queries,
    setup,
)
from .forms import (
    BulkForm,
    ConfirmationForm,
    DetailsForm,
    NomineeForm,
    QuestionForm,
    QuotaForm,
    RegistrationSettingsForm,
    RejectForm,
)
from .printing import letters


def _posted(request: HttpRequest) -> Any:
    """The form data of a POST (even an empty one, which must fail validation), else None."""
    return request.POST if request.method == "POST" else None


def _collects_gender(meeting: Meeting) -> bool:
    reg = queries.settings_of(meeting)
    return reg is None or reg.collect_gender


# --- The registration section of the meeting page ---------------------------------------------


def registration_section(user: Any, meeting: Meeting) -> dict[str, Any]:
    """What the meeting page's registration section shows ``user``: drawn in the page by
    ``{% registration_section meeting %}``, re-fetched alone by ``meeting_registration``. From
    the meeting as the page loads it (settings joined, counts annotated): no query of its own."""
    return {
        "meeting": meeting,
        "is_manager": permissions.can_manage_meeting(user, meeting),
        "registration": queries.meeting_registration(user, meeting),
    }


def meeting_registration(request: HttpRequest, pk: int) -> HttpResponse:
    """The registration section, as a fragment the live page re-fetches."""
    meeting = visible_meeting(request, pk, queries.with_nomination_counts())
    return render(
        request, "meetings/_registration.html", registration_section(request.user, meeting)
    )


# --- The secretariat's set-up ------------------------------------------------------------------


@login_required
def registration_settings(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Deadlines, capacity, quotas and follow-up questions of a meeting's registration."""
    meeting = managed_meeting(request, pk)
    current = queries.settings_of(meeting)
    form = RegistrationSettingsForm(_posted(request), meeting=meeting, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            setup.configure_registration(by=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Registration settings saved."))
            return redirect("registration_settings", pk=meeting.pk)
    return _settings_page(request, meeting, form=form)


def _settings_page(
    request: AuthenticatedRequest,
    meeting: Meeting,
    *,
    form: RegistrationSettingsForm | None = None,
    quota_form: QuotaForm | None = None,
    status: int = 200,
) -> HttpResponse:
    current = queries.settings_of(meeting)
    context = {
        "meeting": meeting,
        "form": form or RegistrationSettingsForm(meeting=meeting, current=current),
        "settings": current,
        "quota_rules": list(
            meeting.quota_rules.select_related("state", "organisation").order_by("id")
        ),
        "quota_form": quota_form or QuotaForm(meeting=meeting),
        "questions": list(meeting.follow_up_questions.all()),
        "question_form": QuestionForm(meeting=meeting),
    }
    return render(request, "meetings/registration_settings.html", context, status=status)


@login_required
@require_POST
def quota_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = managed_meeting(request, pk)
    form = QuotaForm(request.POST, meeting=meeting)
    if form.is_valid():
        data = form.cleaned_data
        try:
            setup.set_quota(
                by=request.user,
                meeting=meeting,
                categories=data["categories"],
                seats=data["seats"],
                funded_seats=data["funded_seats"] or 0,
                **form.scope_arguments(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Quota saved."))
            return redirect(reverse("registration_settings", args=[meeting.pk]) + "#quotas")
    messages.error(request, _("The quota was not saved: check the fields marked below."))
    return _settings_page(request, meeting, quota_form=form, status=400)


@login_required
@require_POST
def quota_remove(request: AuthenticatedRequest, pk: int, rule_pk: int) -> HttpResponse:
    meeting = managed_meeting(request, pk)
    rule = get_object_or_404(QuotaRule, pk=rule_pk, meeting=meeting)
    setup.remove_quota(by=request.user, rule=rule)
    messages.success(request, _("Quota removed."))
    return redirect(reverse("registration_settings", args=[meeting.pk]) + "#quotas")


@login_required
@require_POST
def question_add(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = managed_meeting(request, pk)
    form = QuestionForm(request.POST, meeting=meeting)
    if not form.is_valid():
        messages.error(
            request,
            _("The question was not saved: write it at least in the first working language."),
        )
    else:
        try:
            setup.add_question(by=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            show_refusal(request, error)
        else:
            messages.success(request, _("Question added."))
    return redirect(reverse("registration_settings", args=[meeting.pk]) + "#questions")


@login_required
@require_POST
def question_remove(request: AuthenticatedRequest, pk: int, question_pk: int) -> HttpResponse:
    meeting = managed_meeting(request, pk)
    question = get_object_or_404(FollowUpQuestion, pk=question_pk, meeting=meeting)
    setup.remove_question(by=request.user, question=question)
    messages.success(request, _("Question removed with its answers."))
    return redirect(reverse("registration_settings", args=[meeting.pk]) + "#questions")


# --- A delegation ------------------------------------------------------------------------------


def _delegation_access(request: HttpRequest, pk: int, key: str) -> tuple[Meeting, Member]:
    """The meeting and member of a delegation page: the secretariat and the state's own focal
    point; 404 for anyone else, as for a member that does not exist."""
    meeting = visible_meeting(request, pk)
    member = queries.member_for_key(meeting, key)
    if member is None:
        raise Http404
    if not permissions.can_act_for_delegation(request.user, meeting, member):
        raise Http404
    return meeting, member


def _nominee_form(
    request: AuthenticatedRequest, meeting: Meeting, view: queries.DelegationView, data: Any
) -> NomineeForm:
    prefill = nominations.previous_details(request.user, request.GET.get("from", ""))
    if prefill and request.GET.get("from"):
        prefill["email"] = request.GET["from"]
    return NomineeForm(
        data,
        initial=prefill,
        categories=view.open_categories or None,
        collect_gender=view.settings is None or view.settings.collect_gender,
        languages=meeting.languages,
    )


def _why_no_nomination_form(user: Any, meeting: Meeting, view: queries.DelegationView) -> str:
    """Why the page shows no form to nominate (registration closed or not open, the deadline
    passed, the quota full), in a sentence; empty when it shows it."""
    refused = access.nominating_refused(user, meeting, view.settings)
    if refused:
        return refused
    if view.quota and view.remaining == 0:
        seats = sum(line.rule.seats for line in view.quota)
        return ngettext(
            "The delegation's quota is full (%(seats)d seat): withdraw a nomination to free a "
            "seat, or ask the secretariat for more.",
            "The delegation's quota is full (%(seats)d seats): withdraw a nomination to free a "
            "seat, or ask the secretariat for more.",
            seats,
        ) % {"seats": seats}
    return ""


def _delegation_page(
    request: AuthenticatedRequest,
    meeting: Meeting,
    member: Member,
    key: str,
    *,
    view: queries.DelegationView,
    form: NomineeForm,
    letter_errors: list[str] | None = None,
) -> HttpResponse:
    context = {
        "meeting": meeting,
        "view": view,
        "key": key,
        "form": form,
        "letter_errors": letter_errors or [],
        "is_manager": permissions.can_manage_registration(request.user, meeting),
        "known_people": nominations.known_people(request.user, meeting, member),
        "now": timezone.now(),
        "form_hidden_because": _why_no_nomination_form(request.user, meeting, view),
    }
    template = "meetings/_delegation.html" if is_fetch(request) else "meetings/delegation.html"
    refused = form.errors or letter_errors
    return render(request, template, context, status=400 if refused else 200)


@login_required
def delegation_detail(request: AuthenticatedRequest, pk: int, key: str) -> HttpResponse:
    """A delegation's nominations, quota and letter; the form to nominate (POST)."""
    meeting, member = _delegation_access(request, pk, key)
    view = queries.delegation_view(meeting, member)
    form = _nominee_form(request, meeting, view, _posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            nomination = nominations.nominate(
                by=request.user,
                meeting=meeting,
                member=member,
                email=data["email"],
                category=data["category"],
                funding_requested=data["funding_requested"],
                funding_priority=data["funding_priority"],
                idempotency_key=data["idempotency_key"],
                **form.details(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s is nominated; the secretariat will review the nomination.")
                % {"name": nomination.full_name},
            )
            return redirect("delegation_detail", pk=meeting.pk, key=key)
    return _delegation_page(request, meeting, member, key, view=view, form=form)


@login_required
def delegation_mine(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A focal point's way to their own state's delegation page (a person is focal point of
    one state per dialogue); the secretariat goes to the review queue."""
    meeting = visible_meeting(request, pk)
    state_ids = permissions.nominating_states(request.user, meeting.dialogue_id)
    if not state_ids:
        if permissions.can_manage_registration(request.user, meeting):
            return redirect("nomination_queue", pk=meeting.pk)
        raise Http404
    state = get_object_or_404(State, pk=min(state_ids))
    return redirect("delegation_detail", pk=meeting.pk, key=state.code)


@login_required
@require_POST
def delegation_letter_upload(request: AuthenticatedRequest, pk: int, key: str) -> HttpResponse:
    """Upload the delegation's nomination letter; a refusal answers 400 with the delegation's
    page and the reason beside the letter's form."""
    meeting, member = _delegation_access(request, pk, key)
    upload = request.FILES.get("letter")
    try:
        if upload is None:
            raise ValidationError(_("Choose the file of the nomination letter."))
        letter = nomination_letters.upload_letter(
            by=request.user, meeting=meeting, member=member, upload=upload
        )
    except ValidationError as error:
        view = queries.delegation_view(meeting, member)
        return _delegation_page(
            request,
            meeting,
            member,
            key,
            view=view,
            form=_nominee_form(request, meeting, view, None),
            letter_errors=error.messages,
        )
    messages.success(
        request,
        _("Nomination letter version %(version)d uploaded for the whole delegation.")
        % {"version": letter.version},
    )
    return redirect(reverse("delegation_detail", args=[meeting.pk, key]) + "#letter")


def _visible_letter(request: HttpRequest, letter_pk: int) -> NominationLetter:
    letters = NominationLetter.objects.select_related(
        "delegation__meeting__dialogue", "delegation__state", "delegation__organisation"
    )
    return visible_or_404(request, letters, letter_pk, _acts_for_letter)


def _acts_for_letter(user: Any, letter: NominationLetter) -> bool:
    delegation = letter.delegation
    return permissions.can_act_for_delegation(user, delegation.meeting, delegation)


@login_required
def letter_file(request: AuthenticatedRequest, letter_pk: int) -> FileResponse:
    """The letter's file, streamed, as an attachment that is never sniffed or cached."""
    letter = _visible_letter(request, letter_pk)
    try:
        handle = letter.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    nomination_letters.record_letter_download(by=request.user, letter=letter)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=letter.original_name,
        content_type=letter.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def letter_verify(request: AuthenticatedRequest, letter_pk: int) -> HttpResponse:
    letter = _visible_letter(request, letter_pk)
    delegation = letter.delegation
    nomination_letters.verify_letter(by=request.user, letter=letter)
    messages.success(request, _("Nomination letter marked as verified."))
    return redirect(
        reverse("delegation_detail", args=[delegation.meeting_id, delegation.key]) + "#letter"
    )


# --- The secretariat's review queue -------------------------------------------------------------


@login_required
def nomination_queue(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = managed_meeting(request, pk)
    filters = queries.QueueFilters.from_query(request.GET)
    queue = queries.review_queue(request.user, meeting, filters)
    members = Membership.objects.current().filter(dialogue_id=meeting.dialogue_id)
    context = {
        "meeting": meeting,
        "queue": queue,
        "filters": filters,
        "filter_query": filters.as_query(),
        "statuses": NominationStatus.choices,
        "categories": Category.choices,
        "states": State.objects.filter(pk__in=members.values("state_id")),
        "organisations": Organisation.objects.filter(pk__in=members.values("organisation_id")),
        "settings": queries.settings_of(meeting),
        "reject_form": RejectForm(),
    }
    template = "meetings/_queue.html" if is_fetch(request) else "meetings/nomination_queue.html"
    return render(request, template, context)


@login_required
@require_POST
def nomination_bulk(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    meeting = managed_meeting(request, pk)
    ids = [int(v) for v in request.POST.getlist("nominations") if v.isdigit()]
    form = BulkForm(request.POST, nomination_ids=ids)
    filters = queries.QueueFilters.from_query(QueryDict(request.POST.get("filters", ""))).as_query()
    back = reverse("nomination_queue", args=[meeting.pk]) + (f"?{filters}" if filters else "")
    if not ids:
        messages.error(request, _("Tick the nominations to act on first."))
        return redirect(back)
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the ticked nominations."))
        return redirect(back)
    if form.cleaned_data["action"] == "reject" and not form.cleaned_data["reason"].strip():
        messages.error(request, _("Give the reason for rejecting: the focal points will see it."))
        return redirect(back)
    try:
        result = decisions.bulk_decide(
            by=request.user,
            meeting=meeting,
            nomination_ids=form.cleaned_data["nominations"],
            action=form.cleaned_data["action"],
            reason=form.cleaned_data["reason"],
            fund_ids=[int(v) for v in request.POST.getlist("fund") if v.isdigit()],
            confirm=request.POST.get("confirm") == "1",
        )
    except ValidationError as error:
        if not confirmation.asks_confirmation(error):
            raise
        titles = {
            "approve": _("Approve the ticked nominations"),
            "waitlist": _("Put the ticked nominations on the waitlist"),
            "reject": _("Reject the ticked nominations"),
        }
        title = titles[form.cleaned_data["action"]]
        return confirmation.confirmation_page(
            request,
            error,
            title=title,
            button=_("Yes: %(action)s") % {"action": title},
            back=back,
            keep=("action", "reason", "filters"),
            keep_lists=("nominations", "fund"),
        )
    if result.done:
        done = len(result.done)
        sentences = {
            "approve": ngettext("%(n)d nomination approved.", "%(n)d nominations approved.", done),
            "waitlist": ngettext(
                "%(n)d nomination put on the waitlist.",
                "%(n)d nominations put on the waitlist.",
                done,
            ),
            "reject": ngettext("%(n)d nomination rejected.", "%(n)d nominations rejected.", done),
        }
        messages.success(request, sentences[form.cleaned_data["action"]] % {"n": done})
    if result.funded:
        messages.success(
            request,
            ngettext(
                "Travel support granted to %(n)d person.",
                "Travel support granted to %(n)d people.",
                len(result.funded),
            )
            % {"n": len(result.funded)},
        )
    for nomination, message in result.refused:
        messages.error(request, f"{nomination.full_name}: {message}")
    return redirect(back)


# --- A nomination ------------------------------------------------------------------------------


def _visible_nomination(request: HttpRequest, pk: int) -> Nomination:
    rows = Nomination.objects.select_related(
        "meeting",
        "meeting__dialogue",
        "delegation__state",
        "delegation__organisation",
        "nominated_by",
        "decided_by",
        "replaces",
    )
    return visible_or_404(request, rows, pk, permissions.can_view_nomination)


def _acted_nomination(request: HttpRequest, pk: int) -> Nomination:
    """A nomination whose delegation ``request.user`` acts for (its focal point, the
    secretariat); 404 for the nominee and anyone else."""
    nomination = _visible_nomination(request, pk)
    delegation = nomination.delegation
    if not permissions.can_act_for_delegation(request.user, nomination.meeting, delegation):
        raise Http404
    return nomination


def _back_to(nomination: Nomination) -> str:
    return reverse("nomination_detail", args=[nomination.pk])


@login_required
def nomination_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    nomination = _visible_nomination(request, pk)
    meeting = nomination.meeting
    manager = permissions.can_manage_registration(request.user, meeting)
    answers = {a.question_id: a for a in nomination.follow_up_answers.select_related("question")}
    context = {
        "nomination": nomination,
        "meeting": meeting,
        "is_manager": manager,
        "is_nominee": permissions.is_nominee(request.user, nomination),
        "acts_for": permissions.can_act_for_delegation(
            request.user, meeting, nomination.delegation
        ),
        "questions": [
            (question, answers.get(question.pk)) for question in meeting.follow_up_questions.all()
        ],
        "reject_form": RejectForm(),
        "settings": queries.settings_of(meeting),
        "funding": Funding,
        # Each letter with, when it cannot be issued yet, why.
        "letters": [
            (kind, label, letters.refusal(nomination, kind)) for kind, label in LetterKind.choices
        ]
        if nomination.status == NominationStatus.APPROVED and nomination.erased_at is None
        else [],
    }
    return render(request, "meetings/nomination_detail.html", context)


@login_required
def nomination_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    nomination = _visible_nomination(request, pk)
    if nomination.erased_at is not None:
        raise Http404
    may_consent = permissions.is_nominee(
        request.user, nomination
    ) or permissions.can_manage_registration(request.user, nomination.meeting)
    form = DetailsForm(
        _posted(request),
        instance=Nomination.objects.get(pk=nomination.pk),
        may_consent=may_consent,
        collect_gender=_collects_gender(nomination.meeting),
        languages=nomination.meeting.languages,
    )
    if request.method == "POST" and form.is_valid():
        try:
            nominations.update_details(by=request.user, nomination=nomination, **form.details())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Details saved."))
            return redirect(_back_to(nomination))
    return render(
        request,
        "meetings/nomination_form.html",
        {"nomination": nomination, "meeting": nomination.meeting, "form": form},
        status=400 if form.errors else 200,
    )


DECISIONS = {
    "approve": decisions.approve,
    "waitlist": decisions.waitlist,
}


@login_required
@require_POST
def nomination_decide(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    nomination = _visible_nomination(request, pk)
    if not permissions.can_manage_registration(request.user, nomination.meeting):
        raise Http404
    action = request.POST.get("action", "")
    try:
        if action == "reject":
            decided = decisions.reject(
                by=request.user, nomination=nomination, reason=request.POST.get("reason", "")
            )
        elif action in DECISIONS:
            decided = DECISIONS[action](by=request.user, nomination=nomination)
        else:
            raise ValidationError(_("Choose approve, waitlist or reject."))
    except ValidationError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request,
            _("%(name)s: %(status)s.")
            % {"name": decided.full_name, "status": decided.get_status_display()},
        )
    return redirect(next_or(request, _back_to(nomination)))


@login_required
@require_POST
def nomination_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    nomination = _visible_nomination(request, pk)
    try:
        decisions.withdraw(
            by=request.user,
            nomination=nomination,
            reason=request.POST.get("reason", ""),
            confirm=request.POST.get("confirm") == "1",
        )
    except ValidationError as error:
        if confirmation.asks_confirmation(error):
            title = _("Withdraw %(name)s") % {"name": nomination.full_name}
            return confirmation.confirmation_page(
                request,
                error,
                title=title,
                button=_("Yes: %(action)s") % {"action": title},
                back=_back_to(nomination),
                keep=("reason",),
            )
        show_refusal(request, error)
    else:
        messages.success(request, _("%(name)s is withdrawn.") % {"name": nomination.full_name})
    return redirect(_back_to(nomination))


@login_required
def nomination_replace(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    nomination = _acted_nomination(request, pk)
    delegation = nomination.delegation
    form = NomineeForm(
        _posted(request),
        replacing=True,
        collect_gender=_collects_gender(nomination.meeting),
        languages=nomination.meeting.languages,
    )
    if request.method == "POST" and form.is_valid():
        try:
            new = nominations.replace(
                by=request.user,
                nomination=nomination,
                email=form.cleaned_data["email"],
                idempotency_key=form.cleaned_data["idempotency_key"],
                **form.details(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(new)s replaces %(old)s; the secretariat will review the nomination.")
                % {"new": new.full_name, "old": nomination.full_name},
            )
            return redirect("delegation_detail", pk=nomination.meeting_id, key=delegation.key)
    return render(
        request,
        "meetings/nomination_replace.html",
        {"nomination": nomination, "meeting": nomination.meeting, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def nomination_head(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    nomination = _acted_nomination(request, pk)
    try:
        nominations.designate_head(by=request.user, nomination=nomination)
    except ValidationError as error:
        show_refusal(request, error)
    else:
        messages.success(
            request,
            _("%(name)s heads the delegation.") % {"name": nomination.full_name},
        )
    return redirect(next_or(request, _back_to(nomination)))


@login_required
@require_POST
def nomination_funding(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The focal point asks for (or withdraws a request for) travel support; the secretariat
    grants or declines it."""
    nomination = _acted_nomination(request, pk)
    decision = request.POST.get("decision", "")
    try:
        if decision in ("grant", "decline"):
            nominations.decide_funding(
                by=request.user, nomination=nomination, granted=decision == "grant"
            )
        else:
            priority = request.POST.get("priority", "")
            nominations.request_funding(
                by=request.user,
                nomination=nomination,
                priority=int(priority) if priority.isdigit() and int(priority) > 0 else None,
            )
    except ValidationError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("Travel support updated."))
    return redirect(_back_to(nomination))


@login_required
def nomination_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The approved participant confirms they come and answers the follow-up questions."""
    nomination = _visible_nomination(request, pk)
    questions = list(nomination.meeting.follow_up_questions.all())
    initial = {f"q{a.question_id}": a.answer for a in nomination.follow_up_answers.all()}
    form = ConfirmationForm(_posted(request), questions=questions, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            attendance.confirm_participation(
                by=request.user, nomination=nomination, answers=form.answers()
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you: participation confirmed."))
            return redirect(_back_to(nomination))
    return render(
        request,
        "meetings/nomination_confirm.html",
        {
            "nomination": nomination,
            "meeting": nomination.meeting,
            "form": form,
            "settings": queries.settings_of(nomination.meeting),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def nomination_erase(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    nomination = _visible_nomination(request, pk)
    if not permissions.can_manage_registration(request.user, nomination.meeting):
        raise Http404
    if request.POST.get("confirm") != "erase":
        messages.error(request, _("Tick the box to confirm the erasure."))
        return redirect(_back_to(nomination))
    count = personal_data.erase_person(by=request.user, nomination=nomination)
    messages.success(
        request,
        ngettext(
            "The person's data was erased from %(n)d registration; the statistics keep them as "
            "an anonymous participant.",
            "The person's data was erased from %(n)d registrations; the statistics keep them as "
            "an anonymous participant.",
            count,
        )
        % {"n": count},
    )
    return redirect("nomination_queue", pk=nomination.meeting_id)


# --- A person's own registrations --------------------------------------------------------------


@login_required
def my_registrations(request: AuthenticatedRequest) -> HttpResponse:
    """For a nominee: their nominations; for a focal point: the meetings open to their state,
    with the quota left."""
    context = {
        "nominations": list(queries.own_nominations(request.user)),
        "open_delegations": queries.open_delegations_for(request.user),
    }
    if is_fetch(request):
        return render(request, "meetings/_open_delegations.html", context)
    return render(request, "meetings/my_registrations.html", context)


@login_required
def my_personal_data(request: AuthenticatedRequest) -> HttpResponse:
    """Everything registration holds about the signed-in person, as JSON to keep (the download
    is recorded in the permanent record)."""
    data = personal_data.download_personal_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="my-registration-data.json"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Importing a delegation's list -----------------------------------------------------------

# The file checked by a dry run waits in the session for the import (a browser cannot keep a
# chosen file across pages); keyed by meeting, it names the delegation it was checked for.
IMPORT_SESSION_KEY = "nomination_import"


def _import_members(meeting: Meeting) -> list[Member]:
    members = Membership.objects.current().filter(dialogue_id=meeting.dialogue_id)
    states: list[Member] = list(State.objects.filter(pk__in=members.values("state_id")))
    organisations = Organisation.objects.filter(pk__in=members.values("organisation_id"))
    return [*states, *organisations]


def _member_key(member: Member) -> str:
    return member.code if isinstance(member, State) else member.slug


@login_required
def nomination_import(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The secretariat imports a delegation's list (CSV or XLSX): a dry run first, whose report
    says row by row what would be accepted or refused and why; then the import."""
    meeting = registration_meeting(request, pk)
    members = _import_members(meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "members": [(_member_key(m), m.name) for m in members],
        "columns": imports.column_headers(),
        "max_rows": imports.MAX_ROWS,
        "chosen": request.POST.get("delegation", ""),
    }
    if request.method != "POST":
        request.session.pop(IMPORT_SESSION_KEY, None)
        return render(request, "meetings/nomination_import.html", context)
    kept = request.session.get(IMPORT_SESSION_KEY) or {}
    confirming = "import" in request.POST and kept.get("meeting") == meeting.pk
    key = kept.get("delegation", "") if confirming else request.POST.get("delegation", "")
    member = queries.member_for_key(meeting, key) if key else None
    upload: UploadedFile | None
    if confirming:
        upload = SimpleUploadedFile(kept["name"], base64.b64decode(kept["data"]))
    else:
        upload = request.FILES.get("file")
    problem = ""
    if member is None:
        problem = _("Choose the delegation whose list this is.")
    elif upload is None:
        problem = _("Choose the file of the list (CSV or XLSX).")
    if problem:
        context["problem"] = problem
        return render(request, "meetings/nomination_import.html", context, status=400)
    assert member is not None  # noqa: S101 - checked just above
    assert upload is not None  # noqa: S101 - checked just above
    try:
        report = imports.import_nominations(
            by=request.user, meeting=meeting, member=member, upload=upload, dry_run=not confirming
        )
    except ValidationError as error:
        context["problem"] = " ".join(error.messages)
        return render(request, "meetings/nomination_import.html", context, status=400)
    if confirming:
        request.session.pop(IMPORT_SESSION_KEY, None)
    elif report.accepted:
        upload.seek(0)
        request.session[IMPORT_SESSION_KEY] = {
            "meeting": meeting.pk,
            "delegation": key,
            "name": upload.name,
            "data": base64.b64encode(upload.read()).decode("ascii"),
        }
    context.update({"report": report, "member": member, "chosen": key})
    return render(request, "meetings/nomination_import.html", context)


urlpatterns: list[URLPattern] = [
    path(
        "meetings/<int:pk>/registration-status/",
        meeting_registration,
        name="meeting_registration",
    ),
    path("meetings/<int:pk>/registration/", registration_settings, name="registration_settings"),
    path("meetings/<int:pk>/registration/quotas/", quota_add, name="quota_add"),
    path(
        "meetings/<int:pk>/registration/quotas/<int:rule_pk>/remove/",
        quota_remove,
        name="quota_remove",
    ),
    path("meetings/<int:pk>/registration/questions/", question_add, name="question_add"),
    path(
        "meetings/<int:pk>/registration/questions/<int:question_pk>/remove/",
        question_remove,
        name="question_remove",
    ),
    path("meetings/<int:pk>/delegations/mine/", delegation_mine, name="delegation_mine"),
    path("meetings/<int:pk>/delegations/<str:key>/", delegation_detail, name="delegation_detail"),
    path(
        "meetings/<int:pk>/delegations/<str:key>/letter/",
        delegation_letter_upload,
        name="delegation_letter_upload",
    ),
    path("nomination-letters/<int:letter_pk>/", letter_file, name="nomination_letter_file"),
    path(
        "nomination-letters/<int:letter_pk>/verify/", letter_verify, name="nomination_letter_verify"
    ),
    path("meetings/<int:pk>/nominations/", nomination_queue, name="nomination_queue"),
    path("meetings/<int:pk>/nominations/bulk/", nomination_bulk, name="nomination_bulk"),
    path("meetings/<int:pk>/nominations/import/", nomination_import, name="nomination_import"),
    path("nominations/<int:pk>/", nomination_detail, name="nomination_detail"),
    path("nominations/<int:pk>/edit/", nomination_edit, name="nomination_edit"),
    path("nominations/<int:pk>/decide/", nomination_decide, name="nomination_decide"),
    path("nominations/<int:pk>/withdraw/", nomination_withdraw, name="nomination_withdraw"),
    path("nominations/<int:pk>/replace/", nomination_replace, name="nomination_replace"),
    path("nominations/<int:pk>/head/", nomination_head, name="nomination_head"),
    path("nominations/<int:pk>/funding/", nomination_funding, name="nomination_funding"),
    path("nominations/<int:pk>/confirm/", nomination_confirm, name="nomination_confirm"),
    path("nominations/<int:pk>/erase/", nomination_erase, name="nomination_erase"),
    path("registrations/", my_registrations, name="my_registrations"),
    path("registrations/my-data.json", my_personal_data, name="my_personal_data"),
]
