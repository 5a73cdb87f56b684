"""A delegate has the meeting page open; the secretariat moves an item and releases v2; the
delegate's page shows the moved item highlighted, with the changelog, without reload."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dialogue.models import RoleKind, User
from meetings import agenda
from meetings.models import AgendaItem, Meeting
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import LIVE, START, budapest_with_georgia

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _scene() -> tuple[User, User, Meeting, AgendaItem]:
    budapest = budapest_with_georgia()
    staff = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF)
    delegate = budapest.person(
        "giorgi@example.org", RoleKind.DELEGATE, georgian=True, time_zone="Europe/Istanbul"
    )
    meeting = budapest.istanbul_som(by=staff)
    items = [
        agenda.add_item(
            by=staff,
            meeting=meeting,
            title={"en": title},
            starts_at=START + datetime.timedelta(hours=hours),
            duration_minutes=45,
        )
        for title, hours in [
            ("Opening", 0),
            ("Adoption of the agenda", 0.75),
            ("Report of the Secretariat", 1.5),
            ("Legal migration pathways", 2),
        ]
    ]
    agenda.release_agenda(by=staff, meeting=meeting, note="First version")
    return staff, delegate, meeting, items[3]


def test_delegate_sees_the_moved_item_highlighted_without_reload(
    signed_in_page: Callable[[User], Page], asgi_server: Any
) -> None:
    staff, delegate, meeting, item_4 = in_own_thread(_scene)
    errors: list[str] = []
    viewer = signed_in_page(delegate)
    viewer.on("pageerror", lambda error: errors.append(str(error)))
    viewer.goto(f"/meetings/{meeting.pk}/")
    viewer.wait_for_function(LIVE)
    viewer.evaluate("() => { window.__loadedAt = performance.timeOrigin; }")
    row = viewer.locator(f"#agenda-item-{item_4.pk}")
    expect(row.locator("time").first).to_have_text("11 a.m.")

    editor = signed_in_page(staff)
    editor.goto(f"/meetings/{meeting.pk}/agenda/draft/{item_4.pk}/")
    editor.get_by_label("Starts (local time)").fill("2027-03-10T14:30")
    editor.get_by_role("button", name="Save").click()
    editor.get_by_label("What changed (changelog note) (English)").fill(
        "Item 4 moved to the afternoon"
    )
    editor.get_by_role("button", name="Release this version").click()
    expect(editor.locator(".message-success")).to_contain_text("Agenda version 2 released")

    expect(row).to_have_class("agenda-row agenda-item live-changed", timeout=5_000)
    expect(row.locator("time").first).to_have_text("2:30 p.m.")
    expect(viewer.locator("#agenda-changes")).to_contain_text(
        "Item 4 “Legal migration pathways” moved from 11:00 to 14:30"
    )
    assert viewer.evaluate("() => window.__loadedAt") is not None, "the page was reloaded"
    viewer.screenshot(path="/tmp/live-agenda.png", full_page=True)  # noqa: S108 - a place to look
    assert errors == []
