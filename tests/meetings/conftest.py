from __future__ import annotations

import datetime
from typing import Any

import pytest

from dialogue.models import Body, User
from meetings import registration, services
from meetings.models import Meeting
from tests.conftest import World

START = datetime.datetime(2027, 3, 10, 6, 0, tzinfo=datetime.UTC)  # 09:00 in Istanbul
# An hour into the meeting: when the door's desk checks people in (tests.conftest.at).
ON_THE_DAY = START + datetime.timedelta(hours=1)


@pytest.fixture
def staff(world: World) -> User:
    return world.person("secretariat_staff")


def _som(world: World) -> Body:
    return Body.objects.get_or_create(
        dialogue=world.dialogue, kind=Body.Kind.SENIOR_OFFICIALS_MEETING, name_i18n={"en": "SOM"}
    )[0]


@pytest.fixture
def som(world: World) -> Body:
    return _som(world)


def istanbul_meeting(
    world: World, *, body: Body | None = None, announce: bool = True, **fields: Any
) -> Meeting:
    """The senior officials' meeting in Istanbul, 09:00-17:00 local time from ``START``,
    scheduled by the secretariat of ``world.dialogue`` (under its SOM unless ``body`` is given)
    and announced unless ``announce`` is false; ``fields`` change or add to what it is
    scheduled with. The ``meeting`` fixture, the documents' meeting and the permission table's
    meetings are all this one."""
    staff = world.person("secretariat_staff")
    # A title given in some languages adds to (or replaces) the English one.
    title = {"en": "SOM Istanbul", **fields.pop("title", {})}
    scheduled = services.schedule_meeting(
        by=staff,
        dialogue=world.dialogue,
        body=body or _som(world),
        **{
            "kind": "senior_officials_meeting",
            "title": title,
            "time_zone": "Europe/Istanbul",
            "starts_at": START,
            "ends_at": START + datetime.timedelta(hours=8),
            **fields,
        },
    )
    if not announce:
        return scheduled
    return services.transition(by=staff, meeting=scheduled, to="announced")


@pytest.fixture
def meeting(world: World, som: Body) -> Meeting:
    """The announced public meeting in Istanbul (``istanbul_meeting``), with its place."""
    return istanbul_meeting(
        world,
        body=som,
        title={"ru": "СДЛ Стамбул"},
        venue_name="Congress Center",
        city={"en": "Istanbul", "ru": "Стамбул"},
        room="Hall A",
    )


NOMINATIONS_CLOSE = START - datetime.timedelta(days=20)
CONFIRMATIONS_CLOSE = START - datetime.timedelta(days=7)


def set_up_registration(
    meeting: Meeting,
    staff: User,
    *,
    capacity: int | None = None,
    funded_seats: int = 1,
    nominations_close: datetime.datetime = NOMINATIONS_CLOSE,
    confirmations_close: datetime.datetime = CONFIRMATIONS_CLOSE,
) -> None:
    """Deadlines, and 3 seats (``funded_seats`` of them with travel support) for heads and
    delegates of participating states."""
    registration.configure_registration(
        by=staff,
        meeting=meeting,
        nomination_deadline=nominations_close,
        confirmation_deadline=confirmations_close,
        capacity=capacity,
    )
    registration.set_quota(
        by=staff,
        meeting=meeting,
        member_kind="participating",
        categories=["head_of_delegation", "delegate"],
        seats=3,
        funded_seats=funded_seats,
    )


def open_registration(meeting: Meeting, staff: User) -> Meeting:
    """Registration of ``meeting`` set up (see ``set_up_registration``) and open."""
    set_up_registration(meeting, staff)
    return services.transition(by=staff, meeting=meeting, to="registration_open")


@pytest.fixture
def open_meeting(meeting: Meeting, staff: User) -> Meeting:
    """The Istanbul meeting with registration set up and open."""
    return open_registration(meeting, staff)
