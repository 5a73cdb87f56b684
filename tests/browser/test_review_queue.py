"""The review queue in Chromium: "select all" ticks every nomination listed on the page, and
the decision applies to all of them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from meetings.models import Nomination
from tests.browser.conftest import in_own_thread
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
