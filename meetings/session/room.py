"""Where the room stands on the agenda: the item under discussion, closing it, the delay.

The released agenda is never changed: the estimated times participants see are the released
ones shifted by the delay the secretariat or the chair states.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue.models import State, User
from meetings import agenda
from meetings.models import (
    AgendaItem,
    Discussion,
    FloorRequest,
    FloorStatus,
    Meeting,
    ProtocolOrder,
    Sitting,
)

from . import access, events
from .locks import lock_sitting

MAX_DELAY_MINUTES = 12 * 60


def _end_speaker(discussion: Discussion) -> FloorRequest | None:
    """The delegation speaking on ``discussion`` has finished (its intervention recorded)."""
    speaker = (
        FloorRequest.objects.select_for_update(of=("self",))
        .filter(discussion=discussion, status=FloorStatus.SPEAKING)
        .select_related("delegation__state", "delegation__organisation")
        .first()
    )
    if speaker is not None:
        speaker.status = FloorStatus.SPOKE
        speaker.ended_at = timezone.now()
        speaker.save(update_fields=["status", "ended_at"])
    return speaker


def open_item(*, by: User, meeting: Meeting, item_key: int) -> Sitting:
    """Take up an item of the released agenda (closing the one under discussion, if any; an
    item closed before is taken up again with its list). Publishes ``session.item_opened``.
    Raises ``PermissionDenied``, or ``ValidationError`` when the meeting is not in session or
    the item is not an item of the released agenda."""
    access.check_chair(by, meeting)
    access.check_in_session(meeting)
    with transaction.atomic():
        sitting = lock_sitting(meeting)
        release = meeting.agenda_releases.order_by("-number").first()
        rows = agenda.public_items(release.items) if release is not None else []
        if not any(r["key"] == item_key and r["kind"] == AgendaItem.Kind.ITEM for r in rows):
            raise ValidationError(_("Choose an item of the released agenda."))
        now = timezone.now()
        current = sitting.current
        if current is not None and current.item_id == item_key and current.closed_at is None:
            return sitting  # already under discussion: a repeated click changes nothing
        if current is not None and current.closed_at is None:
            _end_speaker(current)
            current.closed_at = now
            current.save(update_fields=["closed_at"])
        discussion, created = Discussion.objects.get_or_create(
            sitting=sitting, item_id=item_key, defaults={"opened_by": by, "opened_at": now}
        )
        if not created:
            discussion.closed_at = None
            discussion.save(update_fields=["closed_at"])
        sitting.current = discussion
        sitting.updated_at = now
        sitting.save(update_fields=["current", "updated_at"])
        events.publish_session(sitting, events.ITEM_OPENED, by=by)
    return sitting


def close_item(*, by: User, meeting: Meeting) -> Sitting:
    """Close the item under discussion (the delegation speaking has finished; the room is
    between items). Publishes ``session.item_closed``; nothing under discussion is no
    change."""
    access.check_chair(by, meeting)
    with transaction.atomic():
        sitting = lock_sitting(meeting)
        current = sitting.current
        if current is None:
            return sitting
        _end_speaker(current)
        current.closed_at = timezone.now()
        current.save(update_fields=["closed_at"])
        # The event names the item that closed; then the room is between items.
        events.publish_session(sitting, events.ITEM_CLOSED, by=by)
        sitting.current = None
        sitting.updated_at = timezone.now()
        sitting.save(update_fields=["current", "updated_at"])
    return sitting


def set_delay(*, by: User, meeting: Meeting, minutes: int) -> Sitting:
    """State how late (positive) or early (negative) the room runs, in minutes; the estimated
    times of the items to come follow. Publishes ``session.delay_changed``."""
    access.check_chair(by, meeting)
    if abs(minutes) > MAX_DELAY_MINUTES:
        raise ValidationError(
            _("A delay is at most %(hours)d hours either way.") % {"hours": MAX_DELAY_MINUTES // 60}
        )
    with transaction.atomic():
        sitting = lock_sitting(meeting)
        if sitting.delay_minutes == minutes:
            return sitting
        sitting.delay_minutes = minutes
        sitting.updated_at = timezone.now()
        sitting.save(update_fields=["delay_minutes", "updated_at"])
        events.publish_session(sitting, events.DELAY_CHANGED, by=by)
    return sitting


def configure_session(
    *,
    by: User,
    meeting: Meeting,
    protocol_order: str,
    first_state: State | None = None,
    speaking_seconds: int | None = None,
) -> Sitting:
    """Set the protocol order of a tour de table (alphabetical in the meeting's first language,
    or one state first) and the speaking time of each intervention (None: no limit). Applies
    to the next tour and the next floor given; publishes nothing."""
    access.check_chair(by, meeting)
    if protocol_order not in ProtocolOrder.values:
        raise ValidationError(_("Choose a protocol order."))
    if protocol_order == ProtocolOrder.STATE_FIRST and first_state is None:
        raise ValidationError(_("Name the state that speaks first."))
    if speaking_seconds is not None and not 10 <= speaking_seconds <= 3600:
        raise ValidationError(_("A speaking time is between 10 seconds and an hour."))
    with transaction.atomic():
        sitting = lock_sitting(meeting)
        sitting.protocol_order = protocol_order
        sitting.first_state = first_state if protocol_order == ProtocolOrder.STATE_FIRST else None
        sitting.speaking_seconds = speaking_seconds
        sitting.updated_at = timezone.now()
        sitting.save(
            update_fields=["protocol_order", "first_state", "speaking_seconds", "updated_at"]
        )
    return sitting
