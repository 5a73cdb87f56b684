"""The list of speakers of the item under discussion, by delegation.

A delegation (one of its approved participants, in the room or online) asks for the floor; a
second tap is the same request; it may withdraw while waiting. A point of order goes ahead of
every other request (after earlier points of order); states come before organisations and
observers unless the chair moves them. The chair (or the secretariat) reorders, gives the
floor, closes the list and runs a tour de table: every delegation present, in the protocol
order of the meeting. A request given the floor is the record of the intervention.

Every action takes the sitting's lock first (``locks``): the list is renumbered under it, so
concurrent requests get one place each, in commit order.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.models import User
from meetings.models import (
    Delegation,
    Discussion,
    FloorKind,
    FloorRequest,
    FloorStatus,
    Meeting,
    Nomination,
    NominationStatus,
    ProtocolOrder,
    Sitting,
)

from . import access, events
from .locks import lock_sitting
from .room import _end_speaker


@dataclass(frozen=True)
class Requested:
    request: FloorRequest
    created: bool  # False when the delegation was already waiting (a double tap)


def _open_discussion(sitting: Sitting) -> Discussion:
    current = sitting.current
    if current is None or current.closed_at is not None:
        raise ValidationError(_("No item is under discussion at the moment."))
    return current


def _waiting(discussion: Discussion) -> list[FloorRequest]:
    return list(
        FloorRequest.objects.select_for_update(of=("self",))
        .filter(discussion=discussion, status=FloorStatus.WAITING)
        .select_related("delegation__state", "delegation__organisation")
        .order_by("position", "id")
    )


def _renumber(requests: list[FloorRequest]) -> None:
    changed = []
    for position, request in enumerate(requests):
        if request.position != position:
            request.position = position
            changed.append(request)
    FloorRequest.objects.bulk_update(changed, ["position"])


def _rank(request: FloorRequest) -> int:
    """Points of order first, then states, then organisations and observers."""
    if request.kind == FloorKind.POINT_OF_ORDER:
        return 0
    return 1 if request.delegation.state_id is not None else 2


def _insert(requests: list[FloorRequest], new: FloorRequest) -> list[FloorRequest]:
    """``new`` after the last waiting request of its rank or a higher one (a request the
    chair moved stays where the chair put it)."""
    rank = _rank(new)
    place = 0
    for index, request in enumerate(requests):
        if _rank(request) <= rank:
            place = index + 1
    return [*requests[:place], new, *requests[place:]]


def _delegation_for(by: User, meeting: Meeting, delegation: Delegation | None) -> Delegation:
    """The delegation ``by`` asks for: one of their own; the chair may name any."""
    own = permissions.floor_delegation_ids(by, meeting)
    if delegation is not None:
        if delegation.meeting_id != meeting.pk:
            raise PermissionDenied
        if delegation.pk in own or permissions.can_chair_session(by, meeting):
            return delegation
        raise PermissionDenied
    if len(own) == 1:
        return Delegation.objects.select_related("state", "organisation").get(pk=next(iter(own)))
    if not own:
        raise PermissionDenied
    raise ValidationError(_("Choose the delegation you ask for."))


def request_floor(
    *,
    by: User,
    meeting: Meeting,
    delegation: Delegation | None = None,
    point_of_order: bool = False,
) -> Requested:
    """Put a delegation on the list of speakers of the item under discussion (``delegation``:
    one of the person's own, or any for the chair). Asking again while waiting is the same
    request (a point of order raised while waiting moves it up). Publishes ``floor.requested``.
    Raises ``PermissionDenied``, or ``ValidationError`` when no item is under discussion, the
    list is closed (a point of order is always heard) or the delegation has the floor."""
    if not permissions.can_view_meeting(by, meeting):
        raise PermissionDenied
    chosen = _delegation_for(by, meeting, delegation)
    access.check_in_session(meeting)
    kind = FloorKind.POINT_OF_ORDER if point_of_order else FloorKind.FLOOR
    with transaction.atomic():
        sitting = lock_sitting(meeting)
        discussion = _open_discussion(sitting)
        waiting = _waiting(discussion)
        existing = next((r for r in waiting if r.delegation_id == chosen.pk), None)
        if existing is not None and (existing.kind == kind or not point_of_order):
            return Requested(existing, created=False)
        if FloorRequest.objects.filter(
            discussion=discussion, delegation=chosen, status=FloorStatus.SPEAKING
        ).exists():
            raise ValidationError(_("This delegation has the floor."))
        if discussion.speakers_closed and not point_of_order:
            raise ValidationError(_("The list of speakers on this item is closed."))
        if existing is not None:  # a point of order raised while waiting: it moves up
            waiting.remove(existing)
            existing.kind = kind
            existing.save(update_fields=["kind"])
            request = existing
        else:
            request = FloorRequest.objects.create(
                discussion=discussion,
                delegation=chosen,
                kind=kind,
                requested_by=by,
                position=len(waiting),
            )
        _renumber(_insert(waiting, request))
        events.publish_floor(
            sitting, events.FLOOR_REQUESTED, by=by, change="requested", request=request
        )
    return Requested(request, created=existing is None)


def withdraw_floor(*, by: User, request: FloorRequest) -> FloorRequest:
    """Take a waiting request off the list (the delegation's own participants, or the chair).
    Withdrawing twice is one withdrawal. Publishes ``floor.withdrawn``."""
    meeting = request.discussion.sitting.meeting
    if not (
        request.delegation_id in permissions.floor_delegation_ids(by, meeting)
        or permissions.can_chair_session(by, meeting)
    ):
        raise PermissionDenied
    with transaction.atomic():
        sitting = lock_sitting(meeting)
        locked = FloorRequest.objects.select_related(
            "delegation__state", "delegation__organisation"
        ).get(pk=request.pk)
        if locked.status != FloorStatus.WAITING:
            if locked.status == FloorStatus.WITHDRAWN:
                return locked
            raise ValidationError(_("Only a request still waiting can be withdrawn."))
        locked.status = FloorStatus.WITHDRAWN
        locked.save(update_fields=["status"])
        _renumber(_waiting(locked.discussion))
        events.publish_floor(
            sitting, events.FLOOR_WITHDRAWN, by=by, change="withdrawn", request=locked
        )
    return locked


def give_floor(*, by: User, meeting: Meeting, request: FloorRequest | None = None) -> FloorRequest:
    """Give the floor to ``request`` (by default the first waiting): the delegation speaking
    finishes, the speaking time of the session starts. Publishes ``floor.given``. Raises
    ``ValidationError`` when nobody waits."""
    access.check_chair(by, meeting)
    access.check_in_session(meeting)
    with transaction.atomic():
        sitting = lock_sitting(meeting)
        discussion = _open_discussion(sitting)
        waiting = _waiting(discussion)
        chosen = (
            next((r for r in waiting if r.pk == request.pk), None)
            if request is not None
            else (waiting[0] if waiting else None)
        )
        if chosen is None:
            raise ValidationError(_("Nobody is waiting for the floor."))
        _end_speaker(discussion)
        waiting.remove(chosen)
        chosen.status = FloorStatus.SPEAKING
        chosen.given_at = timezone.now()
        chosen.speaking_seconds = sitting.speaking_seconds
        chosen.save(update_fields=["status", "given_at", "speaking_seconds"])
        _renumber(waiting)
        events.publish_floor(sitting, events.FLOOR_GIVEN, by=by, change="given", request=chosen)
    return chosen


def end_floor(*, by: User, meeting: Meeting) -> FloorRequest | None:
    """The delegation speaking has finished (nobody speaking is no change). Publishes
    ``floor.ended``."""
    access.check_chair(by, meeting)
    with transaction.atomic():
        sitting = lock_sitting(meeting)
        discussion = _open_discussion(sitting)
        ended = _end_speaker(discussion)
        if ended is not None:
            events.publish_floor(sitting, events.FLOOR_ENDED, by=by, change="ended", request=ended)
    return ended


def move_request(*, by: User, request: FloorRequest, places: int) -> FloorRequest:
    """Move a waiting request up (negative ``places``) or down the list; the chair's to do.
    Publishes ``floor.queue_changed``."""
    meeting = request.discussion.sitting.meeting
    access.check_chair(by, meeting)
    with transaction.atomic():
        sitting = lock_sitting(meeting)
        waiting = _waiting(request.discussion)
        found = next((r for r in waiting if r.pk == request.pk), None)
        if found is None:
            raise ValidationError(_("Only a request still waiting can be moved."))
        index = waiting.index(found)
        target = max(0, min(len(waiting) - 1, index + places))
        if target == index:
            return found
        waiting.remove(found)
        waiting.insert(target, found)
        _renumber(waiting)
        events.publish_floor(
            sitting, events.QUEUE_CHANGED, by=by, change="reordered", request=found
        )
    return found


def close_list(*, by: User, meeting: Meeting, closed: bool = True) -> Discussion:
    """Close (or reopen) the list of speakers of the item under discussion: no new requests
    but points of order. Publishes ``floor.queue_changed``."""
    access.check_chair(by, meeting)
    with transaction.atomic():
        sitting = lock_sitting(meeting)
        discussion = _open_discussion(sitting)
        if discussion.speakers_closed != closed:
            discussion.speakers_closed = closed
            discussion.save(update_fields=["speakers_closed"])
            events.publish_floor(
                sitting,
                events.QUEUE_CHANGED,
                by=by,
                change="list_closed" if closed else "list_reopened",
            )
    return discussion


def present_delegations(meeting: Meeting) -> list[Delegation]:
    """The delegations with an approved participant recorded as present: checked in at the
    desk, or present today (in the room or online)."""
    today = timezone.now().astimezone(meeting.zone).date()
    approved = Nomination.objects.filter(meeting=meeting, status=NominationStatus.APPROVED)
    present = approved.filter(
        Q(checked_in_at__isnull=False) | Q(attendance_days__day=today)
    ).values("delegation_id")
    return list(
        Delegation.objects.filter(meeting=meeting, pk__in=present).select_related(
            "state", "organisation"
        )
    )


def protocol_order(sitting: Sitting, delegations: list[Delegation]) -> list[Delegation]:
    """States, then organisations and observers; within each, alphabetical in the meeting's
    first language, or one state first and then alphabetical."""
    languages = sitting.meeting.languages or ["en"]
    with translation.override(languages[0]):
        names = {d.pk: d.member.name.casefold() for d in delegations}

    def key(d: Delegation) -> tuple[int, int, str]:
        first = sitting.protocol_order == ProtocolOrder.STATE_FIRST and (
            d.state_id is not None and d.state_id == sitting.first_state_id
        )
        return (0 if d.state_id is not None else 1, 0 if first else 1, names[d.pk])

    return sorted(delegations, key=key)


def tour_de_table(*, by: User, meeting: Meeting) -> list[FloorRequest]:
    """Queue every delegation present that is not already waiting or speaking, in protocol
    order, after the requests already on the list. Publishes ``floor.queue_changed``. Raises
    ``ValidationError`` when no delegation is recorded as present."""
    access.check_chair(by, meeting)
    access.check_in_session(meeting)
    with transaction.atomic():
        sitting = lock_sitting(meeting)
        discussion = _open_discussion(sitting)
        present = present_delegations(meeting)
        if not present:
            raise ValidationError(
                _("No delegation is recorded as present: check participants in first.")
            )
        waiting = _waiting(discussion)
        taken = {r.delegation_id for r in waiting} | set(
            FloorRequest.objects.filter(
                discussion=discussion, status=FloorStatus.SPEAKING
            ).values_list("delegation_id", flat=True)
        )
        added = [
            FloorRequest(
                discussion=discussion,
                delegation=d,
                kind=FloorKind.TOUR,
                requested_by=by,
                position=len(waiting) + index,
            )
            for index, d in enumerate(
                d for d in protocol_order(sitting, present) if d.pk not in taken
            )
        ]
        FloorRequest.objects.bulk_create(added)
        if added:
            events.publish_floor(sitting, events.QUEUE_CHANGED, by=by, change="tour")
    return added
