"""Who is here: in person or online, the online links, attendance per day
(``meetings.session.hybrid``)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from meetings.models import AttendanceDay, Meeting, Nomination, OnlineLink
from meetings.session import hybrid, queries, speakers
from notifications.models import Event
from tests.conftest import World, at, client_for
from tests.meetings.conftest import ON_THE_DAY, START
from tests.meetings.session_scene import InSession, meeting_in_session


@pytest.fixture
def room(world: World) -> InSession:
    meeting = meeting_in_session(world, check_in=False)
    Meeting.objects.filter(pk=meeting.meeting.pk).update(
        format="hybrid", languages=["en", "ru"], interpretation=["ar"]
    )
    meeting.meeting.refresh_from_db()
    return meeting


def _nomination(room: InSession, person: Any) -> Nomination:
    return Nomination.objects.get(meeting=room.meeting, person=person)


def _links(world: World, room: InSession) -> dict[str, OnlineLink]:
    staff = world.person("secretariat_staff")
    return {
        name: hybrid.set_online_link(by=staff, meeting=room.meeting, url=url, **fields)
        for name, url, fields in (
            ("speaker", "https://meet.example.org/speak-secret", {"kind": "speaker"}),
            ("listener", "https://meet.example.org/listen-secret", {"kind": "listener"}),
            ("ar", "https://meet.example.org/arabic", {"kind": "interpretation", "language": "ar"}),
        )
    }


def _during_the_meeting(monkeypatch: pytest.MonkeyPatch) -> None:
    during = START + datetime.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: during)


def test_focal_point_chooses_online_and_a_speaker(world: World, room: InSession) -> None:
    nomination = _nomination(room, room.delegate_a)
    chosen = hybrid.choose_participation(
        by=world.person("focal_point_a"), nomination=nomination, mode="online", speaker=True
    )
    assert (chosen.mode, chosen.speaker) == ("online", True)
    event = Event.objects.filter(type="nomination.updated").latest("id")
    assert event.data["changed"] == ["participation"]


def test_focal_point_of_another_state_cannot_choose(world: World, room: InSession) -> None:
    with pytest.raises(PermissionDenied):
        hybrid.choose_participation(
            by=world.person("focal_point_b"),
            nomination=_nomination(room, room.delegate_a),
            mode="online",
        )


def test_choice_closes_at_the_deadline_but_for_the_secretariat(
    world: World, room: InSession
) -> None:
    hybrid.set_participation_deadline(
        by=world.person("secretariat_staff"),
        meeting=room.meeting,
        deadline=timezone.now() - datetime.timedelta(minutes=1),
    )
    nomination = _nomination(room, room.delegate_a)
    with pytest.raises(ValidationError, match="ask the secretariat"):
        hybrid.choose_participation(
            by=world.person("focal_point_a"), nomination=nomination, mode="online"
        )
    hybrid.choose_participation(
        by=world.person("secretariat_staff"), nomination=nomination, mode="online"
    )


def test_in_person_meeting_refuses_online(world: World, room: InSession) -> None:
    Meeting.objects.filter(pk=room.meeting.pk).update(format="in_person")
    nomination = _nomination(room, room.delegate_a)
    nomination.meeting.refresh_from_db()
    with pytest.raises(ValidationError, match="in person only"):
        hybrid.choose_participation(
            by=world.person("focal_point_a"), nomination=nomination, mode="online"
        )


def test_online_links_go_only_to_those_entitled(world: World, room: InSession) -> None:
    links = _links(world, room)
    hybrid.choose_participation(
        by=world.person("focal_point_a"),
        nomination=_nomination(room, room.delegate_a),
        mode="online",
        speaker=True,
    )
    hybrid.choose_participation(
        by=world.person("focal_point_b"),
        nomination=_nomination(room, room.delegate_b),
        mode="online",
    )

    def kinds(user: Any) -> set[str]:
        return {f"{x.kind}{x.language}" for x in queries.online_links_for(user, room.meeting)}

    assert kinds(room.delegate_a) == {"speaker", "interpretationar"}
    assert kinds(room.delegate_b) == {"listener", "interpretationar"}
    assert kinds(room.observer) == set()  # in the room
    assert kinds(world.person("focal_point_b")) == set()
    assert kinds(world.person("focal_point_a")) == set()
    assert len(kinds(world.person("secretariat_staff"))) == 3
    # The address itself is never on a page: the platform's redirect is.
    page = client_for(room.delegate_a).get(f"/meetings/{room.meeting.pk}/").content.decode()
    assert f"/meetings/{room.meeting.pk}/online/{links['speaker'].pk}/" in page
    assert "speak-secret" not in page
    assert (
        client_for(world.person("focal_point_b"))
        .get(f"/meetings/{room.meeting.pk}/online/{links['speaker'].pk}/")
        .status_code
        == 404
    )


def test_online_link_redirect_records_the_day_once(
    world: World, room: InSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    links = _links(world, room)
    hybrid.choose_participation(
        by=world.person("secretariat_staff"),
        nomination=_nomination(room, room.delegate_b),
        mode="online",
    )
    _during_the_meeting(monkeypatch)
    client = client_for(room.delegate_b)
    for _ in range(2):
        answer = client.get(f"/meetings/{room.meeting.pk}/online/{links['listener'].pk}/")
        assert answer.status_code == 302
        assert answer["Location"] == "https://meet.example.org/listen-secret"
    (day,) = AttendanceDay.objects.all()
    assert (day.day, day.mode) == (datetime.date(2027, 3, 10), "online")
    assert Event.objects.filter(type="attendance.recorded").count() == 1
    counts = queries.attendance_counts(room.meeting, day.day)
    assert [(c.delegation, c.in_person, c.online) for c in counts] == [
        ("Republic of Moldova", 0, 1)
    ]
    # Present today: the tour de table counts the delegation in.
    assert [d.key for d in speakers.present_delegations(room.meeting)] == ["MD"]


def test_desk_records_attendance_per_day_on_the_meeting_days_only(
    world: World, room: InSession
) -> None:
    staff = world.person("secretariat_staff")
    nomination = _nomination(room, room.delegate_a)
    hybrid.record_attendance(
        by=staff, nomination=nomination, day=datetime.date(2027, 3, 10), mode="in_person"
    )
    with pytest.raises(ValidationError, match="meeting's days"):
        hybrid.record_attendance(
            by=staff, nomination=nomination, day=datetime.date(2027, 3, 12), mode="in_person"
        )
    with pytest.raises(PermissionDenied):
        hybrid.record_attendance(
            by=world.person("chair"),
            nomination=nomination,
            day=datetime.date(2027, 3, 10),
            mode="in_person",
        )
    page = client_for(staff).get(f"/meetings/{room.meeting.pk}/session/attendance/?day=2027-03-10")
    assert "Georgia" in page.content.decode()


def test_certificate_states_the_days_attended_in_the_room_and_online(
    world: World, room: InSession
) -> None:
    from meetings.registration.printing import letters

    staff = world.person("secretariat_staff")
    nomination = _nomination(room, room.delegate_a)
    hybrid.record_attendance(
        by=staff, nomination=nomination, day=datetime.date(2027, 3, 10), mode="online"
    )
    values = letters.values_for(Nomination.objects.get(pk=nomination.pk), "en")
    assert (
        values["days_attended"] == f"{letters.full_date(datetime.date(2027, 3, 10), 'en')} (online)"
    )
    with at(ON_THE_DAY):  # issued from the meeting's first day
        assert letters.refusal(nomination, "certificate") is None  # attended online only


def test_statistics_count_participant_days_in_the_room_and_online(
    world: World, room: InSession
) -> None:
    from meetings.registration.participants import reports

    staff = world.person("secretariat_staff")
    for person, mode in ((room.delegate_a, "in_person"), (room.delegate_b, "online")):
        hybrid.record_attendance(
            by=staff,
            nomination=_nomination(room, person),
            day=datetime.date(2027, 3, 10),
            mode=mode,
        )
    figures = reports.statistics(room.meeting)
    assert (figures.days_in_person, figures.days_online) == (1, 1)
    year = reports.dialogue_statistics(world.dialogue, 2027).statistics
    assert (year.days_in_person, year.days_online) == (1, 1)
