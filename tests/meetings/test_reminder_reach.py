"""Nobody silently left out of a reminder: the secretariat sees, before it goes, whom it reaches
and how and who not and why, and after it went, the same as it was sent."""

from __future__ import annotations

import datetime

from django.utils import timezone

from dialogue.models import User
from meetings import registration
from meetings.models import Meeting, Nomination, ReminderSent
from meetings.reminders import reminder_reach, send_due_reminders
from notifications.models import OutboxEmail
from tests.conftest import World
from tests.meetings.conftest import START


def _approve(
    world: World, staff: User, meeting: Meeting, *, email: str, name: str, member: str
) -> Nomination:
    by, state = (
        (world.person("focal_point_a"), world.state_a)
        if member == "a"
        else (world.person("focal_point_b"), world.state_b)
    )
    nomination = registration.nominate(
        by=by, meeting=meeting, member=state, email=email, category="delegate", full_name=name
    )
    registration.approve(by=staff, nomination=nomination)
    return nomination


def _participants(world: World, staff: User, meeting: Meeting) -> None:
    """Delegate A (an account), Nino (no account), a deactivated account and a participant
    whose personal data was erased (no account, no address)."""
    _approve(world, staff, meeting, email="delegate_a@example.org", name="Delegate A", member="a")
    _approve(world, staff, meeting, email="nino@gov.ge", name="Nino Beridze", member="a")
    _approve(world, staff, meeting, email="deactivated@example.org", name="Dato Old", member="b")
    erased = _approve(world, staff, meeting, email="ion@gov.md", name="Ion Rusu", member="b")
    # its personal data erased (the address goes; as the retention's sweep leaves it)
    Nomination.objects.filter(pk=erased.pk).update(email="", erased_at=timezone.now())


def test_the_preview_says_who_the_reminder_reaches_how_and_who_not_and_why(
    world: World, staff: User, open_meeting: Meeting
) -> None:
    _participants(world, staff, open_meeting)
    preview = reminder_reach(open_meeting)
    assert [(a.name, a.delegation, a.how) for a in preview.reached] == [
        ("Delegate A", "Georgia", "account"),
        ("Nino Beridze", "Georgia", "email"),
    ]
    assert sorted((a.name, a.why) for a in preview.left_out) == [
        ("Dato Old", "their account is deactivated"),
        ("Ion Rusu", "no e-mail address (their personal data was erased)"),
    ]
    assert not preview.marking_is_a_reason


def test_a_sent_reminder_keeps_who_it_reached_and_who_not(
    world: World, staff: User, open_meeting: Meeting
) -> None:
    _participants(world, staff, open_meeting)
    OutboxEmail.objects.all().delete()
    assert send_due_reminders(now=START - datetime.timedelta(days=1)) == 1
    assert list(OutboxEmail.objects.values_list("to_address", flat=True)) == ["nino@gov.ge"]
    (sent,) = ReminderSent.objects.filter(meeting=open_meeting)
    assert sent.starts_at == START
    assert sent.reached == [
        {"name": "Delegate A", "delegation": "Georgia", "how": "account"},
        {"name": "Nino Beridze", "delegation": "Georgia", "how": "email"},
    ]
    assert sorted(sent.left_out, key=lambda p: p["name"]) == [
        {"name": "Dato Old", "delegation": "Republic of Moldova", "reason": "deactivated"},
        {"name": "Ion Rusu", "delegation": "Republic of Moldova", "reason": "no_address"},
    ]
    # no e-mail address is kept with the record
    assert "@" not in str(sent.reached) + str(sent.left_out)


def test_an_unverified_account_is_left_out_of_a_members_only_meeting_with_the_reason(
    world: World, staff: User, open_meeting: Meeting
) -> None:
    _approve(world, staff, open_meeting, email="unverified@example.org", name="Una", member="a")
    # a public meeting reaches them on the platform like anyone
    assert [a.how for a in reminder_reach(open_meeting).reached] == ["account"]
    Meeting.objects.filter(pk=open_meeting.pk).update(is_public=False)
    (left,) = reminder_reach(Meeting.objects.get(pk=open_meeting.pk)).left_out
    assert (left.name, left.why) == ("Una", "they have not verified their e-mail address yet")
