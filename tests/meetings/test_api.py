"""The meetings of the read API (meetings/api/endpoints.py): what a client of the API notices
besides who sees what (the permission table's API rows): paging, ETags, languages, time zones,
service tokens, and a number of queries that does not grow with the rows."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dialogue.models import Body, User
from meetings import agenda
from meetings.models import Meeting
from tests.conftest import World, api_headers
from tests.meetings.conftest import START, istanbul_meeting


def _get(path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return Client().get(path, params, headers=headers or {})


def _meetings(world: World, count: int) -> list[Meeting]:
    return [istanbul_meeting(world, title={"en": f"Meeting {n}"}) for n in range(count)]


def test_meetings_page_by_cursor_without_gaps_or_repeats(world: World, som: Body) -> None:
    made = _meetings(world, 5)
    seen: list[int] = []
    page = _get("/api/v1/meetings/", page_size=2).json()
    pages = 1
    while True:
        seen += [m["id"] for m in page["results"]]
        if not page["next"]:
            break
        page = Client().get(page["next"]).json()
        pages += 1
    assert seen == [m.pk for m in made]
    assert pages == 3
    back = Client().get(page["previous"]).json()
    assert [m["id"] for m in back["results"]] == [made[2].pk, made[3].pk]


def test_meeting_answers_304_to_its_etag_until_it_changes(world: World, meeting: Meeting) -> None:
    path = f"/api/v1/meetings/{meeting.pk}/"
    first = _get(path)
    etag = first["ETag"]
    assert "Authorization" in first["Vary"]
    again = _get(path, {"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    Meeting.objects.filter(pk=meeting.pk).update(title_i18n={"en": "SOM Istanbul (moved)"})
    changed = _get(path, {"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["title"] == "SOM Istanbul (moved)"


def test_meeting_in_the_asked_language_with_every_language_beside(world: World, som: Body) -> None:
    meeting = istanbul_meeting(world, title={"en": "SOM Istanbul", "ru": "СДЛ Стамбул"})
    path = f"/api/v1/meetings/{meeting.pk}/"
    russian = _get(path, lang="ru")
    assert russian.json()["title"] == "СДЛ Стамбул"
    assert russian["Content-Language"] == "ru"
    by_header = _get(path, {"Accept-Language": "ru"}).json()
    assert by_header["title"] == "СДЛ Стамбул"
    english = _get(path).json()
    assert english["title"] == "SOM Istanbul"
    assert english["titles"] == {"en": "SOM Istanbul", "ru": "СДЛ Стамбул"}
    assert _get(path, lang="ru")["ETag"] != _get(path)["ETag"]


def test_meeting_carries_its_time_zone_and_local_times(world: World, meeting: Meeting) -> None:
    answer = _get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert answer["time_zone"] == "Europe/Istanbul"
    assert answer["status"] == "announced"
    assert answer["local_start"] == "2027-03-10T09:00:00+03:00"
    assert datetime.datetime.fromisoformat(answer["starts_at"]) == START


def test_agenda_shows_the_release_and_the_changelog(world: World, meeting: Meeting) -> None:
    staff = world.person("secretariat_staff")
    item = agenda.add_item(
        by=staff, meeting=meeting, title={"en": "Opening", "ru": "Открытие"}, starts_at=START
    )
    agenda.release_agenda(by=staff, meeting=meeting, note="First")
    agenda.change_item(by=staff, item=item, starts_at=START + datetime.timedelta(hours=1))
    agenda.release_agenda(by=staff, meeting=meeting, note="Moved")
    latest = _get(f"/api/v1/meetings/{meeting.pk}/agenda/", lang="ru").json()
    assert latest["version"] == 2
    assert [(i["number"], i["title"]) for i in latest["items"]] == [("1", "Открытие")]
    assert latest["items"][0]["titles"] == {"en": "Opening", "ru": "Открытие"}
    assert [c["change"] for c in latest["changes"]] == ["moved"]
    assert "10:00" in latest["changes"][0]["text"]
    first = _get(f"/api/v1/meetings/{meeting.pk}/agenda/", version=1).json()
    assert first["version"] == 1
    log = _get(f"/api/v1/meetings/{meeting.pk}/agenda/versions/").json()
    assert [(v["version"], v["note"]) for v in log] == [(2, "Moved"), (1, "First")]
    assert _get(f"/api/v1/meetings/{meeting.pk}/agenda/", version=3).status_code == 404


def test_service_token_reads_only_its_dialogue(world: World, som: Body) -> None:
    istanbul_meeting(world, title={"en": "Budapest SOM"})
    other_body = Body.objects.create(
        dialogue=world.other_dialogue,
        kind=Body.Kind.SENIOR_OFFICIALS_MEETING,
        name_i18n={"en": "SOM"},
    )
    from meetings import services

    admin = world.person("secretariat_admin")
    prague = services.schedule_meeting(
        by=admin,
        dialogue=world.other_dialogue,
        body=other_body,
        kind="senior_officials_meeting",
        title={"en": "Prague SOM"},
        time_zone="Europe/Prague",
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=8),
    )
    services.transition(by=admin, meeting=prague, to="announced")
    headers = api_headers(admin, "public", dialogue=world.other_dialogue)
    titles = [m["title"] for m in _get("/api/v1/meetings/", headers).json()["results"]]
    assert titles == ["Prague SOM"]
    assert _get("/api/v1/dialogues/budapest-process/", headers).status_code == 404


def _count_queries(path: str, headers: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert _get(path, headers).status_code == 200
    return len(captured)


def test_meeting_list_queries_do_not_grow_with_the_meetings(world: World, som: Body) -> None:
    headers = api_headers(world.person("focal_point_a"))
    _meetings(world, 1)
    _get("/api/v1/meetings/", headers)  # the token's first use is written down once
    one = _count_queries("/api/v1/meetings/", headers)
    _meetings(world, 29)
    assert _count_queries("/api/v1/meetings/", headers) == one
    # the token, the person's standing and participations, the page of meetings
    assert one <= 5


def test_registrations_need_a_scope_that_reads_them(world: World, meeting: Meeting) -> None:
    focal_point: User = world.person("focal_point_a")
    path = f"/api/v1/meetings/{meeting.pk}/registrations/"
    assert _get(path, api_headers(focal_point, "public")).status_code == 404
    assert _get(path, api_headers(focal_point, "delegation")).status_code == 200
    assert _get(path).status_code == 404


def test_reads_of_personal_data_through_the_api_are_in_the_permanent_record(
    world: World, meeting: Meeting
) -> None:
    from dialogue.models import AuditAction, AuditEntry

    focal_point: User = world.person("focal_point_a")
    staff: User = world.person("secretariat_staff")
    base = f"/api/v1/meetings/{meeting.pk}"
    assert _get(f"{base}/participants/").status_code == 200  # the public list: no entry
    assert not AuditEntry.objects.exists()
    _get(f"{base}/registrations/", api_headers(focal_point, "delegation"))
    _get(f"{base}/participants/", api_headers(staff, "secretariat"), full="true")
    entries = AuditEntry.objects.filter(action=AuditAction.PERSONAL_DATA_EXPORTED).order_by("pk")
    assert [(e.actor, e.object_type, e.details["via"]) for e in entries] == [
        (focal_point, "registrations", "api"),
        (staff, "participant_list", "api"),
    ]
    assert entries[1].details["full"] is True


def test_a_role_taken_from_the_holder_is_taken_from_the_token_at_once(world: World) -> None:
    from dialogue import services
    from dialogue.models import Role
    from tests.policy import scene

    meeting = scene.build_registration(world, scene.build(world))["meeting"]
    focal_point = world.person("focal_point_b")
    headers = api_headers(focal_point)
    path = f"/api/v1/meetings/{meeting.pk}/registrations/"
    names = [n["full_name"] for n in _get(path, headers).json()["results"]]
    assert names == ["Moldovan Nominee"]
    role = Role.objects.active().get(user=focal_point)
    services.revoke_role(by=world.person("secretariat_admin"), role=role)
    assert _get(path, headers).json()["results"] == []


def _outcome_scene(world: World) -> dict[str, int]:
    from tests.policy import scene

    return scene.build_outcomes(world, scene.build(world))


def test_outcome_comments_name_the_author_only_to_those_who_speak_for_the_state(
    world: World,
) -> None:
    negotiated = _outcome_scene(world)["outcome_negotiated"]
    path = f"/api/v1/outcomes/{negotiated}/comments/"
    seen = {
        role: [
            (c["state"], c["revision"], c["paragraph"], c["text"], c["author"])
            for c in _get(path, api_headers(world.person(role))).json()["results"]
        ]
        for role in ("focal_point_a", "chair")
    }
    georgia = ("GE", 1, 2, "Georgia on paragraph two", "Focal Point A")
    moldova_for_others = ("MD", 2, None, "Moldova on Rev.2", None)
    assert seen == {"focal_point_a": [georgia, moldova_for_others], "chair": [moldova_for_others]}
    assert _get(path).status_code == 404


def test_outcome_comments_queries_do_not_grow_with_the_comments(world: World) -> None:
    from meetings import outcomes
    from meetings.models import Outcome

    heads = Outcome.objects.get(pk=_outcome_scene(world)["outcome_heads"])
    path = f"/api/v1/outcomes/{heads.pk}/comments/"
    counts: dict[str, int] = {}
    for role in ("focal_point_a", "secretariat_staff"):
        headers = api_headers(world.person(role))
        _get(path, headers)  # the token's first use is written down once
        counts[role] = _count_queries(path, headers)
        assert len(_get(path, headers).json()["results"]) == 1
    for n in range(5):
        for role, state in (("focal_point_a", world.state_a), ("focal_point_b", world.state_b)):
            outcomes.comment(by=world.person(role), outcome=heads, state=state, text=f"Comment {n}")
    for role, one in counts.items():
        headers = api_headers(world.person(role))
        _get(path, headers)
        assert _count_queries(path, headers) == one, role
    staff = api_headers(world.person("secretariat_staff"))
    assert len(_get(path, staff).json()["results"]) == 11
