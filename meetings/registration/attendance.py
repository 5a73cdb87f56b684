"""After approval: the participant confirms and answers the follow-up questions; at the door,
their badge is scanned.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dialogue import live, permissions
from dialogue.models import User
from meetings import events
from meetings.models import (
    CheckInUndone,
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


def check_in_window(meeting: Meeting) -> tuple[datetime.datetime, datetime.datetime]:
    """When the door's desk may record arrivals: from ``CHECK_IN_OPENS_THE_DAY_BEFORE_AT`` (local
    time) on the day before the meeting's first day until the end of its last day."""
    zone = meeting.zone
    first = meeting.starts_at.astimezone(zone).date()
    # a meeting that ends at midnight ends the day before
    last = max(
        first, (meeting.ends_at - datetime.timedelta(microseconds=1)).astimezone(zone).date()
    )
    opens_at = datetime.time.fromisoformat(settings.CHECK_IN_OPENS_THE_DAY_BEFORE_AT)
    opens = datetime.datetime.combine(first - datetime.timedelta(days=1), opens_at, tzinfo=zone)
    closes = datetime.datetime.combine(
        last + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
    )
    return opens, closes


def check_in_closed(meeting: Meeting) -> str | None:
    """Why the desk cannot record an arrival now (a sentence), or ``None`` when it can."""
    opens, closes = check_in_window(meeting)
    now = timezone.now()
    if opens <= now < closes:
        return None
    zone = meeting.zone
    if now < opens:
        return _("Check-in opens on %(date)s at %(time)s (local time of the meeting).") % {
            "date": formats.date_format(opens.astimezone(zone), "DATE_FORMAT"),
            "time": formats.time_format(opens.astimezone(zone), "TIME_FORMAT"),
        }
    last = (closes - datetime.timedelta(days=1)).date()
    return _("Check-in closed at the end of the meeting's last day (%(date)s).") % {
        "date": formats.date_format(last, "DATE_FORMAT")
    }


@dataclass(frozen=True)
class CheckIn:
    nomination: Nomination
    already: bool


def check_in(*, by: User, meeting: Meeting, token: str) -> CheckIn:
    """Record the arrival of the participant whose badge carries ``token``. Scanning a badge
    twice says when they arrived. Publishes ``nomination.checked_in`` to the secretariat (live
    only). Raises ``ValidationError`` for an unknown badge, another meeting's, or someone not
    approved, or outside the meeting's days (``check_in_window``)."""
    access.check_manager(by, meeting)
    closed = check_in_closed(meeting)
    if closed:
        raise ValidationError(closed)
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


def undo_check_in(*, by: User, nomination: Nomination) -> CheckInUndone:
    """Undo an arrival recorded by mistake: the nomination reads as not arrived again, and a
    ``CheckInUndone`` row keeps who had checked the person in, when, and who undid it. Publishes
    ``nomination.check_in_undone`` to the secretariat (live only). Raises ``ValidationError``
    when the person was not checked in."""
    access.check_manager(by, nomination.meeting)
    with transaction.atomic():
        locked = locks.lock_nomination(nomination)
        if locked.checked_in_at is None:
            raise ValidationError(
                _("%(name)s is not checked in: there is nothing to undo.")
                % {"name": locked.full_name}
            )
        undone = CheckInUndone.objects.create(
            nomination=locked,
            checked_in_at=locked.checked_in_at,
            checked_in_by=locked.checked_in_by,
            undone_at=timezone.now(),
            undone_by=by,
        )
        locked.checked_in_at = None
        locked.checked_in_by = None
        locked.save(update_fields=["checked_in_at", "checked_in_by"])
        events.publish_meeting_event(
            locked.meeting,
            events.NOMINATION_CHECK_IN_UNDONE,
            by=by,
            audience=live.audience_secretariat(locked.meeting.dialogue),
            **notify.about(locked),
        )
    return undone
