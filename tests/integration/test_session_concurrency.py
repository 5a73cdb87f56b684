"""Fifty delegations ask for the floor at once, against PostgreSQL: one place each, in the
order their transactions commit, nobody lost, and a double tap is still one request.

Each call runs in a thread with its own connection, all starting at one instant (the crowd of
``test_registration_concurrency``): what keeps the list right is the sitting's row lock in
``meetings.session``, not the order the test calls things in.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

import pytest
from django.db import connection

from dialogue.models import RoleKind
from meetings import agenda, registration, services, session
from meetings.models import FloorRequest, FloorStatus
from notifications.models import Event
from tests.conftest import World, at
from tests.factories import MembershipFactory, RoleFactory, StateFactory, UserFactory
from tests.integration.test_registration_concurrency import Crowd
from tests.meetings.conftest import ON_THE_DAY, START, istanbul_meeting, set_up_registration

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

DELEGATIONS = 50


@pytest.fixture
def crowd() -> Iterator[Crowd]:
    pool = connection.settings_dict.get("OPTIONS", {}).get("pool")
    if isinstance(pool, dict) and pool.get("max_size", 0) < DELEGATIONS + 2:
        pytest.fail(f"set DB_POOL_MAX_SIZE to at least {DELEGATIONS + 2} for this test")
    started = Crowd(DELEGATIONS)
    yield started
    started.close()


def test_fifty_delegations_request_the_floor_at_once(world: World, crowd: Crowd) -> None:
    staff = world.person("secretariat_staff")
    meeting = istanbul_meeting(world, title={"en": "SOM, fifty delegations"})
    item = agenda.add_item(
        by=staff, meeting=meeting, title={"en": "Tour of the region"}, starts_at=START
    )
    agenda.release_agenda(by=staff, meeting=meeting, note="First")
    set_up_registration(meeting, staff, funded_seats=0)
    meeting = services.transition(by=staff, meeting=meeting, to="registration_open")
    people = []
    for index in range(DELEGATIONS):
        state = StateFactory(code=f"{'AB'[index // 26]}{chr(65 + index % 26)}")  # AA … BX
        MembershipFactory(dialogue=world.dialogue, state=state)
        person = UserFactory(email=f"head{index}@gov.example", verified=True)
        RoleFactory(user=person, dialogue=world.dialogue, kind=RoleKind.DELEGATE, state=state)
        nomination = registration.nominate(
            by=staff,
            meeting=meeting,
            member=state,
            email=person.email,
            category="head_of_delegation",
            full_name=f"Head {index}",
        )
        registration.approve(by=staff, nomination=nomination)
        people.append(person)
    meeting = services.transition(by=staff, meeting=meeting, to="registration_closed")
    with at(ON_THE_DAY):  # the session opens near the meeting's dates only
        meeting = services.transition(by=staff, meeting=meeting, to="in_session")
    session.open_item(by=world.person("chair"), meeting=meeting, item_key=item.pk)

    # Every delegation taps twice, all at once.
    calls = [partial(session.request_floor, by=p, meeting=meeting) for p in people * 2]
    outcomes = crowd.run(calls)

    assert [o.error for o in outcomes if o.error is not None] == []
    assert sum(o.result.created for o in outcomes) == DELEGATIONS
    waiting = list(
        FloorRequest.objects.filter(status=FloorStatus.WAITING).order_by("position", "id")
    )
    assert len(waiting) == DELEGATIONS
    assert len({r.delegation_id for r in waiting}) == DELEGATIONS  # one place each
    assert [r.position for r in waiting] == list(range(DELEGATIONS))  # no two on one place
    # Order by commit: the list is in the order of the events' numbers (ids follow commits).
    published = Event.objects.filter(type="floor.requested").order_by("id")
    assert [e.data["request"] for e in published] == [r.pk for r in waiting]
