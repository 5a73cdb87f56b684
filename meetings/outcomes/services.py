"""Outcome documents of a meeting (conclusions, decisions, the chair's summary) and its action
points.

An outcome is drafted by the secretariat, may be shown to the chair, is shared for comment with
a deadline (the written procedure), collects comments that focal points write on behalf of their
states, and is finally adopted and published. Action points belong to the meeting where they
were agreed and to its body: open ones carry over to the body's next meetings
(``queries.open_action_points``).

Each write owns its transaction, asks ``dialogue.permissions``, locks the row it changes and
publishes its event on ``meeting:<id>`` in the same transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.audit import trail
from dialogue.models import Membership, Organisation, State, User
from dialogue.translations import Translations, listed, missing_first, model_fields
from meetings import events
from meetings.models import (
    ActionPoint,
    Meeting,
    MeetingStatus,
    Outcome,
    OutcomeComment,
    OutcomeKind,
    OutcomeRevision,
    OutcomeStatus,
)
from notifications.policy import Audience

from . import diff

OUTCOME_FIELDS = ("kind", "title", "text")
CHANGEABLE = frozenset({OutcomeStatus.DRAFT, OutcomeStatus.FOR_COMMENT})
# A double-clicked or retried comment: the same text by the same person within this window is
# the same comment.
REPEAT_WINDOW = datetime.timedelta(minutes=1)
COMMENT_MAX_LENGTH = 10_000


# --- Helpers ---------------------------------------------------------------------------------


def _check_manager(by: User, meeting: Meeting) -> None:
    if not permissions.can_manage_meeting(by, meeting):
        raise PermissionDenied


def _lock(outcome: Outcome) -> Outcome:
    return (
        Outcome.objects.select_for_update(of=("self",))
        .select_related("meeting", "meeting__dialogue")
        .get(pk=outcome.pk)
    )


def _validate_texts(outcome: Outcome) -> None:
    if outcome.kind not in OutcomeKind.values:
        raise ValidationError(_("Unknown kind of outcome."))
    outcome.title_i18n = Translations.of(outcome.title_i18n)
    outcome.text_i18n = Translations.of(outcome.text_i18n)
    languages = outcome.meeting.working_languages
    missing = missing_first(outcome.title_i18n, languages) or missing_first(
        outcome.text_i18n, languages
    )
    if missing:
        raise ValidationError(
            _("Write the outcome's title and text at least in %(language)s.")
            % {"language": missing}
        )
    if any(len(title) > 300 for title in outcome.title_i18n.values()):
        raise ValidationError(_("A title has at most 300 characters."))


def _refuse_closed_meeting(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("A cancelled meeting has no outcomes."))


def _refuse_unannounced_meeting(meeting: Meeting) -> None:
    # Focal points and the chair cannot see a draft meeting: its outcome cannot go out yet.
    if meeting.status == MeetingStatus.DRAFT:
        raise ValidationError(_("Announce the meeting before its outcome goes out."))
    _refuse_closed_meeting(meeting)


def deadline_label(outcome: Outcome) -> str:
    """The comment deadline as the meeting's participants read it: in the meeting's zone."""
    if outcome.comment_deadline is None:
        return ""
    meeting = outcome.meeting
    local = outcome.comment_deadline.astimezone(meeting.zone)
    return f"{local:%d.%m.%Y %H:%M} ({meeting.time_zone})"


def _publish(
    outcome: Outcome, event_type: str, *, by: User | None, audience: Audience, **extra: Any
) -> None:
    about_outcome: dict[str, Any] = {
        "outcome_id": outcome.pk,
        "outcome": outcome.title_i18n.pick(settings.LANGUAGE_CODE),
        "outcome_i18n": outcome.title_i18n.as_dict(),
        "kind": outcome.kind,
        "outcome_status": outcome.status,
        "state": "",
        "state_i18n": {},
        "deadline": deadline_label(outcome),
        "deadline_at": outcome.comment_deadline.isoformat() if outcome.comment_deadline else None,
    }
    events.publish_meeting_event(
        outcome.meeting, event_type, by=by, audience=audience, **{**about_outcome, **extra}
    )


# --- Revisions (read and frozen here; released in ``negotiation``) ---


def has_unreleased_changes(outcome: Outcome, revision: OutcomeRevision | None) -> bool:
    if revision is None:
        return True
    return Translations.of(outcome.text_i18n).as_dict() != Translations.of(
        revision.text_i18n
    ).as_dict() or (
        Translations.of(outcome.title_i18n).as_dict()
        != Translations.of(revision.title_i18n).as_dict()
    )


def latest_revision(outcome: Outcome) -> OutcomeRevision | None:
    return outcome.revisions.order_by("-number").first()


def paragraph_count(revision: OutcomeRevision) -> int:
    """The most paragraphs any language of the revision has (languages are numbered alike)."""
    return max((len(diff.paragraphs(t)) for t in revision.text_i18n.values()), default=0)


def validate_paragraph(revision: OutcomeRevision, paragraph: int | None) -> None:
    if paragraph is None:
        return
    count = paragraph_count(revision)
    if not 1 <= paragraph <= count:
        raise ValidationError(
            _("%(revision)s has paragraphs 1 to %(count)d.")
            % {"revision": revision.label, "count": count}
        )


def _release(
    locked: Outcome, *, by: User | None, note: str, taken_up: Sequence[int] = ()
) -> OutcomeRevision:
    number = (locked.revisions.aggregate(n=Max("number"))["n"] or 0) + 1
    revision = OutcomeRevision.objects.create(
        outcome=locked,
        number=number,
        title_i18n=Translations.of(locked.title_i18n),
        text_i18n=Translations.of(locked.text_i18n),
        note=note,
        released_by=by,
        released_at=timezone.now(),
    )
    if taken_up:
        revision.taken_up.set(
            OutcomeComment.objects.filter(outcome=locked, pk__in=list(taken_up)).exclude(
                revision=revision
            )
        )
    return revision


# --- Outcomes --------------------------------------------------------------------------------


def draft_outcome(
    *,
    by: User,
    meeting: Meeting,
    kind: str,
    title: Mapping[str, str],
    text: Mapping[str, str],
) -> Outcome:
    """Start an outcome document as a draft, seen by the secretariat only; publishes nothing.
    Raises ``PermissionDenied`` (not the meeting's secretariat) or ``ValidationError``."""
    _check_manager(by, meeting)
    outcome = Outcome(
        meeting=meeting,
        kind=kind,
        title_i18n=Translations.of(title),
        text_i18n=Translations.of(text),
        created_by=by,
    )
    _validate_texts(outcome)
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _refuse_closed_meeting(locked)
        outcome.save()
    return outcome


def change_outcome(*, by: User, outcome: Outcome, **changes: Any) -> Outcome:
    """Change the kind, titles or texts of a draft or of a draft shared for comment. Comments
    already made are kept (they stay with the outcome whatever its wording); nothing is
    published. Raises ``PermissionDenied``, ``ValueError`` (not an outcome field) or
    ``ValidationError`` (adopted, or an invalid text)."""
    _check_manager(by, outcome.meeting)
    unknown = set(changes) - set(OUTCOME_FIELDS)
    if unknown:
        raise ValueError(f"not outcome fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = _lock(outcome)
        if locked.status not in CHANGEABLE:
            raise ValidationError(_("An adopted outcome cannot be changed."))
        for name, value in model_fields(Outcome, changes).items():
            setattr(locked, name, value)
        _validate_texts(locked)
        locked.updated_at = timezone.now()
        locked.save()
    return locked


def share_with_chair(*, by: User, outcome: Outcome) -> Outcome:
    """Let the chair and co-chairs of the dialogue read a draft before (or while) it goes out
    for comment. Publishes nothing. Raises ``PermissionDenied`` or ``ValidationError``."""
    _check_manager(by, outcome.meeting)
    with transaction.atomic():
        locked = _lock(outcome)
        if locked.status not in CHANGEABLE:
            raise ValidationError(_("An adopted outcome is already public."))
        _refuse_closed_meeting(locked.meeting)
        if not locked.shared_with_chair:
            locked.shared_with_chair = True
            locked.updated_at = timezone.now()
            locked.save()
    return locked


def share_for_comment(*, by: User, outcome: Outcome, deadline: datetime.datetime) -> Outcome:
    """Circulate a draft for comment until ``deadline`` (the written procedure); the first time,
    the working draft is released as Rev.1. Sharing again while it is out for comment sets a
    new deadline. Publishes ``outcome.shared_for_comment``
    to the focal points, the chair and the secretariat. Raises ``PermissionDenied`` or
    ``ValidationError`` (adopted, a deadline not in the future, a draft or cancelled
    meeting)."""
    _check_manager(by, outcome.meeting)
    if timezone.is_naive(deadline):
        raise ValueError("the deadline needs a time zone")
    if deadline <= timezone.now():
        raise ValidationError(_("The deadline for comments must be in the future."))
    with transaction.atomic():
        locked = _lock(outcome)
        if locked.status not in CHANGEABLE:
            raise ValidationError(_("An adopted outcome is no longer open for comments."))
        _refuse_unannounced_meeting(locked.meeting)
        if latest_revision(locked) is None:
            _release(locked, by=by, note="")  # what goes out is Rev.1, frozen
        now = timezone.now()
        locked.status = OutcomeStatus.FOR_COMMENT
        locked.comment_deadline = deadline
        locked.shared_at = now
        locked.updated_at = now
        locked.save()
        _publish(
            locked,
            events.OUTCOME_SHARED,
            by=by,
            audience=events.audience_outcome_draft(locked.meeting, locked),
        )
    return locked


def comment(
    *,
    by: User,
    outcome: Outcome,
    state: State,
    text: str,
    no_objection: bool = False,
    paragraph: int | None = None,
    proposed_text: str = "",
) -> OutcomeComment:
    """Record a comment on the latest revision of a draft shared for comment, on behalf of
    ``state`` (``by`` must speak for it: ``permissions.states_commenting_for``), before the
    deadline: on ``paragraph`` (its number in that revision) or on the whole, with a
    replacement wording (``proposed_text``) for the paragraph, or "no objection" to the whole
    revision. A state may comment more than once; every comment is kept. The same comment by
    the same person within a minute is one comment: the first is returned and nothing is
    published. Publishes ``outcome.commented`` to the secretariat and the state (and the other
    states when the revision's comments are shared with them). Raises ``PermissionDenied`` or
    ``ValidationError`` (not open for comments, the deadline passed, an empty comment, no
    such paragraph)."""
    text = text.strip()
    proposed_text = proposed_text.strip()
    if no_objection:
        paragraph, proposed_text = None, ""
    if not text and not proposed_text and not no_objection:
        raise ValidationError(_("Write a comment, or say that your state has no objection."))
    if proposed_text and paragraph is None:
        raise ValidationError(_("Say which paragraph the proposed wording replaces."))
    if len(text) > COMMENT_MAX_LENGTH or len(proposed_text) > COMMENT_MAX_LENGTH:
        raise ValidationError(
            _("A comment has at most %(count)d characters.") % {"count": COMMENT_MAX_LENGTH}
        )
    with transaction.atomic():
        # Locking the outcome serialises the comments on it, so a double post finds the first.
        locked = _lock(outcome)
        if not permissions.can_view_outcome(by, locked):
            raise PermissionDenied
        if locked.status != OutcomeStatus.FOR_COMMENT:
            raise ValidationError(_("This outcome is not open for comments."))
        if state.pk not in permissions.states_commenting_for(by, locked):
            raise PermissionDenied
        now = timezone.now()
        if locked.comment_deadline is not None and now > locked.comment_deadline:
            raise ValidationError(
                _("The deadline for comments passed on %(deadline)s; comments are closed.")
                % {"deadline": deadline_label(locked)}
            )
        revision = latest_revision(locked)
        if revision is None:  # shared before revisions existed and not migrated: freeze now
            revision = _release(locked, by=None, note="")
        validate_paragraph(revision, paragraph)
        repeated = (
            OutcomeComment.objects.filter(
                outcome=locked,
                revision=revision,
                paragraph=paragraph,
                state=state,
                author=by,
                text=text,
                proposed_text=proposed_text,
                no_objection=no_objection,
                created_at__gte=now - REPEAT_WINDOW,
            )
            .order_by("created_at")
            .first()
        )
        if repeated is not None:
            return repeated
        created = OutcomeComment.objects.create(
            outcome=locked,
            revision=revision,
            paragraph=paragraph,
            state=state,
            author=by,
            text=text,
            proposed_text=proposed_text,
            no_objection=no_objection,
            created_at=now,
        )
        _publish(
            locked,
            events.OUTCOME_COMMENTED,
            by=by,
            # Between a state and the secretariat, unless the revision's comments are shared.
            audience=events.audience_outcome_comment(
                locked, state.pk, shared=revision.comments_shared
            ),
            state=state.name_i18n.pick(settings.LANGUAGE_CODE),
            state_i18n=state.name_i18n.as_dict(),
            state_code=state.code,
            no_objection=no_objection,
            revision=revision.number,
            paragraph=paragraph,
        )
    return created


ADOPT_NEEDS_CONFIRMATION = "adopt_needs_confirmation"


def adoption_warnings(outcome: Outcome, now: datetime.datetime | None = None) -> list[str]:
    """What a careful secretariat is told before adopting: comments still open until the
    deadline, member states that have not answered."""
    warnings = []
    if outcome.status == OutcomeStatus.FOR_COMMENT and comments_open(outcome, now):
        warnings.append(
            _("Comments are open until %(deadline)s.") % {"deadline": deadline_label(outcome)}
            if outcome.comment_deadline
            else _("Comments are still open.")
        )
    if outcome.status == OutcomeStatus.FOR_COMMENT:
        waiting = not_answered(comment_table(outcome))
        if waiting:
            warnings.append(
                _("Not answered yet: %(states)s.") % {"states": listed(s.name for s in waiting)}
            )
    return warnings


def adopt(*, by: User, outcome: Outcome, confirm: bool = False) -> Outcome:
    """Adopt an outcome (from draft or after the comments) and publish it to everyone who may
    see the meeting; comments close. The adopted text is the last revision: unreleased
    changes are released as the next one first. While comments are open or member states
    have not answered, it asks for ``confirm`` (else ``ValidationError`` with code
    ``ADOPT_NEEDS_CONFIRMATION`` naming why). Publishes ``outcome.adopted``. Raises
    ``PermissionDenied`` or ``ValidationError`` (already adopted, under silence, a draft or
    cancelled meeting)."""
    _check_manager(by, outcome.meeting)
    with transaction.atomic():
        locked = _lock(outcome)
        if locked.status == OutcomeStatus.ADOPTED:
            raise ValidationError(_("This outcome is already adopted."))
        _refuse_unannounced_meeting(locked.meeting)
        if locked.silences.filter(status="running").exists():
            raise ValidationError(
                _(
                    "This outcome is under silence: it is adopted when the silence ends, "
                    "or withdraw the silence first."
                )
            )
        warnings = adoption_warnings(locked)
        if warnings and not confirm:
            raise ValidationError(" ".join(warnings), code=ADOPT_NEEDS_CONFIRMATION)
        revision = latest_revision(locked)
        if has_unreleased_changes(locked, revision):
            _release(locked, by=by, note=_("As adopted."))
        now = timezone.now()
        locked.status = OutcomeStatus.ADOPTED
        locked.adopted_at = now
        locked.updated_at = now
        locked.save()
        trail.record(
            trail.AuditAction.OUTCOME_ADOPTED,
            by=by,
            dialogue=locked.meeting.dialogue_id,
            meeting_id=locked.meeting_id,
            object_type="outcome",
            object_id=locked.pk,
            label=str(locked.title_i18n.pick(settings.LANGUAGE_CODE)),
            details={"kind": locked.kind},
        )
        _publish(
            locked,
            events.OUTCOME_ADOPTED,
            by=by,
            audience=events.audience_meeting(locked.meeting),
            deadline="",  # the inbox shows it as the line's text; it no longer matters
        )
    return locked


# --- Action points ---------------------------------------------------------------------------


def add_action_point(
    *,
    by: User,
    meeting: Meeting,
    text: Mapping[str, str],
    owner_state: State | None = None,
    owner_organisation: Organisation | None = None,
    due_on: datetime.date | None = None,
) -> ActionPoint:
    """Record a follow-up agreed at ``meeting``, owned by a state or an organisation (or
    nobody yet). It stays on the body's later meetings while it is open. Publishes nothing.
    Raises ``PermissionDenied`` or ``ValidationError``."""
    _check_manager(by, meeting)
    texts = Translations.of(text)
    missing = missing_first(texts, meeting.working_languages)
    if missing:
        raise ValidationError(
            _("Write the action point at least in %(language)s.") % {"language": missing}
        )
    if owner_state is not None and owner_organisation is not None:
        raise ValidationError(_("An action point has one owner: a state or an organisation."))
    with transaction.atomic():
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        _refuse_closed_meeting(locked)
        return ActionPoint.objects.create(
            meeting=locked,
            body_id=locked.body_id,
            text_i18n=texts,
            owner_state=owner_state,
            owner_organisation=owner_organisation,
            due_on=due_on,
        )


def set_action_point_status(*, by: User, action_point: ActionPoint, status: str) -> ActionPoint:
    """Move an action point to open, in progress, done or dropped; done and dropped ones no
    longer carry over. Publishes nothing. Raises ``PermissionDenied`` or
    ``ValidationError`` (an unknown status)."""
    _check_manager(by, action_point.meeting)
    if status not in ActionPoint.Status.values:
        raise ValidationError(_("Unknown status of an action point."))
    with transaction.atomic():
        locked = ActionPoint.objects.select_for_update().get(pk=action_point.pk)
        if locked.status != status:
            locked.status = status
            locked.save(update_fields=["status"])
    return locked


# --- Reads -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StateComments:
    """One row of the secretariat's table: a state, its comments, whether it answered."""

    state: State
    comments: list[OutcomeComment]
    is_member: bool

    @property
    def answered(self) -> bool:
        return bool(self.comments)

    @property
    def no_objection(self) -> bool:
        """The state's latest word is "no objection"."""
        return bool(self.comments) and self.comments[-1].no_objection


def comment_table(outcome: Outcome) -> list[StateComments]:
    """A row per participating member state of the dialogue today (answered or not) and per
    other state that commented: those that answered first, members before others, by name; in
    two queries whatever the number of states."""
    members: dict[int, State] = {
        m.state.pk: m.state
        for m in Membership.objects.current()
        .filter(
            dialogue_id=outcome.meeting.dialogue_id,
            kind=Membership.Kind.PARTICIPATING,
            state__isnull=False,
        )
        .select_related("state")
        if m.state is not None
    }
    by_state: dict[int, list[OutcomeComment]] = {}
    states: dict[int, State] = dict(members)
    for c in (
        outcome.comments.select_related("state", "author", "revision")
        .order_by("created_at", "id")
        .iterator()
    ):
        by_state.setdefault(c.state_id, []).append(c)
        states.setdefault(c.state_id, c.state)
    rows = [
        StateComments(state, by_state.get(state_id, []), state_id in members)
        for state_id, state in states.items()
    ]
    # The states that answered first (what the secretariat works on), then those it waits for.
    rows.sort(key=lambda row: (not row.answered, not row.is_member, row.state.name))
    return rows


def not_answered(table: Iterable[StateComments]) -> list[State]:
    return [row.state for row in table if not row.answered]


def comments_of(outcome: Outcome, state_ids: Iterable[int]) -> list[OutcomeComment]:
    """The comments of these states (a focal point's own), oldest first."""
    return list(
        outcome.comments.filter(state_id__in=list(state_ids))
        .select_related("state", "author", "revision")
        .order_by("created_at", "id")
    )


def comments_open(outcome: Outcome, now: datetime.datetime | None = None) -> bool:
    return outcome.status == OutcomeStatus.FOR_COMMENT and (
        outcome.comment_deadline is None or (now or timezone.now()) <= outcome.comment_deadline
    )
