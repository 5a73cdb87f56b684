from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dialogue.models import User
from meetings import agenda
from meetings.models import Meeting
from tests.conftest import World, at, client_for
from tests.meetings.conftest import ON_THE_DAY, START

pytestmark = pytest.mark.django_db


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def _items(meeting: Meeting, staff: User, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        agenda.add_item(
            by=staff,
            meeting=meeting,
            title={"en": f"Item {n}"},
            duration_minutes=10,
            starts_at=START if n == 0 else None,
        )


@pytest.mark.parametrize("role", ["anonymous", "delegate_a", "secretariat_staff"])
@pytest.mark.parametrize(
    "path", ["/meetings/{pk}/", "/meetings/{pk}/agenda/", "/meetings/{pk}/agenda/changelog/"]
)
def test_meeting_pages_cost_the_same_queries_at_1_and_100_items(
    world: World, meeting: Meeting, staff: User, role: str, path: str
) -> None:
    client = client_for(world.people[role])
    url = path.format(pk=meeting.pk)
    _items(meeting, staff, 1)
    agenda.release_agenda(by=staff, meeting=meeting, note="v1")
    agenda.add_item(by=staff, meeting=meeting, title={"en": "Extra"})
    agenda.release_agenda(by=staff, meeting=meeting, note="v2")
    few = _queries(client, url)
    _items(meeting, staff, 99, start=1)
    agenda.release_agenda(by=staff, meeting=meeting, note="v3")
    many = _queries(client, url)
    assert many == few
    # Documents included (tests/documents/test_views.py counts them at 1 and 50 documents).
    assert few <= 10


def test_meeting_page_shows_times_in_the_meeting_zone_and_the_viewers(
    world: World, meeting: Meeting
) -> None:
    viewer = world.person("delegate_a")
    viewer.time_zone = "Asia/Tbilisi"
    viewer.save()
    page = client_for(viewer).get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'datetime="2027-03-10T09:00:00+03:00"' in page
    assert "Europe/Istanbul" in page
    assert "10 a.m. your time" in page


def test_secretariat_releases_from_the_draft_page(
    world: World, meeting: Meeting, staff: User
) -> None:
    client = client_for(staff)
    response = client.post(
        f"/meetings/{meeting.pk}/agenda/draft/",
        {
            "kind": "item",
            "title_en": "Opening",
            "starts_at": "2027-03-10T09:00",
            "duration_minutes": 30,
        },
    )
    assert response.status_code == 302
    client.post(f"/meetings/{meeting.pk}/agenda/release/", {"note_en": "First version"})
    page = client_for(world.people["delegate_a"]).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Opening" in page
    assert 'datetime="2027-03-10T09:00:00+03:00"' in page


def test_cancel_from_the_page_needs_a_reason(world: World, meeting: Meeting, staff: User) -> None:
    client = client_for(staff)
    response = client.post(f"/meetings/{meeting.pk}/status/", {"to": "cancelled"}, follow=True)
    assert "Say why" in response.content.decode()
    asked = client.post(
        f"/meetings/{meeting.pk}/status/", {"to": "cancelled", "reason": "Host withdrew"}
    ).content.decode()
    # a second page says what will happen, and posts the same reason back with the confirmation
    assert "Cancel the meeting: 0 approved participants and everyone following" in asked
    assert '<input type="hidden" name="reason" value="Host withdrew">' in asked
    assert '<button type="submit" class="destructive">Yes: Cancel the meeting</button>' in asked
    meeting.refresh_from_db()
    assert meeting.status == "announced"
    client.post(
        f"/meetings/{meeting.pk}/status/",
        {"to": "cancelled", "reason": "Host withdrew", "confirm": "1"},
    )
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"


def test_session_buttons_appear_only_near_the_meetings_dates(
    world: World, meeting: Meeting, staff: User
) -> None:
    client = client_for(staff)  # an announced meeting may go into session directly
    with at(START - datetime.timedelta(days=90)):
        page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'value="in_session"' not in page
    assert "The session can be opened only near the meeting&#x27;s dates" in page
    with at(ON_THE_DAY):  # signed in on the day (a session from today would have expired)
        page = client_for(staff).get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'value="in_session"' in page
    # the irreversible ones stand apart, under their own heading, styled as destructive
    irreversible = page.split('id="irreversible"')[1]
    assert 'value="cancelled"' in irreversible
    assert 'class="destructive">Cancel the meeting…</button>' in irreversible


def test_create_meeting_warns_of_an_overlap_before_saving(
    world: World, meeting: Meeting, staff: User
) -> None:
    client = client_for(staff)
    form = {
        "body": meeting.body_id,
        "kind": "working_group",
        "title_en": "Clash",
        "format": "in_person",
        "time_zone": "Europe/Istanbul",
        "starts_at": "2027-03-10T10:00",
        "ends_at": "2027-03-10T12:00",
        "languages": ["en"],
        "is_public": "on",
    }
    response = client.post(f"/dialogues/{world.dialogue.slug}/meetings/new/", form)
    assert "This overlaps with" in response.content.decode()
    assert not Meeting.objects.filter(title_i18n__en="Clash").exists()
    client.post(
        f"/dialogues/{world.dialogue.slug}/meetings/new/", {**form, "confirm_conflicts": "on"}
    )
    clash = Meeting.objects.get(title_i18n__en="Clash")
    assert clash.starts_at == datetime.datetime(2027, 3, 10, 7, 0, tzinfo=datetime.UTC)
    assert clash.status == "draft"


def test_month_calendar_lists_the_meeting(world: World, meeting: Meeting) -> None:
    page = (
        Client()
        .get(f"/dialogues/{world.dialogue.slug}/meetings/", {"month": "2027-03"})
        .content.decode()
    )
    assert "SOM Istanbul" in page


def test_meeting_page_shows_what_changed_in_the_latest_version(
    world: World, meeting: Meeting, staff: User
) -> None:
    first = agenda.add_item(
        by=staff, meeting=meeting, title={"en": "Opening"}, starts_at=START, duration_minutes=60
    )
    moving = agenda.add_item(
        by=staff, meeting=meeting, title={"en": "Legal migration pathways"}, duration_minutes=60
    )
    agenda.release_agenda(by=staff, meeting=meeting, note="v1")
    agenda.change_item(
        by=staff, item=moving, starts_at=START + datetime.timedelta(hours=5, minutes=30)
    )
    agenda.release_agenda(by=staff, meeting=meeting, note="Item 2 after lunch")
    client = client_for(world.people["delegate_a"])
    for path in (f"/meetings/{meeting.pk}/", f"/meetings/{meeting.pk}/agenda/"):
        page = client.get(path, HTTP_X_REQUESTED_WITH="fetch").content.decode()
        assert "Item 2 “Legal migration pathways” moved from 10:00 to 14:30" in page
    assert first.pk


def test_cached_agenda_rows_never_mix_what_each_viewer_may_see(
    world: World, meeting: Meeting, staff: User
) -> None:
    agenda.add_item(by=staff, meeting=meeting, title={"en": "Opening", "ru": "Открытие"})
    agenda.add_item(by=staff, meeting=meeting, title={"en": "Secret budget talk"}, internal=True)
    agenda.release_agenda(by=staff, meeting=meeting, note="v1")
    url = f"/meetings/{meeting.pk}/agenda/?version=1"
    assert "Secret budget talk" in client_for(staff).get(url).content.decode()
    delegate = client_for(world.people["delegate_a"])
    assert "Secret budget talk" not in delegate.get(url).content.decode()
    assert "Secret budget talk" not in client_for(None).get(url).content.decode()
    delegate.post("/language/", {"language": "ru", "next": "/"})
    assert "Открытие" in delegate.get(url).content.decode()


def test_create_a_past_meeting_asks_for_the_confirmation_only_then(
    world: World, meeting: Meeting, staff: User
) -> None:
    client = client_for(staff)
    url = f"/dialogues/{world.dialogue.slug}/meetings/new/"
    blank = client.get(url).content.decode()
    assert "record it as a past meeting" not in blank
    assert "despite the overlaps" not in blank
    form = {
        "body": meeting.body_id,
        "kind": "working_group",
        "title_en": "Last year's WG",
        "format": "in_person",
        "time_zone": "Europe/Vienna",
        "starts_at": "2025-03-10T10:00",
        "ends_at": "2025-03-10T12:00",
        "languages": ["en"],
    }
    page = client.post(url, form).content.decode()
    assert "This meeting is already over" in page
    assert "This meeting is in the past: record it as a past meeting" in page
    assert 'value="Last year&#x27;s WG"' in page
    assert not Meeting.objects.filter(title_i18n__en="Last year's WG").exists()
    client.post(url, {**form, "confirm_past": "on"})
    assert Meeting.objects.get(title_i18n__en="Last year's WG").status == "draft"


def test_an_empty_agenda_claims_no_unreleased_changes(meeting: Meeting, staff: User) -> None:
    page = client_for(staff).get(f"/meetings/{meeting.pk}/agenda/draft/").content.decode()
    assert "Working draft" in page
    assert "The draft has changes that are not released yet." not in page
    agenda.add_item(by=staff, meeting=meeting, title={"en": "Opening"}, starts_at=START)
    page = client_for(staff).get(f"/meetings/{meeting.pk}/agenda/draft/").content.decode()
    assert "The draft has changes that are not released yet." in page
