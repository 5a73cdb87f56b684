"""The fan-out (inbox lines and e-mails) narrows a stream's followers in the database by the
candidates of the event's audience kind (``dialogue.audiences.register_audience``) before
loading each person and asking the rule. The narrowing is for speed only: it must never leave
out anyone the rule admits. Asked of the audiences the services published in the scene."""

from __future__ import annotations

import pytest

from dialogue import audiences, live
from dialogue.models import User
from tests.conftest import World
from tests.policy import scene

pytestmark = pytest.mark.django_db

# (name in the scene, type): the audiences with candidates
PUBLISHED = [
    ("secretariat", "nomination.checked_in"),
    ("secretariat", "nomination.check_in_undone"),
    ("delegation_a", "nomination.withdrawn"),
    ("delegation_b", "nomination.submitted"),
    ("delegation_organisation", "nomination.submitted"),
]


@pytest.mark.parametrize(("name", "type_"), PUBLISHED)
def test_narrowing_the_followers_leaves_out_nobody_the_rule_admits(
    world: World, monkeypatch: pytest.MonkeyPatch, name: str, type_: str
) -> None:
    published = scene.build_events(world, "registration")
    audience = next(e.audience for e in published[name] if e.type == type_)
    monkeypatch.setitem(
        live.STREAM_FOLLOWERS, "everyone", lambda key: User.objects.filter(is_active=True)
    )
    narrowed = set(live.policy.recipients("everyone:all", audience))
    narrow = audiences.candidates(audience)
    assert narrow is not None
    monkeypatch.setattr(audiences, "candidates", lambda audience: None)
    admitted = set(live.policy.recipients("everyone:all", audience))
    assert narrowed == admitted
    assert admitted  # the secretariat at least (or the person)
    everyone = User.objects.filter(is_active=True)
    assert everyone.filter(narrow).count() < everyone.count()  # it does narrow
