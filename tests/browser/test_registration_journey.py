"""Journeys 2 and 3 of the brief in Chromium: the focal point of Georgia nominates a head of
delegation and two members with one nomination letter and sees the quota fill; the secretariat
approves two and waitlists one; the focal point's page follows without a reload; one approved
person withdraws and the waitlisted one is promoted, on the focal point's page, live."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dialogue.models import RoleKind, User
from meetings.models import Meeting, Nomination
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import LIVE, budapest_with_georgia, nomination_letter, open_registration

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _scene() -> tuple[User, User, User, Meeting]:
    budapest = budapest_with_georgia()
    staff = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Anna Weber")
    focal_point = budapest.person(
        "nino@example.org", RoleKind.FOCAL_POINT, georgian=True, full_name="Nino Beridze"
    )
    delegate = budapest.person(
        "giorgi@example.org", RoleKind.DELEGATE, georgian=True, full_name="Giorgi Kapanadze"
    )
    meeting = budapest.istanbul_som(by=staff, format="hybrid")
    # The room takes two more: approving two fills it, the third waits.
    meeting = open_registration(meeting, by=staff, capacity=2, funded_seats=1, days_to_nominate=14)
    return staff, focal_point, delegate, meeting


def _nominate(page: Page, email: str, name: str, category: str) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_role("textbox", name="Full name:", exact=True).fill(name)
    page.get_by_label("Category").select_option(label=category)
    page.get_by_role("button", name="Nominate", exact=True).click()
    expect(page.locator(".message-success")).to_contain_text(f"{name} is nominated")


def _row(page: Page, name: str) -> Any:
    return page.locator("tr.nomination", has_text=name)


def test_focal_point_nominates_and_follows_the_decisions_live(
    signed_in_page: Callable[[User], Page], asgi_server: Any, tmp_path: Any
) -> None:
    staff, focal_point, delegate, meeting = in_own_thread(_scene)
    errors: list[str] = []
    fp = signed_in_page(focal_point)
    fp.on("pageerror", lambda error: errors.append(str(error)))

    # The focal point finds the open meeting and their delegation's page.
    fp.goto(f"/meetings/{meeting.pk}/")
    fp.get_by_role("link", name="Your delegation: nominate and follow").click()
    expect(fp.get_by_role("heading", level=1)).to_have_text("Delegation of Georgia")
    expect(fp.locator("#quota .remaining")).to_have_text("3")

    _nominate(fp, "head@gov.ge", "Tamar Head", "Head of delegation")
    _nominate(fp, "giorgi@example.org", "Giorgi Kapanadze", "Delegate")
    _nominate(fp, "eka@gov.ge", "Eka Member", "Delegate")
    expect(fp.locator("#quota .remaining")).to_have_text("0")

    letter = tmp_path / "note-verbale.pdf"
    letter.write_bytes(nomination_letter())
    fp.get_by_label("Upload the nomination letter").set_input_files(str(letter))
    fp.get_by_role("button", name="Upload", exact=True).click()
    expect(fp.locator("#letter-v1")).to_contain_text("note-verbale.pdf")
    fp.wait_for_function(LIVE)
    fp.evaluate("() => { window.__notReloaded = true; }")

    # The secretariat approves two and waitlists one from its queue.
    secretariat = signed_in_page(staff)
    secretariat.goto(f"/meetings/{meeting.pk}/nominations/")
    for name in ("Tamar Head", "Giorgi Kapanadze"):
        _row(secretariat, name).get_by_role("checkbox").check()
    secretariat.get_by_label("Approve").check()
    secretariat.get_by_role("button", name="Apply").click()
    expect(secretariat.locator(".confirmation")).to_contain_text("Approve 2 nominations")
    secretariat.get_by_role("button", name="Yes: Approve the ticked nominations").click()
    expect(secretariat.locator(".message-success")).to_contain_text("2 nominations approved.")
    _row(secretariat, "Eka Member").get_by_role("checkbox").check()
    secretariat.get_by_label("Waitlist").check()
    secretariat.get_by_role("button", name="Apply").click()
    secretariat.get_by_role(
        "button", name="Yes: Put the ticked nominations on the waitlist"
    ).click()
    expect(_row(secretariat, "Eka Member")).to_contain_text("Waitlisted")

    # The focal point's page shows each decision without a reload.
    expect(_row(fp, "Tamar Head")).to_contain_text("Approved", timeout=5_000)
    expect(_row(fp, "Giorgi Kapanadze")).to_contain_text("Approved", timeout=5_000)
    expect(_row(fp, "Eka Member")).to_contain_text("Waitlisted", timeout=5_000)

    # An approved delegate cannot come after all and withdraws; the waitlist moves up.
    nominee = signed_in_page(delegate)
    giorgi = in_own_thread(lambda: Nomination.objects.get(email="giorgi@example.org"))
    nominee.goto(f"/nominations/{giorgi.pk}/")
    expect(nominee.locator("#nomination-status")).to_have_text("Approved")
    nominee.get_by_role("button", name="I cannot take part: withdraw").click()
    expect(nominee.locator(".confirmation")).to_contain_text("their approved seat is given up")
    nominee.get_by_role("button", name="Yes: Withdraw Giorgi Kapanadze").click()
    expect(nominee.locator("#nomination-status")).to_have_text("Withdrawn")

    expect(_row(fp, "Giorgi Kapanadze")).to_contain_text("Withdrawn", timeout=5_000)
    expect(_row(fp, "Eka Member")).to_contain_text("Approved", timeout=5_000)
    assert fp.evaluate("() => window.__notReloaded") is True, "the page was reloaded"
    fp.screenshot(path="/tmp/registration-journey.png", full_page=True)  # noqa: S108 - a place to look
    assert errors == []
    statuses = in_own_thread(lambda: dict(Nomination.objects.values_list("full_name", "status")))
    assert statuses == {
        "Tamar Head": "approved",
        "Giorgi Kapanadze": "withdrawn",
        "Eka Member": "approved",
    }
