"""Reminders before a meeting. A reminder belongs to a start time: after a reschedule the
old one is stale and a new one is due two days before the new start."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from . import events
from .models import Meeting, MeetingStatus

REMIND_BEFORE = datetime.timedelta(days=2)
REMINDED_STATUSES = (
    MeetingStatus.ANNOUNCED,
    MeetingStatus.REGISTRATION_OPEN,
    MeetingStatus.REGISTRATION_CLOSED,
)


def send_due_reminders(*, now: datetime.datetime | None = None) -> int:
    """Publish ``meeting.reminder`` for every meeting starting within two days that has not
    been reminded of its current start; returns how many."""
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
            sent += 1
    return sent
