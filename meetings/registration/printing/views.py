"""Letters, badges and the wording of letters.

Every view asks ``dialogue.permissions``; what someone may not see answers 404, like what does
not exist. Letters carry personal data (a visa letter has the passport number): they are sent
with ``Cache-Control: private, no-store`` so no shared cache or browser cache keeps a copy.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.cache import patch_cache_control
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from dialogue import permissions
from dialogue.fields import OneLineField
from dialogue.http import AuthenticatedRequest, visible_or_404
from dialogue.models import Dialogue
from meetings.models import LetterKind, LetterLanguage, Nomination, NominationStatus
from meetings.views import registration_meeting, served_dialogue

from . import letters

PDF = "application/pdf"


def _pdf(data: bytes, filename: str, *, attachment: bool = True) -> HttpResponse:
    """A PDF this platform made (never uploaded bytes). Only the wording's preview is shown
    inline, unsandboxed: Chromium will not open its PDF viewer under a sandbox."""
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


# --- Letters -----------------------------------------------------------------------------------


@login_required
@require_safe
def nomination_letter_pdf(request: AuthenticatedRequest, pk: int, kind: str) -> HttpResponse:
    """A participant's invitation, visa support letter or certificate, for the secretariat,
    their state's focal point and themselves."""
    if kind not in LetterKind.values:
        raise Http404
    nominations = Nomination.objects.select_related(
        "meeting__dialogue", "meeting__country", "delegation__state", "delegation__organisation"
    )
    nomination = visible_or_404(request, nominations, pk, permissions.can_view_nomination)
    try:
        data = letters.issue_letter(by=request.user, nomination=nomination, kind=kind)
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
    meeting = registration_meeting(request, pk)
    approved = Nomination.objects.filter(
        meeting=meeting, status=NominationStatus.APPROVED
    ).select_related("delegation__state", "delegation__organisation")
    key = request.GET.get("delegation", "").strip()
    if key:
        approved = approved.filter(
            Q(delegation__state__code=key.upper()) | Q(delegation__organisation__slug=key)
        )
    try:
        data = letters.issue_badges(
            by=request.user, meeting=meeting, nominations=approved, delegation=key
        )
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


def _kind_and_language(kind: str, language: str) -> tuple[LetterKind, LetterLanguage]:
    if kind not in LetterKind.values or language not in LetterLanguage.values:
        raise Http404
    return LetterKind(kind), LetterLanguage(language)


@login_required
@require_safe
def letter_templates(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """Each kind of letter in each language: built-in or edited (by whom, when)."""
    dialogue = served_dialogue(request, slug)
    stored = letters.stored_templates(dialogue)
    # The languages the dialogue works in (Arabic for the Budapest Process only).
    languages = [language for language in LetterLanguage if language in dialogue.languages]
    rows = [
        (kind, [(language, stored.get((kind.value, language.value))) for language in languages])
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
    # A refused wording answers 400 with the form and the reason, never a redirect.
    return render(
        request, "meetings/letter_template_form.html", context, status=400 if form.errors else 200
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def letter_template_edit(
    request: AuthenticatedRequest, slug: str, kind: str, language: str
) -> HttpResponse:
    """Edit the wording of one kind of letter in one language, or go back to the built-in one."""
    dialogue = served_dialogue(request, slug)
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
    dialogue = served_dialogue(request, slug)
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
]
