"""The signed-in person is read in one query with their roles and inbox count
(``dialogue/signed_in.py``), from the database on every request: what it finds is what the
policy would have read itself, and every change to a person counts on their next request."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dialogue import permissions, services, signed_in
from dialogue.models import Role, User
from notifications.inbox import unread_count
from tests.conftest import ROLE_NAMES, World, client_for
from tests.policy import scene

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("two_factor_required", [False, True])
def test_person_read_in_one_query_stands_and_participates_as_the_policy_reads_them(
    world: World, settings: Any, two_factor_required: bool
) -> None:
    settings.SECRETARIAT_REQUIRES_2FA = two_factor_required
    scene.build_documents(world, scene.build(world))  # state A's delegate is nominated
    nominated = 0
    for role in ROLE_NAMES:
        person = world.people[role]
        if person is None:
            continue
        with CaptureQueriesContext(connection) as read:
            loaded = signed_in.load_person(person.pk)
            assert loaded is not None
            standing, own = permissions.standing(loaded), permissions.participations(loaded)
        assert len(read.captured_queries) == 1  # the standing and nominations came with them
        again = User.objects.get(pk=person.pk)
        assert standing == permissions.standing(again), role
        assert own == permissions.participations(again), role
        assert loaded.email_verified == again.email_verified, role  # type: ignore[attr-defined]
        assert getattr(loaded, signed_in.UNREAD_ATTRIBUTE) == unread_count(person)
        nominated += bool(own)
    assert nominated >= 1


def test_a_page_reads_the_session_and_the_person_in_two_queries(world: World) -> None:
    browser = client_for(world.person("focal_point_a"))
    with CaptureQueriesContext(connection) as read:
        page = browser.get("/inbox/")
    assert page.status_code == 200
    person_queries = [q for q in read.captured_queries if "dialogue_role" in q["sql"]]
    assert len(person_queries) == 1
    assert not any(
        'FROM "dialogue_user"' in q["sql"] for q in read.captured_queries if q not in person_queries
    )


def test_a_revoked_role_counts_on_the_next_request(world: World) -> None:
    person = world.person("focal_point_a")
    browser = client_for(person)
    assert browser.get("/inbox/").context["nav_can_invite"] is True
    services.revoke_role(by=None, role=Role.objects.get(user=person))
    assert browser.get("/inbox/").context["nav_can_invite"] is False


def test_a_deactivated_person_is_signed_out_on_the_next_request(world: World) -> None:
    person = world.person("delegate_a")
    browser = client_for(person)
    assert browser.get("/inbox/").status_code == 200
    User.objects.filter(pk=person.pk).update(is_active=False)
    answer = browser.get("/inbox/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/accounts/login/")


def test_a_session_of_a_deleted_person_signs_nobody_in(world: World) -> None:
    person = world.person("delegate_a")
    browser = client_for(person)
    User.objects.filter(pk=person.pk).delete()
    assert browser.get("/inbox/").status_code == 302


def test_a_session_from_before_the_change_still_signs_in(world: World) -> None:
    """A session made by Django's own login (any earlier deploy's) reads as before."""
    browser = Client()
    browser.force_login(
        world.person("delegate_a"), backend="django.contrib.auth.backends.ModelBackend"
    )
    assert browser.get("/inbox/").status_code == 200
    browser = Client()
    browser.force_login(
        world.person("delegate_a"), backend="allauth.account.auth_backends.AuthenticationBackend"
    )
    assert browser.get("/inbox/").status_code == 200
