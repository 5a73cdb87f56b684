"""Reading the log back: what a client missed on a stream since the last id it saw.

A reconnect costs one query when nothing was missed (the stream's newest id and the prune mark
together) and one more to read what was. Many resumes read together (``missed_by_many``, a
reconnect storm's subscriptions gathered by ``notifications.admission``) cost the same: one
query for where every stream of the batch stands, and one per stream and resume point."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection

from .models import Event, PruneMark
from .policy import get_policy

MAX_REPLAY = 1000
# Scalar subqueries in one statement (each an index lookup); more streams take more statements.
STREAMS_PER_QUERY = 50


@dataclass(frozen=True)
class Replay:
    events: list[Event]
    reset: bool
    last_id: int


@dataclass(frozen=True)
class Resume:
    """One reader resuming one stream after ``since`` (None: from now on)."""

    user: Any
    stream: str
    since: int | None


def newest_and_marks(streams: Collection[str]) -> tuple[dict[str, int], int]:
    """Each stream's newest event id (0 when it has none) and the highest pruned id."""
    # Scalar subqueries need no table to select from, which the ORM cannot say: the names are
    # the models' own, quoted, and the streams parameters.
    q = connection.ops.quote_name
    events, marks = q(Event._meta.db_table), q(PruneMark._meta.db_table)
    newest: dict[str, int] = {}
    mark = 0
    names = list(dict.fromkeys(streams))
    for start in range(0, max(len(names), 1), STREAMS_PER_QUERY):
        chunk = names[start : start + STREAMS_PER_QUERY]
        columns = [f"(SELECT MAX(id) FROM {events} WHERE stream = %s)" for _ in chunk]  # noqa: S608 - see above
        columns.append(f"(SELECT pruned_through FROM {marks} WHERE id = 1)")  # noqa: S608 - see above
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(columns), chunk)
            row = cursor.fetchone() or (None,) * len(columns)
        newest.update((stream, value or 0) for stream, value in zip(chunk, row, strict=False))
        mark = max(mark, row[-1] or 0)
    return newest, mark


def missed(stream: str, since: int | None, user: Any) -> Replay:
    """The events of ``stream`` after ``since`` that ``user`` may see now, in order; or a reset
    when the log no longer holds them all (pruned, or too many to replay)."""
    return missed_by_many([Resume(user, stream, since)])[0]


def missed_by_many(resumes: Sequence[Resume]) -> list[Replay]:
    """``missed`` for each of ``resumes``, read together: the log is read once per stream and
    resume point, and whether a reader may see an event is asked once per event and person
    (readers with equal ``reader_key`` are the same person as the policy sees them)."""
    if not resumes:
        return []
    newest, mark = newest_and_marks({r.stream for r in resumes})
    logs: dict[tuple[str, int], list[Event] | None] = {}
    for r in resumes:
        last_id = newest[r.stream]
        if r.since is not None and mark <= r.since < last_id:
            logs.setdefault((r.stream, r.since), None)
    for stream, since in logs:
        rows = list(
            Event.objects.filter(stream=stream, id__gt=since).order_by("id")[: MAX_REPLAY + 1]
        )
        logs[stream, since] = rows if len(rows) <= MAX_REPLAY else None
    policy = get_policy()
    visible: dict[tuple[Hashable, int], bool] = {}
    out = []
    for r in resumes:
        last_id = newest[r.stream]
        if r.since is None:
            out.append(Replay([], False, last_id))
        elif r.since < mark:
            # Resuming from last_id must not reset again, even on a stream pruned to nothing.
            out.append(Replay([], True, max(last_id, mark)))
        elif last_id <= r.since:
            out.append(Replay([], False, last_id))
        elif (log := logs[r.stream, r.since]) is None:
            out.append(Replay([], True, last_id))
        else:
            reader = reader_key(r.user)
            seen = []
            for event in log:
                allowed = visible.get((reader, event.id))
                if allowed is None:
                    allowed = visible[reader, event.id] = bool(
                        policy.receivers(event.audience, [r.user])
                    )
                if allowed:
                    seen.append(event)
            out.append(Replay(seen, False, last_id))
    return out


def reader_key(user: Any) -> Hashable:
    """Who ``user`` is to the policy: the account (anonymous: None) and what entitles it."""
    signed_in = user is not None and user.is_authenticated
    return (user.pk if signed_in else None, get_policy().fingerprint(user))
