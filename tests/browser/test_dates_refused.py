"""The secretariat's dates are checked where they are typed: a meeting already over is recorded
only once confirmed, a nomination deadline after the meeting is refused with a sentence and the
input kept, and the door's desk refuses a check-in three months early."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from dialogue.models import Body, RoleKind, User
from meetings import registration
from meetings.models import Meeting, Nomination
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import budapest_with_georgia, open_registration

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _scene() -> tuple[User, Meeting, Nomination]:
    budapest = budapest_with_georgia()
    anna = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Anna Weber")
    meeting = open_registration(budapest.istanbul_som(by=anna), by=anna)
    nino = registration.approve(
        by=anna,
        nomination=registration.nominate(
            by=anna,
            meeting=meeting,
            member=budapest.georgia,
            email="nino.beridze@gov.ge",
            category="head_of_delegation",
            full_name="Nino Beridze",
        ),
    )
    return anna, meeting, nino


def test_the_secretariat_is_stopped_at_a_wrong_date(
    signed_in_page: Callable[[User], Page],
) -> None:
    anna, meeting, nino = in_own_thread(_scene)
    page = signed_in_page(anna)

    # A meeting already over: refused until confirmed, the input kept.
    page.goto("/dialogues/budapest-process/meetings/new/")
    expect(page.get_by_text("record it as a past meeting")).to_have_count(0)
    body = in_own_thread(lambda: Body.objects.get(dialogue=meeting.dialogue).pk)
    page.select_option("select[name=body]", str(body))
    page.select_option("select[name=kind]", "working_group")
    page.fill("input[name=title_en]", "Working group, last spring")
    page.select_option("select[name=format]", "in_person")
    page.fill("input[name=starts_at]", "2025-03-10T10:00")
    page.fill("input[name=ends_at]", "2025-03-10T12:00")
    page.check("input[name=languages][value=en]")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".errorlist").first).to_contain_text("This meeting is already over")
    expect(page.locator("input[name=title_en]")).to_have_value("Working group, last spring")
    assert not in_own_thread(
        lambda: Meeting.objects.filter(title_i18n__en="Working group, last spring").exists()
    )
    page.get_by_label("This meeting is in the past: record it as a past meeting").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".message-success")).to_contain_text("The meeting was created as a draft")

    # A nomination deadline after the meeting ends.
    page.goto(f"/meetings/{meeting.pk}/registration/")
    page.fill("input[name=nomination_deadline]", "2027-03-20T18:00")
    page.fill("input[name=confirmation_deadline]", "2027-03-21T18:00")
    page.get_by_role("button", name="Save").first.click()
    expect(page.locator(".errorlist").first).to_contain_text(
        "The nomination deadline must fall before the meeting ends"
    )
    expect(page.locator("input[name=nomination_deadline]")).to_have_value("2027-03-20T18:00")

    # The door's desk, months before the meeting.
    page.goto(f"/meetings/{meeting.pk}/check-in/")
    expect(page.locator("#check-in-closed")).to_contain_text("Check-in opens on")
    page.get_by_label("Badge code").fill(nino.checkin_token)
    page.keyboard.press("Enter")
    expect(page.locator("#check-in-result")).to_contain_text("Check-in opens on")
    assert in_own_thread(lambda: Nomination.objects.get(pk=nino.pk).checked_in_at) is None
