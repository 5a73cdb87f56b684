"""Documents with their language versions and revisions, circulations and receipts, as
``/api/v1/documents/…`` and ``/api/v1/circulations/…``.

Every list starts from the policy's filters (``permissions.documents_visible_to``,
``circulations_visible_to``) for the token's reader; a file is never served here: each revision
links to the pages' download address, which asks ``can_view_document`` again (a token is not a
session: a script downloads with the holder's session, or the document is public).
"""

# No ``from __future__ import annotations``: django-ninja reads the signatures at run time.
import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from dialogue import permissions
from dialogue.api.reading import Reader, reader_of
from dialogue.api.schemas import Cursor, answers, in_each_language
from dialogue.models import Scope
from documents import queries
from documents.models import Circulation, Document, Language, Receipt, Revision

router = Router(tags=["documents"])


class RevisionOut(Schema):
    number: int
    language: str
    file_name: str
    content_type: str
    size: int
    sha256: str
    note: str
    uploaded_at: datetime.datetime
    download: str


class LanguageVersionOut(Schema):
    """A language the document should exist in (or does): its current revision, ``null`` while
    pending, and the superseded ones, the newest first."""

    language: str
    current: RevisionOut | None
    superseded: list[RevisionOut]


class DocumentOut(Schema):
    id: int
    dialogue: str
    meeting_id: int | None
    symbol: str
    kind: str
    title: str
    titles: dict[str, str]
    marking: str
    withdrawn: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime
    page: str
    versions: list[LanguageVersionOut]

    @staticmethod
    def resolve_dialogue(obj: Document) -> str:
        return obj.dialogue.slug

    @staticmethod
    def resolve_titles(obj: Document) -> dict[str, str]:
        return in_each_language(lambda: obj.title)

    @staticmethod
    def resolve_withdrawn(obj: Document) -> bool:
        return obj.is_withdrawn

    @staticmethod
    def resolve_page(obj: Document, context: dict[str, Any]) -> str:
        return _absolute(context, reverse("document_detail", args=[obj.pk]))

    @staticmethod
    def resolve_versions(obj: Document, context: dict[str, Any]) -> list[dict[str, Any]]:
        (row,) = queries.rows([obj], obj.revisions.all())
        return [
            {
                "language": version.language,
                "current": _revision(context, version.current, latest=True)
                if version.current
                else None,
                "superseded": [_revision(context, r) for r in version.superseded],
            }
            for version in row.versions
        ]


def _absolute(context: dict[str, Any], path: str) -> str:
    return str(context["request"].build_absolute_uri(path))


def _revision(
    context: dict[str, Any], revision: Revision, *, latest: bool = False
) -> dict[str, Any]:
    """A revision with its download address: the stable "latest" one for the current
    revision, the numbered one for a superseded revision."""
    if latest:
        path = reverse("document_download", args=[revision.document_id, revision.language])
    else:
        path = reverse(
            "revision_download",
            args=[revision.document_id, revision.language, revision.number],
        )
    return {
        "number": revision.number,
        "language": revision.language,
        "file_name": revision.download_name,
        "content_type": revision.content_type,
        "size": revision.size,
        "sha256": revision.sha256,
        "note": revision.note,
        "uploaded_at": revision.uploaded_at,
        "download": _absolute(context, path),
    }


def _visible_documents(reader: Reader) -> QuerySet[Document]:
    return reader.within(permissions.documents_visible_to(reader.viewer)).select_related(
        "dialogue", "meeting"
    )


def _documents(reader: Reader) -> QuerySet[Document]:
    return _visible_documents(reader).prefetch_related("revisions")


@router.get("/documents/", response=answers(list[DocumentOut]), operation_id="list_documents")
@paginate(Cursor)
def list_documents(
    request: HttpRequest,
    dialogue: str | None = None,
    meeting: int | None = Query(None, ge=1, le=2**31 - 1),
) -> QuerySet[Document]:
    """The documents the reader may see (anonymous: the public ones of public meetings), of one
    dialogue (its slug) or one meeting (its id)."""
    documents = _documents(reader_of(request))
    if dialogue:
        documents = documents.filter(dialogue__slug=dialogue)
    if meeting is not None:
        documents = documents.filter(meeting_id=meeting)
    return documents


@router.get(
    "/documents/{int:document_id}/", response=answers(DocumentOut), operation_id="get_document"
)
def get_document(request: HttpRequest, document_id: int) -> Document:
    """One document with its language versions and revisions."""
    document = _documents(reader_of(request)).filter(pk=document_id).first()
    if document is None:
        raise Http404
    return document


# --- Revisions ---------------------------------------------------------------------------------


class DocumentRevisionOut(RevisionOut):
    """One revision of a list of a document's revisions: ``current`` for the highest number of
    its language. ``original_name`` (the name the file was uploaded under, which the pages never
    show) and ``uploaded_by`` only for a ``secretariat`` token of someone who manages the
    dialogue's documents; ``null`` for everyone else."""

    current: bool
    original_name: str | None
    uploaded_by: str | None


def _manages_documents(reader: Reader, document: Document) -> bool:
    return reader.reads(Scope.SECRETARIAT) and permissions.can_manage_documents(
        reader.person, document.dialogue
    )


@router.get(
    "/documents/{int:document_id}/revisions/",
    response=answers(list[DocumentRevisionOut]),
    operation_id="list_document_revisions",
)
def list_document_revisions(
    request: HttpRequest, document_id: int, language: Language | None = None
) -> list[dict[str, Any]]:
    """Every revision of one document (or of one ``language``), by language and the newest
    first, as the document's page lists them; each with its download address. A short list:
    it comes whole."""
    reader = reader_of(request)
    document = _visible_documents(reader).filter(pk=document_id).first()
    if document is None:
        raise Http404
    manager = _manages_documents(reader, document)
    revisions = document.revisions.order_by("language", "-number")
    if language is not None:
        revisions = revisions.filter(language=language)
    if manager:
        revisions = revisions.select_related("uploaded_by")
    context = {"request": request}
    listed = []
    latest_of: set[str] = set()
    for revision in revisions:
        revision.document = document
        current = revision.language not in latest_of
        latest_of.add(revision.language)
        listed.append(
            {
                **_revision(context, revision, latest=current),
                "current": current,
                "original_name": revision.original_name if manager else None,
                "uploaded_by": str(revision.uploaded_by) if manager else None,
            }
        )
    return listed


# --- Circulations and receipts ----------------------------------------------------------------


class ReceiptOut(Schema):
    recipient: str
    delegation: str | None
    delivered_at: datetime.datetime
    opened_at: datetime.datetime | None
    acknowledged_at: datetime.datetime | None

    @staticmethod
    def resolve_recipient(obj: Receipt) -> str:
        return str(obj.recipient)

    @staticmethod
    def resolve_delegation(obj: Receipt) -> str | None:
        member = obj.delegation
        return member.name if member is not None else None


class CirculationOut(Schema):
    id: int
    dialogue: str
    meeting_id: int | None
    audience: str
    message: str
    sent_at: datetime.datetime
    comments_until: datetime.datetime | None
    documents: list[int]
    my_receipt: ReceiptOut | None

    @staticmethod
    def resolve_dialogue(obj: Circulation) -> str:
        return obj.dialogue.slug

    @staticmethod
    def resolve_documents(obj: Circulation) -> list[int]:
        return [d.pk for d in getattr(obj, "visible_documents", [])]

    @staticmethod
    def resolve_my_receipt(obj: Circulation) -> Receipt | None:
        mine = getattr(obj, "my_receipts", [])
        return mine[0] if mine else None


def _reads_personal(reader: Reader) -> bool:
    return reader.person is not None and (
        reader.reads(Scope.DELEGATION) or reader.reads(Scope.SECRETARIAT)
    )


def _circulations(reader: Reader) -> QuerySet[Circulation]:
    """The circulations the reader sent as secretariat (``secretariat`` scope) or received
    (``delegation`` scope): the lists of circulations' question."""
    if not _reads_personal(reader) or reader.person is None:
        return Circulation.objects.none()
    circulations = reader.within(permissions.circulations_visible_to(reader.person))
    if not reader.reads(Scope.SECRETARIAT):
        circulations = circulations.filter(receipts__recipient_id=reader.person.pk)
    return circulations.select_related("dialogue").prefetch_related(
        Prefetch(
            "documents",
            queryset=permissions.documents_visible_to(reader.person).order_by("id"),
            to_attr="visible_documents",
        ),
        Prefetch(
            "receipts",
            queryset=Receipt.objects.filter(recipient_id=reader.person.pk).select_related(
                "recipient", "state", "organisation"
            ),
            to_attr="my_receipts",
        ),
    )


@router.get(
    "/circulations/", response=answers(list[CirculationOut]), operation_id="list_circulations"
)
@paginate(Cursor)
def list_circulations(request: HttpRequest) -> QuerySet[Circulation]:
    """Circulations: those the holder received (``delegation`` scope), and with the
    ``secretariat`` scope those of the dialogues they serve. Empty for other tokens."""
    return _circulations(reader_of(request))


@router.get(
    "/circulations/{int:circulation_id}/receipts/",
    response=answers(list[ReceiptOut]),
    operation_id="list_receipts",
)
@paginate(Cursor)
def list_receipts(request: HttpRequest, circulation_id: int) -> QuerySet[Receipt]:
    """Every receipt of a circulation (who has it, opened and acknowledged it): the
    secretariat's table, for a token with the ``secretariat`` scope whose holder manages the
    dialogue's documents; a recipient with the ``delegation`` scope gets their own."""
    reader = reader_of(request)
    circulation = _circulations(reader).filter(pk=circulation_id).first()
    if circulation is None or reader.person is None:
        raise Http404
    receipts = circulation.receipts.select_related("recipient", "state", "organisation")
    if not (
        reader.reads(Scope.SECRETARIAT)
        and permissions.can_manage_documents(reader.person, circulation.dialogue)
    ):
        receipts = receipts.filter(recipient_id=reader.person.pk)
    return receipts
