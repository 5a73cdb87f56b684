"""Written statements: a delegation's text on an agenda item, uploaded through the same safe
upload and marking rules as every document (``services.create_document``), listed under the
item on the meeting page. Who may submit for a delegation is the policy's
(``permissions.statement_delegation_ids``); the default marking is "participants"."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import translation
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.models import User
from meetings import agenda
from meetings.models import AgendaItem, Delegation, Meeting, MeetingStatus

from . import services
from .models import Document, DocumentKind, Marking

# A statement is for the meeting's participants, or for everyone; never narrower (the room
# hears it), never internal.
STATEMENT_MARKINGS = (Marking.PARTICIPANTS, Marking.PUBLIC)


def statement_items(meeting: Meeting) -> list[AgendaItem]:
    """The items of the released agenda a statement may be on (public items, not sessions or
    breaks), in agenda order."""
    release = meeting.agenda_releases.order_by("-number").first()
    if release is None:
        return []
    keys = [
        r["key"] for r in agenda.public_items(release.items) if r["kind"] == AgendaItem.Kind.ITEM
    ]
    found = {i.pk: i for i in AgendaItem.objects.filter(meeting=meeting, pk__in=keys)}
    return [found[k] for k in keys if k in found]


def submit_statement(
    *,
    by: User,
    meeting: Meeting,
    delegation: Delegation,
    agenda_item: AgendaItem,
    language: str,
    upload: UploadedFile,
    marking: str = Marking.PARTICIPANTS,
    title: str = "",
) -> Document:
    """Add ``delegation``'s written statement on ``agenda_item`` (of the released agenda):
    a document of the meeting, titled after the delegation unless a title is given. Publishes
    ``documents.changed``. Raises ``PermissionDenied`` (not one of the person's delegations)
    or ``ValidationError`` (the item, the marking, the meeting's status, the upload)."""
    if delegation.meeting_id != meeting.pk or delegation.pk not in (
        permissions.statement_delegation_ids(by, meeting)
    ):
        raise PermissionDenied
    if meeting.status in (MeetingStatus.CANCELLED, MeetingStatus.DRAFT):
        raise ValidationError(_("This meeting takes no statements."))
    if agenda_item.pk not in {i.pk for i in statement_items(meeting)}:
        raise ValidationError(_("Choose an item of the released agenda."))
    if marking not in STATEMENT_MARKINGS:
        raise ValidationError(_("A statement is for the participants or for everyone."))
    titles: dict[str, str] = {}
    for code in meeting.working_languages:
        with translation.override(code):
            titles[code] = title.strip() or _("Statement of %(delegation)s on item %(item)s")
            titles[code] %= {"delegation": delegation.member.name, "item": agenda_item.title}
    return services.create_document(
        by=by,
        dialogue=meeting.dialogue,
        meeting=meeting,
        agenda_item=agenda_item,
        kind=DocumentKind.STATEMENT,
        title={code: text[:300] for code, text in titles.items()},
        marking=marking,
        language=language,
        upload=upload,
        delegation=delegation,
    )
