"""The agenda as a programme: days, time order, times once in the meeting's zone, and the
calendar that carries it."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.test import Client
from icalendar import Calendar

from dialogue.models import User
from meetings import agenda
from meetings.models import Meeting
from tests.conftest import World, client_for
from tests.meetings.conftest import START, istanbul_meeting

pytestmark = pytest.mark.django_db

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def two_days(world: World, staff: User) -> Meeting:
    meeting = istanbul_meeting(world, ends_at=START + datetime.timedelta(days=1, hours=8))
    # Entered out of order: the second day's item first, the afternoon before the morning.
    agenda.add_item(
        by=staff, meeting=meeting, title={"en": "Day two opening"}, starts_at=START + 24 * HOUR
    )
    agenda.add_item(
        by=staff, meeting=meeting, title={"en": "Afternoon talk"}, starts_at=START + 5 * HOUR
    )
    agenda.add_item(
        by=staff,
        meeting=meeting,
        title={"en": "Morning talk"},
        starts_at=START,
        ends_at=START + HOUR,
    )
    agenda.release_agenda(by=staff, meeting=meeting, note="v1")
    return meeting


def _titles_in_order(page: str, *titles: str) -> list[str]:
    return sorted(titles, key=page.index)


def test_agenda_lists_items_by_day_in_time_order(two_days: Meeting, world: World) -> None:
    page = client_for(world.person("delegate_a")).get(f"/meetings/{two_days.pk}/").content.decode()
    assert _titles_in_order(page, "Day two opening", "Afternoon talk", "Morning talk") == [
        "Morning talk",
        "Afternoon talk",
        "Day two opening",
    ]
    headings = re.findall(r'<h3 class="agenda-day">([^<]+)</h3>', page)
    assert headings == ["Wednesday, March 10, 2027", "Thursday, March 11, 2027"]
    assert page.index(headings[1]) < page.index("Day two opening")
    assert page.index("Afternoon talk") < page.index(headings[1])


def test_agenda_times_are_written_once_in_the_meeting_zone(two_days: Meeting, world: World) -> None:
    page = Client().get(f"/meetings/{two_days.pk}/agenda/").content.decode()
    assert "Times are in the meeting's time zone, Europe/Istanbul." in page
    row = re.search(
        r'<span class="agenda-time">(.*?)</span>\s*<span class="agenda-title">'
        r'<span class="agenda-number">\d+\.</span> Morning talk',
        page,
        re.S,
    )
    assert row is not None
    assert re.sub(r"<[^>]+>", "", row.group(1)) == "9 a.m.–10 a.m."
    assert "Europe/Istanbul (" not in page  # no zone name repeated on every row


def test_agenda_offers_the_viewers_own_time_only_when_it_differs(
    two_days: Meeting, world: World
) -> None:
    same = world.person("delegate_a")
    same.time_zone = "Europe/Istanbul"
    same.save()
    page = client_for(same).get(f"/meetings/{two_days.pk}/").content.decode()
    assert "Also show my time" not in page
    assert "your time" not in page.split('id="agenda"')[1]
    other = world.person("focal_point_a")
    other.time_zone = "Asia/Tbilisi"
    other.save()
    page = client_for(other).get(f"/meetings/{two_days.pk}/").content.decode()
    agenda_part = page.split('id="agenda"')[1]
    assert "Also show my time" in agenda_part
    assert re.search(
        r'class="viewer-time">\(<time[^>]*>10 a.m.</time>–<time[^>]*>11 a.m.</time> your time\)',
        agenda_part,
    )


def test_meeting_page_offers_the_calendar_with_the_agenda(two_days: Meeting, world: World) -> None:
    page = Client().get(f"/meetings/{two_days.pk}/").content.decode()
    link = re.search(r'href="([^"]+)" id="calendar-with-agenda"', page)
    assert link is not None
    ics = Client().get(link.group(1).replace("&amp;", "&"))
    summaries = [str(e["SUMMARY"]) for e in Calendar.from_ical(ics.content).walk("VEVENT")]
    assert sorted(summaries) == [
        "1. Morning talk (SOM Istanbul)",
        "2. Afternoon talk (SOM Istanbul)",
        "3. Day two opening (SOM Istanbul)",
        "SOM Istanbul",
    ]


def test_meeting_event_tells_subscribers_where_the_agenda_is(two_days: Meeting) -> None:
    ics = Client().get(f"/meetings/{two_days.pk}/calendar.ics")
    [event] = Calendar.from_ical(ics.content).walk("VEVENT")
    agenda_url = f"{settings.SITE_URL.rstrip('/')}/meetings/{two_days.pk}/agenda/"
    assert f"Agenda: {agenda_url}" in str(event["DESCRIPTION"])
    assert Client().get(f"/meetings/{two_days.pk}/agenda/").status_code == 200


def test_agenda_days_keep_a_sessions_items_under_it_in_time_order() -> None:
    zone = datetime.UTC
    at = lambda h: (START + h * HOUR).isoformat()  # noqa: E731 - a short local helper
    rows = [
        {"key": 1, "parent": None, "kind": "session", "starts_at": at(1)},
        {"key": 2, "parent": 1, "kind": "item", "starts_at": at(2)},
        {"key": 3, "parent": 1, "kind": "item", "starts_at": at(1)},
        {"key": 4, "parent": None, "kind": "item", "starts_at": at(0)},
        {"key": 5, "parent": None, "kind": "item", "starts_at": None},
    ]
    [day] = agenda.agenda_days(rows, zone)
    assert [r["key"] for r in day.rows] == [4, 5, 1, 3, 2]
    assert day.date == START.date()


def test_agenda_numbers_items_in_the_order_of_the_programme(
    two_days: Meeting, world: World
) -> None:
    page = Client().get(f"/meetings/{two_days.pk}/agenda/").content.decode()
    numbered = re.findall(r'<span class="agenda-number">(\d+)\.</span> ([^<\n]+)', page)
    assert numbered == [("1", "Morning talk"), ("2", "Afternoon talk"), ("3", "Day two opening")]
