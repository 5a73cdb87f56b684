"""The rows registration locks, always in one order: registration settings → delegation →
nominations, so concurrent actions wait for each other instead of deadlocking:

- adding to a delegation (``nominate``, ``replace``) locks the delegation row: its quota is
  counted under that lock, so 400 clicks at once never fill a sixth seat of five;
- deciding (``approve``, ``waitlist``, ``reject``, ``withdraw``) locks the meeting's
  registration settings: the capacity is counted under that lock, the waitlist kept in order.

A delegation is a state's or an organisation's: its ``Member``.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from dialogue.members import Member
from dialogue.models import State
from meetings.models import Delegation, Meeting, Nomination, RegistrationSettings


def member_filter(member: Member, prefix: str = "") -> dict[str, Any]:
    """The filter naming a delegation's member (``prefix`` to reach it across a relation)."""
    if isinstance(member, State):
        return {f"{prefix}state": member}
    return {f"{prefix}organisation": member}


def lock_settings(meeting: Meeting) -> RegistrationSettings:
    found = (
        RegistrationSettings.objects.select_for_update(of=("self",))
        .select_related("meeting", "meeting__dialogue")
        .filter(meeting_id=meeting.pk)
        .first()
    )
    if found is None:
        raise ValidationError(_("Registration for this meeting has not been set up."))
    return found


def lock_delegation(meeting: Meeting, member: Member) -> Delegation:
    """The delegation's row, created if needed and locked until the transaction ends."""
    Delegation.objects.bulk_create(
        [Delegation(meeting=meeting, **member_filter(member))], ignore_conflicts=True
    )
    return (
        Delegation.objects.select_for_update(of=("self",))
        .select_related("state", "organisation")
        .get(meeting=meeting, **member_filter(member))
    )


def lock_nomination(nomination: Nomination) -> Nomination:
    return (
        Nomination.objects.select_for_update(of=("self",))
        .select_related(
            "meeting", "meeting__dialogue", "delegation__state", "delegation__organisation"
        )
        .get(pk=nomination.pk)
    )
