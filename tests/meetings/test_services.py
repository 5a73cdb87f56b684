from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from dialogue.confirmation import asks_confirmation
from dialogue.models import Body, User
from meetings import registration, services
from meetings.models import Meeting
from meetings.reminders import send_due_reminders
from notifications import registry
from notifications.models import Event, Notification, OutboxEmail
from tests.conftest import World, at
from tests.meetings.conftest import ON_THE_DAY, START, set_up_registration

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


def _events(meeting: Meeting) -> list[str]:
    return list(
        Event.objects.filter(stream=f"meeting:{meeting.pk}")
        .order_by("id")
        .values_list("type", flat=True)
    )


def test_draft_is_silent_until_announced(world: World, staff: User, som: Body) -> None:
    draft = services.schedule_meeting(
        by=staff,
        dialogue=world.dialogue,
        body=som,
        kind="working_group",
        title={"en": "WG"},
        time_zone="Europe/Vienna",
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=2),
    )
    services.change_meeting(by=staff, meeting=draft, room="B")
    assert _events(draft) == []
    announced = services.transition(by=staff, meeting=draft, to="announced")
    assert _events(draft) == ["meeting.announced"]
    assert announced.sequence == 1


def test_every_transition_of_the_life_cycle_publishes(meeting: Meeting, staff: User) -> None:
    set_up_registration(meeting, staff)
    for to in ("registration_open", "registration_closed"):
        meeting = services.transition(by=staff, meeting=meeting, to=to)
    with at(ON_THE_DAY):
        meeting = services.transition(by=staff, meeting=meeting, to="in_session")
        meeting = services.transition(by=staff, meeting=meeting, to="concluded", confirm=True)
    # setting registration up before opening it is nobody's news
    assert _events(meeting) == ["meeting.announced"] + ["meeting.status_changed"] * 4
    assert meeting.sequence == 5


def test_registration_opens_only_once_set_up(meeting: Meeting, staff: User) -> None:
    with pytest.raises(ValidationError, match="Set up registration"):
        services.transition(by=staff, meeting=meeting, to="registration_open")
    set_up_registration(meeting, staff)
    assert services.transition(by=staff, meeting=meeting, to="registration_open").status == (
        "registration_open"
    )


def test_transition_outside_the_life_cycle_is_refused(meeting: Meeting, staff: User) -> None:
    with pytest.raises(ValidationError, match="cannot go from"):
        services.transition(by=staff, meeting=meeting, to="concluded")


def test_cancel_needs_a_reason_and_is_final(meeting: Meeting, staff: User) -> None:
    with pytest.raises(ValidationError, match="Say why"):
        services.transition(by=staff, meeting=meeting, to="cancelled")
    cancelled = services.transition(
        by=staff, meeting=meeting, to="cancelled", reason="Host withdrew", confirm=True
    )
    assert (cancelled.status, cancelled.status_reason) == ("cancelled", "Host withdrew")
    assert _events(meeting)[-1] == "meeting.cancelled"
    with pytest.raises(ValidationError):
        services.change_meeting(by=staff, meeting=cancelled, room="C")


def test_cancel_without_confirmation_says_who_will_be_told(
    meeting: Meeting, staff: User, world: World
) -> None:
    set_up_registration(meeting, staff)
    opened = services.transition(by=staff, meeting=meeting, to="registration_open")
    for email in ("one@example.org", "two@example.org"):
        nomination = registration.nominate(
            by=world.person("focal_point_a"),
            meeting=opened,
            member=world.state_a,
            email=email,
            full_name=email.split("@")[0].title(),
            category="delegate",
        )
        registration.approve(by=staff, nomination=nomination)
    with pytest.raises(ValidationError) as refused:
        services.transition(by=staff, meeting=opened, to="cancelled", reason="Storm")
    assert asks_confirmation(refused.value)
    assert refused.value.messages == [
        "Cancel the meeting: 2 approved participants and everyone following the meeting will be "
        "told, and their calendars will mark it cancelled. This cannot be undone."
    ]
    assert Meeting.objects.get(pk=meeting.pk).status == "registration_open"
    assert "meeting.cancelled" not in _events(meeting)


def test_session_opens_only_near_the_meetings_dates(meeting: Meeting, staff: User) -> None:
    set_up_registration(meeting, staff)
    for to in ("registration_open", "registration_closed"):
        meeting = services.transition(by=staff, meeting=meeting, to=to)
    three_months_early = START - datetime.timedelta(days=90)
    with at(three_months_early):
        assert "in_session" not in services.offered_transitions(meeting)
        with pytest.raises(ValidationError) as refused:
            services.transition(by=staff, meeting=meeting, to="in_session")
    assert refused.value.messages == [
        "The session can be opened only near the meeting's dates: from March 9, 2027 at 9 a.m. "
        "(local time of the meeting)."
    ]
    with at(START - datetime.timedelta(hours=23)):
        assert "in_session" in services.offered_transitions(meeting)
        opened = services.transition(by=staff, meeting=meeting, to="in_session")
    assert opened.status == "in_session"


def test_conclude_is_refused_before_the_meeting_and_asks_confirmation(
    meeting: Meeting, staff: User
) -> None:
    set_up_registration(meeting, staff)
    for to in ("registration_open", "registration_closed"):
        meeting = services.transition(by=staff, meeting=meeting, to=to)
    with at(ON_THE_DAY):
        meeting = services.transition(by=staff, meeting=meeting, to="in_session")
    with at(START - datetime.timedelta(days=2)), pytest.raises(ValidationError) as early:
        services.transition(by=staff, meeting=meeting, to="concluded", confirm=True)
    assert early.value.messages == [
        "The meeting can be concluded only once it has begun: from March 9, 2027 at 9 a.m. "
        "(local time of the meeting)."
    ]
    with at(ON_THE_DAY), pytest.raises(ValidationError) as unconfirmed:
        services.transition(by=staff, meeting=meeting, to="concluded")
    assert asks_confirmation(unconfirmed.value)
    assert unconfirmed.value.messages[0].startswith(
        "Conclude the meeting: the session ends for good"
    )
    with at(ON_THE_DAY):
        done = services.transition(by=staff, meeting=meeting, to="concluded", confirm=True)
    assert done.status == "concluded"


def test_postpone_and_announce_again(meeting: Meeting, staff: User) -> None:
    postponed = services.transition(by=staff, meeting=meeting, to="postponed", reason="Elections")
    again = services.transition(by=staff, meeting=postponed, to="announced")
    assert _events(meeting) == ["meeting.announced", "meeting.postponed", "meeting.status_changed"]
    assert again.sequence == 3


def test_reschedule_raises_sequence_and_says_what_moved(meeting: Meeting, staff: User) -> None:
    moved = services.change_meeting(
        by=staff,
        meeting=meeting,
        starts_at=START + datetime.timedelta(days=1),
        ends_at=START + datetime.timedelta(days=1, hours=8),
    )
    assert moved.sequence == meeting.sequence + 1
    event = Event.objects.filter(type="meeting.rescheduled").get()
    assert event.data["summary"] == (
        "Start moved from March 10, 2027, 9 a.m. to March 11, 2027, 9 a.m.; "
        "End moved from March 10, 2027, 5 p.m. to March 11, 2027, 5 p.m. (Europe/Istanbul)"
    )
    assert event.data["sequence"] == moved.sequence


def test_an_end_time_change_makes_one_notice_naming_it(
    world: World, meeting: Meeting, staff: User
) -> None:
    services.change_meeting(by=staff, meeting=meeting, ends_at=START + datetime.timedelta(hours=9))
    focal_point = world.person("focal_point_a")
    notices = list(Notification.objects.filter(user=focal_point, event__type="meeting.rescheduled"))
    assert len(notices) == 1
    # the reader's zone: Istanbul; in English, the site's time format
    with timezone.override(meeting.zone):
        described = registry.describe(notices[0].event)
    assert described.title == "Moved: SOM Istanbul"
    assert described.text == "End moved from 5 p.m. to 6 p.m."
    with timezone.override(datetime.UTC), translation.override("ru"):
        described = registry.describe(notices[0].event)
    assert described.text == "Окончание перенесено с 14:00 на 15:00"


def test_in_arabic_an_english_title_keeps_its_own_direction(
    world: World, meeting: Meeting, staff: User
) -> None:
    """An Arabic sentence around an English title ("Adopted: Conclusions (SOM Istanbul)") would
    have its brackets mirrored and its full stop moved: the title is isolated, in Arabic only."""
    services.change_meeting(by=staff, meeting=meeting, ends_at=START + datetime.timedelta(hours=9))
    event = Notification.objects.filter(event__type="meeting.rescheduled").first().event
    with translation.override("ar"):
        arabic = registry.describe(event)
    assert "\u2068SOM Istanbul\u2069" in arabic.title
    assert arabic.title.replace("\u2068SOM Istanbul\u2069", "").strip(": ") != ""
    with translation.override("en"):
        english = registry.describe(event)
    assert english.title == "Moved: SOM Istanbul"


def test_registration_set_up_before_opening_is_nobodys_news(
    world: World, meeting: Meeting, staff: User
) -> None:
    set_up_registration(meeting, staff)
    registration.set_quota(
        by=staff, meeting=meeting, member_kind="participating", categories=["expert"], seats=2
    )
    assert not Notification.objects.filter(event__type="registration.changed").exists()
    assert "registration.changed" not in _events(meeting)
    opened = services.transition(by=staff, meeting=meeting, to="registration_open")
    registration.configure_registration(
        by=staff,
        meeting=opened,
        nomination_deadline=START - datetime.timedelta(days=10),
        confirmation_deadline=START - datetime.timedelta(days=5),
        capacity=None,
    )
    assert _events(meeting)[-1] == "registration.changed"


def test_details_change_keeps_sequence(meeting: Meeting, staff: User) -> None:
    changed = services.change_meeting(
        by=staff, meeting=meeting, title={"en": "SOM Istanbul (updated)"}
    )
    assert changed.sequence == meeting.sequence
    assert _events(meeting)[-1] == "meeting.changed"


def test_no_change_publishes_nothing(meeting: Meeting, staff: User) -> None:
    services.change_meeting(by=staff, meeting=meeting, room="Hall A")
    assert _events(meeting) == ["meeting.announced"]


def test_other_secretariat_cannot_schedule_or_change(
    world: World, meeting: Meeting, som: Body
) -> None:
    other = world.people["secretariat_staff_other"]
    with pytest.raises(PermissionDenied):
        services.change_meeting(by=other, meeting=meeting, room="X")  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied):
        services.schedule_meeting(
            by=other,
            dialogue=world.dialogue,
            body=som,
            kind="training",
            title={"en": "T"},
            time_zone="UTC",
            starts_at=START,
            ends_at=START + datetime.timedelta(hours=1),
        )  # type: ignore[arg-type]


def test_meeting_must_end_after_it_starts(world: World, staff: User, som: Body) -> None:
    with pytest.raises(ValidationError, match="must end after it starts"):
        services.schedule_meeting(
            by=staff,
            dialogue=world.dialogue,
            body=som,
            kind="training",
            title={"en": "T"},
            time_zone="UTC",
            starts_at=START,
            ends_at=START,
        )


def test_followers_get_the_announcement_in_their_inbox(world: World, meeting: Meeting) -> None:
    got = set(
        Notification.objects.filter(event__type="meeting.announced").values_list(
            "user__email", flat=True
        )
    )
    # focal points, the chair and the secretariat act for the meeting; the author is told nothing
    acting = ("focal_point_a", "focal_point_b", "chair", "secretariat_admin")
    assert got == {f"{n}@example.org" for n in (*acting, "secretariat_without_2fa")}


def test_scheduling_conflicts_name_the_overlap(
    world: World, meeting: Meeting, staff: User, som: Body
) -> None:
    conflicts = services.scheduling_conflicts(
        dialogue=world.dialogue,
        body=som,
        starts_at=START + datetime.timedelta(hours=2),
        ends_at=START + datetime.timedelta(hours=4),
    )
    assert [(c.meeting, c.reason) for c in conflicts] == [(meeting, "same body")]
    other_body = Body.objects.create(
        dialogue=world.other_dialogue, kind=Body.Kind.WORKING_GROUP, name_i18n={"en": "WG"}
    )
    assert [
        c.reason
        for c in services.scheduling_conflicts(
            dialogue=world.other_dialogue,
            body=other_body,
            starts_at=START,
            ends_at=START + datetime.timedelta(hours=1),
            venue_name="Congress Center",
            room="Hall A",
        )
    ] == ["same venue and room"]
    assert (
        services.scheduling_conflicts(
            dialogue=world.dialogue,
            body=som,
            starts_at=START + datetime.timedelta(days=3),
            ends_at=START + datetime.timedelta(days=3, hours=1),
        )
        == []
    )


def test_reminder_goes_out_once_two_days_before(meeting: Meeting) -> None:
    assert send_due_reminders(now=START - datetime.timedelta(days=3)) == 0
    assert send_due_reminders(now=START - datetime.timedelta(days=1)) == 1
    assert send_due_reminders(now=START - datetime.timedelta(hours=20)) == 0
    assert _events(meeting)[-1] == "meeting.reminder"


def test_reminder_reaches_approved_participants_without_an_account_by_email(
    world: World, meeting: Meeting, staff: User
) -> None:
    set_up_registration(meeting, staff)
    opened = services.transition(by=staff, meeting=meeting, to="registration_open")
    nomination = registration.nominate(
        by=world.person("focal_point_a"),
        meeting=opened,
        member=world.state_a,
        email="nino@gov.ge",
        category="delegate",
        full_name="Nino Beridze",
    )
    registration.approve(by=staff, nomination=nomination)
    OutboxEmail.objects.all().delete()
    assert send_due_reminders(now=START - datetime.timedelta(days=1)) == 1
    (written,) = OutboxEmail.objects.filter(to_address="nino@gov.ge")
    assert written.subject == "[Dialogue] Reminder: SOM Istanbul starts soon"
    assert "SOM Istanbul starts on March 10, 2027, 9 a.m. (Europe/Istanbul)." in written.body
    assert f"/meetings/{meeting.pk}/" in written.body


def test_reminder_scheduled_before_a_reschedule_waits_for_the_new_date(
    meeting: Meeting, staff: User
) -> None:
    later = START + datetime.timedelta(days=7)
    services.change_meeting(
        by=staff, meeting=meeting, starts_at=later, ends_at=later + datetime.timedelta(hours=8)
    )
    assert (
        send_due_reminders(now=START - datetime.timedelta(days=1)) == 0
    )  # the old date passes quietly
    assert send_due_reminders(now=later - datetime.timedelta(days=1)) == 1


def _schedule(world: World, staff: User, som: Body, **fields: object) -> Meeting:
    return services.schedule_meeting(
        by=staff,
        dialogue=world.dialogue,
        body=som,
        **{
            "kind": "working_group",
            "title": {"en": "WG"},
            "time_zone": "Europe/Vienna",
            "starts_at": START,
            "ends_at": START + datetime.timedelta(hours=2),
            **fields,
        },
    )


def test_scheduling_a_meeting_already_over_needs_a_confirmation(
    world: World, staff: User, som: Body
) -> None:
    last_year = timezone.now() - datetime.timedelta(days=365)
    with pytest.raises(ValidationError) as refused:
        _schedule(world, staff, som, starts_at=last_year, ends_at=last_year + HOUR)
    assert refused.value.error_list[0].code == services.PAST_MEETING
    assert "This meeting is already over" in refused.value.messages[0]
    assert not Meeting.objects.exists()
    recorded = _schedule(
        world, staff, som, starts_at=last_year, ends_at=last_year + HOUR, confirm_past=True
    )
    assert recorded.status == "draft"


def test_moving_a_meeting_into_the_past_needs_a_confirmation(meeting: Meeting, staff: User) -> None:
    yesterday = timezone.now() - datetime.timedelta(days=1)
    with pytest.raises(ValidationError, match="This meeting is already over"):
        services.change_meeting(
            by=staff, meeting=meeting, starts_at=yesterday - HOUR, ends_at=yesterday
        )
    meeting.refresh_from_db()
    assert meeting.starts_at == START
    moved = services.change_meeting(
        by=staff, meeting=meeting, starts_at=yesterday - HOUR, ends_at=yesterday, confirm_past=True
    )
    assert moved.ends_at == yesterday
