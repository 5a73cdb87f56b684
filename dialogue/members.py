"""The members of a dialogue: a state or an organisation.

``Member`` is the one type for either. Rows that stand for one member (a delegation, a role,
a receipt, a membership) carry it as two columns, ``state_id`` and ``organisation_id``, one of
them empty (``OfMember``); an event's facts carry the same two ids (``MemberIds``). The policy
takes any of these (``ids_of`` reads them), so nobody unpacks the pair at the call site.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .models import Organisation, State

Member = State | Organisation


class OfMember(Protocol):
    """A row that stands for one member of a dialogue (a delegation, a role, a receipt)."""

    @property
    def state_id(self) -> int | None: ...

    @property
    def organisation_id(self) -> int | None: ...


@dataclass(frozen=True)
class MemberIds:
    """A member by its ids, as an event's facts carry it, without loading it."""

    state_id: int | None
    organisation_id: int | None


def ids_of(member: Member | OfMember) -> MemberIds:
    """The ids of a member, or of the member a row stands for; one of them None."""
    if isinstance(member, State):
        return MemberIds(member.pk, None)
    if isinstance(member, Organisation):
        return MemberIds(None, member.pk)
    return MemberIds(member.state_id, member.organisation_id)
