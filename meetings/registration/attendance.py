"""After approval: the participant confirms and answers the follow-up questions; at the door,
their badge is scanned.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import live, permissions
from dialogue.models import User
from meetings import events
from meetings.models import (
    FollowUpAnswer,
    Meeting,
    Nomination,
    NominationStatus,
    RegistrationSettings,
)

from . import access, locks, notify

S = NominationStatus


def confirm_participation(
    *, by: User, nomination: Nomination, answers: Mapping[int, str]
) -> Nomination:
    """The approved participant confirms they come and answers the follow-up questions (the
    focal point or the secretariat may do it for them), until the confirmation deadline.
    Publishes ``nomination.updated``. Raises ``ValidationError`` naming a missing answer."""
    access.check_can_change(by, nomination)
    with transaction.atomic():
        reg = RegistrationSettings.objects.filter(meeting_id=nomination.meeting_id).first()
        locked = locks.lock_nomination(nomination)
        if locked.status != S.APPROVED:
            raise ValidationError(_("Only an approved participant confirms."))
        manager = permissions.can_manage_registration(by, locked.meeting)
        if reg is not None and timezone.now() > reg.confirmation_deadline and not manager:
            raise ValidationError(
                _("The deadline for confirmations has passed (%(deadline)s); ask the secretariat.")
                % {"deadline": access.in_meeting_zone(reg.confirmation_deadline, locked.meeting)}
            )
        questions = list(locked.meeting.follow_up_questions.all())
        for question in questions:
            text = (answers.get(question.pk) or "").strip()
            if question.required and not text:
                raise ValidationError(_("Answer “%(question)s”.") % {"question": question.text})
            if len(text) > 2000:
                raise ValidationError(_("An answer has at most 2,000 characters."))
            if text:
                FollowUpAnswer.objects.update_or_create(
                    nomination=locked,
                    question=question,
                    defaults={"answer": text, "answered_at": timezone.now()},
                )
            else:
                FollowUpAnswer.objects.filter(nomination=locked, question=question).delete()
        if locked.confirmed_at is None:
            locked.confirmed_at = timezone.now()
        locked.updated_at = timezone.now()
        locked.save(update_fields=["confirmed_at", "updated_at"])
        notify.publish_nomination(locked, events.NOMINATION_UPDATED, by=by, changed=["confirmed"])
    return locked


@dataclass(frozen=True)
class CheckIn:
    nomination: Nomination
    already: bool


def check_in(*, by: User, meeting: Meeting, token: str) -> CheckIn:
    """Record the arrival of the participant whose badge carries ``token``. Scanning a badge
    twice says when they arrived. Publishes ``nomination.checked_in`` to the secretariat (live
    only). Raises ``ValidationError`` for an unknown badge, another meeting's, or someone not
    approved."""
    access.check_manager(by, meeting)
    token = (token or "").strip()
    with transaction.atomic():
        found = (
            Nomination.objects.select_for_update(of=("self",))
            .select_related(
                "meeting", "meeting__dialogue", "delegation__state", "delegation__organisation"
            )
            .filter(checkin_token=token)
            .first()
            if token
            else None
        )
        if found is None:
            raise ValidationError(_("This badge is not known."))
        if found.meeting_id != meeting.pk:
            raise ValidationError(
                _("This badge is for another meeting: %(title)s.") % {"title": found.meeting.title}
            )
        if found.status != S.APPROVED:
            raise ValidationError(
                _("%(name)s is not approved for this meeting (%(status)s).")
                % {"name": found.full_name, "status": found.get_status_display()}
            )
        if found.checked_in_at is not None:
            return CheckIn(found, already=True)
        found.checked_in_at = timezone.now()
        found.checked_in_by = by
        found.save(update_fields=["checked_in_at", "checked_in_by"])
        events.publish_meeting_event(
            found.meeting,
            events.NOMINATION_CHECKED_IN,
            by=by,
            audience=live.audience_secretariat(found.meeting.dialogue),
            **notify.about(found),
        )
    return CheckIn(found, already=False)
