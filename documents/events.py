"""The event types documents publish, and the facts their audiences carry.

``documents.circulated``, ``documents.revised`` and ``documents.reminder`` are addressed to
people (the recipients of a circulation): they reach them live, in the inbox and by e-mail
(their preference for "Documents sent to you"), with links, never files. ``documents.changed``
(a document added, revised, withdrawn) and ``documents.receipt`` (a recipient opened or
acknowledged: the secretariat's table) are live only.

Audiences carry what the hub needs to decide per socket without reading the database: a
document's marking, its meeting's visibility, the named delegations, and the people entitled
by their registration, as they are when the event is published (``document_audience``,
``circulation_audience``; the rules are ``dialogue.audiences``, the kinds are registered in
``DocumentsConfig.ready``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogue import audiences
from dialogue.models import Dialogue, User
from dialogue.translations import from_data
from meetings.models import Meeting
from notifications import registry
from notifications.models import Channel, Event
from notifications.publishing import publish

from .models import Document, Language, Marking

DOCUMENTS_CIRCULATED = "documents.circulated"
DOCUMENT_REVISED = "documents.revised"  # a new revision of a document its recipients hold
CIRCULATION_REMINDER = "documents.reminder"
DOCUMENTS_CHANGED = "documents.changed"  # added, new revision or language, withdrawn
RECEIPT_CHANGED = "documents.receipt"  # opened or acknowledged: the secretariat's table

CIRCULATIONS = registry.register_category(
    "circulations", gettext_lazy("Documents sent to you"), Channel.EMAIL_NOW
)
DOCUMENTS = registry.register_category(
    "documents", gettext_lazy("Documents: new and revised"), Channel.IN_APP
)


# --- Payloads: the data of each type (``notifications.payloads``) -----------------------------


@dataclass(frozen=True)
class DocumentRef:
    """A document an event is about (``about``)."""

    id: int
    symbol: str
    title: str
    title_i18n: dict[str, str]


@dataclass(frozen=True)
class DocumentsChanged:
    meeting: int | None
    agenda_item: int | None
    documents: list[DocumentRef]  # empty when its distribution changed: see ``change_document``
    what: Literal["added", "revised", "changed", "withdrawn", "distribution"]
    language: Language | None  # of the file added or revised
    revision: int | None  # the number of the revision


@dataclass(frozen=True)
class DocumentsCirculated:  # also the reminder
    circulation: int
    meeting: int | None
    documents: list[DocumentRef]
    message: str
    comments_until: str | None
    comments_until_label: str


@dataclass(frozen=True)
class DocumentRevised:
    circulation: None  # its recipients may hold it from different circulations
    meeting: int | None
    documents: list[DocumentRef]
    language: Language
    revision: int
    message: str  # the revision's note


@dataclass(frozen=True)
class ReceiptChanged:
    circulation: int
    meeting: int | None
    documents: list[DocumentRef]  # always empty: the table re-fetches
    receipt: int
    state: int | None
    organisation: int | None
    what: Literal["opened", "acknowledged"]


PAYLOADS: dict[str, type] = {
    DOCUMENTS_CIRCULATED: DocumentsCirculated,
    DOCUMENT_REVISED: DocumentRevised,
    CIRCULATION_REMINDER: DocumentsCirculated,
    DOCUMENTS_CHANGED: DocumentsChanged,
    RECEIPT_CHANGED: ReceiptChanged,
}


def _symbols(data: dict[str, Any]) -> str:
    return ", ".join(d["symbol"] for d in data.get("documents", []))


def _titles(data: dict[str, Any]) -> str:
    return "; ".join(
        f"{d['symbol']} {from_data(d, 'title').pick()}" for d in data.get("documents", [])
    )


def _describe_circulation(event: Event) -> registry.Description:
    data = event.data
    texts = {
        DOCUMENTS_CIRCULATED: _("Documents for you: %(symbols)s"),
        DOCUMENT_REVISED: _("New revision: %(symbols)s"),
        CIRCULATION_REMINDER: _("Reminder, please acknowledge: %(symbols)s"),
    }
    lines = [_titles(data)]
    if data.get("message"):
        lines.append(data["message"])
    if data.get("comments_until"):
        lines.append(
            registry.fill(_("Comments until %(when)s"), {"when": data["comments_until_label"]})
        )
    return registry.Description(
        title=registry.fill(texts[event.type], {"symbols": _symbols(data)}),
        text="\n".join(lines),
        url=reverse("circulation_detail", args=[data["circulation"]])
        if data.get("circulation")
        else reverse("document_detail", args=[data["documents"][0]["id"]]),
    )


def _describe_change(event: Event) -> registry.Description:
    data = event.data
    texts = {
        DOCUMENTS_CHANGED: _("Document updated: %(symbols)s"),
        RECEIPT_CHANGED: _("Receipt: %(symbols)s"),
    }
    if data.get("circulation"):
        url = reverse("circulation_detail", args=[data["circulation"]])
    elif data.get("documents"):
        url = reverse("document_detail", args=[data["documents"][0]["id"]])
    else:
        url = reverse("meeting_detail", args=[data["meeting"]]) if data.get("meeting") else "/"
    return registry.Description(
        title=registry.fill(texts[event.type], {"symbols": _symbols(data)}), text="", url=url
    )


for _type in (DOCUMENTS_CIRCULATED, DOCUMENT_REVISED, CIRCULATION_REMINDER):
    registry.register(
        _type, category=CIRCULATIONS, describe=_describe_circulation, payload=PAYLOADS[_type]
    )
for _type in (DOCUMENTS_CHANGED, RECEIPT_CHANGED):
    registry.register(
        _type,
        category=DOCUMENTS,
        describe=_describe_change,
        payload=PAYLOADS[_type],
        in_inbox=False,
    )


# --- Audiences -------------------------------------------------------------------------------


def _meeting_visibility(meeting: Meeting | None) -> audiences.MeetingVisibility | None:
    if meeting is None:
        return None
    if meeting.announced_at is None:
        return "draft"
    return "public" if meeting.is_public else "members"


def document_audience(document: Document) -> audiences.DocumentAudience:
    """Who may see events about ``document``, as facts (read now, a few queries)."""
    from .queries import entitled_by_registration

    marking = Marking(document.marking)
    states = sorted(document.named_states.values_list("pk", flat=True))
    organisations = sorted(document.named_organisations.values_list("pk", flat=True))
    users, participant_states = entitled_by_registration(document, states, organisations)
    return {
        "kind": "document",
        "dialogue": document.dialogue_id,
        "meeting": _meeting_visibility(document.meeting),
        "marking": marking,
        "chair": document.shared_with_chair,
        "states": states if marking == Marking.DELEGATIONS else [],
        "organisations": organisations if marking == Marking.DELEGATIONS else [],
        "participant_states": participant_states if marking == Marking.PARTICIPANTS else [],
        "users": users,
    }


def circulation_audience(
    dialogue: Dialogue, recipients: Iterable[int], documents: Sequence[audiences.DocumentAudience]
) -> audiences.CirculationAudience:
    """The recipients of documents (whose facts are ``documents``), while they may see them."""
    return {
        "kind": "circulation",
        "dialogue": dialogue.pk,
        "users": sorted(set(recipients)),
        "documents": list(documents),
    }


def about(documents: Iterable[Document]) -> list[dict[str, Any]]:
    return [
        {
            "id": d.pk,
            "symbol": d.symbol,
            "title": d.title_i18n.pick(settings.LANGUAGE_CODE),
            "title_i18n": d.title_i18n.as_dict(),
        }
        for d in documents
    ]


def publish_documents_event(
    *,
    stream: str,
    dialogue_slug: str,
    event_type: str,
    by: User | None,
    audience: audiences.Audience,
    data: dict[str, Any],
) -> None:
    """Publish on the meeting's stream (under the dialogue's) or the dialogue's, inside the
    caller's transaction."""
    publish(
        actor_id=by.pk if by is not None else None,
        stream=stream,
        parent_stream=f"dialogue:{dialogue_slug}" if stream.startswith("meeting:") else "",
        type=event_type,
        audience=audience,
        data=data,
    )
