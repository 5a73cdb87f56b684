"""Whom a meeting's reminder reaches, in Chromium (issue 11): before it goes, the secretariat's
Reminders page lists who is reached and how, including an approved participant without an
account (by e-mail); after it went, the same lists are kept with it, and what became of each
e-mail (queued, then not delivered and why). At desktop width and at 390 px, without scrolling
sideways, in English, Russian and Arabic."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dialogue.models import User
from meetings.models import Meeting, ReminderEmail
from meetings.reminders import send_due_reminders
from notifications.models import OutboxEmail
from tests.browser.conftest import in_own_thread
from tests.browser.test_confirmations_and_reach import FITS, _with_a_participant_without_account

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/reminders-{}-{}-{}.png"  # noqa: S108 - a place to look at them


def _remind(meeting_pk: int) -> None:
    starts_at = Meeting.objects.get(pk=meeting_pk).starts_at
    assert send_due_reminders(now=starts_at - datetime.timedelta(days=1)) == 1


def _refused(meeting_pk: int) -> None:
    OutboxEmail.objects.filter(
        pk__in=ReminderEmail.objects.filter(reminder__meeting_id=meeting_pk).values("outbox_id")
    ).update(
        failed_at=timezone.now(),
        attempts=8,
        last_error="SMTPRecipientsRefused({'e@mia.gov.ge': (550, b'5.1.1 no such user')})",
    )


def _speak(user_pk: int, language: str) -> None:
    User.objects.filter(pk=user_pk).update(preferred_language=language)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_secretariat_sees_whom_a_reminder_reaches_before_and_after(
    signed_in_page: Callable[..., Page], asgi_server: Any, width: int
) -> None:
    scene = in_own_thread(_with_a_participant_without_account)
    page = signed_in_page(scene.staff)
    page.set_viewport_size({"width": width, "height": 900})
    m = scene.meeting.pk

    page.goto(f"/meetings/{m}/reminders/")
    reached = page.locator("#next-reminder #reached")
    expect(reached.locator("tr", has_text="Giorgi Tsereteli-Abashidze")).to_contain_text(
        "on the platform"
    )
    expect(reached.locator("tr", has_text="Ekaterine Kobakhidze-Chkheidze")).to_contain_text(
        "by e-mail (no account yet)"
    )
    expect(page.locator("#sent-reminders")).to_contain_text("No reminder has gone yet.")
    assert page.evaluate(FITS), "the preview scrolls sideways"
    page.screenshot(path=SCREENSHOTS.format("before", "en", width), full_page=True)

    in_own_thread(lambda: _remind(m))
    page.reload()
    expect(page.locator("#next-reminder")).to_contain_text("No reminder is due")
    kept = page.locator("#sent-reminders .reminder-sent")
    expect(kept).to_have_count(1)
    expect(kept.locator("#reached tr", has_text="Ekaterine Kobakhidze-Chkheidze")).to_contain_text(
        "by e-mail (no account yet)"
    )
    delivery = kept.locator(".delivery-list tr", has_text="Ekaterine Kobakhidze-Chkheidze")
    expect(delivery).to_contain_text("queued")
    assert page.evaluate(FITS), "the record scrolls sideways"
    page.screenshot(path=SCREENSHOTS.format("after", "en", width), full_page=True)

    in_own_thread(lambda: _refused(m))
    page.reload()
    expect(delivery).to_contain_text("could not be delivered")
    expect(delivery).to_contain_text("the mail server refused the address")
    expect(delivery).not_to_contain_text("SMTP")
    assert page.evaluate(FITS), "the failed e-mail scrolls sideways"

    for language, heading, refused in (
        ("ru", "Напоминания", "почтовый сервер отклонил адрес"),
        ("ar", "التذكيرات", "رفض خادم البريد العنوان"),
    ):
        in_own_thread(lambda language=language: _speak(scene.staff.pk, language))
        page.reload()
        expect(page.locator("h1")).to_have_text(heading)
        expect(delivery).to_contain_text(refused)
        assert page.evaluate(FITS), f"the page scrolls sideways in {language}"
        page.screenshot(path=SCREENSHOTS.format("after", language, width), full_page=True)
