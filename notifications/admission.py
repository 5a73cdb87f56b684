"""Subscriptions admitted together: may the reader follow the stream, and what did they miss.

After a restart a thousand clients subscribe within a second or two. Asked one by one, each
costs a trip to a database thread and its own queries; here every subscription that arrives
while a trip is under way waits for the next, which answers all of them at once: the policy is
asked once per person and stream, the log read once per stream and resume point
(``replay.missed_by_many``). A socket alone pays what it paid before, a trip of its own.

Nothing is missed for it: a socket joins the stream's group before it asks, and a batch reads
the log only after taking every request it answers, so whatever commits after the read reaches
the socket live.
"""

from __future__ import annotations

import asyncio
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .database import in_database
from .policy import get_policy
from .replay import Replay, Resume, missed_by_many, reader_key


@dataclass
class _Waiting:
    resume: Resume
    answer: asyncio.Future[Replay | None] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


def admit_many(resumes: Sequence[Resume]) -> list[Replay | None]:
    """For each of ``resumes``: None when its reader may not follow its stream, else what
    they missed on it."""
    policy = get_policy()
    follows: dict[tuple[Hashable, str], bool] = {}
    for r in resumes:
        key = (reader_key(r.user), r.stream)
        if key not in follows:
            follows[key] = bool(policy.can_follow(r.user, r.stream))
    admitted = [r for r in resumes if follows[reader_key(r.user), r.stream]]
    replays = iter(missed_by_many(admitted))
    return [next(replays) if follows[reader_key(r.user), r.stream] else None for r in resumes]


class Admissions:
    """The subscriptions of one event loop's sockets, waiting for their trip to the database."""

    def __init__(self) -> None:
        self._waiting: list[_Waiting] = []
        self._running = False

    async def admit(self, user: Any, stream: str, since: int | None) -> Replay | None:
        """None when ``user`` may not follow ``stream``; else what they missed on it since
        ``since``. Call it after joining the stream's group."""
        waiting = _Waiting(Resume(user, stream, since))
        self._waiting.append(waiting)
        if not self._running:
            self._running = True
            asyncio.get_running_loop().create_task(self._answer())
        return await waiting.answer

    async def _answer(self) -> None:
        try:
            while self._waiting:
                batch, self._waiting = self._waiting, []
                try:
                    answers = await in_database(admit_many)([w.resume for w in batch])
                except Exception as exc:  # each subscriber fails as its own trip would have
                    for w in batch:
                        if not w.answer.done():
                            w.answer.set_exception(exc)
                    continue
                for w, answer in zip(batch, answers, strict=True):
                    if not w.answer.done():
                        w.answer.set_result(answer)
        finally:
            self._running = False
