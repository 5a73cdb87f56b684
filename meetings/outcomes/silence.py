"""The silence procedure: the secretariat puts a revision under silence until a date and hour
(given in the meeting's zone); any participating state may break it by a written objection
before then; when the time passes, ``conclude_due`` (run by ``manage.py conclude_silences``,
like the reminders) records the result exactly once: adopted by silence, or silence broken by
the states that objected. The secretariat may extend or withdraw a running silence with a
reason; every step is logged (``SilenceLogEntry``) and published on ``meeting:<id>``.

Lock order: the outcome, then its silence (``start``); the silence, then its outcome
(``conclude_due``, the only one holding both, and it takes the silence with ``SKIP LOCKED``
so it never waits behind an objection).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.audit import trail
from dialogue.models import State, User
from meetings import events
from meetings.models import (
    Outcome,
    OutcomeRevision,
    OutcomeStatus,
    Silence,
    SilenceLogEntry,
    SilenceObjection,
    SilenceStatus,
)
from notifications.policy import Audience

from .services import (
    COMMENT_MAX_LENGTH,
    _check_manager,
    _lock,
    _publish,
    _refuse_unannounced_meeting,
    latest_revision,
)

REASON_MAX_LENGTH = 5_000


def silence_deadline_label(silence: Silence) -> str:
    """The silence's end as participants read it: in the meeting's zone, with the zone."""
    meeting = silence.outcome.meeting
    local = silence.deadline.astimezone(meeting.zone)
    return f"{local:%d.%m.%Y %H:%M} ({meeting.time_zone})"


def running_silence(outcome: Outcome) -> Silence | None:
    return (
        outcome.silences.filter(status=SilenceStatus.RUNNING)
        .select_related("revision", "outcome__meeting")
        .first()
    )


def _publish_silence(
    silence: Silence, event_type: str, *, by: User | None, audience: Audience, **extra: Any
) -> None:
    outcome = silence.outcome
    _publish(
        outcome,
        event_type,
        by=by,
        audience=audience,
        **{
            "deadline": silence_deadline_label(silence),
            "deadline_at": silence.deadline.isoformat(),
            "silence_id": silence.pk,
            "revision": silence.revision.number,
            "reason": "",
            **extra,
        },
    )


def _check_deadline(deadline: datetime.datetime) -> None:
    if timezone.is_naive(deadline):
        raise ValueError("the deadline needs a time zone")
    if deadline <= timezone.now():
        raise ValidationError(_("The end of the silence must be in the future."))


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason: the states read it."))
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("A reason has at most %(count)d characters.") % {"count": REASON_MAX_LENGTH}
        )
    return reason


def _lock_silence(silence: Silence) -> Silence:
    return (
        Silence.objects.select_for_update(of=("self",))
        .select_related("outcome", "outcome__meeting", "outcome__meeting__dialogue", "revision")
        .get(pk=silence.pk)
    )


def start(
    *,
    by: User,
    outcome: Outcome,
    deadline: datetime.datetime,
    revision: OutcomeRevision | None = None,
) -> Silence:
    """Put ``revision`` (the latest when not given) under silence until ``deadline``.
    Publishes ``outcome.silence_started`` to the focal points, the chair and the secretariat.
    Raises ``PermissionDenied`` or ``ValidationError`` (adopted, no revision released, not the
    latest revision, a deadline not in the future, already under silence)."""
    _check_manager(by, outcome.meeting)
    _check_deadline(deadline)
    with transaction.atomic():
        locked = _lock(outcome)
        if locked.status == OutcomeStatus.ADOPTED:
            raise ValidationError(_("This outcome is already adopted."))
        _refuse_unannounced_meeting(locked.meeting)
        latest = latest_revision(locked)
        if latest is None:
            raise ValidationError(_("Release a revision before putting it under silence."))
        if revision is not None and revision.pk != latest.pk:
            raise ValidationError(
                _("Only the latest revision, %(revision)s, can go under silence.")
                % {"revision": latest.label}
            )
        if running_silence(locked) is not None:
            raise ValidationError(
                _("This outcome is already under silence: extend or withdraw that silence first.")
            )
        silence = Silence.objects.create(
            outcome=locked, revision=latest, deadline=deadline, started_by=by
        )
        SilenceLogEntry.objects.create(
            silence=silence, action=SilenceLogEntry.Action.STARTED, by=by, deadline=deadline
        )
        if locked.status == OutcomeStatus.DRAFT:
            locked.status = OutcomeStatus.FOR_COMMENT
            locked.shared_at = timezone.now()
        locked.updated_at = timezone.now()
        locked.save()
        silence.outcome = locked
        _publish_silence(
            silence,
            events.SILENCE_STARTED,
            by=by,
            audience=events.audience_outcome_draft(locked.meeting, locked),
        )
    return silence


def object_to(*, by: User, silence: Silence, state: State, text: str) -> SilenceObjection:
    """Break the silence by a written objection on behalf of ``state`` (``by`` its focal
    point, or its head of delegation when heads comment), strictly before the deadline.
    Publishes ``outcome.silence_objected`` at once to the secretariat, the chair and the
    objecting state. Raises ``PermissionDenied`` or
    ``ValidationError`` (no text, the silence over or withdrawn, the deadline passed, with
    the time; the state already objected)."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the objection: the secretariat and the chair read it."))
    if len(text) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            _("An objection has at most %(count)d characters.") % {"count": COMMENT_MAX_LENGTH}
        )
    with transaction.atomic():
        locked = _lock_silence(silence)
        outcome = locked.outcome
        if not permissions.can_view_outcome(by, outcome):
            raise PermissionDenied
        if state.pk not in permissions.states_commenting_for(by, outcome):
            raise PermissionDenied
        now = timezone.now()
        if locked.status == SilenceStatus.WITHDRAWN:
            raise ValidationError(_("This silence was withdrawn: there is nothing to object to."))
        if locked.status != SilenceStatus.RUNNING or now >= locked.deadline:
            raise ValidationError(
                _(
                    "The silence ended at %(deadline)s; it is %(now)s. "
                    "Objections are no longer accepted."
                )
                % {
                    "deadline": silence_deadline_label(locked),
                    "now": f"{now.astimezone(outcome.meeting.zone):%d.%m.%Y %H:%M:%S}",
                }
            )
        if locked.objections.filter(state=state).exists():
            raise ValidationError(_("Your state has already objected to this silence."))
        objection = SilenceObjection.objects.create(
            silence=locked, state=state, author=by, text=text, created_at=now
        )
        SilenceLogEntry.objects.create(
            silence=locked,
            action=SilenceLogEntry.Action.OBJECTED,
            by=by,
            reason=str(state.name),
            at=now,
        )
        _publish_silence(
            locked,
            events.SILENCE_OBJECTED,
            by=by,
            audience=events.audience_outcome_objection(outcome, state.pk),
            state=state.name_i18n.pick(settings.LANGUAGE_CODE),
            state_i18n=state.name_i18n.as_dict(),
            state_code=state.code,
        )
    return objection


def extend(*, by: User, silence: Silence, deadline: datetime.datetime, reason: str) -> Silence:
    """Move a running silence's end later, with a reason (logged, and told to everyone it is
    for). Publishes ``outcome.silence_extended``. Raises ``PermissionDenied`` or
    ``ValidationError`` (not running, not later than today's end, no reason)."""
    _check_manager(by, silence.outcome.meeting)
    _check_deadline(deadline)
    reason = _reason(reason)
    with transaction.atomic():
        locked = _lock_silence(silence)
        if locked.status != SilenceStatus.RUNNING or locked.deadline <= timezone.now():
            raise ValidationError(_("This silence is over: it can no longer be extended."))
        if deadline <= locked.deadline:
            raise ValidationError(
                _("Extend the silence beyond its present end, %(deadline)s.")
                % {"deadline": silence_deadline_label(locked)}
            )
        locked.deadline = deadline
        locked.sequence += 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=["deadline", "sequence", "updated_at"])
        SilenceLogEntry.objects.create(
            silence=locked,
            action=SilenceLogEntry.Action.EXTENDED,
            by=by,
            reason=reason,
            deadline=deadline,
        )
        _publish_silence(
            locked,
            events.SILENCE_EXTENDED,
            by=by,
            audience=events.audience_outcome_draft(locked.outcome.meeting, locked.outcome),
            reason=reason,
        )
    return locked


def withdraw(*, by: User, silence: Silence, reason: str) -> Silence:
    """End a running silence without a result, with a reason (logged and told). Publishes
    ``outcome.silence_withdrawn``. Raises ``PermissionDenied`` or ``ValidationError`` (not
    running, no reason)."""
    _check_manager(by, silence.outcome.meeting)
    reason = _reason(reason)
    with transaction.atomic():
        locked = _lock_silence(silence)
        if locked.status != SilenceStatus.RUNNING:
            raise ValidationError(_("This silence is over: it can no longer be withdrawn."))
        now = timezone.now()
        locked.status = SilenceStatus.WITHDRAWN
        locked.concluded_at = now
        locked.updated_at = now
        locked.sequence += 1
        locked.save(update_fields=["status", "concluded_at", "sequence", "updated_at"])
        SilenceLogEntry.objects.create(
            silence=locked, action=SilenceLogEntry.Action.WITHDRAWN, by=by, reason=reason, at=now
        )
        _publish_silence(
            locked,
            events.SILENCE_WITHDRAWN,
            by=by,
            audience=events.audience_outcome_draft(locked.outcome.meeting, locked.outcome),
            reason=reason,
        )
    return locked


def conclude_due(*, now: datetime.datetime | None = None) -> int:
    """Record the result of every running silence whose end has passed, once: adopted by
    silence (the outcome is adopted at the deadline, its text the revision under silence), or
    broken by the states that objected. Safe to run in several processes at once: each
    silence is taken under its row lock, skipped when another worker holds it, and concluded
    only while still running. Publishes ``outcome.silence_concluded`` (to everyone who may see
    the meeting when adopted; to those the draft is for when broken). Returns how many."""
    now = now or timezone.now()
    due = list(
        Silence.objects.filter(status=SilenceStatus.RUNNING, deadline__lte=now).values_list(
            "pk", flat=True
        )
    )
    concluded = 0
    for pk in due:
        with transaction.atomic():
            silence = (
                Silence.objects.select_for_update(of=("self",), skip_locked=True)
                .select_related("revision")
                .filter(pk=pk, status=SilenceStatus.RUNNING, deadline__lte=now)
                .first()
            )
            if silence is None:
                continue  # another worker has it, or it was concluded meanwhile
            outcome = _lock(silence.outcome)
            silence.outcome = outcome
            objections = list(silence.objections.select_related("state").order_by("created_at"))
            if objections:
                silence.status = SilenceStatus.BROKEN
                action = SilenceLogEntry.Action.BROKEN
            else:
                silence.status = SilenceStatus.ADOPTED
                action = SilenceLogEntry.Action.ADOPTED
                if outcome.status != OutcomeStatus.ADOPTED:
                    outcome.status = OutcomeStatus.ADOPTED
                    outcome.adopted_at = silence.deadline
                    outcome.updated_at = now
                    outcome.save()
                    trail.record(
                        trail.AuditAction.OUTCOME_ADOPTED,
                        by=None,
                        dialogue=outcome.meeting.dialogue_id,
                        meeting_id=outcome.meeting_id,
                        object_type="outcome",
                        object_id=outcome.pk,
                        label=str(outcome.title_i18n.pick(settings.LANGUAGE_CODE)),
                        details={
                            "kind": outcome.kind,
                            "by_silence": silence.pk,
                            "revision": silence.revision.number,
                        },
                    )
            silence.concluded_at = now
            silence.updated_at = now
            silence.save(update_fields=["status", "concluded_at", "updated_at"])
            SilenceLogEntry.objects.create(silence=silence, action=action, at=now)
            _publish_silence(
                silence,
                events.SILENCE_CONCLUDED,
                by=None,
                audience=events.audience_meeting(outcome.meeting)
                if not objections
                else events.audience_outcome_draft(outcome.meeting, outcome),
                result="broken" if objections else "adopted",
                objected_by=[o.state.name_i18n.pick(settings.LANGUAGE_CODE) for o in objections],
                objected_by_i18n=[o.state.name_i18n.as_dict() for o in objections],
            )
            concluded += 1
    return concluded
