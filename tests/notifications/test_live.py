"""The live socket against the real routing: subscribe, live frames, replay, reset, refusal,
revocation and the limits."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from config.asgi import application
from dialogue import announcements, services
from dialogue.models import Announcement, Role
from notifications.consumers import MAX_UNACKED_FRAMES, CloseCode
from notifications.models import Event, PruneMark
from tests.conftest import World
from tests.notifications.conftest import socket

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


async def _subscribe(
    ws: WebsocketCommunicator, stream: str, since: int | None = None
) -> list[dict[str, Any]]:
    """Subscribe and return every frame up to and including ``subscribed`` (or ``refused``)."""
    message: dict[str, Any] = {"type": "subscribe", "streams": [stream]}
    if since is not None:
        message["since"] = since
    await ws.send_to(text_data=json.dumps(message))
    frames = []
    while True:
        frame = json.loads(await ws.receive_from(timeout=5))
        frames.append(frame)
        if frame["type"] in ("subscribed", "refused"):
            return frames


async def _next_event(ws: WebsocketCommunicator, timeout: float = 5) -> dict[str, Any]:
    while True:
        frame = json.loads(await ws.receive_from(timeout=timeout))
        if frame["type"] == "event":
            return frame


async def test_member_receives_an_announcement_live(world: World) -> None:
    ws = await socket(world.people["delegate_a"])
    assert (await ws.connect())[0]
    frames = await _subscribe(ws, f"dialogue:{world.dialogue.slug}")
    assert frames[-1]["type"] == "subscribed"
    announcement = await post(world, "Agenda v2 is out")
    frame = await _next_event(ws)
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
    await _subscribe(ws, f"dialogue:{world.dialogue.slug}")
    await post(world, "Members only")
    await post(world, "For everyone", audience=Announcement.Audience.PUBLIC)
    frame = await _next_event(ws)
    assert frame["data"]["title"] == "For everyone"
    await ws.disconnect()


async def test_replay_sends_exactly_what_was_missed_in_order(world: World) -> None:
    first = await post(world, "one")
    since = await sync_to_async(lambda: Event.objects.get(data__id=first.pk).id)()
    await post(world, "two")
    await post(world, "three")
    ws = await socket(world.people["delegate_a"])
    await ws.connect()
    frames = await _subscribe(ws, f"dialogue:{world.dialogue.slug}", since=since)
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
    frames = await _subscribe(ws, f"dialogue:{world.dialogue.slug}", since=0)
    assert [f["data"]["title"] for f in frames if f["type"] == "event"] == ["public"]
    await ws.disconnect()


async def test_resume_from_before_the_pruned_log_resets(world: World) -> None:
    await post(world, "old")
    await sync_to_async(PruneMark.objects.create)(pk=1, pruned_through=10_000)
    ws = await socket(world.people["delegate_a"])
    await ws.connect()
    frames = await _subscribe(ws, f"dialogue:{world.dialogue.slug}", since=5)
    assert [f["type"] for f in frames] == ["reset", "subscribed"]
    await ws.disconnect()


async def test_subscribing_to_someone_elses_stream_is_refused(world: World) -> None:
    ws = await socket(world.people["delegate_a"])
    await ws.connect()
    other = world.person("focal_point_a")
    frames = await _subscribe(ws, f"user:{other.pk}")
    assert frames == [{"type": "refused", "stream": f"user:{other.pk}"}]
    frames = await _subscribe(ws, "dialogue:no-such-dialogue")
    assert frames == [{"type": "refused", "stream": "dialogue:no-such-dialogue"}]
    await ws.disconnect()


async def test_revoked_role_stops_the_flow_within_two_seconds(world: World) -> None:
    fp = world.people["focal_point_a"]
    ws = await socket(fp)
    await ws.connect()
    await _subscribe(ws, f"dialogue:{world.dialogue.slug}")
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
    await _subscribe(ws, f"dialogue:{world.dialogue.slug}")
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
    await _subscribe(ws, f"dialogue:{world.dialogue.slug}")
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
    await _subscribe(ws, f"dialogue:{world.dialogue.slug}")
    monkeypatch.setattr("notifications.publishing.relay", lambda events, recipients=None: 0)
    await post(world, "lost on the fast path")
    frame = await _next_event(ws, timeout=3)
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


async def test_live_socket_closes_on_an_unknown_message() -> None:
    communicator = await socket()
    await communicator.connect()
    await communicator.send_to(text_data=json.dumps({"type": "launch"}))
    assert await communicator.receive_output() == {
        "type": "websocket.close",
        "code": CloseCode.UNKNOWN_MESSAGE,
    }
