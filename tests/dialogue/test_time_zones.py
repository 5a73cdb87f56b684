"""The time-zone picker: the usual zones first, by city, in the reader's language; no alias
from old systems."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import translation

from dialogue.time_zones import choices, offset
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


def _options(page: str) -> list[tuple[str, str]]:
    select = page.split('name="time_zone"')[1].split("</select>")[0]
    return re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select)


def test_profile_lists_the_usual_zones_first_by_city(world: World) -> None:
    page = client_for(world.person("delegate_a")).get("/profile/").content.decode()
    options = _options(page)
    assert options[0][0] == "Europe/Vienna"
    assert options[0][1] == f"Vienna ({offset('Europe/Vienna')})"
    values = [value for value, _label in options]
    assert values.index("Asia/Tbilisi") < values.index("Africa/Abidjan")
    assert '<optgroup label="Usual time zones">' in page
    assert '<optgroup label="Other time zones">' in page
    for alias in ("Factory", "localtime", "US/Eastern", "Etc/GMT+5", "W-SU"):
        assert alias not in values


def test_zone_cities_are_in_the_readers_language(world: World) -> None:
    with translation.override("ru"):
        [(_usual, usual), _others] = choices()
    labels = dict(usual)
    assert labels["Asia/Tbilisi"].startswith("Тбилиси (UTC+04:00)")
    with translation.override("ar"):
        [(_usual, usual), _others] = choices()
    assert dict(usual)["Europe/Vienna"].startswith("فيينا")


def test_profile_keeps_a_chosen_zone_and_refuses_an_alias(world: World) -> None:
    person = world.person("delegate_a")
    client = client_for(person)
    form = {"full_name": "D", "preferred_language": "en", "time_zone": "Asia/Tbilisi"}
    assert client.post("/profile/", form).status_code == 302
    person.refresh_from_db()
    assert person.time_zone == "Asia/Tbilisi"
    refused = client.post("/profile/", {**form, "time_zone": "Factory"})
    assert refused.status_code == 200
    assert "Select a valid choice." in refused.content.decode()


def test_offsets_follow_summer_time() -> None:
    winter = datetime.datetime(2027, 1, 15, tzinfo=datetime.UTC)
    summer = datetime.datetime(2027, 7, 15, tzinfo=datetime.UTC)
    assert (offset("Europe/Vienna", winter), offset("Europe/Vienna", summer)) == (
        "UTC+01:00",
        "UTC+02:00",
    )
    assert offset("America/New_York", winter) == "UTC−05:00"
    assert offset("UTC") == "UTC"


def test_meeting_form_offers_the_same_picker(world: World) -> None:
    page = (
        client_for(world.person("secretariat_staff"))
        .get(f"/dialogues/{world.dialogue.slug}/meetings/new/")
        .content.decode()
    )
    values = [value for value, _label in _options(page)]
    assert values[0] == "Europe/Vienna"
    assert "Factory" not in values
