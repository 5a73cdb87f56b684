"""Who "the registered participants" of a meeting are when something is sent to them: every
approved nomination, with or without an account. Those with an active account hear through the
platform (live, inbox, their e-mail preferences); those without one are written to through the
outbox, as nominees already are; a deactivated account is reached by neither, and says so.

``documents.reach`` builds a circulation's audience on it; ``meetings.reminders`` writes its
reminder to the participants without an account. Both say who is reached, how, and who is not and
why with the reasons and ``Addressee`` below (one component shows them: ``documents/_reach.html``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from meetings.models import Meeting, Nomination, NominationStatus

# Why someone is not reached (kept as a code with what was sent).
MARKING = "marking"
NO_ADDRESS = "no_address"
DEACTIVATED = "deactivated"
NOT_VERIFIED = "not_verified"
NOT_ADMITTED = "not_admitted"


def why(reason: str) -> str:
    """The sentence for a reason someone is left out."""
    sentences = {
        MARKING: _("a document's distribution does not admit them"),
        NO_ADDRESS: _("no e-mail address (their personal data was erased)"),
        DEACTIVATED: _("their account is deactivated"),
        NOT_VERIFIED: _("they have not verified their e-mail address yet"),
        NOT_ADMITTED: _("their account may not see this meeting"),
    }
    return sentences.get(reason, reason)


@dataclass(frozen=True)
class Addressee:
    """One person written to: reached (how) or not (why)."""

    name: str
    email: str
    delegation: str
    how: str = ""  # "account" or "email"; empty when not reached
    why: str = ""  # a sentence when not reached
    reason: str = ""  # one of the reasons above

    def record(self) -> dict[str, str]:
        """As a sent message keeps it (no e-mail address: the record outlives erasure)."""
        if self.how:
            return {"name": self.name, "delegation": self.delegation, "how": self.how}
        return {"name": self.name, "delegation": self.delegation, "reason": self.reason}

    @classmethod
    def from_record(cls, kept: dict[str, str]) -> Addressee:
        reason = kept.get("reason", "")
        return cls(
            kept.get("name", ""),
            "",
            kept.get("delegation", ""),
            how=kept.get("how", ""),
            why=why(reason) if reason else "",
            reason=reason,
        )


@dataclass(frozen=True)
class Participant:
    """An approved participant as a sender sees them."""

    nomination: Nomination

    @property
    def has_account(self) -> bool:
        return self.nomination.person_id is not None

    @property
    def reachable_by_account(self) -> bool:
        person = self.nomination.person
        return person is not None and person.is_active

    @property
    def reachable_by_email(self) -> bool:
        return self.nomination.person_id is None and bool(self.nomination.email)

    @property
    def unreachable_because(self) -> str:
        """Why neither the platform nor the outbox reaches them (empty when one does)."""
        person = self.nomination.person
        if person is not None and not person.is_active:
            return _("their account is deactivated")
        if person is None and not self.nomination.email:
            return _("no e-mail address (their personal data was erased)")
        return ""


def approved_participants(
    meeting: Meeting, *, states: list[int] | None = None, organisations: list[int] | None = None
) -> list[Participant]:
    """Every approved nomination of ``meeting`` (of the named delegations when ``states`` or
    ``organisations`` is given), with its person and delegation, in delegation order."""
    nominations = Nomination.objects.filter(
        meeting_id=meeting.pk, status=NominationStatus.APPROVED
    ).select_related("person", "delegation__state", "delegation__organisation", "meeting")
    if states is not None or organisations is not None:
        nominations = nominations.filter(
            Q(delegation__state_id__in=states or [])
            | Q(delegation__organisation_id__in=organisations or [])
        )
    return [
        Participant(n) for n in nominations.order_by("delegation_id", "category", "full_name", "id")
    ]


@dataclass
class ParticipantsReach:
    """Whom a message to a meeting's registered participants reaches: through the platform (an
    account that may see the meeting) or by e-mail (no account yet), and who not and why."""

    reached: list[Addressee]
    left_out: list[Addressee]
    by_email: list[Participant]

    marking_is_a_reason = False  # no document, no distribution

    def record(self) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        return [a.record() for a in self.reached], [a.record() for a in self.left_out]


def participants_reach(meeting: Meeting) -> ParticipantsReach:
    """Whom a message about ``meeting`` published to everyone who may see it (``events.
    audience_meeting``), and written by e-mail to those without an account, reaches among its
    approved participants, in delegation order."""
    from dialogue import audiences, permissions
    from meetings.events import audience_meeting

    participants = approved_participants(meeting)
    users = permissions.load_users(
        {p.nomination.person_id for p in participants if p.nomination.person_id is not None}
    )
    audience = audience_meeting(meeting)
    admitted = {u.pk for u in audiences.receivers(audience, list(users.values()))}
    result = ParticipantsReach(reached=[], left_out=[], by_email=[])
    for participant in participants:
        nomination = participant.nomination
        person = users.get(nomination.person_id) if nomination.person_id else None
        delegation = str(nomination.delegation.member.name)
        one = (nomination.full_name, nomination.email, delegation)
        if nomination.person_id is None:
            if nomination.email:
                result.by_email.append(participant)
                result.reached.append(Addressee(*one, how="email"))
            else:
                result.left_out.append(Addressee(*one, why=why(NO_ADDRESS), reason=NO_ADDRESS))
            continue
        if person is None or not person.is_active:
            reason = DEACTIVATED
        elif person.pk in admitted:
            result.reached.append(Addressee(*one, how="account"))
            continue
        elif not getattr(person, "email_verified", True):
            reason = NOT_VERIFIED
        else:
            reason = NOT_ADMITTED
        result.left_out.append(Addressee(*one, why=why(reason), reason=reason))
    return result
