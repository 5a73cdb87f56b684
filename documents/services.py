"""Write actions on documents: adding a document with its first file, new revisions and
language versions, withdrawal, circulation to an audience, receipts and reminders.

Each owns its transaction, asks the policy, locks the rows it changes (the symbol counter, the
document, the circulation) and publishes its events in the same transaction.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dialogue import audiences, live, permissions
from dialogue.audit import trail
from dialogue.models import (
    AuditAction,
    Body,
    Dialogue,
    Organisation,
    State,
    User,
)
from dialogue.translations import Translations, missing_first
from dialogue.uploads import DOCUMENT_TYPES, check_upload
from meetings import registration
from meetings.models import AgendaItem, Delegation, Meeting
from meetings.registration.reach import Participant
from notifications.mail import queue_message

from . import events, extraction, queries, reach, search
from .models import (
    Audience,
    Circulation,
    Document,
    DocumentKind,
    Language,
    MailedCopy,
    Marking,
    Receipt,
    Revision,
    SymbolCounter,
)

# The series of a meeting's documents, by the kind of its body (settable per document).
SERIES_OF_BODY: dict[str, str] = {
    Body.Kind.MINISTERIAL_CONFERENCE: "MC",
    Body.Kind.SENIOR_OFFICIALS_MEETING: "SOM",
    Body.Kind.WORKING_GROUP: "WG",
    Body.Kind.STRATEGIC_GROUP: "SG",
    Body.Kind.REFERENCE_GROUP: "RG",
    Body.Kind.FRIENDS_OF_THE_CHAIR: "FOC",
    Body.Kind.CONTACT_POINT_NETWORK: "NCP",
}
GENERAL_SERIES = "GEN"
SERIES_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
# A second click on "Remind" within this window sends nothing more.
REMINDER_PAUSE = datetime.timedelta(minutes=1)


def default_series(meeting: Meeting | None) -> str:
    if meeting is None:
        return GENERAL_SERIES
    return SERIES_OF_BODY.get(meeting.body.kind, GENERAL_SERIES)


def _check_manager(by: User, dialogue: Dialogue) -> None:
    if not permissions.can_manage_documents(by, dialogue):
        raise PermissionDenied


def _next_symbol(dialogue: Dialogue, series: str, year: int) -> tuple[int, str]:
    """The next number of the series and year, taken under the counter's row lock."""
    SymbolCounter.objects.get_or_create(dialogue=dialogue, series=series, year=year)
    counter = SymbolCounter.objects.select_for_update().get(
        dialogue=dialogue, series=series, year=year
    )
    while True:
        counter.last_number += 1
        symbol = f"{dialogue.acronym}/{series}/{year}/{counter.last_number}"
        if not Document.objects.filter(dialogue=dialogue, symbol=symbol).exists():
            break
    counter.save(update_fields=["last_number"])
    return counter.last_number, symbol


def _store(revision: Revision, upload: UploadedFile, name: str) -> None:
    revision.file.save(name, upload, save=False)


def _forget_file(revision: Revision) -> None:
    if revision.file.name:
        revision.file.storage.delete(revision.file.name)


def _validate_marking(
    marking: str,
    meeting: Meeting | None,
    states: Sequence[State],
    organisations: Sequence[Organisation],
) -> None:
    if marking not in Marking.values:
        raise ValidationError(_("Choose who may see the document."))
    if marking == Marking.PARTICIPANTS and meeting is None:
        raise ValidationError(_("Only a meeting's document can be for its participants."))
    if marking == Marking.DELEGATIONS and not (states or organisations):
        raise ValidationError(_("Name the delegations that may see the document."))


def _check_title(titles: Translations, languages: Sequence[str]) -> None:
    missing = missing_first(titles, languages)
    if missing:
        raise ValidationError(
            _("Write the document's title at least in %(language)s.") % {"language": missing}
        )
    if any(len(text) > 300 for text in titles.values()):
        raise ValidationError(_("A title has at most 300 characters."))


def add_document(
    *,
    by: User,
    dialogue: Dialogue,
    kind: str,
    title: Mapping[str, str],
    marking: str,
    language: str,
    upload: UploadedFile,
    meeting: Meeting | None = None,
    agenda_item: AgendaItem | None = None,
    series: str = "",
    named_states: Sequence[State] = (),
    named_organisations: Sequence[Organisation] = (),
    shared_with_chair: bool = False,
    note: str = "",
) -> Document:
    """Create a document with its first file (revision 1 of ``language``) and its symbol,
    ``<acronym>/<series>/<year>/<next number>``. Publishes ``documents.changed``. Raises
    ``PermissionDenied`` or ``ValidationError`` (including every refusal of the upload)."""
    _check_manager(by, dialogue)
    return create_document(
        by=by,
        dialogue=dialogue,
        kind=kind,
        title=title,
        marking=marking,
        language=language,
        upload=upload,
        meeting=meeting,
        agenda_item=agenda_item,
        series=series,
        named_states=named_states,
        named_organisations=named_organisations,
        shared_with_chair=shared_with_chair,
        note=note,
    )


def create_document(
    *,
    by: User,
    dialogue: Dialogue,
    kind: str,
    title: Mapping[str, str],
    marking: str,
    language: str,
    upload: UploadedFile,
    meeting: Meeting | None = None,
    agenda_item: AgendaItem | None = None,
    series: str = "",
    named_states: Sequence[State] = (),
    named_organisations: Sequence[Organisation] = (),
    shared_with_chair: bool = False,
    note: str = "",
    delegation: Delegation | None = None,
) -> Document:
    """``add_document`` once the caller has asked whether ``by`` may add it (the secretariat
    there, a delegation's statement in ``documents.statements``)."""
    titles = Translations.of(title)
    series = (series or default_series(meeting)).strip().upper()
    if meeting is not None and meeting.dialogue_id != dialogue.pk:
        raise ValidationError(_("The meeting belongs to another dialogue."))
    if agenda_item is not None and (meeting is None or agenda_item.meeting_id != meeting.pk):
        raise ValidationError(_("The agenda item belongs to another meeting."))
    if kind not in DocumentKind.values:
        raise ValidationError(_("Choose the type of document."))
    _check_title(titles, meeting.working_languages if meeting else dialogue.languages)
    if not SERIES_PATTERN.match(series):
        raise ValidationError(
            _("A series is 1 to 20 capital letters, digits or hyphens, e.g. SOM or WG-LM.")
        )
    if language not in Language.values:
        raise ValidationError(_("Choose the language of the file."))
    _validate_marking(marking, meeting, named_states, named_organisations)
    checked = check_upload(upload, allowed=DOCUMENT_TYPES, max_bytes=settings.DOCUMENT_MAX_BYTES)
    year = meeting.starts_at.astimezone(meeting.zone).year if meeting else timezone.now().year
    revision = Revision(
        language=language,
        number=1,
        original_name=checked.name,
        content_type=checked.file_type.content_type,
        extension=checked.file_type.extension,
        size=checked.size,
        sha256=checked.sha256,
        note=note.strip()[:300],
        uploaded_by=by,
    )
    try:
        with transaction.atomic():
            number, symbol = _next_symbol(dialogue, series, year)
            document = Document.objects.create(
                dialogue=dialogue,
                meeting=meeting,
                agenda_item=agenda_item,
                kind=kind,
                series=series,
                year=year,
                number=number,
                symbol=symbol,
                title_i18n=titles,
                marking=marking,
                shared_with_chair=shared_with_chair and marking == Marking.INTERNAL,
                delegation=delegation,
                created_by=by,
            )
            if marking == Marking.DELEGATIONS:
                document.named_states.set(named_states)
                document.named_organisations.set(named_organisations)
            revision.document = document
            _store(revision, upload, checked.name)
            revision.save()
            extraction.expect_text(revision)
            search.reindex([document.pk])
            _record(
                AuditAction.DOCUMENT_MARKED,
                document,
                by=by,
                details={
                    "from": None,
                    **_distribution(document, named_states, named_organisations),
                },
            )
            _publish_change(document, by=by, what="added", language=language)
    except IntegrityError:
        _forget_file(revision)
        raise ValidationError(
            _("Another upload took this symbol at the same moment; try again.")
        ) from None
    except Exception:
        _forget_file(revision)  # no row, no file
        raise
    return document


def add_revision(
    *, by: User, document: Document, language: str, upload: UploadedFile, note: str = ""
) -> Revision:
    """Store a new revision of ``document`` in ``language`` (revision 1 of a new language
    version, or the next one). The document's address now serves it; the earlier ones stay,
    superseded. Publishes ``documents.changed`` and, when the document was circulated,
    ``documents.revised`` to those who received it. Raises ``PermissionDenied`` or
    ``ValidationError``."""
    _check_manager(by, document.dialogue)
    if language not in Language.values:
        raise ValidationError(_("Choose the language of the file."))
    checked = check_upload(upload, allowed=DOCUMENT_TYPES, max_bytes=settings.DOCUMENT_MAX_BYTES)
    revision = Revision(
        language=language,
        original_name=checked.name,
        content_type=checked.file_type.content_type,
        extension=checked.file_type.extension,
        size=checked.size,
        sha256=checked.sha256,
        note=note.strip()[:300],
        uploaded_by=by,
    )
    try:
        with transaction.atomic():
            locked = _lock(document)
            if locked.is_withdrawn:
                raise ValidationError(_("A withdrawn document takes no new revisions."))
            top = locked.revisions.filter(language=language).aggregate(top=Max("number"))["top"]
            revision.document = locked
            revision.number = (top or 0) + 1
            _store(revision, upload, checked.name)
            revision.save()
            extraction.expect_text(revision)
            locked.updated_at = timezone.now()
            locked.save(update_fields=["updated_at"])
            _record(
                AuditAction.DOCUMENT_REVISED,
                locked,
                by=by,
                details={
                    "language": language,
                    "revision": revision.number,
                    "sha256": revision.sha256,
                    "size": revision.size,
                },
            )
            _publish_change(
                locked, by=by, what="revised", language=language, revision=revision.number
            )
            _tell_earlier_recipients(locked, revision, by=by)
    except Exception:
        _forget_file(revision)
        raise
    return revision


def change_document(
    *,
    by: User,
    document: Document,
    kind: str,
    title: Mapping[str, str],
    marking: str,
    named_states: Sequence[State] = (),
    named_organisations: Sequence[Organisation] = (),
    shared_with_chair: bool = False,
    agenda_item: AgendaItem | None = None,
) -> Document:
    """Change a document's type, titles, agenda item or distribution (its symbol and files
    stay). Publishes ``documents.changed`` to those who could see it before and to those who
    may see it now, so a paper that became restricted leaves their pages too. Raises
    ``PermissionDenied`` or ``ValidationError``."""
    _check_manager(by, document.dialogue)
    titles = Translations.of(title)
    if kind not in DocumentKind.values:
        raise ValidationError(_("Choose the type of document."))
    owner = document.meeting if document.meeting_id else None
    _check_title(titles, owner.working_languages if owner else document.dialogue.languages)
    with transaction.atomic():
        locked = _lock(document)
        if agenda_item is not None and agenda_item.meeting_id != locked.meeting_id:
            raise ValidationError(_("The agenda item belongs to another meeting."))
        _validate_marking(marking, locked.meeting, named_states, named_organisations)
        before, old_item = events.document_audience(locked), locked.agenda_item_id
        was = _distribution(locked, locked.named_states.all(), locked.named_organisations.all())
        locked.kind, locked.title_i18n = kind, titles
        locked.marking = marking
        locked.shared_with_chair = shared_with_chair and marking == Marking.INTERNAL
        locked.agenda_item = agenda_item
        locked.updated_at = timezone.now()
        locked.save()
        locked.named_states.set(named_states if marking == Marking.DELEGATIONS else [])
        locked.named_organisations.set(
            named_organisations if marking == Marking.DELEGATIONS else []
        )
        search.reindex([locked.pk])
        after = events.document_audience(locked)
        now = _distribution(locked, named_states, named_organisations)
        if now != was:
            _record(AuditAction.DOCUMENT_MARKED, locked, by=by, details={"from": was, **now})
        if before != after:
            # Data about the document only for those who may see it now; the others learn
            # only that the list changed, which their re-fetched page then shows.
            events.publish_documents_event(
                stream=locked.stream,
                dialogue_slug=locked.dialogue.slug,
                event_type=events.DOCUMENTS_CHANGED,
                by=by,
                audience=before,
                data={
                    "meeting": locked.meeting_id,
                    "agenda_item": old_item,
                    "documents": [],
                    "what": "distribution",
                    "language": None,
                    "revision": None,
                },
            )
        _publish_change(locked, by=by, what="changed")
    return locked


def withdraw_document(*, by: User, document: Document, reason: str) -> Document:
    """Withdraw a document: it stays listed and reachable, labelled withdrawn with the reason,
    and can no longer be circulated. Publishes ``documents.changed``."""
    _check_manager(by, document.dialogue)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the document is withdrawn."))
    with transaction.atomic():
        locked = _lock(document)
        if locked.is_withdrawn:
            return locked
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_reason = reason[:300]
        locked.updated_at = locked.withdrawn_at
        locked.save(update_fields=["withdrawn_at", "withdrawn_reason", "updated_at"])
        _publish_change(locked, by=by, what="withdrawn")
    return locked


def _distribution(
    document: Document,
    states: Iterable[State],
    organisations: Iterable[Organisation],
) -> dict[str, Any]:
    """A document's marking as the permanent record keeps it."""
    named = document.marking == Marking.DELEGATIONS
    return {
        "marking": document.marking,
        "shared_with_chair": document.shared_with_chair,
        "states": sorted(s.code for s in states) if named else [],
        "organisations": sorted(o.slug for o in organisations) if named else [],
    }


def _record(
    action: AuditAction, document: Document, *, by: User | None, details: Mapping[str, Any]
) -> None:
    trail.record(
        action,
        by=by,
        dialogue=document.dialogue_id,
        meeting_id=document.meeting_id,
        object_type="document",
        object_id=document.pk,
        label=document.symbol,
        details=details,
    )


# Markings above "participants": a download of such a document is recorded.
RECORDED_MARKINGS = frozenset({Marking.MEMBER_STATES, Marking.DELEGATIONS, Marking.INTERNAL})


def record_downloads(*, user: Any, revisions: Iterable[Revision]) -> int:
    """Write in the permanent record each file of a document marked above "participants"
    (member states only, named delegations, internal) that ``user`` (whom the caller let see
    it) downloads. Returns how many entries were written (no query when none)."""
    restricted = [r for r in revisions if r.document.marking in RECORDED_MARKINGS]
    if not restricted:
        return 0
    by = user if permissions.standing(user).authenticated else None
    with transaction.atomic():
        for revision in restricted:
            _record(
                AuditAction.DOCUMENT_DOWNLOADED,
                revision.document,
                by=by,
                details={
                    "marking": revision.document.marking,
                    "language": revision.language,
                    "revision": revision.number,
                },
            )
    return len(restricted)


def _lock(document: Document) -> Document:
    return (
        Document.objects.select_for_update(of=("self",))
        .select_related("dialogue", "meeting")
        .get(pk=document.pk)
    )


def _publish_change(
    document: Document,
    *,
    by: User,
    what: str,
    language: str | None = None,
    revision: int | None = None,
) -> None:
    events.publish_documents_event(
        stream=document.stream,
        dialogue_slug=document.dialogue.slug,
        event_type=events.DOCUMENTS_CHANGED,
        by=by,
        audience=events.document_audience(document),
        data={
            "meeting": document.meeting_id,
            "agenda_item": document.agenda_item_id,
            "documents": events.about([document]),
            "what": what,
            "language": language,
            "revision": revision,
        },
    )


def _tell_earlier_recipients(document: Document, revision: Revision, *, by: User) -> None:
    holders = list(
        Receipt.objects.filter(circulation__documents=document)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    if not holders:
        return
    users = permissions.load_users(holders)
    facts = events.document_audience(document)
    entitled = _entitled(users.values(), [facts])
    if not entitled:
        return
    events.publish_documents_event(
        stream=document.stream,
        dialogue_slug=document.dialogue.slug,
        event_type=events.DOCUMENT_REVISED,
        by=by,
        audience=events.circulation_audience(document.dialogue, entitled, [facts]),
        data={
            "circulation": None,  # they may hold it from different circulations
            "meeting": document.meeting_id,
            "documents": events.about([document]),
            "language": revision.language,
            "revision": revision.number,
            "message": revision.note,
        },
    )


# --- Circulation --------------------------------------------------------------------------------


def _entitled(users: Iterable[User], facts: Iterable[audiences.DocumentAudience]) -> list[int]:
    """The ids of ``users`` who may receive events about every one of the documents."""
    entitled = list(users)
    for document in facts:
        entitled = audiences.receivers(document, entitled)
    return sorted(user.pk for user in entitled)


def circulate(
    *,
    by: User,
    documents: Sequence[Document],
    audience: str,
    named_states: Sequence[State] = (),
    named_organisations: Sequence[Organisation] = (),
    message: str = "",
    comments_until: datetime.datetime | None = None,
    idempotency_key: str | None = None,
) -> Circulation:
    """Send ``documents`` (of one meeting, or of the dialogue) to an audience with a message
    and an optional deadline for comments. Everyone in the audience who may see every one of
    the documents gets a receipt; the approved participants of the meeting without an account
    whom the markings admit are written to through the outbox (a ``MailedCopy`` each); the
    others are left out, each with the reason (``documents.reach``). Publishes
    ``documents.circulated`` to the recipients (live, inbox, e-mail with links). The same
    ``idempotency_key`` twice circulates once. Raises ``PermissionDenied`` or
    ``ValidationError``."""
    if not documents:
        raise ValidationError(_("Choose at least one document to circulate."))
    first = documents[0]
    dialogue, meeting = first.dialogue, first.meeting
    _check_manager(by, dialogue)
    if idempotency_key:
        done = Circulation.objects.filter(idempotency_key=idempotency_key).first()
        if done is not None:
            return done
    if any(d.dialogue_id != dialogue.pk or d.meeting_id != first.meeting_id for d in documents):
        raise ValidationError(_("Circulate the documents of one meeting at a time."))
    if any(d.is_withdrawn for d in documents):
        raise ValidationError(_("A withdrawn document cannot be circulated."))
    if comments_until is not None and comments_until <= timezone.now():
        raise ValidationError(_("The deadline for comments must be in the future."))
    audience_reach = reach.reach_of(
        by=by,
        dialogue=dialogue,
        meeting=meeting,
        audience=audience,
        documents=documents,
        states=named_states,
        organisations=named_organisations,
    )
    if audience_reach.nobody:
        raise ValidationError(audience_reach.refusal())
    facts = [events.document_audience(d) for d in documents]
    recipients = audience_reach.accounts
    delegations = queries.delegations_of(
        recipients, dialogue_id=dialogue.pk, meeting_id=first.meeting_id
    )
    try:
        with transaction.atomic():
            circulation = Circulation.objects.create(
                dialogue=dialogue,
                meeting=meeting,
                audience=audience,
                message=message.strip()[:5000],
                comments_until=comments_until,
                left_out=len(audience_reach.left_out),
                left_out_people=audience_reach.left_out_record(),
                sent_by=by,
                idempotency_key=idempotency_key or None,
            )
            circulation.documents.set(documents)
            if audience == Audience.DELEGATIONS:
                circulation.named_states.set(named_states)
                circulation.named_organisations.set(named_organisations)
            Receipt.objects.bulk_create(
                [
                    Receipt(
                        circulation=circulation,
                        recipient_id=uid,
                        state_id=delegations[uid][0],
                        organisation_id=delegations[uid][1],
                        delivered_at=circulation.sent_at,
                    )
                    for uid in recipients
                ]
            )
            _write_to_participants_without_account(
                circulation, documents, audience_reach.by_email, by=by
            )
            trail.record(
                AuditAction.DOCUMENT_CIRCULATED,
                by=by,
                dialogue=dialogue,
                meeting_id=first.meeting_id,
                object_type="circulation",
                object_id=circulation.pk,
                label=", ".join(d.symbol for d in documents),
                details={
                    "documents": [d.pk for d in documents],
                    "audience": audience,
                    "recipients": len(recipients),
                    "by_email": len(audience_reach.by_email),
                    "left_out": circulation.left_out,
                    "comments_until": comments_until.isoformat() if comments_until else None,
                },
            )
            if recipients:
                _publish_circulation(
                    circulation, events.DOCUMENTS_CIRCULATED, documents, recipients, facts, by=by
                )
    except IntegrityError:
        done = Circulation.objects.filter(idempotency_key=idempotency_key).first()
        if idempotency_key and done is not None:
            return done
        raise
    return circulation


def _write_to_participants_without_account(
    circulation: Circulation,
    documents: Sequence[Document],
    participants: Sequence[Participant],
    *,
    by: User,
) -> None:
    """The approved participants without an account get the links by e-mail through the
    outbox (in their letters' language), with a fresh invitation to open them; each copy is
    recorded for the secretariat's receipts."""
    for participant in participants:
        nomination = participant.nomination
        invitation_path = registration.invitation_for(by, nomination)
        with translation.override(nomination.language or settings.LANGUAGE_CODE):
            context = {
                "name": nomination.full_name,
                "circulation": circulation,
                "meeting": circulation.meeting,
                "documents": [
                    (d, settings.SITE_URL + reverse("document_detail", args=[d.pk]))
                    for d in documents
                ],
                "deadline": deadline_label(circulation),
                "invitation": settings.SITE_URL + invitation_path if invitation_path else "",
                "sign_in": settings.SITE_URL + reverse("account_login"),
            }
            title = circulation.meeting.title if circulation.meeting else circulation.dialogue.name
            subject = _("Documents for %(title)s") % {"title": title}
            body = render_to_string("documents/email/circulation_copy.txt", context)
        outbox = queue_message(
            to=nomination.email, subject=settings.EMAIL_SUBJECT_PREFIX + subject, body=body
        )
        MailedCopy.objects.create(
            circulation=circulation,
            nomination=nomination,
            full_name=nomination.full_name,
            email=nomination.email,
            state_id=nomination.delegation.state_id,
            organisation_id=nomination.delegation.organisation_id,
            outbox=outbox,
            queued_at=circulation.sent_at,
        )


def deadline_label(circulation: Circulation) -> str:
    if circulation.comments_until is None:
        return ""
    meeting = circulation.meeting
    zone = meeting.zone if meeting is not None else timezone.get_default_timezone()
    local = circulation.comments_until.astimezone(zone)
    return f"{local:%d.%m.%Y %H:%M} ({getattr(zone, 'key', str(zone))})"


def _publish_circulation(
    circulation: Circulation,
    event_type: str,
    documents: Sequence[Document],
    recipients: Sequence[int],
    facts: list[audiences.DocumentAudience],
    *,
    by: User,
) -> None:
    events.publish_documents_event(
        stream=circulation.stream,
        dialogue_slug=circulation.dialogue.slug,
        event_type=event_type,
        by=by,
        audience=events.circulation_audience(circulation.dialogue, recipients, facts),
        data={
            "circulation": circulation.pk,
            "meeting": circulation.meeting_id,
            "documents": events.about(documents),
            "message": circulation.message,
            "comments_until": circulation.comments_until.isoformat()
            if circulation.comments_until
            else None,
            "comments_until_label": deadline_label(circulation),
        },
    )


def _publish_receipt(receipt: Receipt, circulation: Circulation, *, what: str) -> None:
    events.publish_documents_event(
        stream=circulation.stream,
        dialogue_slug=circulation.dialogue.slug,
        event_type=events.RECEIPT_CHANGED,
        by=None,
        audience=live.audience_secretariat(circulation.dialogue),
        data={
            "circulation": circulation.pk,
            "meeting": circulation.meeting_id,
            "documents": [],
            "receipt": receipt.pk,
            "state": receipt.state_id,
            "organisation": receipt.organisation_id,
            "what": what,
        },
    )


def record_opened(*, user: Any, documents: Iterable[Document]) -> int:
    """The first view or download of a circulated document marks the recipient's receipts
    of the circulations that carried it as opened. Publishes ``documents.receipt`` for the
    secretariat's table. Returns how many receipts changed (one query when none)."""
    if not permissions.standing(user).authenticated:
        return 0
    ids = [d.pk for d in documents]
    pending = list(
        Receipt.objects.filter(
            recipient_id=user.pk, opened_at__isnull=True, circulation__documents__in=ids
        )
        .select_related("circulation", "circulation__dialogue")
        .distinct()
    )
    if not pending:
        return 0
    now = timezone.now()
    with transaction.atomic():
        changed = Receipt.objects.filter(
            pk__in=[r.pk for r in pending], opened_at__isnull=True
        ).update(opened_at=now)
        if changed:
            for receipt in pending:
                _publish_receipt(receipt, receipt.circulation, what="opened")
    return changed


def acknowledge(*, by: User, circulation: Circulation) -> Receipt:
    """The recipient confirms they have the documents (it also counts as opened). Publishes
    ``documents.receipt``. Raises ``PermissionDenied`` for anyone but a recipient."""
    if not permissions.can_acknowledge(by, circulation):
        raise PermissionDenied
    with transaction.atomic():
        receipt = (
            Receipt.objects.select_for_update(of=("self",))
            .select_related("circulation", "circulation__dialogue")
            .get(circulation=circulation, recipient=by)
        )
        if receipt.acknowledged_at is not None:
            return receipt
        receipt.acknowledged_at = timezone.now()
        receipt.opened_at = receipt.opened_at or receipt.acknowledged_at
        receipt.save(update_fields=["acknowledged_at", "opened_at"])
        _publish_receipt(receipt, receipt.circulation, what="acknowledged")
    return receipt


def remind(*, by: User, circulation: Circulation) -> int:
    """Remind the recipients of every delegation that has not acknowledged yet (a delegation
    has acknowledged when one of its people has; people without a delegation count alone),
    and no one else. Publishes ``documents.reminder`` to them. Returns how many were reminded;
    0 when a reminder went out in the last minute (a double click)."""
    _check_manager(by, circulation.dialogue)
    now = timezone.now()
    with transaction.atomic():
        locked = (
            Circulation.objects.select_for_update(of=("self",))
            .select_related("dialogue", "meeting")
            .get(pk=circulation.pk)
        )
        if locked.last_reminded_at and now - locked.last_reminded_at < REMINDER_PAUSE:
            return 0
        receipts = list(locked.receipts.all())
        done = {
            _delegation_key(r) for r in receipts if r.acknowledged_at is not None and r.delegation
        }
        due = [
            r
            for r in receipts
            if r.acknowledged_at is None
            and (_delegation_key(r) not in done if r.delegation else True)
        ]
        documents = list(locked.documents.select_related("dialogue", "meeting").all())
        facts = [events.document_audience(d) for d in documents]
        users = permissions.load_users([r.recipient_id for r in due])
        entitled = _entitled(users.values(), facts)
        if not entitled:
            return 0
        Receipt.objects.filter(circulation=locked, recipient_id__in=entitled).update(
            reminded_at=now, reminders=F("reminders") + 1
        )
        locked.last_reminded_at = now
        locked.save(update_fields=["last_reminded_at"])
        _publish_circulation(locked, events.CIRCULATION_REMINDER, documents, entitled, facts, by=by)
    return len(entitled)


def _delegation_key(receipt: Receipt) -> tuple[int | None, int | None]:
    return (receipt.state_id, receipt.organisation_id)


def erase_mailed_copies(nomination_ids: list[int]) -> None:
    """The name and address a copy was mailed to, for nominations whose person's data is erased
    (``meetings.registration.personal_data``): the copy and its delivery stay, as anyone's."""
    MailedCopy.objects.filter(nomination_id__in=nomination_ids).update(full_name="", email="")
