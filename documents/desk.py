"""Documents' part of a person's desk (``dialogue.desk``): each circulation sent to them that
they have not acknowledged yet, with its deadline for comments."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.desk import Need

from .models import Receipt


def acknowledgement_needs(user: Any) -> list[Need]:
    visible = permissions.circulations_visible_to(user)
    receipts = (
        Receipt.objects.filter(
            recipient_id=user.pk, acknowledged_at__isnull=True, circulation__in=visible
        )
        # Papers of a meeting that is over wait for nobody any more.
        .exclude(Q(circulation__meeting__ends_at__lt=timezone.now()))
        .select_related("circulation", "circulation__meeting", "circulation__dialogue")
        .order_by("circulation__sent_at")
    )
    needs = []
    for receipt in receipts:
        circulation = receipt.circulation
        meeting = circulation.meeting
        needs.append(
            Need(
                kind="acknowledge",
                text=_("Acknowledge the documents circulated for %(what)s")
                % {"what": meeting.title if meeting else circulation.dialogue.name},
                url=reverse("circulation_detail", args=[circulation.pk]),
                due=circulation.comments_until,
                meeting_id=circulation.meeting_id,
                zone=meeting.time_zone if meeting else "",
            )
        )
    return needs
