"""meetings/registration/ (its write actions): nominating within quotas, decisions, the
waitlist, replacements, travel support, confirmation, check-in, nomination letters and personal
data."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dialogue.models import Invitation, RoleKind, State, User
from meetings import registration
from meetings.models import (
    Delegation,
    FollowUpAnswer,
    Meeting,
    Nomination,
    NominationLetter,
    RegistrationSettings,
)
from notifications.mail import send_due
from notifications.models import Event, Notification, OutboxEmail
from notifications.policy import get_policy
from tests.conftest import World, at, client_for
from tests.factories import UserFactory
from tests.meetings.conftest import ON_THE_DAY, START

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _nominate(
    world: World,
    meeting: Meeting,
    email: str,
    *,
    by: str = "focal_point_a",
    state: State | None = None,
    category: str = "delegate",
    **extra: Any,
) -> Nomination:
    return registration.nominate(
        by=world.person(by),
        meeting=meeting,
        member=state or world.state_a,
        email=email,
        category=category,
        full_name=extra.pop("full_name", email.split("@")[0].replace(".", " ").title()),
        **extra,
    )


def _types(meeting: Meeting) -> list[str]:
    return list(
        Event.objects.filter(stream=meeting.stream, type__startswith="nomination.")
        .order_by("id")
        .values_list("type", flat=True)
    )


# --- Nominating ------------------------------------------------------------------------------


def test_nominate_within_the_quota_records_the_person_and_tells_the_delegation(
    world: World, open_meeting: Meeting
) -> None:
    nomination = _nominate(world, open_meeting, "Nino.Head@Gov.GE", category="head_of_delegation")
    assert (nomination.email, nomination.status, nomination.category) == (
        "nino.head@gov.ge",
        "nominated",
        "head_of_delegation",
    )
    assert nomination.delegation.state == world.state_a
    event = Event.objects.get(type="nomination.submitted")
    assert event.data["person"] == "Nino Head"
    people = [
        world.person(name)
        for name in ("focal_point_a", "secretariat_staff", "focal_point_b", "delegate_a")
    ]
    receivers = get_policy().receivers(event.audience, people)
    assert [user.email for user in receivers] == [
        "focal_point_a@example.org",
        "secretariat_staff@example.org",
    ]
    inbox = set(Notification.objects.filter(event=event).values_list("user__email", flat=True))
    assert "focal_point_b@example.org" not in inbox
    assert "secretariat_staff@example.org" in inbox


def test_nominate_a_fourth_person_is_refused_when_three_seats_are_taken(
    world: World, open_meeting: Meeting
) -> None:
    for n in range(3):
        _nominate(world, open_meeting, f"person{n}@gov.ge")
    with pytest.raises(ValidationError, match="quota of Georgia is full: 3 of 3 seats"):
        _nominate(world, open_meeting, "fourth@gov.ge")
    assert Nomination.objects.filter(meeting=open_meeting).count() == 3


def test_nominate_the_same_person_twice_is_refused_even_by_another_state(
    world: World, open_meeting: Meeting
) -> None:
    _nominate(world, open_meeting, "twice@gov.ge")
    with pytest.raises(ValidationError, match="already nominated"):
        _nominate(world, open_meeting, "TWICE@gov.ge")
    with pytest.raises(ValidationError, match="already nominated"):
        _nominate(world, open_meeting, "twice@gov.ge", by="focal_point_b", state=world.state_b)


def test_nominate_again_after_a_withdrawal_is_allowed(world: World, open_meeting: Meeting) -> None:
    first = _nominate(world, open_meeting, "again@gov.ge")
    registration.withdraw(by=world.person("focal_point_a"), nomination=first, confirm=True)
    assert _nominate(world, open_meeting, "again@gov.ge").pk != first.pk


def test_nominate_with_the_same_idempotency_key_makes_one_nomination(
    world: World, open_meeting: Meeting
) -> None:
    first = _nominate(world, open_meeting, "once@gov.ge", idempotency_key="k-1")
    second = _nominate(world, open_meeting, "once@gov.ge", idempotency_key="k-1")
    assert first.pk == second.pk
    assert _types(open_meeting) == ["nomination.submitted"]


def test_nominate_a_second_head_of_delegation_is_refused(
    world: World, open_meeting: Meeting
) -> None:
    _nominate(world, open_meeting, "head@gov.ge", category="head_of_delegation")
    with pytest.raises(ValidationError, match="already has a head of delegation"):
        _nominate(world, open_meeting, "head2@gov.ge", category="head_of_delegation")


def test_nominate_for_another_state_is_forbidden(world: World, open_meeting: Meeting) -> None:
    with pytest.raises(PermissionDenied):
        _nominate(world, open_meeting, "x@gov.md", state=world.state_b)
    with pytest.raises(PermissionDenied):
        _nominate(world, open_meeting, "x@gov.ge", by="delegate_a")


def test_nominate_in_a_category_without_a_quota_is_refused(
    world: World, open_meeting: Meeting
) -> None:
    with pytest.raises(ValidationError, match="cannot nominate in the category “Press”"):
        _nominate(world, open_meeting, "press@gov.ge", category="press")


def test_nominate_after_the_deadline_only_through_the_secretariat(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    past = timezone.now() - datetime.timedelta(hours=1)
    with at(past - datetime.timedelta(days=1)):  # set while it was still ahead
        registration.configure_registration(
            by=staff,
            meeting=open_meeting,
            nomination_deadline=past,
            confirmation_deadline=past + datetime.timedelta(days=30),
            capacity=None,
        )
    with pytest.raises(ValidationError, match="deadline for nominations has passed"):
        _nominate(world, open_meeting, "late@gov.ge")
    late = _nominate(world, open_meeting, "late@gov.ge", by="secretariat_staff")
    assert late.nominated_by == staff


def test_nominate_before_registration_opens_is_refused(
    world: World, meeting: Meeting, staff: User
) -> None:
    with pytest.raises(ValidationError, match="has not been set up"):
        _nominate(world, meeting, "early@gov.ge")


def test_nominate_a_person_with_an_account_links_it(world: World, open_meeting: Meeting) -> None:
    nomination = _nominate(world, open_meeting, "delegate_a@example.org")
    assert nomination.person == world.people["delegate_a"]
    assert not Invitation.objects.filter(email="delegate_a@example.org").exists()


def test_nominate_a_new_person_invites_them_to_their_address(
    world: World, open_meeting: Meeting
) -> None:
    nomination = _nominate(world, open_meeting, "new.person@gov.ge", language="ru")
    assert nomination.person is None
    invitation = Invitation.objects.get(email="new.person@gov.ge")
    assert (invitation.kind, invitation.state) == (RoleKind.DELEGATE, world.state_a)
    assert mail.outbox == []  # written in the transaction, sent by the mail worker
    assert send_due() == 1
    [message] = mail.outbox
    assert message.to == ["new.person@gov.ge"]
    assert message.subject == "[Dialogue] Ваша кандидатура выдвинута: СДЛ Стамбул"
    assert "/invite/" in message.body

    user = UserFactory(email="new.person@gov.ge", verified=False)
    EmailAddress.objects.create(user=user, email="new.person@gov.ge", verified=True, primary=True)
    nomination.refresh_from_db()
    assert nomination.person == user


# --- Decisions and the waitlist --------------------------------------------------------------


def test_approve_beyond_the_capacity_is_refused(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    registration.configure_registration(
        by=staff,
        meeting=open_meeting,
        nomination_deadline=open_meeting.registration_settings.nomination_deadline,
        confirmation_deadline=open_meeting.registration_settings.confirmation_deadline,
        capacity=1,
    )
    first, second = (_nominate(world, open_meeting, f"p{n}@gov.ge") for n in range(2))
    registration.approve(by=staff, nomination=first)
    with pytest.raises(ValidationError, match="meeting is full: 1 of 1"):
        registration.approve(by=staff, nomination=second)


def test_a_freed_seat_promotes_the_waitlist_in_order(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    head = _nominate(world, open_meeting, "head@gov.ge", category="head_of_delegation")
    member = _nominate(world, open_meeting, "member@gov.ge")
    waiting_first = _nominate(world, open_meeting, "waiting1@gov.ge")
    waiting_second = _nominate(
        world, open_meeting, "w2@gov.md", by="focal_point_b", state=world.state_b
    )
    registration.approve(by=staff, nomination=head)
    registration.approve(by=staff, nomination=member)
    registration.waitlist(by=staff, nomination=waiting_first)
    registration.waitlist(by=staff, nomination=waiting_second)

    registration.withdraw(by=world.person("focal_point_a"), nomination=member, confirm=True)

    waiting_first.refresh_from_db()
    waiting_second.refresh_from_db()
    assert (waiting_first.status, waiting_first.decided_by) == ("approved", None)
    assert waiting_second.status == "waitlisted"
    assert _types(open_meeting)[-2:] == ["nomination.withdrawn", "nomination.promoted"]
    promoted = Event.objects.filter(type="nomination.promoted").get()
    recipients = set(
        Notification.objects.filter(event=promoted).values_list("user__email", flat=True)
    )
    assert "focal_point_a@example.org" in recipients
    assert "focal_point_b@example.org" not in recipients


def test_raising_the_capacity_promotes_the_waitlist(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    settings_ = open_meeting.registration_settings
    registration.configure_registration(
        by=staff,
        meeting=open_meeting,
        nomination_deadline=settings_.nomination_deadline,
        confirmation_deadline=settings_.confirmation_deadline,
        capacity=1,
    )
    first, second = (_nominate(world, open_meeting, f"p{n}@gov.ge") for n in range(2))
    registration.approve(by=staff, nomination=first)
    registration.waitlist(by=staff, nomination=second)
    registration.configure_registration(
        by=staff,
        meeting=open_meeting,
        nomination_deadline=settings_.nomination_deadline,
        confirmation_deadline=settings_.confirmation_deadline,
        capacity=2,
    )
    second.refresh_from_db()
    assert second.status == "approved"


def test_reject_needs_a_reason_the_focal_point_sees(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nomination = _nominate(world, open_meeting, "no@gov.ge")
    with pytest.raises(ValidationError, match="Give the reason"):
        registration.reject(by=staff, nomination=nomination, reason=" ")
    rejected = registration.reject(
        by=staff, nomination=nomination, reason="Not a government official"
    )
    assert (rejected.status, rejected.status_reason) == ("rejected", "Not a government official")
    event = Event.objects.get(type="nomination.rejected")
    assert event.data["reason"] == "Not a government official"
    with pytest.raises(ValidationError, match="cannot go from"):
        registration.approve(by=staff, nomination=rejected)


def test_decisions_are_the_secretariats(world: World, open_meeting: Meeting) -> None:
    nomination = _nominate(world, open_meeting, "self@gov.ge")
    with pytest.raises(PermissionDenied):
        registration.approve(by=world.person("focal_point_a"), nomination=nomination)


def test_the_same_decision_twice_changes_nothing(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nomination = _nominate(world, open_meeting, "double@gov.ge")
    registration.approve(by=staff, nomination=nomination)
    registration.approve(by=staff, nomination=nomination)
    assert _types(open_meeting) == ["nomination.submitted", "nomination.approved"]


def test_withdraw_after_the_deadline_by_the_nominee_not_the_focal_point(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nomination = _nominate(world, open_meeting, "delegate_a@example.org")
    past = timezone.now() - datetime.timedelta(hours=1)
    with at(past - datetime.timedelta(days=1)):  # set while it was still ahead
        registration.configure_registration(
            by=staff,
            meeting=open_meeting,
            nomination_deadline=past,
            confirmation_deadline=past + datetime.timedelta(days=30),
            capacity=None,
        )
    with pytest.raises(ValidationError, match="deadline for nominations has passed"):
        registration.withdraw(by=world.person("focal_point_a"), nomination=nomination, confirm=True)
    withdrawn = registration.withdraw(
        by=world.person("delegate_a"), nomination=nomination, confirm=True
    )
    assert withdrawn.status == "withdrawn"


def test_replace_keeps_the_category_and_the_seat(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    head = _nominate(world, open_meeting, "head@gov.ge", category="head_of_delegation")
    _nominate(world, open_meeting, "a@gov.ge")
    _nominate(world, open_meeting, "b@gov.ge")
    registration.approve(by=staff, nomination=head)
    new = registration.replace(
        by=world.person("focal_point_a"),
        nomination=head,
        email="new.head@gov.ge",
        full_name="New Head",
    )
    head.refresh_from_db()
    assert (head.status, new.status, new.category, new.replaces) == (
        "withdrawn",
        "nominated",
        "head_of_delegation",
        head,
    )
    assert "Replaced by New Head" in head.status_reason


def test_designate_head_swaps_the_categories(world: World, open_meeting: Meeting) -> None:
    head = _nominate(world, open_meeting, "head@gov.ge", category="head_of_delegation")
    member = _nominate(world, open_meeting, "member@gov.ge")
    registration.designate_head(by=world.person("focal_point_a"), nomination=member)
    head.refresh_from_db()
    member.refresh_from_db()
    assert (head.category, member.category) == ("delegate", "head_of_delegation")


def test_funding_is_granted_within_the_funded_seats(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    first = _nominate(world, open_meeting, "f1@gov.ge", funding_requested=True, funding_priority=1)
    second = _nominate(world, open_meeting, "f2@gov.ge", funding_requested=True, funding_priority=2)
    assert (first.funding, second.funding_priority) == ("requested", 2)
    registration.decide_funding(by=staff, nomination=first, granted=True)
    with pytest.raises(ValidationError, match="All 1 funded seats of Georgia are granted"):
        registration.decide_funding(by=staff, nomination=second, granted=True)
    assert registration.decide_funding(by=staff, nomination=second, granted=False).funding == (
        "declined"
    )


def test_bulk_approve_follows_the_single_rules_and_ignores_foreign_ids(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    settings_ = open_meeting.registration_settings
    registration.configure_registration(
        by=staff,
        meeting=open_meeting,
        nomination_deadline=settings_.nomination_deadline,
        confirmation_deadline=settings_.confirmation_deadline,
        capacity=2,
    )
    ours = [_nominate(world, open_meeting, f"p{n}@gov.ge") for n in range(3)]
    result = registration.bulk_decide(
        by=staff,
        meeting=open_meeting,
        nomination_ids=[n.pk for n in ours] + [999_999],
        action="approve",
        confirm=True,
    )
    assert [n.pk for n in result.done] == [ours[0].pk, ours[1].pk]
    [(refused, message)] = result.refused
    assert refused.pk == ours[2].pk
    assert "meeting is full" in message


def test_quota_lines_show_what_is_left(world: World, open_meeting: Meeting) -> None:
    _nominate(world, open_meeting, "one@gov.ge")
    [line] = registration.quota_lines(open_meeting, world.state_a)
    assert (line.rule.seats, line.used, line.remaining, line.funded_remaining) == (3, 1, 2, 1)


# --- After approval --------------------------------------------------------------------------


def test_confirm_needs_the_required_answers(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    question = registration.add_question(
        by=staff,
        meeting=open_meeting,
        topic="visa",
        text={"en": "Do you need a visa?"},
        required=True,
    )
    nomination = _nominate(world, open_meeting, "delegate_a@example.org")
    delegate = world.person("delegate_a")
    with pytest.raises(ValidationError, match="Only an approved participant"):
        registration.confirm_participation(by=delegate, nomination=nomination, answers={})
    registration.approve(by=staff, nomination=nomination)
    with pytest.raises(ValidationError, match="Answer “Do you need a visa"):
        registration.confirm_participation(by=delegate, nomination=nomination, answers={})
    confirmed = registration.confirm_participation(
        by=delegate, nomination=nomination, answers={question.pk: "Yes, Schengen"}
    )
    assert confirmed.confirmed_at is not None
    assert FollowUpAnswer.objects.get(nomination=nomination).answer == "Yes, Schengen"


def test_check_in_once_then_says_when(world: World, open_meeting: Meeting, staff: User) -> None:
    nomination = _nominate(world, open_meeting, "arrives@gov.ge")
    with pytest.raises(ValidationError, match="not approved"), at(ON_THE_DAY):
        registration.check_in(by=staff, meeting=open_meeting, token=nomination.checkin_token)
    registration.approve(by=staff, nomination=nomination)
    with at(ON_THE_DAY):
        first = registration.check_in(
            by=staff, meeting=open_meeting, token=nomination.checkin_token
        )
        again = registration.check_in(
            by=staff, meeting=open_meeting, token=nomination.checkin_token
        )
        with pytest.raises(ValidationError, match="not known"):
            registration.check_in(by=staff, meeting=open_meeting, token="forged")
    assert (first.already, again.already) == (False, True)
    assert again.nomination.checked_in_at == first.nomination.checked_in_at
    event = Event.objects.get(type="nomination.checked_in")
    assert get_policy().receivers(event.audience, [world.person("focal_point_a")]) == []
    assert not Notification.objects.filter(event=event).exists()


def test_upload_letter_makes_versions_for_the_delegation(
    world: World, open_meeting: Meeting, staff: User, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    fp = world.person("focal_point_a")
    first = registration.upload_letter(
        by=fp,
        meeting=open_meeting,
        member=world.state_a,
        upload=SimpleUploadedFile("../../note verbale.pdf", PDF_BYTES),
    )
    second = registration.upload_letter(
        by=fp,
        meeting=open_meeting,
        member=world.state_a,
        upload=SimpleUploadedFile("note2.pdf", PDF_BYTES),
    )
    assert (first.version, second.version, first.original_name) == (1, 2, "note verbale.pdf")
    assert "note verbale" not in first.file.name
    registration.verify_letter(by=staff, letter=second)
    second.refresh_from_db()
    assert second.verified_by == staff
    with pytest.raises(ValidationError, match="not accepted here"):
        registration.upload_letter(
            by=fp,
            meeting=open_meeting,
            member=world.state_a,
            upload=SimpleUploadedFile("letter.pdf", b"MZ\x90\x00 an executable"),
        )
    with pytest.raises(PermissionDenied):
        registration.upload_letter(
            by=world.person("focal_point_b"),
            meeting=open_meeting,
            member=world.state_a,
            upload=SimpleUploadedFile("note.pdf", PDF_BYTES),
        )
    assert NominationLetter.objects.count() == 2


# --- Personal data ---------------------------------------------------------------------------


def test_erase_person_keeps_the_statistics(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nomination = _nominate(
        world, open_meeting, "gone@gov.ge", gender="female", passport_number="P123"
    )
    registration.approve(by=staff, nomination=nomination)
    assert registration.erase_person(by=staff, nomination=nomination) == 1
    nomination.refresh_from_db()
    assert (nomination.full_name, nomination.email, nomination.passport_number) == ("", "", "")
    assert (nomination.status, nomination.gender, nomination.category) == (
        "withdrawn",
        "female",
        "delegate",
    )
    assert nomination.erased_at is not None


def test_erase_expired_removes_fields_once_their_time_has_come(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    question = registration.add_question(
        by=staff, meeting=open_meeting, topic="dietary", text={"en": "Diet?"}, retention_days=10
    )
    nomination = _nominate(world, open_meeting, "kept@gov.ge", passport_number="P1", phone="+995 1")
    registration.approve(by=staff, nomination=nomination)
    registration.confirm_participation(
        by=staff, nomination=nomination, answers={question.pk: "Vegetarian"}
    )
    after_a_month = open_meeting.ends_at + datetime.timedelta(days=31)
    done = registration.erase_expired(now=after_a_month)
    nomination.refresh_from_db()
    assert (nomination.passport_number, nomination.phone, nomination.full_name) == (
        "",
        "+995 1",
        "Kept",
    )
    assert (done["passport_number"], done["follow_up_answers"]) == (1, 1)
    registration.erase_expired(now=open_meeting.ends_at + datetime.timedelta(days=2000))
    nomination.refresh_from_db()
    assert (nomination.full_name, nomination.email, nomination.erased_at is not None) == (
        "",
        "",
        True,
    )


def test_personal_data_of_a_person_lists_their_nominations(
    world: World, open_meeting: Meeting
) -> None:
    _nominate(world, open_meeting, "delegate_a@example.org", passport_number="P9")
    data = registration.personal_data_of(world.person("delegate_a"))
    [entry] = data["nominations"]
    # Texts written in several languages are exported in all of them.
    assert (entry["meeting"], entry["passport_number"], entry["delegation"]) == (
        {"en": "SOM Istanbul", "ru": "СДЛ Стамбул"},
        "P9",
        {"en": "Georgia", "ru": "Грузия"},
    )


def test_delegation_is_one_row_per_member(world: World, open_meeting: Meeting) -> None:
    for n in range(3):
        _nominate(world, open_meeting, f"p{n}@gov.ge")
    assert Delegation.objects.filter(meeting=open_meeting).count() == 1


def test_the_nominee_changes_their_details_but_not_the_delegations_choices(
    world: World, open_meeting: Meeting
) -> None:
    nomination = _nominate(world, open_meeting, "delegate_a@example.org")
    delegate = world.person("delegate_a")
    assert registration.update_details(
        by=delegate, nomination=nomination, phone="+995 1"
    ).phone == ("+995 1")
    with pytest.raises(PermissionDenied):
        registration.designate_head(by=delegate, nomination=nomination)
    with pytest.raises(PermissionDenied):
        registration.request_funding(by=delegate, nomination=nomination, priority=1)
    with pytest.raises(PermissionDenied):
        registration.replace(
            by=delegate, nomination=nomination, email="other@gov.ge", full_name="Other"
        )


def test_a_nominee_without_an_account_hears_of_decisions_through_the_outbox(
    world: World, open_meeting: Meeting, staff: User, settings: Any
) -> None:
    nomination = _nominate(world, open_meeting, "no.account@gov.ge")
    registration.approve(by=staff, nomination=nomination)
    queued = list(
        OutboxEmail.objects.filter(to_address="no.account@gov.ge").values_list("subject", flat=True)
    )
    assert queued == [
        "[Dialogue] You are nominated for SOM Istanbul",
        "[Dialogue] Your participation in SOM Istanbul is approved",
    ]
    settings.EMAIL_BACKEND = "tests.meetings.test_registration.FailingBackend"
    assert send_due() == 0  # the mail server is down: kept, retried later
    assert OutboxEmail.objects.filter(sent_at__isnull=True, attempts=1).count() == 2
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_due(now=timezone.now() + datetime.timedelta(minutes=5)) == 2
    assert [m.to for m in mail.outbox] == [["no.account@gov.ge"]] * 2


class FailingBackend:
    def __init__(self, **kwargs: Any) -> None:
        pass

    def send_messages(self, messages: Any) -> int:
        raise ConnectionRefusedError("the mail server is down")


def _configure(meeting: Meeting, staff: User, nominations: datetime.datetime) -> None:
    registration.configure_registration(
        by=staff,
        meeting=meeting,
        nomination_deadline=nominations,
        confirmation_deadline=max(nominations, meeting.starts_at - datetime.timedelta(days=1)),
        capacity=None,
    )


def test_a_deadline_after_the_meeting_ends_is_refused(meeting: Meeting, staff: User) -> None:
    with pytest.raises(
        ValidationError, match="The nomination deadline must fall before the meeting ends"
    ):
        _configure(meeting, staff, meeting.ends_at + datetime.timedelta(days=1))
    assert not RegistrationSettings.objects.filter(meeting=meeting).exists()


def test_a_deadline_already_past_is_refused_when_set_not_when_kept(
    meeting: Meeting, staff: User
) -> None:
    with pytest.raises(ValidationError, match="The nomination deadline is already past"):
        _configure(meeting, staff, timezone.now() - datetime.timedelta(hours=1))
    deadline = timezone.now() + datetime.timedelta(days=1)
    _configure(meeting, staff, deadline)
    with at(deadline + datetime.timedelta(days=2)):
        # the deadline passed; the secretariat still edits the rest of the settings
        registration.configure_registration(
            by=staff,
            meeting=meeting,
            nomination_deadline=deadline,
            confirmation_deadline=meeting.starts_at - datetime.timedelta(days=1),
            capacity=40,
        )
    assert RegistrationSettings.objects.get(meeting=meeting).capacity == 40


def test_a_quota_of_no_seats_is_refused(meeting: Meeting, staff: User) -> None:
    with pytest.raises(ValidationError, match="A quota has at least one seat"):
        registration.set_quota(
            by=staff, meeting=meeting, member_kind="participating", categories=["delegate"], seats=0
        )
    assert not meeting.quota_rules.exists()


# --- Check-in at the door ----------------------------------------------------------------------


def _approved_nominee(world: World, meeting: Meeting, staff: User) -> Nomination:
    return registration.approve(by=staff, nomination=_nominate(world, meeting, "door@gov.ge"))


def test_check_in_three_months_early_is_refused(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nominee = _approved_nominee(world, open_meeting, staff)
    with at(START - datetime.timedelta(days=90)), pytest.raises(ValidationError) as refused:
        registration.check_in(by=staff, meeting=open_meeting, token=nominee.checkin_token)
    assert refused.value.messages == [
        "Check-in opens on March 9, 2027 at 6 p.m. (local time of the meeting)."
    ]
    nominee.refresh_from_db()
    assert nominee.checked_in_at is None


def test_check_in_opens_the_evening_before_in_the_meetings_zone(
    world: World, open_meeting: Meeting, staff: User, settings: Any
) -> None:
    settings.CHECK_IN_OPENS_THE_DAY_BEFORE_AT = "18:00"
    nominee = _approved_nominee(world, open_meeting, staff)
    # 18:00 in Istanbul (UTC+3) the day before the meeting's 09:00 start
    opens = datetime.datetime(2027, 3, 9, 15, 0, tzinfo=datetime.UTC)
    with at(opens - datetime.timedelta(minutes=1)), pytest.raises(ValidationError):
        registration.check_in(by=staff, meeting=open_meeting, token=nominee.checkin_token)
    with at(opens):
        arrived = registration.check_in(by=staff, meeting=open_meeting, token=nominee.checkin_token)
    assert arrived.nomination.checked_in_at == opens


def test_check_in_closes_after_the_meetings_last_day(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nominee = _approved_nominee(world, open_meeting, staff)
    next_morning = datetime.datetime(2027, 3, 11, 6, 0, tzinfo=datetime.UTC)
    with at(next_morning), pytest.raises(ValidationError) as refused:
        registration.check_in(by=staff, meeting=open_meeting, token=nominee.checkin_token)
    assert refused.value.messages == [
        "Check-in closed at the end of the meeting's last day (March 10, 2027)."
    ]


def test_undo_a_check_in_keeps_who_and_when_and_tells_the_desk(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nominee = _approved_nominee(world, open_meeting, staff)
    colleague = world.person("secretariat_admin")
    with at(ON_THE_DAY):
        registration.check_in(by=staff, meeting=open_meeting, token=nominee.checkin_token)
    with at(ON_THE_DAY + datetime.timedelta(minutes=3)):
        undone = registration.undo_check_in(by=colleague, nomination=nominee)
    nominee.refresh_from_db()
    assert (nominee.checked_in_at, nominee.checked_in_by) == (None, None)
    assert (undone.checked_in_at, undone.checked_in_by, undone.undone_by, undone.undone_at) == (
        ON_THE_DAY,
        staff,
        colleague,
        ON_THE_DAY + datetime.timedelta(minutes=3),
    )
    event = Event.objects.get(type="nomination.check_in_undone")
    assert event.audience == {"kind": "secretariat", "dialogue": world.dialogue.pk}
    assert not Notification.objects.filter(event=event).exists()  # live only
    with pytest.raises(ValidationError, match="is not checked in: there is nothing to undo"):
        registration.undo_check_in(by=colleague, nomination=nominee)
    with at(ON_THE_DAY + datetime.timedelta(minutes=10)):
        client = client_for(staff)
        desk = client.get(f"/meetings/{open_meeting.pk}/check-in/counts/").content.decode()
    assert "Door: undone by Secretariat" in " ".join(desk.split())
    assert "0 of 1 approved participant has arrived" in " ".join(desk.split())


def test_undo_a_check_in_is_the_secretariats(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nominee = _approved_nominee(world, open_meeting, staff)
    with at(ON_THE_DAY):
        registration.check_in(by=staff, meeting=open_meeting, token=nominee.checkin_token)
    with pytest.raises(PermissionDenied):
        registration.undo_check_in(by=world.person("focal_point_a"), nomination=nominee)
