"""The one question every door asks (``dialogue.audiences.receivers``), and the member of a
dialogue as the policy takes it."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from dialogue import audiences, live, permissions
from dialogue.members import MemberIds, ids_of
from dialogue.models import Role, RoleKind, User
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _loaded(world: World, *names: str) -> list[User]:
    people = [world.people[name] for name in names]
    loaded = permissions.load_users([p.pk for p in people if p is not None])
    return [loaded[p.pk] for p in people if p is not None]


def test_receivers_keeps_those_the_rule_admits_in_the_order_given(world: World) -> None:
    people = _loaded(world, "secretariat_admin", "delegate_a", "secretariat_staff")
    audience = live.audience_secretariat(world.dialogue)
    assert audiences.receivers(audience, people) == [people[0], people[2]]


def test_receivers_of_a_public_event_include_the_anonymous_but_no_deactivated_account(
    world: World,
) -> None:
    deactivated = world.person("deactivated")
    assert not deactivated.is_active
    anonymous = AnonymousUser()
    receivers = audiences.receivers(live.audience_public(), [anonymous, deactivated])
    assert receivers == [anonymous]


def test_receivers_of_an_unknown_kind_are_nobody(world: World) -> None:
    people = _loaded(world, "secretariat_admin")
    assert audiences.receivers({"kind": "no_such_kind", "dialogue": 1}, people) == []
    assert audiences.receivers({}, people) == []


def test_ids_of_a_state_an_organisation_and_a_row_of_one(world: World) -> None:
    role = Role.objects.get(kind=RoleKind.OBSERVER, dialogue=world.dialogue)
    assert ids_of(world.state_a) == MemberIds(world.state_a.pk, None)
    assert ids_of(world.organisation) == MemberIds(None, world.organisation.pk)
    assert ids_of(role) == MemberIds(None, world.organisation.pk)


@pytest.mark.parametrize(
    ("member", "allowed"),
    [
        ("state_a", {"focal_point_a", "secretariat_staff", "secretariat_admin"}),
        ("organisation", {"secretariat_staff", "secretariat_admin"}),
    ],
)
def test_acting_for_a_delegation_is_its_state_focal_point_and_the_secretariat(
    world: World, settings: Any, member: str, allowed: set[str]
) -> None:
    settings.SECRETARIAT_REQUIRES_2FA = True  # the secretariat without TOTP does not act
    asked = getattr(world, member)
    acting = {
        name
        for name, person in world.people.items()
        if permissions.acts_for_delegation(person, world.dialogue.pk, asked)
    }
    assert acting == allowed
