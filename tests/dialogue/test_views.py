from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dialogue.models import Body, Office, RoleKind
from tests.conftest import World, client_for
from tests.factories import MembershipFactory, RoleFactory, StateFactory

pytestmark = pytest.mark.django_db


def _add_members(world: World, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        state = StateFactory(
            code=f"{chr(65 + n // 26)}{chr(65 + n % 26)}", name_i18n={"en": f"State {n}"}
        )
        MembershipFactory(dialogue=world.dialogue, state=state)
        RoleFactory(dialogue=world.dialogue, kind=RoleKind.FOCAL_POINT, state=state)
        body = Body.objects.create(
            dialogue=world.dialogue, kind=Body.Kind.WORKING_GROUP, name_i18n={"en": f"WG {n}"}
        )
        Office.objects.create(
            dialogue=world.dialogue, body=body, kind=Office.Kind.CHAIR, state=state
        )


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["anonymous", "delegate_a", "secretariat_staff"])
def test_dialogue_page_query_count_does_not_grow_with_members(world: World, role: str) -> None:
    client = client_for(world.people[role])
    path = f"/dialogues/{world.dialogue.slug}/"
    _add_members(world, 1)
    few = _queries(client, path)
    _add_members(world, 49, start=1)
    many = _queries(client, path)
    assert many == few
    # The meetings section adds two (upcoming, recent) and the desk one per source that has
    # something for the person (dialogue.desk).
    assert few <= 18


def test_home_page_query_count_does_not_grow_with_members(world: World) -> None:
    client = client_for(world.people["focal_point_a"])
    _add_members(world, 1)
    few = _queries(client, "/")
    _add_members(world, 49, start=1)
    assert _queries(client, "/") == few


def test_dialogue_page_shows_russian_names_in_russian(world: World) -> None:
    client = Client()
    client.post("/language/", {"language": "ru", "next": "/"})
    page = client.get(f"/dialogues/{world.dialogue.slug}/").content.decode()
    assert 'lang="ru"' in page
    assert "Грузия" in page


def test_language_switch_saves_the_preference_of_a_signed_in_person(world: World) -> None:
    person = world.people["delegate_a"]
    client = client_for(person)
    response = client.post("/language/", {"language": "ru", "next": "https://evil.example/"})
    assert response["Location"] == "/"
    person.refresh_from_db()
    assert person.preferred_language == "ru"


def test_signed_in_person_sees_times_in_their_own_zone(world: World, settings: Any) -> None:
    person = world.people["delegate_a"]
    person.time_zone = "Asia/Tbilisi"
    person.save()
    page = client_for(person).get("/").content.decode()
    assert "Asia/Tbilisi" in page


def test_visitor_after_a_signed_in_person_sees_the_default_zone(world: World) -> None:
    """One thread serves every sync request under Daphne: a visitor's page is not in the zone
    of whoever came before."""
    person = world.person("delegate_a")
    person.time_zone = "Asia/Tbilisi"
    person.save()
    client_for(person).get("/")
    Client().get("/")  # served in this thread, as Daphne serves it in its one sync thread
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_focal_point_home_shows_their_state_and_pending_invitations(world: World) -> None:
    from dialogue import services

    services.invite(
        by=world.people["focal_point_a"],
        dialogue=world.dialogue,
        email="x@example.org",
        kind=RoleKind.DELEGATE,
        state=world.state_a,
    )
    page = client_for(world.people["focal_point_a"]).get("/").content.decode()
    assert f"/dialogues/{world.dialogue.slug}/states/GE/" in page
    assert "1 invitation to your delegation awaits an answer." in page


def test_invitation_form_offers_a_focal_point_only_their_state(world: World) -> None:
    page = client_for(world.people["focal_point_a"]).get("/invitations/new/").content.decode()
    assert "Georgia" in page
    assert "Republic of Moldova" not in page


def test_focal_point_invites_a_delegate_through_the_form(world: World) -> None:
    client = client_for(world.people["focal_point_a"])
    response = client.post(
        "/invitations/new/",
        {
            "dialogue": world.dialogue.pk,
            "kind": RoleKind.DELEGATE,
            "state": world.state_a.pk,
            "email": "new.delegate@example.org",
            "full_name": "New Delegate",
        },
    )
    assert response.status_code == 302
    assert "new.delegate@example.org" in client.get("/invitations/").content.decode()


def test_invitation_form_refuses_another_state_with_a_clear_error(world: World) -> None:
    client = client_for(world.people["focal_point_a"])
    response = client.post(
        "/invitations/new/",
        {
            "dialogue": world.dialogue.pk,
            "kind": RoleKind.DELEGATE,
            "state": world.state_b.pk,
            "email": "new.delegate@example.org",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_home_page_counts_each_member_state_once(world: World) -> None:
    from dialogue.models import Body

    Body.objects.create(
        dialogue=world.dialogue, kind=Body.Kind.WORKING_GROUP, name_i18n={"en": "WG 1"}
    )
    Body.objects.create(
        dialogue=world.dialogue, kind=Body.Kind.WORKING_GROUP, name_i18n={"en": "WG 2"}
    )
    page = Client().get("/").content.decode()
    assert "4 participating states" not in page  # 2 states × 2 bodies, counted by a join
    assert page.count("2 participating states") == 2
