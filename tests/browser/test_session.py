"""The meeting in session, live, in real Chromium: the chair opens item 3; Georgia (in the
room) asks for the floor, Moldova (online) raises a point of order and goes ahead; the chair
gives the floor. The big screen and both delegations follow without a reload; Moldova's
browser goes offline meanwhile, comes back and shows the list as it is now."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dialogue.models import User
from tests.browser.conftest import TIMEOUT_MS, in_own_thread
from tests.browser.scenes import LIVE
from tests.conftest import World
from tests.meetings.session_scene import InSession, meeting_in_session

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _follow(page: Page, path: str, errors: list[str]) -> Page:
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(path)
    page.wait_for_function(LIVE)
    page.evaluate("() => { window.__loadedAt = performance.timeOrigin; }")
    return page


def test_chair_delegations_and_big_screen_follow_the_list_of_speakers_live(
    world: World,
    browser: Any,
    signed_in_page: Callable[[User], Page],
    asgi_server: Any,
) -> None:
    room: InSession = in_own_thread(lambda: meeting_in_session(world))
    meeting = f"/meetings/{room.meeting.pk}/"
    errors: list[str] = []
    chair = _follow(signed_in_page(world.person("chair")), meeting, errors)
    georgia = _follow(signed_in_page(room.delegate_a), meeting, errors)
    moldova = _follow(signed_in_page(room.delegate_b), meeting, errors)
    screen_context = browser.new_context(base_url=asgi_server.url, locale="en-GB")
    screen_context.set_default_timeout(TIMEOUT_MS)
    screen = _follow(screen_context.new_page(), f"{meeting}now/", errors)

    # The chair opens item 3: every screen shows it, and it is read out.
    chair.get_by_label("Item", exact=True).select_option(str(room.items[2].pk))
    chair.get_by_role("button", name="Open the item").click()
    for page in (chair, georgia, moldova):
        expect(page.locator("#session-current-item")).to_contain_text(
            "Item 3: Return and readmission"
        )
    expect(screen.locator("#now-item")).to_contain_text("Return and readmission")
    expect(georgia.locator("#live-announcer")).to_contain_text("Return and readmission")

    # Georgia asks for the floor; a second tap is the same request.
    georgia.get_by_role("button", name="Request the floor").click()
    expect(georgia.locator("#session-own-place")).to_have_text("Georgia is number 1 on the list.")
    expect(screen.locator("#now-queue")).to_contain_text("Georgia")

    # Moldova raises a point of order: it goes ahead of Georgia, everywhere.
    moldova.get_by_role("button", name="Point of order").click()
    expect(moldova.locator("#session-own-place")).to_have_text(
        "Republic of Moldova is number 1 on the list."
    )
    expect(georgia.locator("#session-own-place")).to_have_text("Georgia is number 2 on the list.")
    expect(screen.locator("#now-queue li")).to_have_text(
        ["Republic of Moldova point of order", "Georgia"]
    )

    # The chair gives the floor to the next: Moldova.
    chair.get_by_role("button", name="Give the floor to the next").click()
    expect(screen.locator("#now-speaker")).to_have_text("Republic of Moldova")
    expect(moldova.locator("#session-speaker")).to_contain_text("Your delegation has the floor.")
    expect(georgia.locator("#session-own-place")).to_have_text("Georgia is number 1 on the list.")

    # Moldova's browser goes offline; meanwhile the floor goes to Georgia.
    moldova.context.set_offline(True)
    moldova.wait_for_function("() => window.dialogueLive.state !== 'live'")
    chair.get_by_role("button", name="Give the floor to the next").click()
    expect(screen.locator("#now-speaker")).to_have_text("Georgia")
    expect(moldova.locator("#session-speaker")).to_contain_text("Republic of Moldova")  # stale
    moldova.context.set_offline(False)
    expect(moldova.locator("#session-speaker")).to_contain_text("Georgia", timeout=15_000)
    expect(moldova.get_by_role("button", name="Request the floor")).to_be_visible()

    for page in (chair, georgia, moldova, screen):
        assert page.evaluate("() => window.__loadedAt") is not None, "a page was reloaded"
    screen.screenshot(path="/tmp/session-now.png")  # noqa: S108 - a place to look
    screen_context.close()
    assert errors == []
