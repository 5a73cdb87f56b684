"""The delegation's nomination letter (note verbale): uploaded by its focal point as the next
version, verified by the secretariat. The letters the platform prints are in ``printing``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue.members import Member
from dialogue.models import AuditAction, User
from dialogue.uploads import JPEG, PDF, PNG, check_upload
from meetings import events
from meetings.models import Meeting, NominationLetter

from . import access, audit, locks, notify

LETTER_TYPES = (PDF, JPEG, PNG)


LETTER_MAX_BYTES = 20 * 1024 * 1024


def upload_letter(
    *, by: User, meeting: Meeting, member: Member, upload: UploadedFile
) -> NominationLetter:
    """Store the delegation's nomination letter (note verbale) as its next version, for every
    member of the delegation. PDF, JPEG or PNG, decided by content, at most 20 MB. Publishes
    ``delegation.letter_uploaded``. Raises ``PermissionDenied`` or ``ValidationError``."""
    access.check_may_nominate(by, meeting, member)
    checked = check_upload(upload, allowed=LETTER_TYPES, max_bytes=LETTER_MAX_BYTES)
    with transaction.atomic():
        meeting = Meeting.objects.select_related("dialogue").get(pk=meeting.pk)
        if not meeting.is_open:
            raise ValidationError(_("A concluded or cancelled meeting takes no registrations."))
        delegation = locks.lock_delegation(meeting, member)
        version = (delegation.letters.aggregate(top=Max("version"))["top"] or 0) + 1
        letter = NominationLetter(
            delegation=delegation,
            version=version,
            original_name=checked.name,
            content_type=checked.file_type.content_type,
            extension=checked.file_type.extension,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=by,
        )
        letter.file.save(checked.name, upload, save=False)
        try:
            letter.save()
            notify.publish_delegation(delegation, events.LETTER_UPLOADED, by=by, version=version)
        except Exception:
            letter.file.storage.delete(letter.file.name)  # no row, no file
            raise
    return letter


def verify_letter(*, by: User, letter: NominationLetter) -> NominationLetter:
    """The secretariat marks a nomination letter as checked. Publishes
    ``delegation.letter_verified``."""
    delegation = letter.delegation
    access.check_manager(by, delegation.meeting)
    with transaction.atomic():
        locked = NominationLetter.objects.select_for_update().get(pk=letter.pk)
        if locked.verified_at is None:
            locked.verified_at = timezone.now()
            locked.verified_by = by
            locked.save(update_fields=["verified_at", "verified_by"])
            notify.publish_delegation(
                delegation, events.LETTER_VERIFIED, by=by, version=locked.version
            )
    return locked


def record_letter_download(*, by: User, letter: NominationLetter) -> None:
    """Write in the permanent record that ``by`` (whom the caller let see the letter) took the
    delegation's nomination letter: it names the delegates."""
    delegation = letter.delegation
    with transaction.atomic():
        audit.record_meeting(
            AuditAction.LETTER_DOWNLOADED,
            delegation.meeting,
            by=by,
            object_type="nomination_letter",
            object_id=letter.pk,
            label=f"{delegation.key} · {letter.original_name}",
            details={"letter": "nomination_letter", "version": letter.version},
        )
