"""The review queue in Chromium: "select all" ticks every nomination listed on the page, and
the decision applies to all of them; a live refresh keeps what the secretariat has ticked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from meetings import registration
from meetings.models import Nomination
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import LIVE
from tests.browser.test_phone_width import _scene

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_select_all_ticks_every_nomination_on_the_page(
    signed_in_page: Callable[..., Page], asgi_server: Any
) -> None:
    scene = in_own_thread(_scene)
    page = signed_in_page(scene.staff)
    page.goto(f"/meetings/{scene.meeting.pk}/nominations/")
    boxes = page.locator('#bulk-form input[name="nominations"]')
    expect(boxes).to_have_count(2)
    page.locator("#pick-all").check()
    for index in range(2):
        expect(boxes.nth(index)).to_be_checked()
    page.locator("#pick-all").uncheck()
    for index in range(2):
        expect(boxes.nth(index)).not_to_be_checked()

    page.locator("#pick-all").check()
    page.get_by_label("Approve").check()
    page.get_by_role("button", name="Apply").click()
    expect(page.locator(".confirmation")).to_contain_text("Approve 2 nominations")
    page.get_by_role("button", name="Yes: Approve the ticked nominations").click()
    expect(page.locator(".messages")).to_be_visible()  # back on the queue with the outcome
    statuses = in_own_thread(
        lambda: sorted(
            Nomination.objects.filter(meeting=scene.meeting).values_list("status", flat=True)
        )
    )
    assert statuses == ["approved", "approved"]


def test_a_tick_given_while_the_queue_refreshes_is_kept(
    signed_in_page: Callable[..., Page], asgi_server: Any
) -> None:
    """A nomination arrives while the secretariat is ticking: the queue refreshes live, and what
    was ticked while the fresh list was on its way is still ticked once it is swapped in."""
    scene = in_own_thread(_scene)
    page = signed_in_page(scene.staff)
    page.goto(f"/meetings/{scene.meeting.pk}/nominations/")
    page.wait_for_function(LIVE)
    boxes = page.locator('#bulk-form input[name="nominations"]')
    expect(boxes).to_have_count(2)

    held: list[Any] = []

    def hold_refresh(route: Any) -> None:
        if route.request.headers.get("x-requested-with") == "fetch":
            held.append(route)
        else:
            route.continue_()

    page.route(f"**/meetings/{scene.meeting.pk}/nominations/**", hold_refresh)

    def nominate_one_more() -> None:
        first = Nomination.objects.select_related("delegation").get(pk=scene.nomination)
        registration.nominate(
            by=scene.focal_point,
            meeting=scene.meeting,
            member=first.delegation.member,
            email="levan@mia.gov.ge",
            category="delegate",
            full_name="Levan Abashidze",
        )

    in_own_thread(nominate_one_more)
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the queue did not ask for a fresh list"

    ticked = boxes.nth(1).get_attribute("value")
    boxes.nth(1).check()  # ticked while the fresh list is on its way
    page.get_by_label("Approve").check()
    held[0].continue_()
    expect(boxes).to_have_count(3)
    expect(page.locator("#queue")).to_contain_text("Levan Abashidze")
    expect(page.locator(f'#bulk-form input[name="nominations"][value="{ticked}"]')).to_be_checked()
    assert [boxes.nth(index).is_checked() for index in range(3)].count(True) == 1
    expect(page.get_by_label("Approve")).to_be_checked()
