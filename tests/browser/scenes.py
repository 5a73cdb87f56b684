"""The world the browser journeys share: the Budapest Process with Georgia as a participating
state, people in their roles, and a senior officials' meeting in Istanbul made through the
services, as the secretariat would make it."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from dialogue.models import Body, Dialogue, RoleKind, State, User
from meetings import services
from meetings.models import Meeting
from meetings.registration.printing.pdf import Letter, render_letter
from tests.factories import (
    DialogueFactory,
    MembershipFactory,
    RoleFactory,
    StateFactory,
    UserFactory,
)
from tests.meetings.conftest import CONFIRMATIONS_CLOSE, START, set_up_registration

# Functions, not expressions: Playwright evaluates an expression with eval(), which the CSP forbids.
LIVE = "() => window.dialogueLive?.state === 'live'"


@dataclass
class Budapest:
    dialogue: Dialogue
    georgia: State

    def person(self, email: str, kind: RoleKind, *, georgian: bool = False, **fields: Any) -> User:
        """A user holding one role in the dialogue (for Georgia when ``georgian``)."""
        user = UserFactory.create(email=email, **fields)
        RoleFactory.create(
            user=user, dialogue=self.dialogue, kind=kind, state=self.georgia if georgian else None
        )
        return user

    def istanbul_som(self, *, by: User, **fields: Any) -> Meeting:
        """The SOM in Istanbul on ``START``, scheduled and announced by ``by``; ``fields``
        change or add to what it is scheduled with."""
        body = Body.objects.create(
            dialogue=self.dialogue, kind=Body.Kind.SENIOR_OFFICIALS_MEETING, name_i18n={"en": "SOM"}
        )
        meeting = services.schedule_meeting(
            by=by,
            dialogue=self.dialogue,
            body=body,
            **{
                "kind": "senior_officials_meeting",
                "title": {"en": "SOM Istanbul"},
                "time_zone": "Europe/Istanbul",
                "starts_at": START,
                "ends_at": START + datetime.timedelta(hours=9),
                **fields,
            },
        )
        return services.transition(by=by, meeting=meeting, to="announced")


def budapest_with_georgia(**dialogue_fields: Any) -> Budapest:
    dialogue = DialogueFactory.create(
        slug="budapest-process", name_i18n={"en": "Budapest Process"}, **dialogue_fields
    )
    georgia = StateFactory.create(code="GE", name_i18n={"en": "Georgia", "ru": "Грузия"})
    MembershipFactory.create(dialogue=dialogue, state=georgia)
    return Budapest(dialogue, georgia)


def open_registration(
    meeting: Meeting,
    *,
    by: User,
    capacity: int | None = None,
    funded_seats: int = 0,
    days_to_nominate: int = 20,
) -> Meeting:
    """Registration open: three seats for each participating state (heads and delegates). For
    a meeting held today (the check-in desk's), the deadlines fall within the next hours."""
    if meeting.starts_at < START:
        closes = timezone.now() + datetime.timedelta(hours=1)
        confirmations = closes + datetime.timedelta(hours=1)
    else:
        closes = START - datetime.timedelta(days=days_to_nominate)
        confirmations = CONFIRMATIONS_CLOSE
    set_up_registration(
        meeting,
        by,
        capacity=capacity,
        funded_seats=funded_seats,
        nominations_close=closes,
        confirmations_close=confirmations,
    )
    return services.transition(by=by, meeting=meeting, to="registration_open")


def nomination_letter() -> bytes:
    """A note verbale from Georgia's ministry, as a PDF a focal point would upload."""
    return render_letter(
        Letter(
            language="en",
            dialogue="Budapest Process",
            secretariat="Ministry of Foreign Affairs of Georgia",
            place_and_date="Tbilisi, 2 February 2027",
            reference="Note verbale 12/345",
            addressee=("ICMPD", "Vienna"),
            title="Nomination",
            paragraphs=("Georgia nominates its delegation.",),
            signature=("Ministry of Foreign Affairs",),
        )
    )
