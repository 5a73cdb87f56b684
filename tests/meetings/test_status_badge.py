"""The meeting's status badge says what the registration section of the same page says: past
the nominations deadline "Nominations closed" wherever the badge appears (the meeting page,
the list of meetings, the home page, the dialogue's page, the website snippet), once the
meeting is over "Registration closed" (``Meeting.shown_status``)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dialogue.models import User
from meetings.models import Meeting
from tests.conftest import World, at, client_for
from tests.meetings.conftest import NOMINATIONS_CLOSE, START, istanbul_meeting, open_registration

pytestmark = pytest.mark.django_db

BADGE = re.compile(r'<span class="badge status-([a-z_]+)"[^>]*>([^<]*)</span>')


def _badges(client: Client, path: str) -> list[tuple[str, str]]:
    """The (class, text) of every meeting status badge on the page."""
    response = client.get(path)
    assert response.status_code == 200, path
    return [
        (value, text)
        for value, text in BADGE.findall(response.content.decode())
        if value in {"registration_open", "registration_closed", "nominations_closed"}
    ]


def _pages(world: World, meeting: Meeting) -> list[str]:
    dialogue = f"/dialogues/{world.dialogue.slug}/"
    return [f"/meetings/{meeting.pk}/", "/meetings/", "/", dialogue]


def test_status_badge_reads_nominations_closed_past_the_deadline_on_every_page(
    world: World, meeting: Meeting, staff: User
) -> None:
    open_registration(meeting, staff)
    client = client_for(world.person("focal_point_a"))
    with at(NOMINATIONS_CLOSE - datetime.timedelta(hours=1)):
        for path in _pages(world, meeting):
            assert _badges(client, path) == [("registration_open", "Registration open")], path
    with at(NOMINATIONS_CLOSE + datetime.timedelta(hours=1)):
        for path in _pages(world, meeting):
            assert _badges(client, path) == [("nominations_closed", "Nominations closed")], path
        page = client.get(f"/meetings/{meeting.pk}/").content.decode()
        # The registration section of the same page agrees.
        section = page.split('id="registration"', 1)[1].split("</section>", 1)[0]
        assert "Nominations closed" in section
        assert "Registration open" not in page


def test_status_badge_in_the_readers_language(world: World, meeting: Meeting, staff: User) -> None:
    open_registration(meeting, staff)
    client = client_for(world.person("focal_point_a"))
    with at(NOMINATIONS_CLOSE + datetime.timedelta(hours=1)):
        russian = client.get(f"/meetings/{meeting.pk}/", HTTP_ACCEPT_LANGUAGE="ru")
        arabic = client.get("/meetings/", HTTP_ACCEPT_LANGUAGE="ar")
    assert 'id="meeting-status">Выдвижение кандидатур завершено<' in russian.content.decode()
    assert ">انتهى باب الترشيح<" in arabic.content.decode()


def test_website_snippet_reads_nominations_closed_past_the_deadline(
    world: World, meeting: Meeting, staff: User
) -> None:
    open_registration(meeting, staff)
    path = f"/dialogues/{world.dialogue.slug}/embed/meetings/"
    with at(NOMINATIONS_CLOSE - datetime.timedelta(hours=1)):
        before = Client().get(path, {"lang": "en"}).content.decode()
    with at(NOMINATIONS_CLOSE + datetime.timedelta(hours=1)):
        after = Client().get(path, {"lang": "en"}).content.decode()
    assert "Registration open" in before
    assert "Nominations closed" in after
    assert "Registration open" not in after


def test_status_badge_reads_registration_closed_once_the_meeting_is_over(
    world: World, meeting: Meeting, staff: User
) -> None:
    """The secretariat never closed registration: the badge does not invite to register for
    a meeting that is over, and says what the registration section says."""
    open_registration(meeting, staff)
    client = client_for(world.person("focal_point_a"))
    with at(START + datetime.timedelta(days=2)):
        page = client.get(f"/meetings/{meeting.pk}/").content.decode()
        assert _badges(client, "/meetings/") == [("registration_closed", "Registration closed")]
    assert 'id="meeting-status">Registration closed<' in page
    section = page.split('id="registration"', 1)[1].split("</section>", 1)[0]
    assert "Registration closed" in section


def test_status_badge_shows_other_statuses_as_they_are(
    world: World, meeting: Meeting, staff: User
) -> None:
    """Past the nominations deadline a meeting whose registration the secretariat never
    opened reads "Announced", not "Nominations closed"."""
    client = client_for(world.person("focal_point_a"))
    with at(NOMINATIONS_CLOSE + datetime.timedelta(hours=1)):
        page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'id="meeting-status">Announced<' in page


def test_meeting_list_badges_cost_no_query_per_meeting(world: World, staff: User) -> None:
    """The badges read each meeting's registration settings from the list's own query."""

    def queries() -> int:
        client = client_for(world.person("focal_point_a"))
        moment = NOMINATIONS_CLOSE + datetime.timedelta(hours=1)
        with at(moment), CaptureQueriesContext(connection) as ctx:
            assert client.get("/meetings/").status_code == 200
        return len(ctx.captured_queries)

    open_registration(istanbul_meeting(world), staff)
    one = queries()
    for _ in range(5):
        open_registration(istanbul_meeting(world), staff)
    assert queries() == one
