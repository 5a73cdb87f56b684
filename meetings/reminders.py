"""Reminders before a meeting. A reminder belongs to a start time: after a reschedule the
old one is stale and a new one is due two days before the new start. It reaches the approved
participants through the platform (an account) or by e-mail (none yet); who it reached, how, and
who not and why is kept with it (``ReminderSent``, each e-mail with its outbox row in
``ReminderEmail``) and previewed before (``reminder_reach``)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from notifications.mail import queue_message

from . import events
from .models import Meeting, MeetingStatus, ReminderEmail, ReminderSent
from .registration.reach import Participant, ParticipantsReach, participants_reach

REMIND_BEFORE = datetime.timedelta(days=2)
REMINDED_STATUSES = (
    MeetingStatus.ANNOUNCED,
    MeetingStatus.REGISTRATION_OPEN,
    MeetingStatus.REGISTRATION_CLOSED,
)


def send_due_reminders(*, now: datetime.datetime | None = None) -> int:
    """Publish ``meeting.reminder`` for every meeting starting within two days that has not
    been reminded of its current start, and write it by e-mail (the outbox) to its approved
    participants who have no account yet; returns how many meetings were reminded."""
    now = now or timezone.now()
    due = Meeting.objects.filter(
        status__in=REMINDED_STATUSES, starts_at__gt=now, starts_at__lte=now + REMIND_BEFORE
    ).values_list("pk", flat=True)
    sent = 0
    for pk in due:
        with transaction.atomic():
            meeting = (
                Meeting.objects.select_for_update(of=("self",))
                .select_related("dialogue")
                .get(pk=pk)
            )
            if meeting.reminded_for == meeting.starts_at or meeting.status not in REMINDED_STATUSES:
                continue
            meeting.reminded_for = meeting.starts_at
            meeting.save(update_fields=["reminded_for"])
            events.publish_meeting_event(
                meeting,
                events.MEETING_REMINDER,
                by=None,
                summary=f"{meeting.starts_at.astimezone(meeting.zone):%d.%m.%Y %H:%M} "
                f"({meeting.time_zone})",
            )
            reach = participants_reach(meeting)
            reached, left_out = reach.record()
            reminder = ReminderSent.objects.create(
                meeting=meeting,
                starts_at=meeting.starts_at,
                sent_at=now,
                reached=reached,
                left_out=left_out,
            )
            _write(reminder, reach.by_email)
            sent += 1
    return sent


def due_at(meeting: Meeting) -> datetime.datetime:
    """When the reminder of the meeting's current start goes (the worker's next pass after)."""
    return meeting.starts_at - REMIND_BEFORE


def will_remind(meeting: Meeting) -> bool:
    """Whether a reminder is still to go for the meeting's current start."""
    return meeting.status in REMINDED_STATUSES and meeting.reminded_for != meeting.starts_at


def reminder_reach(meeting: Meeting) -> ParticipantsReach:
    """Whom the reminder would reach if it went now, and who not and why (the preview)."""
    return participants_reach(meeting)


def _write(reminder: ReminderSent, participants: list[Participant]) -> int:
    """The reminder, by e-mail, to the approved participants without an account (those with
    one hear through the platform), in their letters' language, each copy recorded with its
    outbox row for the secretariat (``ReminderEmail``); returns how many."""
    meeting = reminder.meeting
    written = 0
    for participant in participants:
        nomination = participant.nomination
        with translation.override(nomination.language or settings.LANGUAGE_CODE):
            local = meeting.starts_at.astimezone(meeting.zone)
            context = {
                "name": nomination.full_name,
                "meeting": meeting,
                "when": f"{formats.date_format(local, 'DATE_FORMAT')}, "
                f"{formats.time_format(local, 'TIME_FORMAT')} ({meeting.time_zone})",
                "link": settings.SITE_URL + reverse("meeting_detail", args=[meeting.pk]),
            }
            subject = _("Reminder: %(title)s starts soon") % {"title": meeting.title}
            body = render_to_string("meetings/email/reminder.txt", context)
        outbox = queue_message(
            to=nomination.email, subject=settings.EMAIL_SUBJECT_PREFIX + subject, body=body
        )
        ReminderEmail.objects.create(
            reminder=reminder,
            nomination=nomination,
            full_name=nomination.full_name,
            state_id=nomination.delegation.state_id,
            organisation_id=nomination.delegation.organisation_id,
            outbox=outbox,
        )
        written += 1
    return written
