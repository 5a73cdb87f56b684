"""What documents add to the secretariat's live desk of a meeting
(``meetings.registration.live_desk``): the receipts of the meeting's latest circulation."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import formats
from django.utils.translation import gettext as _

from meetings.models import Meeting
from meetings.registration.live_desk import Counter, CounterGroup

from .models import Circulation


def latest_circulation_receipts(meeting: Meeting) -> CounterGroup | None:
    """Recipients of the latest circulation, those who opened it and those who acknowledged it
    (one query); ``None`` before anything is circulated."""
    latest = (
        Circulation.objects.filter(meeting_id=meeting.pk)
        .order_by("-sent_at", "-id")
        .annotate(
            recipients=Count("receipts"),
            opened=Count("receipts", filter=Q(receipts__opened_at__isnull=False)),
            acknowledged=Count("receipts", filter=Q(receipts__acknowledged_at__isnull=False)),
        )
        .first()
    )
    if latest is None:
        return None
    sent = formats.date_format(latest.sent_at.astimezone(meeting.zone), "DATETIME_FORMAT")
    return CounterGroup(
        "receipts",
        _("Receipts of the latest circulation"),
        (
            Counter("receipts-opened", _("Opened"), latest.opened, latest.recipients),
            Counter(
                "receipts-acknowledged", _("Acknowledged"), latest.acknowledged, latest.recipients
            ),
        ),
        note=_("Sent %(when)s") % {"when": sent},
    )
