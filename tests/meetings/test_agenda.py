from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from dialogue.models import User
from meetings import agenda
from meetings.models import AgendaItem, Meeting
from notifications.models import Event
from tests.meetings.conftest import START

pytestmark = pytest.mark.django_db


def _agenda(meeting: Meeting, staff: User) -> list[AgendaItem]:
    session = agenda.add_item(by=staff, meeting=meeting, kind="session", title={"en": "Opening"})
    items = [
        agenda.add_item(
            by=staff,
            meeting=meeting,
            parent=session,
            title={"en": title},
            duration_minutes=minutes,
            room="Hall A",
        )
        for title, minutes in [
            ("Welcome", 30),
            ("Adoption of the agenda", 15),
            ("Report", 45),
            ("Legal pathways", 60),
        ]
    ]
    agenda.change_item(by=staff, item=items[0], starts_at=START)
    return items


def test_items_without_a_start_follow_the_one_before(meeting: Meeting, staff: User) -> None:
    _agenda(meeting, staff)
    starts = [(i["number"], i["starts_at"]) for i in agenda.snapshot(meeting)]
    assert starts == [
        ("", "2027-03-10T06:00:00+00:00"),
        ("1", "2027-03-10T06:00:00+00:00"),
        ("2", "2027-03-10T06:30:00+00:00"),
        ("3", "2027-03-10T06:45:00+00:00"),
        ("4", "2027-03-10T07:30:00+00:00"),
    ]


def test_release_then_move_item_4_says_so(meeting: Meeting, staff: User) -> None:
    items = _agenda(meeting, staff)
    first = agenda.release_agenda(by=staff, meeting=meeting, note="v1")
    agenda.change_item(
        by=staff, item=items[3], starts_at=START + datetime.timedelta(hours=5, minutes=30)
    )
    second = agenda.release_agenda(by=staff, meeting=meeting, note="Item 4 after lunch")
    assert (first.number, second.number) == (1, 2)
    assert [c["change"] for c in second.changes] == ["moved"]
    with translation.override("en"):
        line = agenda.describe_change(second.changes[0], meeting.zone)
    assert line == "Item 4 “Legal pathways” moved from 10:30 to 14:30"
    event = Event.objects.filter(type="agenda.released").order_by("-id").first()
    assert event is not None
    assert (event.data["number"], event.data["changed_keys"]) == (2, [items[3].pk])


def test_releasing_an_unchanged_draft_twice_makes_one_version(
    meeting: Meeting, staff: User
) -> None:
    _agenda(meeting, staff)
    agenda.release_agenda(by=staff, meeting=meeting, note="v1")
    with pytest.raises(ValidationError, match="Nothing changed since version 1"):
        agenda.release_agenda(by=staff, meeting=meeting, note="v1 again")
    assert meeting.agenda_releases.count() == 1


def test_rename_room_add_remove_are_told_apart(meeting: Meeting, staff: User) -> None:
    items = _agenda(meeting, staff)
    agenda.release_agenda(by=staff, meeting=meeting, note="v1")
    agenda.change_item(by=staff, item=items[0], title={"en": "Welcome by the Chair"})
    agenda.change_item(by=staff, item=items[1], room="Hall B")
    agenda.remove_item(by=staff, item=items[2])
    agenda.add_item(
        by=staff,
        meeting=meeting,
        title={"en": "Any other business"},
        starts_at=START + datetime.timedelta(hours=7),
    )
    release = agenda.release_agenda(by=staff, meeting=meeting, note="v2")
    assert sorted((c["change"], c["title_i18n"]["en"]) for c in release.changes) == sorted(
        [
            ("renamed", "Welcome by the Chair"),
            ("room", "Adoption of the agenda"),
            ("removed", "Report"),
            ("moved", "Legal pathways"),  # it follows the removed item, so it starts earlier
            ("added", "Any other business"),
        ]
    )


def test_internal_items_never_reach_participants(meeting: Meeting, staff: User) -> None:
    _agenda(meeting, staff)
    agenda.add_item(by=staff, meeting=meeting, title={"en": "Budget with the host"}, internal=True)
    release = agenda.release_agenda(by=staff, meeting=meeting, note="v1")
    assert "Budget with the host" in [i["title_i18n"]["en"] for i in release.items]
    assert "Budget with the host" not in [
        i["title_i18n"]["en"] for i in agenda.public_items(release.items)
    ]
    event = Event.objects.get(type="agenda.released")
    assert "Budget with the host" not in str(event.data)


def test_nesting_is_one_level_only(meeting: Meeting, staff: User) -> None:
    session = agenda.add_item(by=staff, meeting=meeting, kind="session", title={"en": "S"})
    with pytest.raises(ValidationError, match="cannot be nested"):
        agenda.add_item(
            by=staff, meeting=meeting, kind="session", parent=session, title={"en": "S2"}
        )
    item = agenda.add_item(by=staff, meeting=meeting, parent=session, title={"en": "I"})
    with pytest.raises(ValidationError, match="nested in a session"):
        agenda.add_item(by=staff, meeting=meeting, parent=item, title={"en": "I2"})


def test_release_needs_a_note(meeting: Meeting, staff: User) -> None:
    _agenda(meeting, staff)
    with pytest.raises(ValidationError, match="what this version changes"):
        agenda.release_agenda(by=staff, meeting=meeting, note="  ")


def test_internal_items_take_no_number(meeting: Meeting, staff: User) -> None:
    agenda.add_item(by=staff, meeting=meeting, title={"en": "Host logistics"}, internal=True)
    agenda.add_item(by=staff, meeting=meeting, title={"en": "Opening"}, starts_at=START)
    numbers = [
        (i["title_i18n"]["en"], i["number"]) for i in agenda.public_items(agenda.snapshot(meeting))
    ]
    assert numbers == [("Opening", "1")]


def test_an_item_outside_the_meetings_days_is_refused(meeting: Meeting, staff: User) -> None:
    with pytest.raises(ValidationError) as refused:
        agenda.add_item(
            by=staff,
            meeting=meeting,
            title={"en": "A month off"},
            starts_at=START + datetime.timedelta(days=30),
        )
    assert refused.value.messages == [
        "An item falls within the meeting's days: from March 10, 2027 to March 10, 2027 "
        "(local time of the meeting)."
    ]
    assert not meeting.agenda_items.exists()
