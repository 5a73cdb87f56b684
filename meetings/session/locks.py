"""The row every change of a meeting in session locks: its ``Sitting``, created on first use.

Taking it first, in every action, serialises the session's changes: fifty delegations asking
for the floor at once each wait their turn, get one place, in the order their transactions
commit, and nobody's request is lost between two renumberings of the list.
"""

from __future__ import annotations

from meetings.models import Meeting, Sitting


def lock_sitting(meeting: Meeting) -> Sitting:
    """The meeting's sitting, created if needed and locked until the transaction ends."""
    Sitting.objects.bulk_create([Sitting(meeting=meeting)], ignore_conflicts=True)
    return (
        Sitting.objects.select_for_update(of=("self",))
        .select_related("meeting", "meeting__dialogue", "current")
        .get(meeting=meeting)
    )
