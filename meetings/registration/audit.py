"""Registration's entries in the permanent record (``dialogue.audit``): one call inside the
transaction of each decision, each change of the set-up, each export and erasure.

A nomination is labelled by its number, delegation and category, never by the nominee's
name: the record outlives the name (erasure), and names the person only by their account or
the keyed hash of their address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dialogue.audit import trail
from dialogue.models import AuditAction, User
from meetings.models import Meeting, Nomination


def nomination_label(nomination: Nomination) -> str:
    return f"#{nomination.pk} {nomination.delegation.key} · {nomination.category}"


def record_nomination(
    action: AuditAction,
    nomination: Nomination,
    *,
    by: User | None,
    details: Mapping[str, Any] | None = None,
) -> None:
    meeting = nomination.meeting
    trail.record(
        action,
        by=by,
        dialogue=meeting.dialogue_id,
        meeting_id=meeting.pk,
        object_type="nomination",
        object_id=nomination.pk,
        label=nomination_label(nomination),
        person=nomination.person,
        person_email=nomination.email,
        details=details,
    )


def record_meeting(
    action: AuditAction,
    meeting: Meeting,
    *,
    by: User | None,
    object_type: str = "meeting",
    object_id: Any = None,
    label: str = "",
    details: Mapping[str, Any] | None = None,
) -> None:
    trail.record(
        action,
        by=by,
        dialogue=meeting.dialogue_id,
        meeting_id=meeting.pk,
        object_type=object_type,
        object_id=meeting.pk if object_id is None else object_id,
        label=label or str(meeting.title_i18n.pick("en")),
        details=details,
    )
