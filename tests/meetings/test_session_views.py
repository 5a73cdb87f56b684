"""The pages of the meeting in session: the section of the meeting page, the big screen, the
chair's and the delegations' buttons."""

from __future__ import annotations

from typing import Any

import pytest

from meetings import session
from meetings.models import FloorRequest
from tests.conftest import World, client_for
from tests.meetings.session_scene import InSession, meeting_in_session


@pytest.fixture
def room(world: World) -> InSession:
    return meeting_in_session(world)


def test_meeting_page_shows_current_item_and_request_button(world: World, room: InSession) -> None:
    session.open_item(by=world.person("chair"), meeting=room.meeting, item_key=room.items[2].pk)
    page = client_for(room.delegate_a).get(f"/meetings/{room.meeting.pk}/").content.decode()
    assert "Return and readmission" in page
    assert "Request the floor" in page
    assert "Give the floor" not in page


def test_request_floor_by_fetch_confirms_and_a_double_tap_is_one_request(
    world: World, room: InSession
) -> None:
    session.open_item(by=world.person("chair"), meeting=room.meeting, item_key=room.items[2].pk)
    client = client_for(room.delegate_a)
    url = f"/meetings/{room.meeting.pk}/session/floor/"
    for _ in range(2):
        answer = client.post(url, {"action": "request"}, headers={"X-Requested-With": "fetch"})
        assert answer.status_code == 200
    assert FloorRequest.objects.count() == 1
    section = client.get(f"/meetings/{room.meeting.pk}/session/").content.decode()
    assert "Georgia is number 1 on the list." in section


def test_refusal_is_a_sentence_not_a_status(world: World, room: InSession) -> None:
    answer = client_for(room.delegate_a).post(
        f"/meetings/{room.meeting.pk}/session/floor/",
        {"action": "request"},
        headers={"X-Requested-With": "fetch"},
    )
    assert answer.status_code == 400
    assert answer.json() == {"error": "No item is under discussion at the moment."}


def test_chair_gives_the_floor_without_script(world: World, room: InSession) -> None:
    session.open_item(by=world.person("chair"), meeting=room.meeting, item_key=room.items[2].pk)
    session.request_floor(by=room.delegate_b, meeting=room.meeting)
    answer = client_for(world.person("chair")).post(
        f"/meetings/{room.meeting.pk}/session/chair/", {"action": "give_floor"}
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"/meetings/{room.meeting.pk}/#session"
    now = client_for(None).get(f"/meetings/{room.meeting.pk}/now/").content.decode()
    assert "Republic of Moldova" in now


def test_big_screen_shows_no_person_and_no_controls(world: World, room: InSession) -> None:
    session.open_item(by=world.person("chair"), meeting=room.meeting, item_key=room.items[2].pk)
    session.request_floor(by=room.delegate_a, meeting=room.meeting)
    page = (
        client_for(world.person("secretariat_staff"))
        .get(f"/meetings/{room.meeting.pk}/now/")
        .content.decode()
    )
    assert "Georgia" in page
    assert "Return and readmission" in page
    assert "Delegate A" not in page
    assert "delegate_a@example.org" not in page
    assert "<form" not in page
    assert "<button" not in page


@pytest.mark.parametrize("language", ["ru", "ar"])
def test_big_screen_in_russian_and_arabic(
    world: World, room: InSession, language: str, settings: Any
) -> None:
    settings.LANGUAGES = [("en", "English"), ("ru", "Russian"), ("ar", "Arabic")]
    session.open_item(by=world.person("chair"), meeting=room.meeting, item_key=room.items[2].pk)
    client = client_for(None)
    client.cookies["django_language"] = language
    page = client.get(f"/meetings/{room.meeting.pk}/now/", HTTP_ACCEPT_LANGUAGE=language)
    text = page.content.decode()
    assert f'lang="{language}"' in text
    assert "Under discussion" not in text
    assert {"ru": "Обсуждается", "ar": "قيد المناقشة"}[language] in text
    assert ('dir="rtl"' in text) == (language == "ar")
