"""A meeting in session, built by the services: the Istanbul meeting with a released agenda of
four items, registration with an approved, checked-in participant for Georgia (delegate A),
the Republic of Moldova (delegate B) and an organisation (the world's observer), then in
session. The service tests, the permission table and the browser test stand on it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from dialogue.models import Membership, RoleKind, User
from meetings import agenda, registration, services
from meetings.models import AgendaItem, Delegation, Meeting
from tests.conftest import World, at
from tests.factories import MembershipFactory, RoleFactory, UserFactory
from tests.meetings.conftest import ON_THE_DAY, START, istanbul_meeting, set_up_registration

ITEM_TITLES = ("Opening", "Migration routes", "Return and readmission", "Any other business")


@dataclass
class InSession:
    meeting: Meeting
    items: list[AgendaItem]  # in agenda order: items[2] is item 3
    delegation_a: Delegation
    delegation_b: Delegation
    delegation_organisation: Delegation
    delegate_a: User
    delegate_b: User
    observer: User


def meeting_in_session(
    world: World, meeting: Meeting | None = None, *, check_in: bool = True
) -> InSession:
    staff = world.person("secretariat_staff")
    meeting = meeting or istanbul_meeting(world, title={"en": "SOM in session"})
    items = [
        agenda.add_item(
            by=staff,
            meeting=meeting,
            title={"en": title, "ru": f"{title} (ru)"},
            starts_at=START + datetime.timedelta(minutes=60 * index),
            duration_minutes=60,
        )
        for index, title in enumerate(ITEM_TITLES)
    ]
    agenda.release_agenda(by=staff, meeting=meeting, note="For the session")
    set_up_registration(meeting, staff, funded_seats=0)
    MembershipFactory(
        dialogue=world.dialogue,
        state=None,
        organisation=world.organisation,
        kind=Membership.Kind.PARTNER,
    )
    registration.set_quota(
        by=staff,
        meeting=meeting,
        member_kind=Membership.Kind.PARTNER,
        categories=["observer"],
        seats=1,
    )
    meeting = services.transition(by=staff, meeting=meeting, to="registration_open")
    delegate_b = UserFactory(email="delegate_b@example.org", full_name="Delegate B", verified=True)
    RoleFactory(
        user=delegate_b, dialogue=world.dialogue, kind=RoleKind.DELEGATE, state=world.state_b
    )
    approved = []
    for member, email, category, by in (
        (world.state_a, "delegate_a@example.org", "head_of_delegation", "focal_point_a"),
        (world.state_b, "delegate_b@example.org", "head_of_delegation", "focal_point_b"),
        (world.organisation, "observer@example.org", "observer", "secretariat_staff"),
    ):
        nomination = registration.nominate(
            by=world.person(by),
            meeting=meeting,
            member=member,
            email=email,
            category=category,
            full_name=email.split("@")[0].replace("_", " ").title(),
        )
        approved.append(registration.approve(by=staff, nomination=nomination))
    meeting = services.transition(by=staff, meeting=meeting, to="registration_closed")
    with at(ON_THE_DAY):  # the session opens near the meeting's dates only
        meeting = services.transition(by=staff, meeting=meeting, to="in_session")
    if check_in:
        with at(ON_THE_DAY):  # the desk is open on the meeting's days only
            for nomination in approved:
                registration.check_in(by=staff, meeting=meeting, token=nomination.checkin_token)
    return InSession(
        meeting=meeting,
        items=items,
        delegation_a=Delegation.objects.get(meeting=meeting, state=world.state_a),
        delegation_b=Delegation.objects.get(meeting=meeting, state=world.state_b),
        delegation_organisation=Delegation.objects.get(
            meeting=meeting, organisation=world.organisation
        ),
        delegate_a=world.person("delegate_a"),
        delegate_b=delegate_b,
        observer=world.person("observer"),
    )
