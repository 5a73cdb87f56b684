"""Two desks at the door have the check-in page open. At the first, a handheld scanner types a
badge's code and presses Enter: the desk welcomes the participant and is ready for the next
badge; the second desk's arrivals count goes up at once, highlighted, without a reload."""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dialogue.models import Body, RoleKind, User
from meetings import registration, services
from meetings.models import Meeting, Nomination
from tests.browser.conftest import in_own_thread
from tests.factories import (
    DialogueFactory,
    MembershipFactory,
    RoleFactory,
    StateFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

LIVE = "() => window.dialogueLive?.state === 'live'"
START = datetime.datetime(2027, 3, 10, 6, 0, tzinfo=datetime.UTC)  # 09:00 in Istanbul


def _scene() -> tuple[User, User, Meeting, Nomination]:
    dialogue = DialogueFactory.create(slug="budapest-process", name_en="Budapest Process")
    georgia = StateFactory.create(code="GE", name_en="Georgia")
    MembershipFactory.create(dialogue=dialogue, state=georgia)
    anna = UserFactory.create(email="anna@example.org", full_name="Anna Weber")
    RoleFactory.create(user=anna, dialogue=dialogue, kind=RoleKind.SECRETARIAT_STAFF)
    karl = UserFactory.create(email="karl@example.org", full_name="Karl Huber")
    RoleFactory.create(user=karl, dialogue=dialogue, kind=RoleKind.SECRETARIAT_STAFF)
    body = Body.objects.create(
        dialogue=dialogue, kind=Body.Kind.SENIOR_OFFICIALS_MEETING, name_en="SOM"
    )
    meeting = services.schedule_meeting(
        by=anna,
        dialogue=dialogue,
        body=body,
        kind="senior_officials_meeting",
        title_en="SOM Istanbul",
        time_zone="Europe/Istanbul",
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=9),
    )
    meeting = services.transition(by=anna, meeting=meeting, to="announced")
    registration.configure_registration(
        by=anna,
        meeting=meeting,
        nomination_deadline=START - datetime.timedelta(days=20),
        confirmation_deadline=START - datetime.timedelta(days=7),
        capacity=None,
    )
    registration.set_quota(
        by=anna,
        meeting=meeting,
        member_kind="participating",
        categories=["head_of_delegation", "delegate"],
        seats=3,
    )
    meeting = services.transition(by=anna, meeting=meeting, to="registration_open")
    nominees = [
        ("nino.beridze@gov.ge", "Nino Beridze", "head_of_delegation"),
        ("giorgi.kapanadze@gov.ge", "Giorgi Kapanadze", "delegate"),
    ]
    approved = [
        registration.approve(
            by=anna,
            nomination=registration.nominate(
                by=anna,
                meeting=meeting,
                member=georgia,
                email=email,
                category=category,
                full_name=name,
            ),
        )
        for email, name, category in nominees
    ]
    return anna, karl, meeting, approved[0]


def test_a_scanned_badge_is_welcomed_and_counted_at_every_desk(
    signed_in_page: Callable[[User], Page], asgi_server: Any
) -> None:
    anna, karl, meeting, nino = in_own_thread(_scene)
    errors: list[str] = []
    desks = []
    for person in (anna, karl):
        desk = signed_in_page(person)
        desk.on("pageerror", lambda error: errors.append(str(error)))
        desk.goto(f"/meetings/{meeting.pk}/check-in/")
        desk.wait_for_function(LIVE)
        desk.evaluate("() => { window.__loadedAt = performance.timeOrigin; }")
        desks.append(desk)
    door, office = desks
    expect(office.locator("#arrivals-total")).to_have_text(
        "0 of 2 approved participants have arrived"
    )

    field = door.get_by_label("Badge code")
    expect(field).to_be_focused()  # a scanner types into the page as soon as it opens
    door.keyboard.type(nino.checkin_token, delay=5)
    door.keyboard.press("Enter")

    result = door.locator("#check-in-result")
    expect(result).to_have_text("Welcome, Nino Beridze (Georgia, Head of delegation)")
    expect(result).to_have_class("check-in-result result-welcome")
    expect(field).to_have_value("")
    expect(field).to_be_focused()

    expect(office.locator("#arrivals-total")).to_have_text(
        "1 of 2 approved participants have arrived", timeout=5_000
    )
    expect(office.locator("#arrivals-GE")).to_have_class(re.compile(r"\blive-changed\b"))
    expect(office.locator("#arrivals-GE td").first).to_have_text("1")

    door.keyboard.type(nino.checkin_token, delay=5)
    door.keyboard.press("Enter")
    expect(result).to_have_text(
        f"Already arrived at {_local_time(nino)}: Nino Beridze (Georgia, Head of delegation)"
    )
    door.keyboard.type("not-a-badge")
    door.keyboard.press("Enter")
    expect(result).to_have_text("This badge is not known.")
    expect(door.locator("#check-in-history li")).to_have_count(3)

    for desk in desks:
        assert desk.evaluate("() => window.__loadedAt") is not None, "the page was reloaded"
    door.screenshot(path="/tmp/check-in-desk.png", full_page=True)  # noqa: S108 - a place to look
    assert errors == []


def _local_time(nomination: Nomination) -> str:
    arrived = in_own_thread(lambda: Nomination.objects.get(pk=nomination.pk).checked_in_at)
    assert arrived is not None
    return f"{arrived.astimezone(zoneinfo.ZoneInfo('Europe/Istanbul')):%H:%M}"
