"""Reads of documents, each in a fixed number of queries whatever the number of documents.

Every list starts from ``dialogue.permissions.documents_visible_to``: a document never appears,
even as a count or a search hit, to someone who may not see it.
"""

from __future__ import annotations

import datetime
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection
from django.db.models import Case, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.http import HttpRequest

from dialogue import permissions
from dialogue.http import QueryFilters, choice, iso_date, search_text, whole_number
from dialogue.models import Role, RoleKind
from meetings.models import Meeting, Nomination, NominationStatus

from .models import Document, DocumentKind, Language, Marking, Receipt, Revision
from .search import Hit, Results, words_of

LANGUAGE_LABELS = dict(Language.choices)


@dataclass
class LanguageVersion:
    language: str
    current: Revision | None
    superseded: list[Revision] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(LANGUAGE_LABELS.get(self.language, self.language))

    @property
    def pending(self) -> bool:
        return self.current is None


@dataclass
class DocumentRow:
    document: Document
    versions: list[LanguageVersion]
    hit: Hit | None = None  # in a search's results: a title hit, the snippet

    @property
    def available(self) -> list[LanguageVersion]:
        return [v for v in self.versions if v.current is not None]

    @property
    def pending(self) -> list[LanguageVersion]:
        return [v for v in self.versions if v.current is None]


def working_languages(document: Document, meeting: Meeting | None = None) -> list[str]:
    """The languages a document should exist in: its meeting's, else its dialogue's."""
    meeting = meeting or document.meeting
    languages = list(meeting.languages) if meeting is not None and meeting.languages else []
    if not languages:
        languages = list(document.dialogue.languages or ["en"])
    return languages


def rows(
    documents: Sequence[Document], revisions: Iterable[Revision], meeting: Meeting | None = None
) -> list[DocumentRow]:
    """Documents with their language versions: working languages first (missing ones pending),
    then any other language present; in each, the current revision and the superseded ones."""
    by_document: dict[int, dict[str, list[Revision]]] = {}
    for revision in revisions:
        by_document.setdefault(revision.document_id, {}).setdefault(revision.language, []).append(
            revision
        )
    result = []
    for document in documents:
        present = by_document.get(document.pk, {})
        languages = working_languages(document, meeting)
        languages += sorted(lang for lang in present if lang not in languages)
        versions = []
        for language in languages:
            found = sorted(present.get(language, []), key=lambda r: -r.number)
            for revision in found:
                revision.document = document  # no query to reach it again
            versions.append(LanguageVersion(language, found[0] if found else None, found[1:]))
        result.append(DocumentRow(document, versions))
    return result


def meeting_documents(user: Any, meeting: Meeting) -> list[DocumentRow]:
    """The documents of a meeting ``user`` may see, with their versions: one query."""
    visible = permissions.documents_visible_to(user).filter(meeting_id=meeting.pk)
    revisions = list(
        Revision.objects.filter(document__in=visible)
        .select_related("document")
        .order_by("document__kind", "document__number", "document_id", "language", "-number")
    )
    documents: dict[int, Document] = {}
    for revision in revisions:
        document = documents.setdefault(revision.document_id, revision.document)
        document.meeting = meeting
    return rows(list(documents.values()), revisions, meeting)


def meeting_documents_cached(
    request: HttpRequest | None, user: Any, meeting: Meeting
) -> list[DocumentRow]:
    """``meeting_documents`` once per request, however many places of a page show them."""
    if request is None:
        return meeting_documents(user, meeting)
    cache: dict[int, list[DocumentRow]] = request.__dict__.setdefault("_meeting_documents", {})
    if meeting.pk not in cache:
        cache[meeting.pk] = meeting_documents(user, meeting)
    return cache[meeting.pk]


HIT_ROW_FIELDS = (
    *(
        f.name
        for f in Document._meta.concrete_fields
        if f.name not in ("delegation", "withdrawn_reason", "created_by", "updated_at")
    ),
    "meeting__title_i18n",
    "meeting__languages",
    "dialogue__slug",
    "dialogue__languages",
)


def document_rows(documents: QuerySet[Document] | Sequence[Hit]) -> list[DocumentRow]:
    """Rows for a page of documents, or of a search's hits in their order: the documents, then
    all their revisions (two queries)."""
    if isinstance(documents, QuerySet):
        listed = list(documents.select_related("meeting", "dialogue", "agenda_item"))
        hits: dict[int, Hit] = {}
    else:
        hits = {hit.document_id: hit for hit in documents}
        # A search's page shows the table only: the fields it reads, not every text of the
        # meeting and the dialogue (their translations cost more to load than the query).
        found = (
            Document.objects.filter(pk__in=list(hits))
            .select_related("meeting", "dialogue")
            .only(*HIT_ROW_FIELDS)
        )
        by_id = {document.pk: document for document in found}
        listed = [by_id[pk] for pk in hits if pk in by_id]
    revisions = Revision.objects.filter(document_id__in=[d.pk for d in listed]).order_by(
        "language", "-number"
    )
    result = rows(listed, revisions)
    for row in result:
        row.hit = hits.get(row.document.pk)
    return result


# --- The library: filters and search ----------------------------------------------------------


@dataclass(frozen=True)
class LibraryFilter(QueryFilters):
    """The library's filters: words or a symbol (``q``), a type, a meeting, the meeting's
    body, a year, a series, a language, the days it was added between and a distribution."""

    text: str = search_text(max_length=200, parameter="q")
    kind: str = choice(DocumentKind.values)
    meeting: int | None = whole_number()
    body: int | None = whole_number()
    year: int | None = whole_number()
    series: str = search_text(max_length=20)
    language: str = choice(Language.values)
    since: datetime.date | None = iso_date()
    until: datetime.date | None = iso_date()
    marking: str = choice(Marking.values)


# Ids and years past these are no filter (the database's integers stop at 2**31 - 1).
LARGEST_ID = 2**31 - 1


def filtered(documents: QuerySet[Document], f: LibraryFilter) -> QuerySet[Document]:
    """``documents`` (already limited to what the viewer may see) narrowed by every filter but
    the words."""
    if f.kind:
        documents = documents.filter(kind=f.kind)
    if f.marking:
        documents = documents.filter(marking=f.marking)
    if f.meeting and f.meeting <= LARGEST_ID:
        documents = documents.filter(meeting_id=f.meeting)
    if f.body and f.body <= LARGEST_ID:
        documents = documents.filter(meeting__body_id=f.body)
    if f.year and f.year <= 32767:
        documents = documents.filter(year=f.year)
    if f.series:
        documents = documents.filter(series=f.series.upper())
    if f.language:
        documents = documents.filter(
            Exists(Revision.objects.filter(document_id=OuterRef("pk"), language=f.language))
        )
    if f.since:
        documents = documents.filter(created_at__date__gte=f.since)
    if f.until:
        documents = documents.filter(created_at__date__lte=f.until)
    return documents


def is_symbol(text: str) -> bool:
    return "/" in text


def search(
    documents: QuerySet[Document],
    f: LibraryFilter,
    *,
    reader_language: str = "en",
    window: tuple[int, int] | None = None,
) -> QuerySet[Document] | Results:
    """Filter and search ``documents`` (already limited to what the viewer may see).

    No words: the newest first. A symbol or the start of one (``BP/SOM/2026``): those
    documents, newest first. Words: the search inside documents (``documents.search``), over
    symbols, titles and texts in every language, a title hit above a text hit, with snippets
    preferably in ``reader_language``; the page at ``window`` (offset, size) is read with the
    count."""
    documents = filtered(documents, f)
    text = f.text.strip()
    if not text:
        return documents.order_by("-created_at", "-id")
    if is_symbol(text):  # a symbol, or the start of one: BP/SOM/2026/3, BP/SOM/2026
        return documents.filter(
            Q(symbol__iexact=text) | Q(symbol__istartswith=text.rstrip("/") + "/")
        ).order_by("-created_at", "-id")
    if not words_of(text):
        return documents.none()
    return Results(documents, text, reader_language, window=window)


# The SQL selecting the documents of a dialogue a reader may see, narrowed by the filters, is a
# function of the policy's key for the reader (``permissions.documents_policy_key``), the
# dialogue and the filters: it is compiled once and kept (building and compiling the policy's
# query cost some 5 ms of every search). Who may see what is still decided by the database
# when the search runs: the SQL reads the reader's roles, nominations and markings as they are.
SCOPES_KEPT = 1024
_scopes: dict[Hashable, tuple[str, tuple[Any, ...]]] = {}


def visible_scope(user: Any, dialogue_id: int, f: LibraryFilter) -> tuple[str, tuple[Any, ...]]:
    """The SQL (and its parameters) selecting the ids of the documents of the dialogue
    ``user`` may see that pass every filter of ``f`` but the words."""
    key = (
        connection.vendor,
        permissions.documents_policy_key(user),
        dialogue_id,
        replace(f, text=""),
    )
    found = _scopes.get(key)
    if found is None:
        documents = filtered(
            permissions.documents_visible_to(user).filter(dialogue_id=dialogue_id), f
        )
        sql, params = documents.order_by().values("pk").query.sql_with_params()
        while len(_scopes) >= SCOPES_KEPT:
            _scopes.pop(next(iter(_scopes), None), None)  # the oldest
        found = _scopes[key] = (sql, tuple(params))
    return found


def forget_scopes() -> None:
    """Drop the kept SQL (the benchmark swaps the policy for a run without it)."""
    _scopes.clear()


def library_search(
    user: Any,
    dialogue: Any,
    f: LibraryFilter,
    *,
    reader_language: str = "en",
    window: tuple[int, int] | None = None,
) -> QuerySet[Document] | Results:
    """The library's documents of ``dialogue`` that ``user`` may see, as ``search`` finds them;
    a search inside documents runs over the kept SQL of ``visible_scope``."""
    text = f.text.strip()
    if text and not is_symbol(text) and words_of(text):
        return Results(visible_scope(user, dialogue.pk, f), text, reader_language, window=window)
    return search(
        permissions.documents_visible_to(user).filter(dialogue=dialogue),
        f,
        reader_language=reader_language,
        window=window,
    )


# --- Who is who, for audiences and receipts ----------------------------------------------------


def entitled_by_registration(
    document: Document, states: list[int], organisations: list[int]
) -> tuple[list[int], list[int]]:
    """The people a document's marking admits by their registration to its meeting (not by
    their role), and for "participants" the states with an approved participant."""
    if document.meeting_id is None:
        return [], []
    approved = Nomination.objects.filter(
        meeting_id=document.meeting_id, status=NominationStatus.APPROVED, person__isnull=False
    )
    marking = document.marking
    if marking == Marking.PARTICIPANTS:
        meeting = document.meeting
        assert meeting is not None  # noqa: S101 - it has a meeting (checked above)
        users = list(permissions.registered_participants(meeting).values_list("pk", flat=True))
        participant_states = approved.filter(delegation__state__isnull=False).values_list(
            "delegation__state_id", flat=True
        )
        return sorted(users), sorted(set(participant_states))
    if marking == Marking.MEMBER_STATES:
        approved = approved.filter(delegation__state__isnull=False)
    elif marking == Marking.DELEGATIONS:
        approved = approved.filter(
            Q(delegation__state_id__in=states) | Q(delegation__organisation_id__in=organisations)
        )
    else:
        return [], []
    return sorted(set(approved.values_list("person_id", flat=True))), []


def delegations_of(
    user_ids: Iterable[int], *, dialogue_id: int, meeting_id: int | None
) -> dict[int, tuple[int | None, int | None]]:
    """Each person's delegation as (state id, organisation id): the one of their approved
    nomination to the meeting, else the state of their focal point or delegate role, or the
    organisation of their observer role, in the dialogue; (None, None) for anyone else."""
    ids = list(user_ids)
    result: dict[int, tuple[int | None, int | None]] = {uid: (None, None) for uid in ids}
    for uid, kind, state_id, organisation_id in (
        Role.objects.active()
        .filter(
            user_id__in=ids,
            dialogue_id=dialogue_id,
            kind__in=[RoleKind.FOCAL_POINT, RoleKind.DELEGATE, RoleKind.OBSERVER],
        )
        .order_by("kind")
        .values_list("user_id", "kind", "state_id", "organisation_id")
    ):
        if result[uid] == (None, None):
            result[uid] = (state_id, None) if kind != RoleKind.OBSERVER else (None, organisation_id)
    if meeting_id is not None:
        for uid, state_id, organisation_id in Nomination.objects.filter(
            meeting_id=meeting_id, status=NominationStatus.APPROVED, person_id__in=ids
        ).values_list("person_id", "delegation__state_id", "delegation__organisation_id"):
            result[uid] = (state_id, organisation_id)
    return result


# --- Receipts -----------------------------------------------------------------------------------


@dataclass
class DelegationReceipts:
    """A delegation's receipts: it has opened when one of its people has, acknowledged when one
    of them acknowledged."""

    key: str
    name: str
    receipts: list[Receipt]

    @property
    def opened_at(self) -> Any:
        return min((r.opened_at for r in self.receipts if r.opened_at), default=None)

    @property
    def acknowledged(self) -> Receipt | None:
        done = [r for r in self.receipts if r.acknowledged_at]
        return min(done, key=lambda r: r.acknowledged_at or r.delivered_at) if done else None

    @property
    def reminded_at(self) -> Any:
        return max((r.reminded_at for r in self.receipts if r.reminded_at), default=None)

    @property
    def status(self) -> str:
        if self.acknowledged is not None:
            return "acknowledged"
        return "opened" if self.opened_at else "delivered"


@dataclass
class ReceiptTable:
    delegations: list[DelegationReceipts]

    @property
    def opened(self) -> int:
        return sum(1 for d in self.delegations if d.status != "delivered")

    @property
    def acknowledged(self) -> int:
        return sum(1 for d in self.delegations if d.status == "acknowledged")

    @property
    def waiting(self) -> int:
        return len(self.delegations) - self.acknowledged


def receipt_table(circulation: Any) -> ReceiptTable:
    """Receipts grouped by delegation, those still waiting first (one query)."""
    groups: dict[str, DelegationReceipts] = {}
    for receipt in circulation.receipts.select_related("recipient", "state", "organisation"):
        member = receipt.delegation
        if member is not None:
            key = (
                f"state-{receipt.state_id}"
                if receipt.state_id
                else f"org-{receipt.organisation_id}"
            )
            name = member.name
        else:
            key, name = f"person-{receipt.recipient_id}", str(receipt.recipient)
        groups.setdefault(key, DelegationReceipts(key, name, [])).receipts.append(receipt)
    order = {"delivered": 0, "opened": 1, "acknowledged": 2}
    return ReceiptTable(sorted(groups.values(), key=lambda d: (order[d.status], d.name)))


@dataclass
class CirculationLine:
    """A circulation in a list: what went out, to how many delegations, and how far they got
    (for the secretariat); the viewer's own receipt (for a recipient)."""

    circulation: Any
    documents: list[Document]
    delegations: int = 0
    opened: int = 0
    acknowledged: int = 0
    mine: Receipt | None = None


def circulation_lines(user: Any, circulations: QuerySet[Any]) -> list[CirculationLine]:
    """``circulations`` (already those ``user`` may see) in at most four queries whatever
    their number: the circulations; their documents ``user`` may see; for those ``user``
    manages, the receipts counted per delegation (a recipient without one counts alone, as in
    the receipts table); for the others, ``user``'s own receipts."""
    listed = list(
        circulations.select_related("sent_by", "dialogue", "meeting").prefetch_related(
            Prefetch(
                "documents",
                queryset=permissions.documents_visible_to(user).order_by("series", "number"),
                to_attr="visible_documents",
            )
        )
    )
    lines = {c.pk: CirculationLine(c, c.visible_documents) for c in listed}
    managed = {c.pk for c in listed if permissions.can_manage_documents(user, c.dialogue)}
    if managed:
        per_delegation = (
            Receipt.objects.filter(circulation_id__in=managed)
            .annotate(
                alone=Case(
                    When(Q(state__isnull=True) & Q(organisation__isnull=True), then="recipient_id"),
                    default=Value(0),
                )
            )
            .values("circulation_id", "state_id", "organisation_id", "alone")
            .annotate(opened=Max("opened_at"), acknowledged=Max("acknowledged_at"))
            .order_by()
        )
        for group in per_delegation:
            line = lines[group["circulation_id"]]
            line.delegations += 1
            line.opened += group["opened"] is not None or group["acknowledged"] is not None
            line.acknowledged += group["acknowledged"] is not None
    if len(managed) < len(lines):
        received = set(lines) - managed
        for receipt in Receipt.objects.filter(circulation_id__in=received, recipient_id=user.pk):
            lines[receipt.circulation_id].mine = receipt
    return list(lines.values())
