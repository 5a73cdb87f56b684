"""Letters, badges, the wording of letters, and the check-in desk.

Every view asks ``dialogue.permissions``; what someone may not see answers 404, like what does
not exist. Letters carry personal data (a visa letter has the passport number): they are sent
with ``Cache-Control: private, no-store`` so no shared cache or browser cache keeps a copy.
Arrivals are written by ``meetings.registration.check_in``; the desk page follows the meeting's
stream and re-fetches its counts when ``nomination.checked_in`` arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import formats, timezone
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from dialogue import permissions
from dialogue.fields import OneLineField
from dialogue.http import AuthenticatedRequest
from dialogue.models import Dialogue

from . import letters, registration
from .models import (
    Category,
    LetterKind,
    LetterLanguage,
    Meeting,
    Nomination,
    NominationStatus,
)
from .views import visible_meeting

PDF = "application/pdf"


def _pdf(data: bytes, filename: str, *, attachment: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type=PDF)
    response["Content-Disposition"] = content_disposition_header(attachment, filename) or ""
    patch_cache_control(response, private=True, no_store=True)
    return response


def _unavailable(
    request: HttpRequest, *, heading: str, error: ValidationError, **context: Any
) -> HttpResponse:
    """The page that says why a document cannot be made yet (409: the request is sound, the
    registration is not there yet)."""
    return render(
        request,
        "meetings/document_unavailable.html",
        {"heading": heading, "reasons": error.messages, **context},
        status=409,
    )


def _registration_meeting(request: HttpRequest, pk: int) -> Meeting:
    meeting = visible_meeting(request, pk)
    if not permissions.can_manage_registration(request.user, meeting):
        raise Http404
    return meeting


# --- Letters -----------------------------------------------------------------------------------


@login_required
@require_safe
def nomination_letter_pdf(request: AuthenticatedRequest, pk: int, kind: str) -> HttpResponse:
    """A participant's invitation, visa support letter or certificate, for the secretariat,
    their state's focal point and themselves."""
    if kind not in LetterKind.values:
        raise Http404
    nomination = (
        Nomination.objects.select_related(
            "meeting__dialogue",
            "meeting__country",
            "delegation__state",
            "delegation__organisation",
        )
        .filter(pk=pk)
        .first()
    )
    if nomination is None or not permissions.can_view_nomination(request.user, nomination):
        raise Http404
    try:
        data = letters.letter_for(nomination, kind)
    except ValidationError as error:
        return _unavailable(
            request,
            heading=str(LetterKind(kind).label),
            error=error,
            meeting=nomination.meeting,
            nomination=nomination,
        )
    return _pdf(data, letters.letter_filename(nomination, kind))


# --- Badges ------------------------------------------------------------------------------------


@login_required
@require_safe
def meeting_badges(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Badges of the approved participants, ``?delegation=GE`` (a state's code or an
    organisation's slug) for one delegation's."""
    meeting = _registration_meeting(request, pk)
    approved = Nomination.objects.filter(
        meeting=meeting, status=NominationStatus.APPROVED
    ).select_related("delegation__state", "delegation__organisation")
    key = request.GET.get("delegation", "").strip()
    if key:
        approved = approved.filter(
            Q(delegation__state__code=key.upper()) | Q(delegation__organisation__slug=key)
        )
    try:
        data = letters.badges_for(meeting, approved)
    except ValidationError as error:
        return _unavailable(request, heading=_("Badges"), error=error, meeting=meeting)
    first_year = meeting.starts_at.astimezone(meeting.zone).year
    name = slugify(f"badges {meeting.dialogue.acronym} {first_year} {meeting.pk} {key}")
    return _pdf(data, f"{name}.pdf")


# --- The wording of letters --------------------------------------------------------------------


class LetterTemplateForm(forms.Form):
    """The wording as typed; ``letters.clean_wording`` checks the placeholders."""

    title = OneLineField(label=gettext_lazy("Title"), max_length=200)
    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 24, "class": "letter-text"}),
        help_text=gettext_lazy("Separate paragraphs with an empty line."),
    )
    signature = forms.CharField(
        label=gettext_lazy("Signature"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "class": "letter-text"}),
    )

    def __init__(self, *args: Any, language: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("title", "body", "signature"):
            # The browser's spelling check in the letter's language, not the interface's.
            self.fields[name].widget.attrs["lang"] = language


def _served_dialogue(request: HttpRequest, slug: str) -> Dialogue:
    dialogue = Dialogue.objects.filter(slug=slug).first()
    if dialogue is None or not permissions.is_secretariat(request.user, dialogue):
        raise Http404
    return dialogue


def _kind_and_language(kind: str, language: str) -> tuple[LetterKind, LetterLanguage]:
    if kind not in LetterKind.values or language not in LetterLanguage.values:
        raise Http404
    return LetterKind(kind), LetterLanguage(language)


@login_required
@require_safe
def letter_templates(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """Each kind of letter in each language: built-in or edited (by whom, when)."""
    dialogue = _served_dialogue(request, slug)
    stored = letters.stored_templates(dialogue)
    rows = [
        (
            kind,
            [(language, stored.get((kind.value, language.value))) for language in LetterLanguage],
        )
        for kind in LetterKind
    ]
    return render(request, "meetings/letter_templates.html", {"dialogue": dialogue, "rows": rows})


def _edit_page(
    request: HttpRequest,
    dialogue: Dialogue,
    kind: LetterKind,
    language: LetterLanguage,
    form: LetterTemplateForm,
) -> HttpResponse:
    _text, stored = letters.wording(dialogue, kind, language)
    context = {
        "dialogue": dialogue,
        "kind": kind,
        "language": language,
        "stored": stored,
        "form": form,
        "placeholders": [(f"{{{name}}}", text) for name, text in letters.PLACEHOLDERS.items()],
    }
    return render(request, "meetings/letter_template_form.html", context)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def letter_template_edit(
    request: AuthenticatedRequest, slug: str, kind: str, language: str
) -> HttpResponse:
    """Edit the wording of one kind of letter in one language, or go back to the built-in one."""
    dialogue = _served_dialogue(request, slug)
    letter_kind, letter_language = _kind_and_language(kind, language)
    back = redirect("letter_templates", slug=dialogue.slug)
    if request.method == "POST" and "reset" in request.POST:
        letters.reset_letter_template(
            by=request.user, dialogue=dialogue, kind=kind, language=language
        )
        messages.success(request, _("The built-in wording is used again."))
        return back
    current, _stored = letters.wording(dialogue, kind, language)
    form = LetterTemplateForm(
        request.POST if request.method == "POST" else None,
        initial={"title": current.title, "body": current.body, "signature": current.signature},
        language=language,
    )
    if request.method == "POST" and form.is_valid():
        try:
            letters.save_letter_template(
                by=request.user,
                dialogue=dialogue,
                kind=kind,
                language=language,
                **form.cleaned_data,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _(
                    "The wording was saved: every %(letter)s in %(language)s issued from now on "
                    "uses it."
                )
                % {"letter": letter_kind.label, "language": letter_language.label},
            )
            return back
    return _edit_page(request, dialogue, letter_kind, letter_language, form)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def letter_template_preview(
    request: AuthenticatedRequest, slug: str, kind: str, language: str
) -> HttpResponse:
    """The wording printed with a fictional participant: the saved wording (GET), or the one
    being edited, unsaved (POST from the edit form)."""
    dialogue = _served_dialogue(request, slug)
    letter_kind, letter_language = _kind_and_language(kind, language)
    if request.method == "POST":
        form = LetterTemplateForm(request.POST, language=language)
        if not form.is_valid():
            return _edit_page(request, dialogue, letter_kind, letter_language, form)
        try:
            text = letters.clean_wording(**form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return _edit_page(request, dialogue, letter_kind, letter_language, form)
    else:
        text, _stored = letters.wording(dialogue, kind, language)
    data = letters.sample_letter(dialogue, kind, language, text)
    return _pdf(data, f"preview-{kind.replace('_', '-')}-{language}.pdf", attachment=False)


# --- Check-in ----------------------------------------------------------------------------------


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
    return {"meeting": meeting, "arrivals": arrivals(meeting)}


@login_required
@require_safe
def check_in(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The desk: a field a handheld scanner types into, the camera, and the arrivals."""
    meeting = _registration_meeting(request, pk)
    return render(request, "meetings/check_in.html", _counts_context(meeting))


@login_required
@require_safe
def check_in_counts(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The arrivals by delegation, as a fragment the desk page re-fetches."""
    meeting = _registration_meeting(request, pk)
    return render(request, "meetings/_check_in_counts.html", _counts_context(meeting))


def _who(nomination: Nomination) -> dict[str, str]:
    return {
        "name": nomination.full_name,
        "delegation": nomination.delegation.member.name,
        "category": str(Category(nomination.category).label),
    }


def _arrival_message(result: registration.CheckIn, meeting: Meeting) -> str:
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
    return request.headers.get("X-Requested-With") == "fetch" or "application/json" in (
        request.headers.get("Accept", "")
    )


@login_required
@require_POST
def check_in_scan(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Record an arrival from a scanned badge. JSON for the desk's script; without script, back
    to the desk with the result as a message."""
    meeting = _registration_meeting(request, pk)
    token = request.POST.get("token", "").strip()
    as_json = _wants_json(request)
    try:
        if not token:
            raise ValidationError(_("Scan a badge first: the field was empty."))
        result = registration.check_in(by=request.user, meeting=meeting, token=token)
    except PermissionDenied as denied:
        raise Http404 from denied
    except ValidationError as error:
        message = " ".join(error.messages)
        if as_json:
            return JsonResponse({"ok": False, "status": "refused", "message": message}, status=422)
        messages.error(request, message)
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


urlpatterns: list[URLPattern] = [
    path(
        "nominations/<int:pk>/letters/<str:kind>.pdf",
        nomination_letter_pdf,
        name="nomination_letter_pdf",
    ),
    path("meetings/<int:pk>/badges.pdf", meeting_badges, name="meeting_badges"),
    path("dialogues/<slug:slug>/letter-templates/", letter_templates, name="letter_templates"),
    path(
        "dialogues/<slug:slug>/letter-templates/<str:kind>/<str:language>/",
        letter_template_edit,
        name="letter_template_edit",
    ),
    path(
        "dialogues/<slug:slug>/letter-templates/<str:kind>/<str:language>/preview.pdf",
        letter_template_preview,
        name="letter_template_preview",
    ),
    path("meetings/<int:pk>/check-in/", check_in, name="check_in"),
    path("meetings/<int:pk>/check-in/scan/", check_in_scan, name="check_in_scan"),
    path("meetings/<int:pk>/check-in/counts/", check_in_counts, name="check_in_counts"),
]
