from __future__ import annotations

import datetime

import pytest

from dialogue.models import Body, User
from meetings import registration, services
from meetings.models import Meeting
from tests.conftest import World

START = datetime.datetime(2027, 3, 10, 6, 0, tzinfo=datetime.UTC)  # 09:00 in Istanbul


@pytest.fixture
def staff(world: World) -> User:
    user = world.people["secretariat_staff"]
    assert user is not None
    return user


@pytest.fixture
def som(world: World) -> Body:
    return Body.objects.create(
        dialogue=world.dialogue, kind=Body.Kind.SENIOR_OFFICIALS_MEETING, name_en="SOM"
    )


@pytest.fixture
def meeting(world: World, staff: User, som: Body) -> Meeting:
    """An announced public meeting in Istanbul, 09:00-17:00 local time."""
    draft = services.schedule_meeting(
        by=staff,
        dialogue=world.dialogue,
        body=som,
        kind="senior_officials_meeting",
        title_en="SOM Istanbul",
        title_ru="СДЛ Стамбул",
        time_zone="Europe/Istanbul",
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=8),
        venue_name="Congress Center",
        city="Istanbul",
        city_ru="Стамбул",
        room="Hall A",
    )
    return services.transition(by=staff, meeting=draft, to="announced")


NOMINATIONS_CLOSE = START - datetime.timedelta(days=20)
CONFIRMATIONS_CLOSE = START - datetime.timedelta(days=7)


def set_up_registration(
    meeting: Meeting,
    staff: User,
    *,
    capacity: int | None = None,
    funded_seats: int = 1,
    nominations_close: datetime.datetime = NOMINATIONS_CLOSE,
) -> None:
    """Deadlines, and 3 seats (``funded_seats`` of them with travel support) for heads and
    delegates of participating states."""
    registration.configure_registration(
        by=staff,
        meeting=meeting,
        nomination_deadline=nominations_close,
        confirmation_deadline=CONFIRMATIONS_CLOSE,
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


@pytest.fixture
def open_meeting(meeting: Meeting, staff: User) -> Meeting:
    """The Istanbul meeting with registration set up (see ``set_up_registration``) and open."""
    set_up_registration(meeting, staff)
    return services.transition(by=staff, meeting=meeting, to="registration_open")
