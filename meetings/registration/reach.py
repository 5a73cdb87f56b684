"""Who "the registered participants" of a meeting are when something is sent to them: every
approved nomination, with or without an account. Those with an active account hear through the
platform (live, inbox, their e-mail preferences); those without one are written to through the
outbox, as nominees already are; a deactivated account is reached by neither, and says so.

``documents.reach`` builds a circulation's audience on it; ``meetings.reminders`` writes its
reminder to the participants without an account.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext as _

from meetings.models import Meeting, Nomination, NominationStatus


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
