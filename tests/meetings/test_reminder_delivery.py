"""What became of each e-mail a reminder wrote: the secretariat's Reminders page shows, per
participant without an account, whether the copy is waiting in the outbox, went (when), or could
not be delivered and why in plain words, as a circulation's copies do; at a constant query count."""

from __future__ import annotations

import datetime
import smtplib
from typing import Any

import pytest
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dialogue.models import User
from meetings.models import Meeting, ReminderEmail
from meetings.reminders import send_due_reminders
from notifications.delivery import why_not_sent
from notifications.mail import MAX_ATTEMPTS, send_due
from notifications.models import OutboxEmail
from tests.conftest import World, client_for
from tests.meetings.conftest import START
from tests.meetings.test_reminder_reach import _approve, _participants

REFUSED = smtplib.SMTPRecipientsRefused({"nino@gov.ge": (550, b"5.1.1 no such user")})


def _remind() -> None:
    assert send_due_reminders(now=START - datetime.timedelta(days=1)) == 1


def _reminded(world: World, staff: User, meeting: Meeting) -> ReminderEmail:
    """The participants of ``tests.meetings.test_reminder_reach`` reminded: the one e-mail
    written (to the participant without an account)."""
    _participants(world, staff, meeting)
    _remind()
    (copy,) = ReminderEmail.objects.filter(reminder__meeting=meeting)
    return copy


def _row(page: str, copy: ReminderEmail) -> str:
    return page.split(f'id="reminder-email-{copy.pk}"')[1].split("</tr>")[0]


def _page(user: User, meeting: Meeting) -> str:
    response = client_for(user).get(f"/meetings/{meeting.pk}/reminders/")
    assert response.status_code == 200
    return response.content.decode()


def _refuse(monkeypatch: pytest.MonkeyPatch) -> None:
    def send_messages(self: Any, messages: Any) -> int:
        raise REFUSED

    monkeypatch.setattr(EmailBackend, "send_messages", send_messages)


def test_reminder_email_is_queued_before_the_outbox_runs_and_sent_after(
    world: World, staff: User, open_meeting: Meeting
) -> None:
    _participants(world, staff, open_meeting)
    OutboxEmail.objects.all().delete()
    _remind()
    (copy,) = ReminderEmail.objects.filter(reminder__meeting=open_meeting)
    assert (copy.full_name, copy.delegation, copy.outbox.to_address) == (
        "Nino Beridze",
        world.state_a,
        "nino@gov.ge",
    )
    row = _row(_page(staff, open_meeting), copy)
    assert "Nino Beridze" in row
    assert "queued" in row
    assert "sent" not in row

    assert send_due() == 1

    row = _row(_page(staff, open_meeting), copy)
    assert "queued" not in row
    assert "sent <time" in row


def test_reminder_email_that_fails_says_why_in_plain_words_never_the_exception(
    world: World, staff: User, open_meeting: Meeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _reminded(world, staff, open_meeting)
    _refuse(monkeypatch)

    assert send_due() == 0  # the first attempt fails: still waiting, to be tried again
    row = _row(_page(staff, open_meeting), copy)
    assert "queued" in row
    assert "trying again: the mail server refused the address" in row

    OutboxEmail.objects.filter(pk=copy.outbox_id).update(
        attempts=MAX_ATTEMPTS - 1, send_after=timezone.now()
    )
    assert send_due() == 0  # the last attempt fails: given up
    assert OutboxEmail.objects.get(pk=copy.outbox_id).failed_at is not None
    row = _row(_page(staff, open_meeting), copy)
    assert "could not be delivered" in row
    assert "the mail server refused the address" in row
    assert "queued" not in row
    for raw in ("SMTPRecipientsRefused", "550", "no such user", "nino@gov.ge"):
        assert raw not in row


def test_reminder_email_delivery_reads_in_the_readers_language(
    world: World, staff: User, open_meeting: Meeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _reminded(world, staff, open_meeting)
    _refuse(monkeypatch)
    OutboxEmail.objects.filter(pk=copy.outbox_id).update(attempts=MAX_ATTEMPTS - 1)
    send_due()
    for language, direction, undelivered, refused in (
        ("ru", "ltr", "не удалось доставить", "почтовый сервер отклонил адрес"),
        ("ar", "rtl", "تعذّر التسليم", "رفض خادم البريد العنوان"),
    ):
        User.objects.filter(pk=staff.pk).update(preferred_language=language)
        page = _page(User.objects.get(pk=staff.pk), open_meeting)
        assert f'dir="{direction}"' in page
        row = _row(page, copy)
        assert undelivered in row
        assert refused in row


def test_why_not_sent_names_no_exception() -> None:
    assert why_not_sent("") == ""
    assert why_not_sent(repr(REFUSED)) == "the mail server refused the address"
    assert why_not_sent("ConnectionRefusedError(111, 'Connection refused')") == (
        "the mail server could not be reached"
    )
    assert why_not_sent("ValueError('header line break')") == (
        "the mail server did not accept the message"
    )


def _reminders_page_queries(staff: User, meeting: Meeting) -> int:
    client = client_for(staff)
    client.get(f"/meetings/{meeting.pk}/reminders/")  # the session and caches warmed
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/meetings/{meeting.pk}/reminders/").status_code == 200
    return len(queries)


def test_reminders_page_query_count_is_the_same_at_one_and_many_emails(
    world: World, staff: User, open_meeting: Meeting, monkeypatch: pytest.MonkeyPatch
) -> None:
    _approve(world, staff, open_meeting, email="nino@gov.ge", name="Nino Beridze", member="a")
    _remind()
    at_one = _reminders_page_queries(staff, open_meeting)
    for n in range(4):  # the quotas admit three a delegation
        _approve(
            world,
            staff,
            open_meeting,
            email=f"p{n}@gov.example",
            name=f"Person {n}",
            member="ab"[n % 2],
        )
    Meeting.objects.filter(pk=open_meeting.pk).update(reminded_for=None)
    _remind()  # a second reminder, to five people by e-mail
    _refuse(monkeypatch)
    send_due()
    assert ReminderEmail.objects.filter(reminder__meeting=open_meeting).count() == 6
    assert _reminders_page_queries(staff, open_meeting) == at_one


def test_an_erased_persons_name_leaves_the_reminders_and_mailed_copies(
    world: World, staff: User, open_meeting: Meeting
) -> None:
    """Erasing a person's data on request also takes their name (and the address a document
    went to) from what was mailed to them; the rows stay, as an erased person's."""
    from documents.models import Circulation, MailedCopy
    from meetings.models import Nomination
    from meetings.registration import personal_data

    copy = _reminded(world, staff, open_meeting)
    nomination = Nomination.objects.get(pk=copy.nomination_id)
    circulation = Circulation.objects.create(
        dialogue=open_meeting.dialogue, meeting=open_meeting, sent_by=staff
    )
    mailed = MailedCopy.objects.create(
        circulation=circulation,
        nomination=nomination,
        full_name=nomination.full_name,
        email=nomination.email,
        state_id=nomination.delegation.state_id,
    )
    assert "Nino Beridze" in _row(_page(staff, open_meeting), copy)

    personal_data.erase_person(by=staff, nomination=nomination)

    copy.refresh_from_db()
    mailed.refresh_from_db()
    assert copy.full_name == ""
    assert (mailed.full_name, mailed.email) == ("", "")
    row = _row(_page(staff, open_meeting), copy)
    assert "Nino Beridze" not in row
    assert "Erased person" in row


def test_names_leave_the_reminders_when_their_retention_ends(
    world: World, staff: User, open_meeting: Meeting, settings: Any
) -> None:
    from meetings.registration import personal_data

    copy = _reminded(world, staff, open_meeting)
    days = settings.REGISTRATION_RETENTION_DAYS["full_name"]
    personal_data.erase_expired(now=open_meeting.ends_at + datetime.timedelta(days=days - 1))
    copy.refresh_from_db()
    assert copy.full_name == "Nino Beridze"  # not yet
    personal_data.erase_expired(now=open_meeting.ends_at + datetime.timedelta(days=days + 1))
    copy.refresh_from_db()
    assert copy.full_name == ""
