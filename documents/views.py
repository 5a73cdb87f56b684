"""Pages of documents and circulations. Every door asks ``dialogue.permissions``; a document,
file or circulation the viewer may not see answers 404, exactly like one that does not exist."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dialogue import permissions
from dialogue.http import AuthenticatedRequest, is_fetch, show_refusal
from dialogue.models import Dialogue
from dialogue.translations import language_name
from meetings.models import Delegation, Meeting
from meetings.views import visible_meeting

from . import downloads, queries, reach, services, statements
from .forms import (
    CirculateForm,
    DocumentChangeForm,
    DocumentForm,
    RevisionForm,
    StatementForm,
    WithdrawForm,
)
from .models import Circulation, Document, DocumentKind, Language, Marking, Revision


def visible_document(request: HttpRequest, pk: int) -> Document:
    document = (
        Document.objects.select_related("dialogue", "meeting", "agenda_item").filter(pk=pk).first()
    )
    if document is None or not permissions.can_view_document(request.user, document):
        raise Http404
    return document


def _managed_dialogue(request: HttpRequest, dialogue: Dialogue) -> None:
    if not permissions.can_manage_documents(request.user, dialogue):
        raise Http404


View = Callable[..., HttpResponse]


def _for_meeting_and_dialogue(
    page: Callable[[AuthenticatedRequest, Dialogue, Meeting | None], HttpResponse],
) -> tuple[View, View]:
    """Two doors to one page of the signed-in: ``/meetings/<pk>/…`` for a meeting the viewer may
    see, ``/dialogues/<slug>/…`` for the whole dialogue."""

    @login_required
    def for_meeting(request: AuthenticatedRequest, pk: int) -> HttpResponse:
        meeting = visible_meeting(request, pk)
        return page(request, meeting.dialogue, meeting)

    @login_required
    def for_dialogue(request: AuthenticatedRequest, slug: str) -> HttpResponse:
        return page(request, get_object_or_404(Dialogue, slug=slug), None)

    return for_meeting, for_dialogue


def _form_answer(
    request: HttpRequest, form: Any, template: str, context: dict[str, Any], *, done: str
) -> HttpResponse:
    """The upload pages answer the progress-bar script in JSON and a plain form post in HTML."""
    if is_fetch(request) and request.method == "POST":
        if form.is_bound and not form.errors and done:
            return JsonResponse({"redirect": done})
        errors = [str(e) for field_errors in form.errors.values() for e in field_errors]
        return JsonResponse({"errors": errors}, status=400)
    if done:
        return redirect(done)
    return render(request, template, {"form": form, **context}, status=400 if form.errors else 200)


# --- Meeting page, library --------------------------------------------------------------------


def meeting_documents(request: HttpRequest, pk: int) -> HttpResponse:
    """The meeting's documents, as a fragment the live page re-fetches."""
    meeting = visible_meeting(request, pk)
    return render(
        request,
        "documents/_meeting_documents.html",
        {
            "meeting": meeting,
            "rows": queries.meeting_documents_cached(request, request.user, meeting),
            "can_manage": permissions.can_manage_documents(request.user, meeting.dialogue),
        },
    )


LIBRARY_PAGE_SIZE = 20


def library(request: HttpRequest, slug: str) -> HttpResponse:
    """A dialogue's documents the viewer may see, searched (``?q=``: symbols, titles and the
    texts of the files) and filtered, a page at a time."""
    dialogue = get_object_or_404(Dialogue, slug=slug)
    get = request.GET
    meetings = list(
        permissions.meetings_visible_to(request.user)
        .filter(dialogue=dialogue)
        .order_by("-starts_at")
        .select_related("body")
        .only("pk", "title_i18n", "languages", "starts_at", "time_zone", "body__name_i18n")
    )
    bodies = {m.body.pk: m.body for m in meetings}  # the bodies of the meetings it may see
    filters = queries.LibraryFilter.from_query(get)
    if filters.meeting not in {m.pk for m in meetings}:
        filters = replace(filters, meeting=None)  # a meeting the viewer may not see: no filter
    if filters.body not in bodies:
        filters = replace(filters, body=None)
    markings = permissions.markings_to_filter_by(request.user, dialogue)
    if filters.marking not in markings:
        filters = replace(filters, marking="")  # a distribution not offered: no filter
    asked = get.get("page", "")
    number = int(asked) if asked.isdecimal() and 0 < int(asked) < 10_000 else 1
    found = queries.library_search(
        request.user,
        dialogue,
        filters,
        reader_language=get_language() or settings.LANGUAGE_CODE,
        window=((number - 1) * LIBRARY_PAGE_SIZE, LIBRARY_PAGE_SIZE),
    )
    page = Paginator(found, LIBRARY_PAGE_SIZE).get_page(get.get("page"))  # type: ignore[arg-type]  # Results pages as a QuerySet does (count, slices)
    return render(
        request,
        "documents/library.html",
        {
            "dialogue": dialogue,
            "page": page,
            "rows": queries.document_rows(page.object_list),  # type: ignore[arg-type]  # a page of a QuerySet or of hits
            "searched_inside": isinstance(found, queries.Results),
            "meetings": meetings,
            "bodies": sorted(bodies.values(), key=lambda body: str(body.name)),
            "kinds": DocumentKind.choices,
            "language_choices": Language.choices,
            "markings": [(value, label) for value, label in Marking.choices if value in markings],
            "params": get,
            "query_string": _without_page(request),
            "can_manage": permissions.can_manage_documents(request.user, dialogue),
        },
    )


def _without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


# --- One document -----------------------------------------------------------------------------


def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = visible_document(request, pk)
    services.record_opened(user=request.user, documents=[document])
    (row,) = queries.rows(
        [document], Revision.objects.filter(document=document).order_by("language", "-number")
    )
    manager = permissions.can_manage_documents(request.user, document.dialogue)
    return render(
        request,
        "documents/document_detail.html",
        {
            "document": document,
            "row": row,
            # The title in the document's other languages, beside the one the page shows.
            "other_titles": [
                {"language": code, "language_name": language_name(code), "text": text}
                for code, text in document.title_i18n.items()
                if code != document.title.language
            ],
            "named_states": list(document.named_states.all()),
            "named_organisations": list(document.named_organisations.all()),
            "can_manage": manager,
            "circulations": list(
                document.circulations.order_by("-sent_at").select_related("sent_by")
            )
            if manager
            else [],
            "withdraw_form": WithdrawForm() if manager and not document.is_withdrawn else None,
        },
    )


def download_latest(request: HttpRequest, pk: int, language: str) -> HttpResponseBase:
    """The current revision of a language version: the address that always serves the latest."""
    document = visible_document(request, pk)
    revision = (
        Revision.objects.filter(document=document, language=language).order_by("-number").first()
    )
    if revision is None:
        raise Http404
    revision.document = document
    services.record_opened(user=request.user, documents=[document])
    services.record_downloads(user=request.user, revisions=[revision])
    return downloads.serve(request, revision)


def download_revision(
    request: HttpRequest, pk: int, language: str, number: int
) -> HttpResponseBase:
    """One revision, current or superseded."""
    document = visible_document(request, pk)
    revision = get_object_or_404(Revision, document=document, language=language, number=number)
    revision.document = document
    services.record_opened(user=request.user, documents=[document])
    services.record_downloads(user=request.user, revisions=[revision])
    return downloads.serve(request, revision)


def meeting_zip(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The meeting's package: the current revision of every language version of every document
    the viewer may see (withdrawn ones left out), with ``manifest.csv``."""
    meeting = visible_meeting(request, pk)
    rows = queries.meeting_documents_cached(request, request.user, meeting)
    revisions = [
        version.current
        for row in rows
        if not row.document.is_withdrawn
        for version in row.versions
        if version.current is not None
    ]
    if not revisions:
        raise Http404
    services.record_opened(user=request.user, documents=[r.document for r in rows])
    services.record_downloads(user=request.user, revisions=revisions)
    name = f"{meeting.dialogue.acronym}-{meeting.starts_at:%Y-%m-%d}-documents.zip"
    return downloads.serve_zip(revisions, name)


# --- The secretariat's forms ------------------------------------------------------------------


def _create(
    request: AuthenticatedRequest, dialogue: Dialogue, meeting: Meeting | None
) -> HttpResponse:
    _managed_dialogue(request, dialogue)
    form = DocumentForm(
        request.POST or None,
        request.FILES or None,
        dialogue=dialogue,
        meeting=meeting,
        initial={
            "series": services.default_series(meeting),
            "marking": Marking.PARTICIPANTS if meeting else Marking.MEMBER_STATES,
            "language": "en",
            "agenda_item": request.GET.get("item"),
        },
    )
    done = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = services.add_document(
                by=request.user,
                dialogue=dialogue,
                meeting=meeting,
                agenda_item=data.get("agenda_item"),
                kind=data["kind"],
                title=data["title"],
                series=data["series"],
                marking=data["marking"],
                named_states=list(data["named_states"]),
                named_organisations=list(data["named_organisations"]),
                shared_with_chair=data["shared_with_chair"],
                language=data["language"],
                upload=data["file"],
                note=data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(symbol)s was added.") % {"symbol": document.symbol})
            done = reverse("document_detail", args=[document.pk])
    return _form_answer(
        request,
        form,
        "documents/document_form.html",
        {"dialogue": dialogue, "meeting": meeting, "max_size": settings.DOCUMENT_MAX_BYTES},
        done=done,
    )


document_create_for_meeting, document_create = _for_meeting_and_dialogue(_create)


@login_required
def revision_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A new revision, or the first file of another language."""
    document = visible_document(request, pk)
    _managed_dialogue(request, document.dialogue)
    form = RevisionForm(
        request.POST or None,
        request.FILES or None,
        document=document,
        initial={"language": request.GET.get("language")} if request.GET.get("language") else None,
    )
    done = ""
    if request.method == "POST" and form.is_valid():
        try:
            revision = services.add_revision(
                by=request.user,
                document=document,
                language=form.cleaned_data["language"],
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Revision %(number)d (%(language)s) of %(symbol)s was added.")
                % {
                    "number": revision.number,
                    "language": revision.get_language_display(),
                    "symbol": document.symbol,
                },
            )
            done = reverse("document_detail", args=[document.pk])
    return _form_answer(
        request,
        form,
        "documents/revision_form.html",
        {"document": document, "max_size": settings.DOCUMENT_MAX_BYTES},
        done=done,
    )


@login_required
def document_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Type, titles, agenda item and distribution (the symbol and the files stay)."""
    document = visible_document(request, pk)
    _managed_dialogue(request, document.dialogue)
    form = DocumentChangeForm(
        request.POST or None,
        document=document,
        initial={
            "kind": document.kind,
            "title": document.title_i18n,
            "agenda_item": document.agenda_item_id,
            "marking": document.marking,
            "named_states": list(document.named_states.all()),
            "named_organisations": list(document.named_organisations.all()),
            "shared_with_chair": document.shared_with_chair,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_document(
                by=request.user,
                document=document,
                kind=data["kind"],
                title=data["title"],
                marking=data["marking"],
                named_states=list(data["named_states"]),
                named_organisations=list(data["named_organisations"]),
                shared_with_chair=data["shared_with_chair"],
                agenda_item=data.get("agenda_item"),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(symbol)s was saved.") % {"symbol": document.symbol})
            return redirect("document_detail", pk=document.pk)
    return render(
        request,
        "documents/document_edit.html",
        {"form": form, "document": document},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def document_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    document = visible_document(request, pk)
    _managed_dialogue(request, document.dialogue)
    form = WithdrawForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Say why the document is withdrawn."))
        services.withdraw_document(
            by=request.user, document=document, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        show_refusal(request, error)
    else:
        messages.success(request, _("%(symbol)s was withdrawn.") % {"symbol": document.symbol})
    return redirect("document_detail", pk=document.pk)


# --- Circulation ------------------------------------------------------------------------------


def _circulate(
    request: AuthenticatedRequest, dialogue: Dialogue, meeting: Meeting | None
) -> HttpResponse:
    _managed_dialogue(request, dialogue)
    chosen = request.GET.getlist("document")
    form = CirculateForm(
        request.POST or None,
        dialogue=dialogue,
        meeting=meeting,
        initial={
            "audience": "participants" if meeting else "focal_points",
            "idempotency_key": uuid.uuid4().hex,
            "documents": [c for c in chosen if c.isdigit()],
        },
    )
    preview = None
    if request.method == "POST" and form.is_valid() and request.POST.get("confirm") != "1":
        # First the list of who is reached and who is not, and why; then "Send".
        data = form.cleaned_data
        try:
            preview = reach.reach_of(
                by=request.user,
                dialogue=dialogue,
                meeting=meeting,
                audience=data["audience"],
                documents=list(data["documents"].select_related("dialogue", "meeting")),
                states=list(data["named_states"]),
                organisations=list(data["named_organisations"]),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if preview.nobody:
                form.add_error(None, preview.refusal())
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            circulation = services.circulate(
                by=request.user,
                documents=list(data["documents"].select_related("dialogue", "meeting")),
                audience=data["audience"],
                named_states=list(data["named_states"]),
                named_organisations=list(data["named_organisations"]),
                message=data["message"],
                comments_until=data["comments_until"],
                idempotency_key=data["idempotency_key"] or None,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            count = circulation.receipts.count() + circulation.mailed_copies.count()
            messages.success(
                request,
                ngettext("Sent to %(count)d person.", "Sent to %(count)d people.", count)
                % {"count": count}
                + (
                    " "
                    + ngettext(
                        "%(left)d left out: see why below.",
                        "%(left)d left out: see why below.",
                        circulation.left_out,
                    )
                    % {"left": circulation.left_out}
                    if circulation.left_out
                    else ""
                ),
            )
            return redirect("circulation_detail", pk=circulation.pk)
    return render(
        request,
        "documents/circulate.html",
        {"form": form, "dialogue": dialogue, "meeting": meeting, "preview": preview},
        status=400 if form.errors else 200,
    )


circulate_for_meeting, circulate_for_dialogue = _for_meeting_and_dialogue(_circulate)


def _circulation_list(
    request: AuthenticatedRequest, dialogue: Dialogue, meeting: Meeting | None
) -> HttpResponse:
    """The circulations of a meeting or of a whole dialogue that the viewer sent as secretariat
    or received; the secretariat sees how many delegations have opened and acknowledged."""
    circulations = permissions.circulations_visible_to(request.user).filter(dialogue=dialogue)
    if meeting is not None:
        circulations = circulations.filter(meeting=meeting)
    page = Paginator(circulations.order_by("-sent_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/circulations.html",
        {
            "dialogue": dialogue,
            "meeting": meeting,
            "page": page,
            # A page of a queryset holds a queryset (sliced): its details are read per page.
            "lines": queries.circulation_lines(request.user, cast(QuerySet, page.object_list)),
            "can_manage": permissions.can_manage_documents(request.user, dialogue),
        },
    )


meeting_circulations, dialogue_circulations = _for_meeting_and_dialogue(_circulation_list)


def _visible_circulation(request: HttpRequest, pk: int) -> Circulation:
    circulation = (
        Circulation.objects.select_related("dialogue", "meeting", "sent_by").filter(pk=pk).first()
    )
    if circulation is None or not permissions.can_view_circulation(request.user, circulation):
        raise Http404
    return circulation


def _circulation_context(request: HttpRequest, circulation: Circulation) -> dict[str, Any]:
    manager = permissions.can_manage_documents(request.user, circulation.dialogue)
    documents = list(circulation.documents.select_related("dialogue", "meeting"))
    receipt = None
    if request.user.is_authenticated:
        receipt = circulation.receipts.filter(recipient_id=request.user.pk).first()
    return {
        "circulation": circulation,
        "rows": queries.document_rows(
            Document.objects.filter(pk__in=[d.pk for d in documents]).order_by("series", "number")
        ),
        "receipt": receipt,
        "can_manage": manager,
        "table": queries.receipt_table(circulation) if manager else None,
        "deadline": services.deadline_label(circulation),
        "mailed": list(circulation.mailed_copies.select_related("outbox", "state", "organisation"))
        if manager
        else [],
        "left_out": [
            reach.Addressee(
                person.get("name", ""),
                "",
                person.get("delegation", ""),
                why=reach.why(person.get("reason", "")),
                reason=person.get("reason", ""),
            )
            for person in circulation.left_out_people
        ]
        if manager
        else [],
    }


@login_required
def circulation_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    circulation = _visible_circulation(request, pk)
    return render(request, "documents/circulation.html", _circulation_context(request, circulation))


@login_required
def circulation_receipts(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The secretariat's receipts table, as a fragment the live page re-fetches."""
    circulation = _visible_circulation(request, pk)
    if not permissions.can_manage_documents(request.user, circulation.dialogue):
        raise Http404
    return render(
        request,
        "documents/_receipts.html",
        {"circulation": circulation, "table": queries.receipt_table(circulation)},
    )


@login_required
@require_POST
def circulation_acknowledge(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    circulation = _visible_circulation(request, pk)
    services.acknowledge(by=request.user, circulation=circulation)
    messages.success(request, _("Thank you: the secretariat sees that you have the documents."))
    return redirect("circulation_detail", pk=circulation.pk)


@login_required
@require_POST
def circulation_remind(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    circulation = _visible_circulation(request, pk)
    _managed_dialogue(request, circulation.dialogue)
    count = services.remind(by=request.user, circulation=circulation)
    if count:
        messages.success(
            request,
            ngettext(
                "Reminder sent to %(count)d person.", "Reminder sent to %(count)d people.", count
            )
            % {"count": count},
        )
    else:
        messages.info(
            request,
            _("Nobody to remind: every delegation has acknowledged, or a reminder just went out."),
        )
    return redirect("circulation_detail", pk=circulation.pk)


@login_required
def statement_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A delegation uploads its written statement on an agenda item."""
    meeting = visible_meeting(request, pk)
    allowed = permissions.statement_delegation_ids(request.user, meeting)
    if not allowed:
        raise Http404
    items = statements.statement_items(meeting)
    form = StatementForm(
        request.POST or None,
        request.FILES or None,
        meeting=meeting,
        delegations=Delegation.objects.filter(pk__in=allowed).select_related(
            "state", "organisation"
        ),
        items=items,
        initial={"agenda_item": request.GET.get("item"), "language": "en"},
    )
    done = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            document = statements.submit_statement(
                by=request.user,
                meeting=meeting,
                delegation=data["delegation"],
                agenda_item=data["agenda_item"],
                language=data["language"],
                upload=data["file"],
                marking=data["marking"],
                title=data["title_en"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(symbol)s was added.") % {"symbol": document.symbol})
            done = (
                reverse("meeting_detail", args=[meeting.pk])
                + f"#agenda-item-{document.agenda_item_id}"
            )
    return _form_answer(
        request,
        form,
        "documents/statement_form.html",
        {"meeting": meeting, "max_size": settings.DOCUMENT_MAX_BYTES},
        done=done,
    )
