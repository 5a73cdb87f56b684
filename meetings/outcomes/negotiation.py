"""Negotiating an outcome's text: numbered revisions released from the working draft, comments
of states on a revision's paragraphs (or a replacement wording, or "no objection" to the whole
revision), whether states see each other's comments on a revision, and the compilation of all
comments by paragraph in the order of states the secretariat set.

Writes own their transaction, ask ``dialogue.permissions``, lock the outcome and publish on
``meeting:<id>`` in the same transaction. Lock order: the outcome, then its revision.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.models import RoleKind, State, User
from dialogue.permissions import AnyUser
from meetings import events
from meetings.models import (
    Outcome,
    OutcomeComment,
    OutcomeRevision,
    OutcomeStatus,
)

from . import diff
from .services import (
    _check_manager,
    _lock,
    _publish,
    _refuse_unannounced_meeting,
    _release,
    has_unreleased_changes,
    latest_revision,
)

NOTE_MAX_LENGTH = 5_000


def release_revision(
    *,
    by: User,
    outcome: Outcome,
    note: str = "",
    taken_up: Sequence[int] = (),
    comments_shared: bool = False,
) -> OutcomeRevision:
    """Freeze the working draft's title and text (every language) as the next revision,
    "Rev.N", with a note on what changed and the comments (on earlier revisions) it took up.
    A draft becomes shared for comment. Publishes ``outcome.revision_released`` to the focal
    points, the chair and the secretariat. Raises ``PermissionDenied`` or ``ValidationError``
    (adopted, nothing changed since the last revision, a draft or cancelled meeting)."""
    _check_manager(by, outcome.meeting)
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("A note has at most %(count)d characters.") % {"count": NOTE_MAX_LENGTH}
        )
    with transaction.atomic():
        locked = _lock(outcome)
        if locked.status == OutcomeStatus.ADOPTED:
            raise ValidationError(_("An adopted outcome has no more revisions."))
        _refuse_unannounced_meeting(locked.meeting)
        if locked.silences.filter(status="running").exists():
            raise ValidationError(
                _("A revision under silence cannot be replaced: withdraw the silence first.")
            )
        previous = latest_revision(locked)
        if previous is not None and not has_unreleased_changes(locked, previous):
            raise ValidationError(
                _("Nothing changed since %(revision)s: edit the text first.")
                % {"revision": previous.label}
            )
        revision = _release(locked, by=by, note=note, taken_up=taken_up)
        if comments_shared:
            revision.comments_shared = True
            revision.save(update_fields=["comments_shared"])
        now = timezone.now()
        if locked.status == OutcomeStatus.DRAFT:
            locked.status = OutcomeStatus.FOR_COMMENT
            locked.shared_at = now
        locked.updated_at = now
        locked.save()
        _publish(
            locked,
            events.OUTCOME_REVISION_RELEASED,
            by=by,
            audience=events.audience_outcome_draft(locked.meeting, locked),
            revision=revision.number,
            note=note,
            taken_up=len(taken_up),
        )
    return revision


def set_comments_shared(*, by: User, revision: OutcomeRevision, shared: bool) -> OutcomeRevision:
    """Let the states (and the chair) see each other's comments on ``revision``, or stop it.
    Earlier live frames are not recalled; pages, exports and replay follow the new choice.
    Publishes nothing. Raises ``PermissionDenied``."""
    _check_manager(by, revision.outcome.meeting)
    with transaction.atomic():
        locked = OutcomeRevision.objects.select_for_update().get(pk=revision.pk)
        if locked.comments_shared != shared:
            locked.comments_shared = shared
            locked.save(update_fields=["comments_shared"])
    return locked


def set_heads_may_comment(*, by: User, outcome: Outcome, allowed: bool) -> Outcome:
    """Let the approved head of each state's delegation to the meeting comment, answer "no
    objection" and object under silence on behalf of their state, like its focal point (and
    see what that focal point sees of the negotiation), or stop it. Earlier comments and
    objections stay the state's. Publishes nothing. Raises ``PermissionDenied`` or
    ``ValidationError`` (adopted)."""
    _check_manager(by, outcome.meeting)
    with transaction.atomic():
        locked = _lock(outcome)
        if locked.status == OutcomeStatus.ADOPTED:
            raise ValidationError(_("This outcome is already adopted."))
        if locked.heads_may_comment != allowed:
            locked.heads_may_comment = allowed
            locked.save(update_fields=["heads_may_comment"])
    return locked


def set_compilation_order(*, by: User, outcome: Outcome, codes: Iterable[str]) -> Outcome:
    """The order of states in the compilation (ISO codes; unknown codes are refused, states
    not named follow by name). Publishes nothing. Raises ``PermissionDenied`` or
    ``ValidationError``."""
    _check_manager(by, outcome.meeting)
    order = [c.strip().upper() for c in codes if c.strip()]
    known = set(State.objects.filter(code__in=order).values_list("code", flat=True))
    unknown = [c for c in order if c not in known]
    if unknown:
        raise ValidationError(_("Unknown state codes: %(codes)s.") % {"codes": ", ".join(unknown)})
    with transaction.atomic():
        locked = _lock(outcome)
        locked.compilation_order = list(dict.fromkeys(order))
        locked.save(update_fields=["compilation_order"])
    return locked


# --- Reads -------------------------------------------------------------------------------------


def comments_visible_to(user: AnyUser | None, outcome: Outcome) -> QuerySet[OutcomeComment]:
    """The comments on ``outcome`` that ``user`` may read: the secretariat all; a focal point
    (or a head of delegation the secretariat lets comment) their own states'; they and the
    chair the others' on revisions whose comments the secretariat shared. Every door (page,
    compilation, export) asks this."""
    comments = outcome.comments.select_related("state", "author", "revision")
    if permissions.can_manage_meeting(user, outcome.meeting):
        return comments
    if not permissions.can_view_outcome(user, outcome):
        return comments.none()
    s = permissions.standing(user)
    own = permissions.states_speaking_for(user, outcome)
    shared = (
        Q(revision__comments_shared=True)
        if own
        or s.has([RoleKind.FOCAL_POINT, RoleKind.CHAIR], dialogue_id=outcome.meeting.dialogue_id)
        else Q(pk__in=[])
    )
    return comments.filter(Q(state_id__in=own) | shared)


def where(comment: OutcomeComment) -> str:
    """Where a comment stands, as it was made: "Rev.1, paragraph 4", "Rev.1" (the whole)."""
    if comment.revision is None:
        return ""
    if comment.paragraph is None:
        return comment.revision.label
    return _("%(revision)s, paragraph %(number)d") % {
        "revision": comment.revision.label,
        "number": comment.paragraph,
    }


@dataclass(frozen=True)
class CompiledParagraph:
    number: int | None  # None: on the revision as a whole
    text: str  # the paragraph in the language shown ("" for the whole)
    comments: list[OutcomeComment]


@dataclass(frozen=True)
class Compilation:
    revision: OutcomeRevision
    language: str
    paragraphs: list[CompiledParagraph]


def state_sort_key(order: Sequence[str]) -> dict[str, int]:
    return {code: position for position, code in enumerate(order)}


def compile_comments(
    user: AnyUser | None, revision: OutcomeRevision, language: str | None = None
) -> Compilation:
    """Every comment ``user`` may read on ``revision``, by paragraph (those on the whole
    revision first), states in the order the secretariat set, then by name; two queries."""
    outcome = revision.outcome
    text = revision.text_i18n.pick(language, languages=outcome.meeting.working_languages)
    position = state_sort_key(outcome.compilation_order)
    comments = sorted(
        comments_visible_to(user, outcome).filter(revision=revision),
        key=lambda c: (
            position.get(c.state.code, len(position)),
            str(c.state.name),
            c.created_at,
            c.pk,
        ),
    )
    by_paragraph: dict[int | None, list[OutcomeComment]] = {}
    for c in comments:
        by_paragraph.setdefault(c.paragraph, []).append(c)
    rows = [CompiledParagraph(None, "", by_paragraph.get(None, []))]
    for number, paragraph in enumerate(diff.paragraphs(text), start=1):
        rows.append(CompiledParagraph(number, paragraph, by_paragraph.get(number, [])))
    return Compilation(revision, text.language or settings.LANGUAGE_CODE, rows)
