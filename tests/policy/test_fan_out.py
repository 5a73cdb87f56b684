"""The fan-out (inbox lines and e-mails) narrows a stream's followers in the database by the
event's audience (``dialogue.live.AUDIENCE_CANDIDATES``) before loading each person and asking
the rule. The narrowing is for speed only: it must never leave out anyone the rule admits."""

from __future__ import annotations

from typing import Any

import pytest

from dialogue import live
from dialogue.models import User
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _audiences(world: World) -> dict[str, dict[str, Any]]:
    people = world.people
    delegate_a = people["delegate_a"]
    assert delegate_a is not None
    delegation = {"kind": "delegation", "dialogue": world.dialogue.pk, "organisation": None}
    return {
        "secretariat": live.audience_secretariat(world.dialogue),
        "user": live.audience_user(delegate_a),
        "delegation of A, about delegate A": {
            **delegation,
            "state": world.state_a.pk,
            "person": delegate_a.pk,
        },
        "delegation of B": {**delegation, "state": world.state_b.pk, "person": None},
        "delegation of the organisation": {
            **delegation,
            "state": None,
            "organisation": world.organisation.pk,
            "person": None,
        },
    }


@pytest.mark.parametrize(
    "name",
    [
        "secretariat",
        "user",
        "delegation of A, about delegate A",
        "delegation of B",
        "delegation of the organisation",
    ],
)
def test_narrowing_the_followers_leaves_out_nobody_the_rule_admits(
    world: World, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    audience = _audiences(world)[name]
    monkeypatch.setitem(
        live.STREAM_FOLLOWERS, "everyone", lambda key: User.objects.filter(is_active=True)
    )
    narrowed = set(live.policy.recipients("everyone:all", audience))
    candidates = User.objects.filter(live.AUDIENCE_CANDIDATES[audience["kind"]](audience))
    monkeypatch.setattr(live, "AUDIENCE_CANDIDATES", {})
    admitted = set(live.policy.recipients("everyone:all", audience))
    assert narrowed == admitted
    assert admitted  # the secretariat at least (or the person)
    assert candidates.count() < User.objects.filter(is_active=True).count()  # it does narrow
