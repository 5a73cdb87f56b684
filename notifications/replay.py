"""Reading the log back: what a client missed on a stream since the last id it saw.

A reconnect costs one query when nothing was missed (the stream's newest id and the prune mark
together) and one more to read what was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection

from .models import Event, PruneMark
from .policy import get_policy

MAX_REPLAY = 1000


@dataclass(frozen=True)
class Replay:
    events: list[Event]
    reset: bool
    last_id: int


def newest_and_mark(stream: str) -> tuple[int, int]:
    """The stream's newest event id and the highest pruned id, in one round trip."""
    # Two scalar subqueries need no table to select from, which the ORM cannot say: the names
    # are the models' own, quoted, and the stream a parameter.
    q = connection.ops.quote_name
    events, marks = q(Event._meta.db_table), q(PruneMark._meta.db_table)
    sql = f"SELECT (SELECT MAX(id) FROM {events} WHERE stream = %s), "  # noqa: S608 - see above
    sql += f"(SELECT pruned_through FROM {marks} WHERE id = 1)"  # noqa: S608 - see above
    with connection.cursor() as cursor:
        cursor.execute(sql, [stream])
        newest, mark = cursor.fetchone() or (None, None)
    return newest or 0, mark or 0


def missed(stream: str, since: int | None, user: Any) -> Replay:
    """The events of ``stream`` after ``since`` that ``user`` may see now, in order; or a reset
    when the log no longer holds them all (pruned, or too many to replay)."""
    last_id, mark = newest_and_mark(stream)
    if since is None:
        return Replay([], False, last_id)
    if since < mark:
        # Resuming from last_id must not reset again, even on a stream pruned to nothing.
        return Replay([], True, max(last_id, mark))
    if last_id <= since:
        return Replay([], False, last_id)
    rows = list(Event.objects.filter(stream=stream, id__gt=since).order_by("id")[: MAX_REPLAY + 1])
    if len(rows) > MAX_REPLAY:
        return Replay([], True, last_id)
    policy = get_policy()
    return Replay([e for e in rows if policy.receivers(e.audience, [user])], False, last_id)
