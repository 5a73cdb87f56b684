"""The live socket asks the policy's two-factor question, as the HTTP wall does: a secretariat
session without TOTP (while it is required) follows and replays no more than an anonymous
visitor; once TOTP is set up, a new connection gets what the secretariat sees, and an open one
within the hub's refresh."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from dialogue.models import Announcement, User
from notifications.hub import REFRESH_INTERVAL
from tests.conftest import WORLD_TOTP_SECRET, World
from tests.notifications.conftest import next_event, post_announcement, socket, subscribe
from tests.policy import scene

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]


@pytest.fixture
def held(world: World, settings: Any) -> User:
    """Secretariat staff of the world's dialogue who has not set up TOTP, with 2FA required."""
    settings.SECRETARIAT_REQUIRES_2FA = True
    person = world.people["secretariat_without_2fa"]
    assert person is not None
    return person


def _meetings(world: World) -> dict[str, int]:
    """A draft meeting (the secretariat's alone), and the public meeting with registration
    open: state B's nominee awaits review (the secretariat's and focal point B's news), two
    of state A's are approved."""
    built = scene.build(world)
    public = scene.build_registration(world, built)["meeting"]
    return {"draft": built.meetings["draft"].pk, "public": public.pk}


post = sync_to_async(post_announcement)


def _events(frames: list[dict[str, Any]]) -> list[str]:
    return [f["event"] for f in frames if f["type"] == "event"]


async def _connected(user: User | None) -> WebsocketCommunicator:
    ws = await socket(user)
    assert (await ws.connect())[0]
    return ws


async def test_secretariat_session_without_totp_follows_and_replays_what_anonymous_does(
    world: World, held: User
) -> None:
    meetings = await sync_to_async(_meetings)(world)
    draft, public = f"meeting:{meetings['draft']}", f"meeting:{meetings['public']}"
    anonymous = await _connected(None)
    seen_by_anyone = _events(await subscribe(anonymous, public, since=0))
    await anonymous.disconnect()

    ws = await _connected(held)
    assert await subscribe(ws, draft, since=0) == [{"type": "refused", "stream": draft}]
    replayed = _events(await subscribe(ws, public, since=0))
    await ws.disconnect()

    assert replayed == seen_by_anyone
    assert "nomination.submitted" not in replayed  # state B's nominee, awaiting review


async def test_secretariat_session_gets_the_secretariats_view_on_connecting_after_totp_setup(
    world: World, held: User
) -> None:
    meetings = await sync_to_async(_meetings)(world)
    draft, public = f"meeting:{meetings['draft']}", f"meeting:{meetings['public']}"
    await sync_to_async(TOTP.activate)(held, WORLD_TOTP_SECRET)

    ws = await _connected(held)
    draft_frames = await subscribe(ws, draft, since=0)
    replayed = _events(await subscribe(ws, public, since=0))
    await ws.disconnect()

    assert [f["type"] for f in draft_frames] == ["subscribed"]
    registration = [e for e in replayed if e.startswith(("nomination.", "delegation."))]
    assert registration == [
        "nomination.submitted",  # delegate A
        "nomination.approved",
        "nomination.submitted",  # a colleague of delegate A
        "nomination.approved",
        "nomination.submitted",  # state B's nominee, awaiting review
        "delegation.letter_uploaded",
    ]


async def test_secretariat_session_without_totp_gets_no_members_event_live_until_setup(
    world: World, held: User
) -> None:
    ws = await _connected(held)
    await subscribe(ws, f"dialogue:{world.dialogue.slug}")
    await post(world, "For members", Announcement.Audience.MEMBERS)
    await post(world, "For everyone", Announcement.Audience.PUBLIC)
    assert (await next_event(ws))["data"]["title"] == "For everyone"

    await sync_to_async(TOTP.activate)(held, WORLD_TOTP_SECRET)
    await asyncio.sleep(REFRESH_INTERVAL * 2.5)  # the hub re-reads connected people
    await post(world, "For members, now with TOTP", Announcement.Audience.MEMBERS)
    assert (await next_event(ws))["data"]["title"] == "For members, now with TOTP"
    await ws.disconnect()
