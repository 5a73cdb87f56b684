"""The second step before what cannot be undone, and the list of whom a circulation reaches, in
Chromium (issue 11): the secretariat sees who is reached, how, and who is not before sending,
including an approved participant without an account (written to by e-mail), and cancelling
the meeting asks first, on a page that says who will be told; "No, go back" changes nothing.
Both at desktop width and at 390 px, without scrolling sideways."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from meetings import registration
from meetings.models import Meeting, Nomination
from tests.browser.conftest import in_own_thread
from tests.browser.test_phone_width import Scene, _scene

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/confirm-{}-{}.png"  # noqa: S108 - a place to look at them
FITS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def _with_a_participant_without_account() -> Scene:
    scene = _scene()
    nominee = Nomination.objects.get(email="ekaterine.kobakhidze-chkheidze@mia.gov.ge")
    registration.approve(by=scene.staff, nomination=nominee)
    return scene


@pytest.mark.parametrize("width", [1280, 390])
def test_the_secretariat_sees_whom_a_circulation_reaches_and_confirms_a_cancellation(
    signed_in_page: Callable[..., Page], asgi_server: Any, width: int
) -> None:
    scene = in_own_thread(_with_a_participant_without_account)
    page = signed_in_page(scene.staff)
    page.set_viewport_size({"width": width, "height": 900})
    m = scene.meeting.pk

    page.goto(f"/meetings/{m}/circulate/?document={scene.document}")
    page.get_by_label("Registered participants of the meeting").check()
    page.get_by_role("button", name="Preview who it reaches").click()
    reached = page.locator("#reached")
    expect(reached).to_contain_text("Giorgi Tsereteli-Abashidze")
    expect(reached.locator("tr", has_text="Ekaterine Kobakhidze-Chkheidze")).to_contain_text(
        "by e-mail (no account yet)"
    )
    expect(page.locator("#check-distribution")).to_have_count(0)
    assert page.evaluate(FITS), "the preview scrolls sideways"
    page.screenshot(path=SCREENSHOTS.format("reach", width), full_page=True)
    page.get_by_role("button", name="Send to these 2 people").click()
    expect(page.locator(".message-success")).to_contain_text("Sent to 2 people.")
    expect(page.locator("#mailed")).to_contain_text("Ekaterine Kobakhidze-Chkheidze")
    page.wait_for_load_state("networkidle")  # the receipts' fragment, fetched again live
    assert page.evaluate(FITS), "the circulation's page scrolls sideways"

    page.goto(f"/meetings/{m}/")
    cancel = page.locator("#irreversible").get_by_role("button", name="Cancel the meeting…")
    # destructive: a red outline on white, apart from the other buttons
    assert cancel.evaluate("b => getComputedStyle(b).borderTopColor") == "rgb(139, 28, 28)"
    assert cancel.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(255, 255, 255)"
    page.locator("#irreversible").get_by_label("Reason").fill("The host withdrew.")
    cancel.click()
    expect(page.locator(".confirmation")).to_contain_text(
        "Cancel the meeting: 2 approved participants and everyone following the meeting will be "
        "told"
    )
    assert page.evaluate(FITS), "the confirmation scrolls sideways"
    page.screenshot(path=SCREENSHOTS.format("cancel", width), full_page=True)
    page.get_by_role("link", name="No, go back").click()
    expect(page.locator("h1")).to_contain_text("Senior Officials")
    status = in_own_thread(lambda: Meeting.objects.get(pk=m).status)
    assert status == "registration_open"

    page.locator("#irreversible").get_by_label("Reason").fill("The host withdrew.")
    page.locator("#irreversible").get_by_role("button", name="Cancel the meeting…").click()
    page.get_by_role("button", name="Yes: Cancel the meeting").click()
    expect(page.locator(".message-success")).to_contain_text("The meeting's status was changed.")
    status = in_own_thread(lambda: Meeting.objects.get(pk=m).status)
    assert status == "cancelled"
