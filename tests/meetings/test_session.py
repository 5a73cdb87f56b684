"""The meeting in session: the live agenda and the list of speakers (``meetings.session``)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from meetings import session
from meetings.models import FloorKind, FloorRequest, FloorStatus, Sitting
from meetings.session import queries
from notifications.models import Event
from tests.conftest import World, at
from tests.meetings.conftest import ON_THE_DAY
from tests.meetings.session_scene import InSession, meeting_in_session


@pytest.fixture
def room(world: World) -> InSession:
    return meeting_in_session(world)


def _queue(room: InSession) -> list[str]:
    return [place.delegation for place in queries.session_view(None, room.meeting).queue]


def _open(world: World, room: InSession, index: int = 2) -> None:
    session.open_item(by=world.person("chair"), meeting=room.meeting, item_key=room.items[index].pk)


def _events(type_: str) -> list[Event]:
    return list(Event.objects.filter(type=type_).order_by("id"))


def test_open_item_shows_it_as_current_with_following_items_estimated(
    world: World, room: InSession
) -> None:
    _open(world, room)
    session.set_delay(by=world.person("secretariat_staff"), meeting=room.meeting, minutes=20)
    view = queries.session_view(None, room.meeting)
    assert view.current is not None
    assert (view.current.number, view.current.title) == ("3", "Return and readmission")
    (following,) = view.following
    assert following.title == "Any other business"
    assert following.estimated_at - following.starts_at == datetime.timedelta(minutes=20)
    # The released agenda itself is untouched.
    release = room.meeting.agenda_releases.get()
    assert release.items[-1]["starts_at"] == following.starts_at.isoformat()
    opened, delayed = _events("session.item_opened"), _events("session.delay_changed")
    assert [(e.data["item"], e.data["item_number"]) for e in opened] == [(room.items[2].pk, "3")]
    assert [e.data["delay_minutes"] for e in delayed] == [20]


def test_open_item_twice_is_one_change(world: World, room: InSession) -> None:
    _open(world, room)
    _open(world, room)
    assert len(_events("session.item_opened")) == 1


def test_open_item_refuses_what_is_not_in_the_released_agenda(
    world: World, room: InSession
) -> None:
    with pytest.raises(ValidationError, match="released agenda"):
        session.open_item(by=world.person("chair"), meeting=room.meeting, item_key=999_999)


def test_open_item_only_in_session(world: World) -> None:
    room = meeting_in_session(world)
    from meetings import services

    staff = world.person("secretariat_staff")
    with at(ON_THE_DAY):
        services.transition(by=staff, meeting=room.meeting, to="concluded", confirm=True)
    room.meeting.refresh_from_db()
    with pytest.raises(ValidationError, match="not in session"):
        session.open_item(by=staff, meeting=room.meeting, item_key=room.items[0].pk)


@pytest.mark.parametrize(
    "role", ["delegate_a", "focal_point_a", "observer", "secretariat_staff_other"]
)
def test_only_chair_and_secretariat_run_the_session(
    world: World, room: InSession, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        session.open_item(by=world.person(role), meeting=room.meeting, item_key=room.items[0].pk)


def test_close_item_ends_the_speaker_and_leaves_the_room_between_items(
    world: World, room: InSession
) -> None:
    _open(world, room)
    session.request_floor(by=room.delegate_a, meeting=room.meeting)
    given = session.give_floor(by=world.person("chair"), meeting=room.meeting)
    session.close_item(by=world.person("chair"), meeting=room.meeting)
    given.refresh_from_db()
    assert given.status == FloorStatus.SPOKE
    assert given.ended_at is not None
    view = queries.session_view(None, room.meeting)
    assert view.current is None
    assert [x.title for x in view.following] == ["Any other business"]
    assert _events("session.item_closed")[0].data["item"] == room.items[2].pk


def test_request_floor_twice_is_one_request(world: World, room: InSession) -> None:
    _open(world, room)
    first = session.request_floor(by=room.delegate_a, meeting=room.meeting)
    again = session.request_floor(by=room.delegate_a, meeting=room.meeting)
    assert first.created
    assert not again.created
    assert again.request.pk == first.request.pk
    assert FloorRequest.objects.count() == 1
    assert len(_events("floor.requested")) == 1


def test_request_floor_without_an_item_under_discussion_is_refused(
    world: World, room: InSession
) -> None:
    with pytest.raises(ValidationError, match="No item is under discussion"):
        session.request_floor(by=room.delegate_a, meeting=room.meeting)


def test_request_floor_by_someone_without_a_delegation_is_denied(
    world: World, room: InSession
) -> None:
    _open(world, room)
    with pytest.raises(PermissionDenied):
        session.request_floor(by=world.person("focal_point_a"), meeting=room.meeting)


def test_point_of_order_goes_to_the_top_after_earlier_points_of_order(
    world: World, room: InSession
) -> None:
    _open(world, room)
    session.request_floor(by=room.delegate_a, meeting=room.meeting)
    session.request_floor(by=room.observer, meeting=room.meeting)
    session.request_floor(by=room.delegate_b, meeting=room.meeting, point_of_order=True)
    assert _queue(room) == [
        "Republic of Moldova",
        "Georgia",
        room.delegation_organisation.member.name,
    ]
    kinds = [e.data["floor_kind"] for e in _events("floor.requested")]
    assert kinds == ["floor", "floor", "point_of_order"]


def test_states_before_organisations_unless_the_chair_moves_them(
    world: World, room: InSession
) -> None:
    _open(world, room)
    organisation = room.delegation_organisation.member.name
    session.request_floor(by=room.observer, meeting=room.meeting)
    session.request_floor(by=room.delegate_a, meeting=room.meeting)
    assert _queue(room) == ["Georgia", organisation]
    moved = FloorRequest.objects.get(delegation=room.delegation_organisation)
    session.move_request(by=world.person("chair"), request=moved, places=-1)
    session.request_floor(by=room.delegate_b, meeting=room.meeting)
    assert _queue(room) == [organisation, "Georgia", "Republic of Moldova"]
    assert [e.data["change"] for e in _events("floor.queue_changed")] == ["reordered"]


def test_withdraw_takes_the_request_off_and_is_idempotent(world: World, room: InSession) -> None:
    _open(world, room)
    mine = session.request_floor(by=room.delegate_a, meeting=room.meeting).request
    session.request_floor(by=room.delegate_b, meeting=room.meeting)
    session.withdraw_floor(by=room.delegate_a, request=mine)
    session.withdraw_floor(by=room.delegate_a, request=mine)
    assert _queue(room) == ["Republic of Moldova"]
    assert len(_events("floor.withdrawn")) == 1


def test_withdraw_of_another_delegations_request_is_denied(world: World, room: InSession) -> None:
    _open(world, room)
    theirs = session.request_floor(by=room.delegate_b, meeting=room.meeting).request
    with pytest.raises(PermissionDenied):
        session.withdraw_floor(by=room.delegate_a, request=theirs)


def test_give_floor_to_the_next_ends_the_previous_speaker(world: World, room: InSession) -> None:
    chair = world.person("chair")
    _open(world, room)
    session.configure_session(
        by=chair, meeting=room.meeting, protocol_order="alphabetical", speaking_seconds=180
    )
    session.request_floor(by=room.delegate_a, meeting=room.meeting)
    session.request_floor(by=room.delegate_b, meeting=room.meeting)
    first = session.give_floor(by=chair, meeting=room.meeting)
    second = session.give_floor(by=chair, meeting=room.meeting)
    first.refresh_from_db()
    assert first.delegation == room.delegation_a
    assert first.status == FloorStatus.SPOKE
    assert second.status == FloorStatus.SPEAKING
    assert second.speaking_seconds == 180
    view = queries.session_view(room.delegate_b, room.meeting)
    assert view.speaker is not None
    assert view.speaker.is_mine
    assert view.speaker.remaining_seconds is not None
    assert 170 < view.speaker.remaining_seconds <= 180
    assert [e.data["delegation_key"] for e in _events("floor.given")] == ["GE", "MD"]
    with pytest.raises(ValidationError, match="Nobody is waiting"):
        session.give_floor(by=chair, meeting=room.meeting)


@pytest.mark.parametrize("role", ["delegate_a", "focal_point_b"])
def test_only_the_chair_gives_the_floor(world: World, room: InSession, role: str) -> None:
    _open(world, room)
    session.request_floor(by=room.delegate_a, meeting=room.meeting)
    with pytest.raises(PermissionDenied):
        session.give_floor(by=world.person(role), meeting=room.meeting)


def test_closed_list_refuses_new_requests_but_hears_points_of_order(
    world: World, room: InSession
) -> None:
    _open(world, room)
    session.close_list(by=world.person("chair"), meeting=room.meeting)
    with pytest.raises(ValidationError, match="closed"):
        session.request_floor(by=room.delegate_a, meeting=room.meeting)
    session.request_floor(by=room.delegate_a, meeting=room.meeting, point_of_order=True)
    assert _queue(room) == ["Georgia"]
    assert [e.data["list_closed"] for e in _events("floor.queue_changed")] == [True]


def test_tour_de_table_queues_present_delegations_in_protocol_order(
    world: World, room: InSession
) -> None:
    chair = world.person("chair")
    _open(world, room)
    organisation = room.delegation_organisation.member.name
    session.tour_de_table(by=chair, meeting=room.meeting)
    assert _queue(room) == ["Georgia", "Republic of Moldova", organisation]
    assert {r.kind for r in FloorRequest.objects.all()} == {FloorKind.TOUR}
    # Again, with Moldova first: those already on the list are not queued twice.
    session.configure_session(
        by=chair, meeting=room.meeting, protocol_order="state_first", first_state=world.state_b
    )
    _open(world, room, 3)
    session.tour_de_table(by=chair, meeting=room.meeting)
    assert _queue(room) == ["Republic of Moldova", "Georgia", organisation]


def test_tour_de_table_in_russian_order(world: World) -> None:
    room = meeting_in_session(world)
    room.meeting.languages = ["ru", "en"]
    room.meeting.save(update_fields=["languages"])
    world.state_a.name_i18n = world.state_a.name_i18n.with_text(
        "ru", "Яблоко"
    )  # after Республика Молдова in Russian, before it in English
    world.state_a.save()
    _open(world, room)
    session.tour_de_table(by=world.person("chair"), meeting=room.meeting)
    assert _queue(room)[:2] == ["Republic of Moldova", "Georgia"]


def test_tour_de_table_without_anyone_present_is_refused(world: World) -> None:
    room = meeting_in_session(world, check_in=False)
    _open(world, room)
    with pytest.raises(ValidationError, match="present"):
        session.tour_de_table(by=world.person("chair"), meeting=room.meeting)


def test_delegation_sees_its_own_place(world: World, room: InSession) -> None:
    _open(world, room)
    session.request_floor(by=room.delegate_a, meeting=room.meeting)
    session.request_floor(by=room.delegate_b, meeting=room.meeting)
    mine = queries.session_view(room.delegate_b, room.meeting).own_request
    assert mine is not None
    assert mine.place == 2
    assert queries.session_view(None, room.meeting).own_request is None


def test_interventions_are_kept_for_the_report(world: World, room: InSession) -> None:
    chair = world.person("chair")
    _open(world, room)
    session.request_floor(by=room.delegate_a, meeting=room.meeting)
    session.give_floor(by=chair, meeting=room.meeting)
    session.end_floor(by=chair, meeting=room.meeting)
    (spoke,) = queries.interventions(room.meeting)
    assert spoke.delegation == "Georgia"
    assert spoke.item == "3 Return and readmission"
    assert spoke.seconds is not None
    assert spoke.seconds >= 0
    assert Sitting.objects.get().current is not None
