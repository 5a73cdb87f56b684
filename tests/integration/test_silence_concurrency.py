"""The silence worker on PostgreSQL with several workers at once (``manage.py
conclude_silences`` may run in more than one process): every silence whose time has passed is
recorded exactly once, whoever takes it, and an objection racing the worker either lands before
the result (silence broken) or is refused with the time (adopted)."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from dialogue.models import Body
from meetings import services
from meetings.models import Meeting, Outcome, OutcomeStatus, Silence, SilenceStatus
from meetings.outcomes import negotiation, silence
from meetings.outcomes import services as outcomes
from notifications.models import Event
from tests.conftest import World

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

WORKERS = 4
SILENCES = 12


def _meeting(world: World) -> Meeting:
    staff = world.person("secretariat_staff")
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=30)
    body = Body.objects.get_or_create(
        dialogue=world.dialogue,
        name_i18n={"en": "Senior Officials' Meeting"},
        defaults={"kind": Body.Kind.SENIOR_OFFICIALS_MEETING},
    )[0]
    meeting = services.schedule_meeting(
        by=staff,
        dialogue=world.dialogue,
        body=body,
        kind="senior_officials_meeting",
        title={"en": "SOM Istanbul"},
        time_zone="Europe/Istanbul",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=8),
    )
    return services.transition(by=staff, meeting=meeting, to="announced")


def _under_silence(world: World, meeting: Meeting, n: int, deadline: datetime.datetime) -> Silence:
    staff = world.person("secretariat_staff")
    outcome = outcomes.draft_outcome(
        by=staff,
        meeting=meeting,
        kind="conclusions",
        title={"en": f"Declaration {n}"},
        text={"en": "One.\n\nTwo."},
    )
    negotiation.release_revision(by=staff, outcome=outcome)
    return silence.start(by=staff, outcome=outcome, deadline=deadline)


def _all_at_once(calls: list[Callable[[], Any]]) -> list[Any]:
    """Each call in its own thread (its own connection), released together."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = calls[i]()
        except BaseException as error:
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def test_workers_at_once_record_each_silence_exactly_once(world: World) -> None:
    meeting = _meeting(world)
    deadline = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=1)
    silences = [_under_silence(world, meeting, n, deadline) for n in range(SILENCES)]
    later = deadline + datetime.timedelta(seconds=1)

    # The clock is given (``now=``), not patched: a patch is global to the threads.
    def worker() -> int:
        return silence.conclude_due(now=later)

    for _round in range(2):  # a second round finds nothing left to do
        counts = _all_at_once([worker] * WORKERS)
        assert all(isinstance(c, int) for c in counts), counts
        assert sum(counts) == (SILENCES if _round == 0 else 0)
    assert Event.objects.filter(type="outcome.silence_concluded").count() == SILENCES
    assert set(
        Silence.objects.filter(pk__in=[s.pk for s in silences]).values_list("status", flat=True)
    ) == {SilenceStatus.ADOPTED}
    assert set(Outcome.objects.filter(meeting=meeting).values_list("status", flat=True)) == {
        OutcomeStatus.ADOPTED
    }


def test_an_objection_racing_the_worker_is_either_counted_or_refused(world: World) -> None:
    meeting = _meeting(world)
    deadline = timezone.now() + datetime.timedelta(seconds=3)
    running = _under_silence(world, meeting, 0, deadline)
    focal_point = world.person("focal_point_a")

    def objection() -> Any:
        return silence.object_to(
            by=focal_point, silence=running, state=world.state_a, text="Not this text."
        )

    def worker() -> int:
        return silence.conclude_due(now=deadline)  # the workers see the time as passed

    time.sleep(max(0.0, (deadline - timezone.now()).total_seconds() - 0.05))

    results = _all_at_once([objection, worker, worker])
    # A worker skips a silence an objection holds (SKIP LOCKED): the next pass records it.
    results.append(worker())
    running.refresh_from_db()
    objected = not isinstance(results[0], BaseException)
    if isinstance(results[0], BaseException):
        assert isinstance(results[0], ValidationError), results[0]
        assert "Objections are no longer accepted." in results[0].messages[0]
    assert sum(r for r in results[1:] if isinstance(r, int)) == 1
    assert running.status == (SilenceStatus.BROKEN if objected else SilenceStatus.ADOPTED)
    assert Event.objects.filter(type="outcome.silence_concluded").count() == 1
