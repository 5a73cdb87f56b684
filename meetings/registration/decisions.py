"""The secretariat's decisions on nominations (approve, waitlist, reject; one at a time or many)
and withdrawals. Decisions lock the meeting's registration settings: the capacity is counted
under that lock, and a seat that frees promotes the waitlist in order.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue import confirmation, permissions
from dialogue.models import AuditAction, User
from meetings import events
from meetings.models import Funding, Meeting, Nomination, NominationStatus, RegistrationSettings

from . import access, audit, locks, notify
from .nominations import decide_funding

S = NominationStatus


# Decisions that free an approved seat, and so may promote the waitlist.
DECIDABLE_FROM: dict[str, set[str]] = {
    S.APPROVED: {S.NOMINATED, S.WAITLISTED},
    S.WAITLISTED: {S.NOMINATED},
    S.REJECTED: {S.NOMINATED, S.WAITLISTED, S.APPROVED},
    S.WITHDRAWN: {S.NOMINATED, S.WAITLISTED, S.APPROVED},
}


def decide(
    *, by: User, nomination: Nomination, to: str, reason: str = "", event_type: str
) -> Nomination:
    """Move a nomination to the status ``to`` under the settings lock, promote the waitlist
    into a seat it frees, publish ``event_type`` and write to the nominee. The caller has
    asked who may."""
    with transaction.atomic():
        reg = locks.lock_settings(nomination.meeting)
        locked = locks.lock_nomination(nomination)
        if locked.status == to:
            return locked  # a repeated click
        if locked.status not in DECIDABLE_FROM[to]:
            raise ValidationError(
                _("A nomination cannot go from “%(from)s” to “%(to)s”.")
                % {"from": locked.get_status_display(), "to": S(to).label}
            )
        freed = 1 if locked.status == S.APPROVED else 0
        before = locked.status
        if to == S.APPROVED:
            _check_capacity(reg)
        locked.status = to
        locked.status_reason = reason
        locked.waitlist_position = _next_waitlist_position(reg) if to == S.WAITLISTED else None
        if to == S.WITHDRAWN:
            locked.withdrawn_by = by
        else:
            locked.decided_by = by
            locked.decided_at = timezone.now()
        locked.updated_at = timezone.now()
        locked.save()
        promoted = promote_into_free_seats(reg, freed=freed) if freed else []
        audit.record_nomination(
            AuditAction.NOMINATION_DECIDED,
            locked,
            by=by,
            details={"from": before, "to": to, "reason": reason},
        )
        notify.publish_nomination(locked, event_type, by=by, reason=reason)
        publish_promotions(promoted)
        notify.write_to_nominee(locked, to)
    return locked


def _check_capacity(reg: RegistrationSettings) -> None:
    if reg.capacity is None:
        return
    approved = Nomination.objects.filter(meeting_id=reg.meeting_id, status=S.APPROVED).count()
    if approved >= reg.capacity:
        raise ValidationError(
            _(
                "The meeting is full: %(n)d of %(n)d seats are approved. Waitlist the nominee, or "
                "raise the capacity."
            )
            % {"n": reg.capacity}
        )


def _next_waitlist_position(reg: RegistrationSettings) -> int:
    top = Nomination.objects.filter(meeting_id=reg.meeting_id).aggregate(
        top=Max("waitlist_position")
    )["top"]
    return (top or 0) + 1


def promote_into_free_seats(reg: RegistrationSettings, *, freed: int) -> list[Nomination]:
    """Approve the waitlist, first come first served, into the free seats: up to the capacity
    when there is one, else into the ``freed`` seats. Called with the settings locked; locks
    and saves the promoted, whom the caller then publishes (``_publish_promotions``)."""
    waiting = Nomination.objects.filter(meeting_id=reg.meeting_id, status=S.WAITLISTED)
    if reg.capacity is not None:
        approved = Nomination.objects.filter(meeting_id=reg.meeting_id, status=S.APPROVED)
        free = max(reg.capacity - approved.count(), 0)
    else:
        free = freed
    if free <= 0:
        return []
    promoted = list(
        waiting.select_for_update(of=("self",))
        .select_related(
            "meeting", "meeting__dialogue", "delegation__state", "delegation__organisation"
        )
        .order_by("waitlist_position", "id")[:free]
    )
    for nomination in promoted:
        nomination.status = S.APPROVED
        nomination.waitlist_position = None
        nomination.decided_by = None  # the system, when a seat freed
        nomination.decided_at = timezone.now()
        nomination.updated_at = timezone.now()
        nomination.save()
        audit.record_nomination(
            AuditAction.NOMINATION_DECIDED,
            nomination,
            by=None,
            details={"from": S.WAITLISTED, "to": S.APPROVED, "reason": "promoted"},
        )
    return promoted


def publish_promotions(promoted: list[Nomination]) -> None:
    for nomination in promoted:
        notify.publish_nomination(
            nomination, events.NOMINATION_PROMOTED, by=None
        )  # the system did it
        notify.write_to_nominee(nomination, "promoted")


def approve(*, by: User, nomination: Nomination) -> Nomination:
    """Approve a nomination (awaiting review or waitlisted) within the meeting's capacity.
    Publishes ``nomination.approved``. Raises ``PermissionDenied`` or ``ValidationError``."""
    access.check_manager(by, nomination.meeting)
    return decide(
        by=by, nomination=nomination, to=S.APPROVED, event_type=events.NOMINATION_APPROVED
    )


def waitlist(*, by: User, nomination: Nomination) -> Nomination:
    """Put a nomination on the waitlist, after those already there; it is approved when a seat
    frees. Publishes ``nomination.waitlisted``."""
    access.check_manager(by, nomination.meeting)
    return decide(
        by=by, nomination=nomination, to=S.WAITLISTED, event_type=events.NOMINATION_WAITLISTED
    )


def reject(*, by: User, nomination: Nomination, reason: str) -> Nomination:
    """Refuse a nomination with a reason the focal point and the nominee see. Rejecting an
    approved nominee frees their seat for the waitlist. Publishes ``nomination.rejected``."""
    access.check_manager(by, nomination.meeting)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason: the focal point and the nominee will see it."))
    return decide(
        by=by,
        nomination=nomination,
        to=S.REJECTED,
        reason=reason,
        event_type=events.NOMINATION_REJECTED,
    )


def withdrawal_consequence(nomination: Nomination) -> str:
    """What withdrawing does, said before it is confirmed."""
    if nomination.status == S.APPROVED:
        return _(
            "Withdraw %(name)s: their approved seat is given up (the first on the waitlist takes "
            "it), they and their delegation are told, and only a new nomination can bring them "
            "back."
        ) % {"name": nomination.full_name}
    return _(
        "Withdraw %(name)s: the nomination ends, they and their delegation are told, and only a "
        "new nomination can bring them back."
    ) % {"name": nomination.full_name}


def withdraw(
    *, by: User, nomination: Nomination, reason: str = "", confirm: bool = False
) -> Nomination:
    """Withdraw a nomination: the nominee themselves (until the meeting starts), the focal
    point (until the nomination deadline) or the secretariat (any time). An approved seat that
    frees promotes the waitlist. Needs ``confirm`` (else a ``ValidationError`` with code
    ``NEEDS_CONFIRMATION`` saying what would happen). Publishes ``nomination.withdrawn``."""
    access.check_can_change(by, nomination)
    meeting = nomination.meeting
    now = timezone.now()
    if not permissions.can_manage_registration(by, meeting):
        if permissions.is_nominee(by, nomination):
            if now >= meeting.starts_at:
                raise ValidationError(_("The meeting has started; tell the secretariat."))
        else:
            reg = RegistrationSettings.objects.filter(meeting=meeting).first()
            if reg is not None and now > reg.nomination_deadline:
                raise ValidationError(
                    _(
                        "The deadline for nominations has passed; the nominee or the secretariat "
                        "can still withdraw."
                    )
                )
    if not confirm and nomination.status != S.WITHDRAWN:
        raise confirmation.ask(withdrawal_consequence(nomination))
    return decide(
        by=by,
        nomination=nomination,
        to=S.WITHDRAWN,
        reason=reason.strip(),
        event_type=events.NOMINATION_WITHDRAWN,
    )


@dataclass
class BulkResult:
    done: list[Nomination] = field(default_factory=list)
    refused: list[tuple[Nomination, str]] = field(default_factory=list)
    funded: list[Nomination] = field(default_factory=list)


BULK_ACTIONS = ("approve", "waitlist", "reject")


def bulk_consequence(chosen: list[Nomination], action: str, *, funded: int = 0) -> str:
    """What a decision on many nominations does, said before it is confirmed."""
    count = len(chosen)
    delegations = len({n.delegation_id for n in chosen})
    names = {"count": count, "delegations": delegations}
    if action == "approve":
        sentence = (
            ngettext(
                "Approve %(count)d nomination",
                "Approve %(count)d nominations",
                count,
            )
            % names
        )
    elif action == "waitlist":
        sentence = (
            ngettext(
                "Put %(count)d nomination on the waitlist",
                "Put %(count)d nominations on the waitlist",
                count,
            )
            % names
        )
    else:
        sentence = (
            ngettext(
                "Reject %(count)d nomination",
                "Reject %(count)d nominations",
                count,
            )
            % names
        )
    sentence += (
        " "
        + ngettext(
            "of %(delegations)d delegation: each nominee and their focal point will be told.",
            "of %(delegations)d delegations: each nominee and their focal point will be told.",
            delegations,
        )
        % names
    )
    if action == "approve" and funded:
        sentence += " " + ngettext(
            "%(funded)d of them is also granted travel support.",
            "%(funded)d of them are also granted travel support.",
            funded,
        ) % {"funded": funded}
    return sentence


def bulk_decide(
    *,
    by: User,
    meeting: Meeting,
    nomination_ids: Iterable[int],
    action: str,
    reason: str = "",
    fund_ids: Iterable[int] = (),
    confirm: bool = False,
) -> BulkResult:
    """Approve, waitlist or reject many nominations, each through the same action as one at a
    time (its own transaction, the same rules). Ids ``by`` may not see are ignored. Approving,
    the nominations in ``fund_ids`` are also granted a funded seat (``decide_funding``, the
    same count of funded seats); a grant refused leaves the approval standing and is listed
    in ``refused`` with its reason. Needs ``confirm`` (else a ``ValidationError`` with code
    ``NEEDS_CONFIRMATION`` saying how many and whom the decision concerns)."""
    access.check_manager(by, meeting)
    if action not in BULK_ACTIONS:
        raise ValueError(f"unknown bulk action {action!r}")
    chosen = list(
        permissions.nominations_visible_to(by)
        .filter(meeting=meeting, pk__in=list(nomination_ids))
        .select_related("meeting", "delegation__state", "delegation__organisation")
        .order_by("delegation_id", "nominated_at", "id")
    )
    funded = set(fund_ids)
    if not confirm:
        raise confirmation.ask(
            bulk_consequence(chosen, action, funded=len(funded & {n.pk for n in chosen}))
        )
    result = BulkResult()
    for nomination in chosen:
        try:
            if action == "approve":
                done = approve(by=by, nomination=nomination)
            elif action == "waitlist":
                done = waitlist(by=by, nomination=nomination)
            else:
                done = reject(by=by, nomination=nomination, reason=reason)
        except ValidationError as error:
            result.refused.append((nomination, " ".join(error.messages)))
            continue
        result.done.append(done)
        if action == "approve" and done.pk in funded and done.funding != Funding.GRANTED:
            try:
                result.funded.append(decide_funding(by=by, nomination=done, granted=True))
            except ValidationError as error:
                result.refused.append(
                    (
                        done,
                        _("Approved, but travel support was not granted: %(reason)s")
                        % {"reason": " ".join(error.messages)},
                    )
                )
    return result
