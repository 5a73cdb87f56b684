"""The log's promise under concurrent publishers, on PostgreSQL: a client resuming after id N can
never miss an event numbered below N (docs/live-protocol.md), even though who hears of an event
is worked out before the log's lock and only the event's row and its inbox lines are written
under it.

Publishers in threads of their own (each with its own connection) post announcements on two
dialogues at once, each transaction lingering a random moment after its event before it commits
(as a service does work after ``publish``); a reader resumes over and over with one ``since``
for both streams, as the hub's backstop does, and another per stream, as a subscription
replays; each moves its cursor to the highest id it was given. Whatever the interleaving,
the reader ends with every event of both streams, each once, in order. The same holds with the
inbox lines left to the fan-out worker (``NOTIFICATIONS_FAN_OUT_WORKER``), the event's row then
the only thing written under the lock."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from django.db import connections, transaction

from dialogue.announcements import post_announcement
from notifications.models import Event, Notification
from notifications.publishing import fan_out_pending
from notifications.replay import missed
from tests.conftest import World

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

PUBLISHERS = 8
EACH = 12


@pytest.mark.parametrize("fan_out_worker", [False, True], ids=["in_transaction", "worker"])
def test_a_resuming_reader_misses_nothing_while_many_publish_at_once(
    world: World, settings: Any, fan_out_worker: bool
) -> None:
    settings.NOTIFICATIONS_FAN_OUT_WORKER = fan_out_worker
    staff = world.person("secretariat_staff")
    other_staff = world.person("secretariat_staff_other")
    reader = world.person("delegate_a")
    streams = [f"dialogue:{world.dialogue.slug}", f"dialogue:{world.other_dialogue.slug}"]
    errors: list[BaseException] = []
    done = threading.Event()
    start = threading.Barrier(PUBLISHERS + 1)

    def publisher(n: int) -> None:
        rng = random.Random(n)
        by, dialogue = (staff, world.dialogue) if n % 2 else (other_staff, world.other_dialogue)
        try:
            start.wait(30)
            for i in range(EACH):
                with transaction.atomic():
                    post_announcement(
                        by=by, dialogue=dialogue, title=f"{n}.{i}", body="Text", audience="public"
                    )
                    time.sleep(rng.random() * 0.01)
        except BaseException as error:  # the test's to judge
            errors.append(error)
        finally:
            connections.close_all()

    # One cursor over both streams (one statement, as the hub's backstop reads the log), and
    # one per stream through ``missed`` (as a subscription replays).
    seen: list[int] = []
    seen_per_stream: dict[str, list[int]] = {stream: [] for stream in streams}

    def read() -> None:
        since = 0
        since_per_stream = dict.fromkeys(streams, 0)
        try:
            start.wait(30)
            while True:
                finished = done.is_set()  # read once more after the last commit
                batch = list(
                    Event.objects.filter(stream__in=streams, id__gt=since)
                    .order_by("id")
                    .values_list("id", flat=True)
                )
                if batch:
                    seen.extend(batch)
                    since = batch[-1]
                for stream in streams:
                    result = missed(stream, since_per_stream[stream], reader)
                    assert not result.reset
                    if result.events:
                        seen_per_stream[stream] += [event.id for event in result.events]
                        since_per_stream[stream] = result.events[-1].id
                if finished:
                    return
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publisher, args=(n,)) for n in range(PUBLISHERS)]
    reading = threading.Thread(target=read)
    for thread in [*threads, reading]:
        thread.start()
    for thread in threads:
        thread.join(120)
    done.set()
    reading.join(60)

    assert errors == []
    published = list(Event.objects.filter(stream__in=streams).values_list("id", flat=True))
    assert len(published) == PUBLISHERS * EACH
    assert seen == sorted(published), "the reader missed or repeated an event"
    for stream in streams:
        on_stream = Event.objects.filter(stream=stream).order_by("id").values_list("id", flat=True)
        assert seen_per_stream[stream] == list(on_stream)
    # The fan-out happened, in each event's transaction or by the worker's pass: the reader (a
    # member of the first dialogue) has an inbox line for each of its announcements.
    if fan_out_worker:
        assert Notification.objects.filter(user=reader).count() == 0
        while fan_out_pending():
            pass
    lines = Notification.objects.filter(user=reader, event__stream=streams[0]).count()
    assert lines == PUBLISHERS // 2 * EACH
