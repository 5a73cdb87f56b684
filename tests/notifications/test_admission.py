"""Subscriptions admitted together (a reconnect storm) get what each would have got alone, in
a number of queries that does not grow with the number of sockets."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth.models import AnonymousUser

from dialogue.models import Announcement
from notifications.admission import admit_many
from notifications.models import Event
from notifications.policy import get_policy
from notifications.replay import Resume, missed
from tests.conftest import World
from tests.notifications.conftest import post_announcement, socket, subscribe

STREAM = "dialogue:budapest-process"


def _alone(resume: Resume) -> tuple[list[int], bool, int] | None:
    if not get_policy().can_follow(resume.user, resume.stream):
        return None
    replay = missed(resume.stream, resume.since, resume.user)
    return [e.id for e in replay.events], replay.reset, replay.last_id


@pytest.mark.django_db
def test_batch_answers_each_reader_as_alone(world: World) -> None:
    post_announcement(world, "members only")
    first = Event.objects.order_by("id").values_list("id", flat=True).first() or 0
    post_announcement(world, "for everyone", audience=Announcement.Audience.PUBLIC)
    delegate, other = world.people["delegate_a"], world.person("focal_point_a")
    resumes = [
        Resume(AnonymousUser(), STREAM, first - 1),
        Resume(delegate, STREAM, first - 1),
        Resume(AnonymousUser(), STREAM, first),
        Resume(delegate, STREAM, None),
        Resume(delegate, f"user:{other.pk}", None),  # someone else's stream: refused
        Resume(AnonymousUser(), "dialogue:no-such-dialogue", 0),
    ]

    answers = admit_many(resumes)

    got = [None if a is None else ([e.id for e in a.events], a.reset, a.last_id) for a in answers]
    assert got == [_alone(r) for r in resumes]
    # From before both, the visitor sees the public announcement only and the member both;
    # from after the first, the visitor still has the public one; a fresh subscription replays
    # nothing; the last two are refused.
    assert [None if g is None else len(g[0]) for g in got] == [1, 2, 1, 0, None, None]


@pytest.mark.django_db
@pytest.mark.parametrize("readers", [1, 50])
def test_batch_reads_the_log_once_per_stream_and_resume_point(
    world: World, queries: Callable[[], list[str]], readers: int
) -> None:
    post_announcement(world, "one", audience=Announcement.Audience.PUBLIC)
    since = Event.objects.order_by("id").values_list("id", flat=True).last() or 0
    post_announcement(world, "two", audience=Announcement.Audience.PUBLIC)
    resumes = [Resume(AnonymousUser(), STREAM, since) for _ in range(readers)]

    sent = queries()
    answers = admit_many(resumes)

    assert all(a is not None and len(a.events) == 1 for a in answers)
    assert len(sent) == 3  # the stream's check, where the log stands, what was missed


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("hub_cleanup")
async def test_sockets_resuming_at_once_each_get_what_they_missed(world: World) -> None:
    await sync_to_async(post_announcement)(world, "before", Announcement.Audience.PUBLIC)
    since = await sync_to_async(lambda: Event.objects.order_by("-id").first().id)()  # type: ignore[union-attr]
    await sync_to_async(post_announcement)(world, "members", Announcement.Audience.MEMBERS)
    await sync_to_async(post_announcement)(world, "public", Announcement.Audience.PUBLIC)
    people = [None, world.people["delegate_a"], None, world.people["delegate_a"], None]
    sockets = [await socket(person) for person in people]
    for ws in sockets:
        assert (await ws.connect())[0]

    frames = await asyncio.gather(*(subscribe(ws, STREAM, since=since) for ws in sockets))

    titles = [[f["data"]["title"] for f in fs if f["type"] == "event"] for fs in frames]
    assert titles == [["public"] if person is None else ["members", "public"] for person in people]
    assert {fs[-1]["type"] for fs in frames} == {"subscribed"}
    for ws in sockets:
        await ws.disconnect()
