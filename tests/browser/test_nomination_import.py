"""The import of a delegation's list in Chromium: the secretariat checks the file, reads the
row-by-row report (nothing written yet), then imports what the rules accept; the page fits a
phone and reads in Russian and Arabic (right to left)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from dialogue.models import RoleKind, User
from meetings.models import Meeting, Nomination
from tests.browser.conftest import in_own_thread
from tests.browser.test_phone_width import _scene
from tests.factories import RoleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

# IMPORT_SCREENSHOTS=<folder>: pictures of the report at desktop and phone width, per language.
SHOTS = os.environ.get("IMPORT_SCREENSHOTS", "")

# Georgia has 3 seats; its head and one delegate are nominated in the scene.
LIST = (
    "E-mail,Full name,Category,Date of birth\n"
    "ana.tsiklauri@mia.gov.ge,Ana Tsiklauri,delegate,1988-04-12\n"
    "giorgi.tsereteli-abashidze@migration.gov.ge,Giorgi Tsereteli-Abashidze,delegate,\n"
    "tamar.lomidze@mia.gov.ge,Tamar Lomidze,delegate,1990-02-30\n"
    "levan.gelashvili@mia.gov.ge,Levan Gelashvili,delegate,\n"
)


def _check(page: Page, meeting_pk: int) -> None:
    page.goto(f"/meetings/{meeting_pk}/nominations/import/")
    page.locator("#import-delegation").select_option("GE")
    page.locator("#import-file").set_input_files(
        {"name": "georgia.csv", "mimeType": "text/csv", "buffer": LIST.encode()}
    )
    page.locator('button[name="check"]').click()


def _shoot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def test_dry_run_report_then_import(signed_in_page: Callable[..., Page], asgi_server: Any) -> None:
    scene = in_own_thread(_scene)
    before = in_own_thread(lambda: Nomination.objects.filter(meeting=scene.meeting).count())
    page = signed_in_page(scene.staff)
    _check(page, scene.meeting.pk)
    rows = page.locator("table.import-rows tbody tr")
    expect(rows).to_have_count(4)
    expect(page.get_by_role("status")).to_contain_text("1 would be accepted, 3 refused")
    expect(rows.nth(0)).to_contain_text("Would be accepted")
    expect(rows.nth(1)).to_contain_text("is already nominated for this meeting")
    expect(rows.nth(2)).to_contain_text("“1990-02-30” is not a date")
    expect(rows.nth(3)).to_contain_text("The quota of Georgia is full")
    _shoot(page, "import-report-en-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    _fits_the_phone(page)
    _shoot(page, "import-report-en-390")
    after_check = in_own_thread(lambda: Nomination.objects.filter(meeting=scene.meeting).count())
    assert after_check == before  # the dry run wrote nothing

    page.get_by_role("button", name="Import the 1 accepted row").click()
    expect(page.get_by_role("status")).to_contain_text("1 nominated, 3 refused")
    emails = in_own_thread(
        lambda: set(
            Nomination.objects.filter(meeting=scene.meeting).values_list("email", flat=True)
        )
    )
    assert "ana.tsiklauri@mia.gov.ge" in emails
    assert "levan.gelashvili@mia.gov.ge" not in emails
    assert len(emails) == before + 1


@pytest.mark.parametrize("language", ["ru", "ar"])
def test_report_reads_in_russian_and_arabic(
    signed_in_page: Callable[..., Page], asgi_server: Any, language: str
) -> None:
    scene = in_own_thread(_scene)
    page = signed_in_page(scene.staff)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": asgi_server.url}]
    )
    _check(page, scene.meeting.pk)
    expect(page.locator("table.import-rows tbody tr")).to_have_count(4)
    assert page.locator("html").get_attribute("lang") == language
    if language == "ar":
        assert page.locator("html").get_attribute("dir") == "rtl"
        expect(page.get_by_role("status")).to_contain_text("سيُقبل")
    else:
        expect(page.get_by_role("status")).to_contain_text("будет принято")
    _shoot(page, f"import-report-{language}-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    _fits_the_phone(page)
    _shoot(page, f"import-report-{language}-390")


@pytest.mark.parametrize("language", ["en", "ru", "ar"])
def test_audit_trail_page_of_the_meeting_reads_on_a_phone(
    signed_in_page: Callable[..., Page], asgi_server: Any, language: str
) -> None:
    """The secretariat admin opens the meeting's entries from the registration pages."""

    def admin_of(meeting: Meeting) -> User:
        admin = UserFactory.create(email="admin@example.org", full_name="Adele Admin")
        RoleFactory.create(user=admin, dialogue=meeting.dialogue, kind=RoleKind.SECRETARIAT_ADMIN)
        return admin

    scene = in_own_thread(_scene)
    admin = in_own_thread(lambda: admin_of(scene.meeting))
    page = signed_in_page(admin)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": asgi_server.url}]
    )
    page.goto(f"/meetings/{scene.meeting.pk}/registration/")
    page.locator(f'a[href$="/audit/?meeting={scene.meeting.pk}"]').click()
    rows = page.locator("table.audit-trail tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 3  # the set-up, the approval, the circulation
    _shoot(page, f"audit-{language}-desktop")
    page.set_viewport_size({"width": 390, "height": 844})
    _fits_the_phone(page)
    _shoot(page, f"audit-{language}-390")


def _fits_the_phone(page: Page) -> None:
    """The page, laid out again at the phone's width, does not scroll sideways (the new layout
    can come a moment after the resize on a busy machine: wait for it, then say the width)."""
    fits = "() => document.documentElement.scrollWidth <= innerWidth"
    with contextlib.suppress(PlaywrightTimeout):
        page.wait_for_function(fits, timeout=5000)
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert width <= inner, f"{width}px wide in {inner}px"
