"""The live socket against the real routing: subscribe, live frames, replay, reset, refusal,
revocation and the limits."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from dialogue import announcements, services
from dialogue.models import Announcement, Role
from notifications.consumers import MAX_UNACKED_FRAMES, CloseCode
from notifications.hub import get_hub
from notifications.models import Event, PruneMark
from tests.conftest import World
from tests.notifications.conftest import next_event, socket, subscribe

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


def _post(world: World, title: str, audience: str = Announcement.Audience.MEMBERS) -> Announcement:
    return announcements.post_announcement(
        by=world.people["secretariat_staff"],
        dialogue=world.dialogue,
        title=title,
        body=f"About {title}",
        audience=audience,
    )


post = sync_to_async(_post)


async def test_member_receives_an_announcement_live(world: World) -> None:
    ws = await socket(world.people["delegate_a"])
    assert (await ws.connect())[0]
    frames = await subscribe(ws, f"dialogue:{world.dialogue.slug}")
    assert frames[-1]["type"] == "subscribed"
    announcement = await post(world, "Agenda v2 is out")
    frame = await next_event(ws)
    assert (frame["event"], frame["stream"], frame["data"]["title"]) == (
        "announcement.posted",
        "dialogue:budapest-process",
        "Agenda v2 is out",
    )
    assert frame["data"]["id"] == announcement.pk
    await ws.disconnect()


async def test_anonymous_gets_public_announcements_only(world: World) -> None:
    ws = await socket()
    assert (await ws.connect())[0]
    await subscribe(ws, f"dialogue:{world.dialogue.slug}")
    await post(world, "Members only")
    await post(world, "For everyone", audience=Announcement.Audience.PUBLIC)
    frame = await next_event(ws)
    assert frame["data"]["title"] == "For everyone"
    await ws.disconnect()


async def test_replay_sends_exactly_what_was_missed_in_order(world: World) -> None:
    first = await post(world, "one")
    since = await sync_to_async(lambda: Event.objects.get(data__id=first.pk).id)()
    await post(world, "two")
    await post(world, "three")
    ws = await socket(world.people["delegate_a"])
    await ws.connect()
    frames = await subscribe(ws, f"dialogue:{world.dialogue.slug}", since=since)
    assert [f["data"]["title"] for f in frames if f["type"] == "event"] == ["two", "three"]
    assert frames[-1] == {
        "type": "subscribed",
        "stream": "dialogue:budapest-process",
        "last_id": frames[-2]["id"],
    }
    await ws.disconnect()


async def test_replay_filters_by_what_the_user_may_see(world: World) -> None:
    await post(world, "members")
    await post(world, "public", audience=Announcement.Audience.PUBLIC)
    ws = await socket()
    await ws.connect()
    frames = await subscribe(ws, f"dialogue:{world.dialogue.slug}", since=0)
    assert [f["data"]["title"] for f in frames if f["type"] == "event"] == ["public"]
    await ws.disconnect()


async def test_resume_from_before_the_pruned_log_resets(world: World) -> None:
    await post(world, "old")
    await sync_to_async(PruneMark.objects.create)(pk=1, pruned_through=10_000)
    ws = await socket(world.people["delegate_a"])
    await ws.connect()
    frames = await subscribe(ws, f"dialogue:{world.dialogue.slug}", since=5)
    assert [f["type"] for f in frames] == ["reset", "subscribed"]
    await ws.disconnect()


async def test_subscribing_to_someone_elses_stream_is_refused(world: World) -> None:
    ws = await socket(world.people["delegate_a"])
    await ws.connect()
    other = world.person("focal_point_a")
    frames = await subscribe(ws, f"user:{other.pk}")
    assert frames == [{"type": "refused", "stream": f"user:{other.pk}"}]
    frames = await subscribe(ws, "dialogue:no-such-dialogue")
    assert frames == [{"type": "refused", "stream": "dialogue:no-such-dialogue"}]
    await ws.disconnect()


async def test_revoked_role_stops_the_flow_within_two_seconds(world: World) -> None:
    fp = world.people["focal_point_a"]
    ws = await socket(fp)
    await ws.connect()
    await subscribe(ws, f"dialogue:{world.dialogue.slug}")
    role = await sync_to_async(Role.objects.active().get)(user=fp)
    await sync_to_async(services.revoke_role)(by=world.people["secretariat_admin"], role=role)
    await asyncio.sleep(2)
    await post(world, "after revocation")
    assert await ws.receive_nothing(timeout=1.5)
    await ws.disconnect()


async def test_logout_closes_the_socket_within_two_seconds(world: World) -> None:
    from django.contrib.sessions.models import Session

    ws = await socket(world.people["delegate_a"])
    await ws.connect()
    await subscribe(ws, f"dialogue:{world.dialogue.slug}")
    await sync_to_async(lambda: Session.objects.all().delete())()
    output = await ws.receive_output(timeout=2.5)
    assert output == {"type": "websocket.close", "code": CloseCode.UNAUTHENTICATED}


async def test_message_too_large_closes_with_its_code(world: World) -> None:
    ws = await socket()
    await ws.connect()
    await ws.send_to(text_data=json.dumps({"type": "ping", "pad": "x" * 5000}))
    assert await ws.receive_output() == {"type": "websocket.close", "code": CloseCode.TOO_LARGE}


async def test_too_many_messages_close_with_its_code(world: World) -> None:
    ws = await socket()
    await ws.connect()
    for _ in range(60):
        await ws.send_to(text_data='{"type":"ping"}')
    outputs = []
    while True:
        output = await ws.receive_output()
        outputs.append(output)
        if output["type"] == "websocket.close":
            break
    assert outputs[-1] == {"type": "websocket.close", "code": CloseCode.TOO_FAST}


async def test_client_that_never_acknowledges_is_cut_off(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr("notifications.consumers.MAX_UNACKED_FRAMES", 3)
    ws = await socket()
    await ws.connect()
    await subscribe(ws, f"dialogue:{world.dialogue.slug}")
    for n in range(5):
        await post(world, f"public {n}", audience=Announcement.Audience.PUBLIC)
    outputs = [await ws.receive_output(timeout=5) for _ in range(4)]
    assert [o["type"] for o in outputs] == ["websocket.send"] * 3 + ["websocket.close"]
    assert outputs[-1]["code"] == CloseCode.TOO_SLOW
    assert MAX_UNACKED_FRAMES == 1000  # the module constant, not the patched one, is the default


async def test_fast_path_loss_is_filled_from_the_log(world: World, monkeypatch: Any) -> None:
    """A message the channel layer drops (full channel, Redis restarted) still arrives."""
    ws = await socket(world.people["delegate_a"])
    await ws.connect()
    await subscribe(ws, f"dialogue:{world.dialogue.slug}")
    monkeypatch.setattr("notifications.publishing.relay", lambda events, recipients=None: 0)
    await post(world, "lost on the fast path")
    frame = await next_event(ws, timeout=3)
    assert frame["data"]["title"] == "lost on the fast path"
    await ws.disconnect()


async def test_live_socket_answers_ping() -> None:
    communicator = await socket()
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_to(text_data=json.dumps({"type": "ping"}))
    assert json.loads(await communicator.receive_from()) == {"type": "pong"}
    await communicator.disconnect()


@pytest.mark.parametrize("headers", [[], [(b"origin", b"https://evil.example")]])
async def test_live_socket_refuses_a_missing_or_foreign_origin(
    headers: list[tuple[bytes, bytes]],
) -> None:
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, _ = await communicator.connect()
    assert not connected


@pytest.mark.parametrize(
    ("origin", "accepted"),
    [
        ("https://dialogue.example.org", True),
        ("https://dialogue.example.org:443", True),
        ("https://DIALOGUE.example.org", True),
        ("http://dialogue.example.org", False),  # another scheme
        ("https://dialogue.example.org:9999", False),  # another port
        ("http://dialogue.example.org:443", False),
        ("https://dialogue.example.org.evil.example", False),
        ("null", False),
    ],
)
async def test_live_socket_compares_the_origins_scheme_host_and_port(
    settings: Any, origin: str, accepted: bool
) -> None:
    settings.WEBSOCKET_ALLOWED_ORIGINS = ["https://dialogue.example.org"]
    communicator = WebsocketCommunicator(
        application, "/ws/live/", headers=[(b"origin", origin.encode())]
    )
    connected, _ = await communicator.connect()
    assert connected == accepted
    await communicator.disconnect()


async def test_live_socket_closes_on_an_unknown_message() -> None:
    communicator = await socket()
    await communicator.connect()
    await communicator.send_to(text_data=json.dumps({"type": "launch"}))
    assert await communicator.receive_output() == {
        "type": "websocket.close",
        "code": CloseCode.UNKNOWN_MESSAGE,
    }


async def test_server_going_away_closes_every_socket_and_newcomers_with_1001(
    world: World,
) -> None:
    sockets = [await socket(world.people["delegate_a"]), await socket()]
    for ws in sockets:
        assert (await ws.connect())[0]
        await subscribe(ws, f"dialogue:{world.dialogue.slug}")
    assert await get_hub().go_away(grace=0.5) == 2
    for ws in sockets:
        assert await ws.receive_output() == {"type": "websocket.close", "code": 1001}
    newcomer = await socket()
    assert (await newcomer.connect())[0]
    assert await newcomer.receive_output() == {"type": "websocket.close", "code": 1001}


def _newest_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


@pytest.mark.parametrize("missed_events", [1, 50])
async def test_reconnect_costs_a_session_lookup_and_one_replay_query(
    world: World,
    queries: Callable[[], list[str]],
    monkeypatch: pytest.MonkeyPatch,
    missed_events: int,
) -> None:
    """What 1,000 clients pay at once after a restart: the session and its person, their
    roles, the stream's check, then the log: one query for where it stands, one for what was
    missed, whatever its length."""
    monkeypatch.setattr("notifications.hub.BACKSTOP_INTERVAL", 3600)  # the hub's own reads
    monkeypatch.setattr("notifications.hub.REFRESH_INTERVAL", 3600)  # stay out of the count
    stream = f"dialogue:{world.dialogue.slug}"
    since = await sync_to_async(_newest_event_id)()
    for n in range(missed_events):
        await post(world, f"Missed {n}")
    running = await _hub_running()
    ws = await socket(world.people["delegate_a"])  # signed in before the count starts
    sent = queries()
    assert (await ws.connect())[0]
    frames = await subscribe(ws, stream, since=since)
    await ws.disconnect()
    await running.disconnect()

    assert len([f for f in frames if f["type"] == "event"]) == missed_events
    assert [_table_read(sql) for sql in sent] == [
        "django_session",
        "dialogue_user",  # with the verified address and TOTP, in subqueries
        "dialogue_role",
        "dialogue_dialogue",
        "notifications_event, notifications_prunemark",  # where the stream stands
        "notifications_event",  # what was missed
    ]


def _table_read(sql: str) -> str:
    """The table a statement reads from (outside its subqueries), or those of its subqueries."""
    found = [
        (m.group(1), sql[: m.start()].count("(") - sql[: m.start()].count(")"))
        for m in re.finditer(r'FROM "(\w+)"', sql)
    ]
    outer = [table for table, depth in found if depth == 0]
    return outer[0] if outer else ", ".join(table for table, _ in found)


async def test_visitor_without_a_session_connects_without_a_database_query(
    world: World, queries: Callable[[], list[str]]
) -> None:
    running = await _hub_running()
    sent = queries()
    visitor = await socket()
    assert (await visitor.connect())[0]
    await visitor.disconnect()
    await running.disconnect()
    assert sent == []


async def _hub_running() -> WebsocketCommunicator:
    """A socket whose connect has finished: the process's hub has started (it reads the log
    once as it does)."""
    running = await socket()
    assert (await running.connect())[0]
    await running.send_to(text_data=json.dumps({"type": "ping"}))
    assert json.loads(await running.receive_from()) == {"type": "pong"}
    return running


async def test_an_event_replayed_then_relayed_late_is_sent_once(world: World) -> None:
    """The replay wrote it; the fast path brings it again afterwards (a relay that came late):
    the socket does not send it twice, and the next event comes as usual."""
    stream = f"dialogue:{world.dialogue.slug}"
    since = await sync_to_async(_newest_event_id)()
    await post(world, "Missed")
    missed_event = await sync_to_async(lambda: Event.objects.order_by("-id").first())()
    assert missed_event is not None
    ws = await socket(world.people["delegate_a"])
    assert (await ws.connect())[0]
    frames = await subscribe(ws, stream, since=since)
    assert [f["data"]["title"] for f in frames if f["type"] == "event"] == ["Missed"]

    await get_hub().dispatch(
        missed_event.id, stream, missed_event.audience, await sync_to_async(_frame)(missed_event)
    )
    await post(world, "Next")

    frame = await next_event(ws)
    assert frame["data"]["title"] == "Next"
    await ws.disconnect()


def _frame(event: Event) -> str:
    from notifications.publishing import encode_frame

    return encode_frame(event)
