"""Reading the log back: what a client missed on a stream since the last id it saw."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Max

from .models import Event, PruneMark
from .policy import get_policy

MAX_REPLAY = 1000


@dataclass(frozen=True)
class Replay:
    events: list[Event]
    reset: bool
    last_id: int


def newest_id(stream: str) -> int:
    return Event.objects.filter(stream=stream).aggregate(newest=Max("id"))["newest"] or 0


def missed(stream: str, since: int | None, user: Any) -> Replay:
    """The events of ``stream`` after ``since`` that ``user`` may see now, in order; or a reset
    when the log no longer holds them all (pruned, or too many to replay)."""
    last_id = newest_id(stream)
    if since is None:
        return Replay([], False, last_id)
    mark = PruneMark.objects.filter(pk=1).values_list("pruned_through", flat=True).first() or 0
    if since < mark:
        # Resuming from last_id must not reset again, even on a stream pruned to nothing.
        return Replay([], True, max(last_id, mark))
    rows = list(Event.objects.filter(stream=stream, id__gt=since).order_by("id")[: MAX_REPLAY + 1])
    if len(rows) > MAX_REPLAY:
        return Replay([], True, last_id)
    policy = get_policy()
    return Replay([e for e in rows if policy.receivers(e.audience, [user])], False, last_id)
