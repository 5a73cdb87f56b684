"""Keeping the log to its retention. Clients resuming from before the cut get a reset."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .models import Event, PruneMark


def prune_events(*, older_than: datetime.timedelta) -> int:
    """Delete events older than ``older_than``; returns how many. The highest deleted id is
    remembered so a resume from before it answers ``reset``."""
    cutoff = timezone.now() - older_than
    with transaction.atomic():
        doomed = Event.objects.filter(at__lt=cutoff)
        highest = doomed.aggregate(highest=Max("id"))["highest"]
        if highest is None:
            return 0
        mark, _created = PruneMark.objects.select_for_update().get_or_create(pk=1)
        mark.pruned_through = max(mark.pruned_through, highest)
        mark.save(update_fields=["pruned_through"])
        _total, by_model = Event.objects.filter(id__lte=highest).delete()
    return by_model.get(Event._meta.label, 0)
