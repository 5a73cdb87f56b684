"""Write actions on meetings: scheduling, changing details, and the life-cycle transitions.

Each owns its transaction, asks the policy, locks the meeting row, writes and publishes its
event on ``meeting:<id>`` (and announcements on the dialogue's stream).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from dialogue import confirmation, constraints, permissions
from dialogue.models import Body, Dialogue, Office, User
from dialogue.translations import language_name, listed, model_fields

from . import events
from .models import OPEN_STATUSES, Meeting, MeetingStatus, Nomination, NominationStatus

# Fields whose change moves the meeting in time or space (raises SEQUENCE, tells calendars).
TIME_AND_PLACE = (
    "starts_at",
    "ends_at",
    "time_zone",
    "format",
    "venue_name",
    "venue_address",
    "city",
    "country",
    "room",
)
DETAILS = (
    "kind",
    "title",
    "description",
    "online_url",
    "languages",
    "interpretation",
    "is_public",
    "body",
)

S = MeetingStatus
# The life cycle: from each status, where a transition may lead.
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.ANNOUNCED, S.CANCELLED},
    S.ANNOUNCED: {S.REGISTRATION_OPEN, S.IN_SESSION, S.POSTPONED, S.CANCELLED},
    S.REGISTRATION_OPEN: {S.REGISTRATION_CLOSED, S.POSTPONED, S.CANCELLED},
    S.REGISTRATION_CLOSED: {S.REGISTRATION_OPEN, S.IN_SESSION, S.POSTPONED, S.CANCELLED},
    S.IN_SESSION: {S.CONCLUDED, S.POSTPONED, S.CANCELLED},
    S.POSTPONED: {S.ANNOUNCED, S.REGISTRATION_OPEN, S.CANCELLED},
    S.CONCLUDED: set(),
    S.CANCELLED: set(),
}
NEEDS_REASON = {S.POSTPONED, S.CANCELLED}
# Transitions that cannot be undone: the service asks for ``confirm`` (``dialogue.confirmation``)
# and the page shows their buttons apart, styled as destructive.
NEEDS_CONFIRMATION = {S.CONCLUDED, S.CANCELLED}
# Transitions offered only near the meeting's dates (``session_window``).
NEAR_THE_DATES = {S.IN_SESSION, S.CONCLUDED}


def _order_in(languages: list[str]) -> Any:
    return lambda code: languages.index(code) if code in languages else len(languages)


# What the secretariat's button says for each transition: an action, not the state it leads to.
ACTIONS: dict[str, Any] = {
    S.ANNOUNCED: gettext_lazy("Announce"),
    S.REGISTRATION_OPEN: gettext_lazy("Open registration"),
    S.REGISTRATION_CLOSED: gettext_lazy("Close registration"),
    S.IN_SESSION: gettext_lazy("Open the session"),
    S.CONCLUDED: gettext_lazy("Conclude"),
    S.POSTPONED: gettext_lazy("Postpone"),
    S.CANCELLED: gettext_lazy("Cancel the meeting"),
}


def _validate(meeting: Meeting) -> None:
    if meeting.body.dialogue_id != meeting.dialogue_id:
        raise ValidationError(_("The body belongs to another dialogue."))
    _validate_languages(meeting)
    if meeting.ends_at <= meeting.starts_at:
        raise ValidationError(_("A meeting must end after it starts."))
    meeting.full_clean(exclude=["created_by", "dialogue", "body", "country"])


# The code of the refusal a form answers by asking for the confirmation.
PAST_MEETING = "past_meeting"


def _check_not_past(meeting: Meeting, *, confirm_past: bool) -> None:
    """A meeting already over is recorded only when the secretariat says so: a wrong year or
    month typed in a date is far likelier than a meeting recorded after the fact."""
    if meeting.ends_at <= timezone.now() and not confirm_past:
        raise ValidationError(
            _(
                "This meeting is already over (it ended on %(end)s). If you are recording a past "
                "meeting, confirm it below; otherwise correct the dates."
            )
            % {"end": formats.date_format(meeting.ends_at.astimezone(meeting.zone), "DATE_FORMAT")},
            code=PAST_MEETING,
        )


def _validate_languages(meeting: Meeting) -> None:
    """A meeting works in at least one language, all of them its dialogue's; its title is
    written at least in the first."""
    languages = list(meeting.languages or ())
    if not languages:
        raise ValidationError(_("Choose at least one working language."))
    if len(set(languages)) != len(languages):
        raise ValidationError(_("A working language is listed twice."))
    outside = [code for code in languages if code not in meeting.dialogue.languages]
    if outside:
        raise ValidationError(
            _("The dialogue does not work in %(languages)s.")
            % {"languages": listed(language_name(code) for code in outside)}
        )
    if languages[0] not in meeting.title_i18n:
        raise ValidationError(
            _("Write the title at least in %(language)s.")
            % {"language": language_name(languages[0])}
        )


def schedule_meeting(
    *, by: User, dialogue: Dialogue, body: Body, confirm_past: bool = False, **fields: Any
) -> Meeting:
    """Create a meeting as a draft (seen by the secretariat only). A meeting already over needs
    ``confirm_past`` (else ``ValidationError`` with code ``PAST_MEETING``). Raises
    ``PermissionDenied`` or ``ValidationError``."""
    if not permissions.can_schedule_meetings(by, dialogue):
        raise PermissionDenied
    unknown = set(fields) - set(TIME_AND_PLACE) - set(DETAILS)
    if unknown:
        raise ValueError(f"not meeting fields: {sorted(unknown)}")
    meeting = Meeting(dialogue=dialogue, body=body, created_by=by, **model_fields(Meeting, fields))
    if not meeting.languages:
        meeting.languages = list(dialogue.languages)
    else:  # in the dialogue's order, whatever order they were ticked in
        meeting.languages = sorted(meeting.languages, key=_order_in(dialogue.languages))
    _validate(meeting)
    _check_not_past(meeting, confirm_past=confirm_past)
    with constraints.violations_as_sentences(), transaction.atomic():
        meeting.save()
    return meeting


def change_meeting(
    *, by: User, meeting: Meeting, confirm_past: bool = False, **changes: Any
) -> Meeting:
    """Change a meeting's details. A change of time or place raises its SEQUENCE and publishes
    ``meeting.rescheduled`` (so calendars update the existing entry); other details publish
    ``meeting.changed``. Drafts change silently. Moving a meeting's end into the past needs
    ``confirm_past``, as scheduling it does. Raises ``PermissionDenied``/``ValidationError``."""
    if not permissions.can_manage_meeting(by, meeting):
        raise PermissionDenied
    unknown = set(changes) - set(TIME_AND_PLACE) - set(DETAILS)
    if unknown:
        raise ValueError(f"not meeting fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("dialogue", "body")
            .get(pk=meeting.pk)
        )
        if not locked.is_open:
            raise ValidationError(_("A concluded or cancelled meeting cannot be changed."))
        fields = model_fields(Meeting, changes)
        if "languages" in fields:
            fields["languages"] = sorted(
                fields["languages"] or [], key=_order_in(locked.dialogue.languages)
            )
        names = dict(zip(changes, fields, strict=True))  # "title" -> "title_i18n"
        before = {name: getattr(locked, names[name]) for name in changes}
        for name, value in fields.items():
            setattr(locked, name, value)
        changed = [name for name in changes if getattr(locked, names[name]) != before[name]]
        if not changed:
            return locked
        _validate(locked)
        if "ends_at" in changed:
            _check_not_past(locked, confirm_past=confirm_past)
        moved = [name for name in changed if name in TIME_AND_PLACE]
        if moved and locked.status != S.DRAFT:  # no calendar holds a draft yet
            locked.sequence += 1
        locked.updated_at = timezone.now()
        locked.save()
        if locked.status != S.DRAFT:
            if moved:
                times = [
                    {
                        "field": name,
                        "before": before[name].isoformat(),
                        "after": getattr(locked, name).isoformat(),
                    }
                    for name in ("starts_at", "ends_at")
                    if name in moved
                ]
                place = locked.place if set(moved) - {"starts_at", "ends_at", "time_zone"} else ""
                events.publish_meeting_event(
                    locked,
                    events.MEETING_RESCHEDULED,
                    by=by,
                    changed=moved,
                    summary=_summary(locked, times, place),
                    times=times,
                    place=place,
                )
            else:
                events.publish_meeting_event(locked, events.MEETING_CHANGED, by=by, changed=changed)
    return locked


def _summary(meeting: Meeting, times: list[dict[str, str]], place: str) -> str:
    """What moved, in the meeting's zone (the notice itself says it in each reader's)."""
    with timezone.override(meeting.zone):
        summary = events.describe_move(times, place)
    if times:
        summary += f" ({meeting.time_zone})"
    return summary


def session_opens(meeting: Meeting) -> datetime.datetime:
    """From when "Open the session" and "Conclude" are offered: ``SESSION_OPENS_HOURS_BEFORE``
    before the meeting starts. There is no end: a meeting recorded after the fact still goes
    through its session to be concluded."""
    return meeting.starts_at - datetime.timedelta(hours=settings.SESSION_OPENS_HOURS_BEFORE)


def too_early(meeting: Meeting, to: str) -> str | None:
    """Why ``to`` is not offered yet (a sentence), or ``None`` when the dates allow it."""
    if to not in NEAR_THE_DATES:
        return None
    opens = session_opens(meeting)
    if timezone.now() >= opens:
        return None
    local = opens.astimezone(meeting.zone)
    when = {
        "date": formats.date_format(local, "DATE_FORMAT"),
        "time": formats.time_format(local, "TIME_FORMAT"),
    }
    if to == S.IN_SESSION:
        return (
            _(
                "The session can be opened only near the meeting's dates: from %(date)s at "
                "%(time)s (local time of the meeting)."
            )
            % when
        )
    return (
        _(
            "The meeting can be concluded only once it has begun: from %(date)s at %(time)s "
            "(local time of the meeting)."
        )
        % when
    )


def consequence(meeting: Meeting, to: str) -> str:
    """What an irreversible transition will do, said before the secretariat confirms it."""
    approved = Nomination.objects.filter(
        meeting_id=meeting.pk, status=NominationStatus.APPROVED
    ).count()
    if to == S.CANCELLED:
        if meeting.status == S.DRAFT:
            return _("Cancel the meeting: it is still a draft, so nobody is told.")
        return ngettext(
            "Cancel the meeting: %(count)d approved participant and everyone following the "
            "meeting will be told, and their calendars will mark it cancelled. This cannot be "
            "undone.",
            "Cancel the meeting: %(count)d approved participants and everyone following the "
            "meeting will be told, and their calendars will mark it cancelled. This cannot be "
            "undone.",
            approved,
        ) % {"count": approved}
    return ngettext(
        "Conclude the meeting: the session ends for good, the meeting can no longer be changed, "
        "and %(count)d approved participant and everyone following it will be told. This cannot "
        "be undone.",
        "Conclude the meeting: the session ends for good, the meeting can no longer be changed, "
        "and %(count)d approved participants and everyone following it will be told. This "
        "cannot be undone.",
        approved,
    ) % {"count": approved}


def offered_transitions(meeting: Meeting) -> list[str]:
    """The transitions the secretariat's buttons offer now: the life cycle's, less those the
    dates do not allow yet."""
    return [
        status
        for status in sorted(TRANSITIONS.get(meeting.status, ()))
        if too_early(meeting, status) is None
    ]


def transition(
    *, by: User, meeting: Meeting, to: str, reason: str = "", confirm: bool = False
) -> Meeting:
    """Move a meeting through its life cycle (``TRANSITIONS``). Postponing and cancelling need
    a reason; cancelling and concluding need ``confirm`` (else a ``ValidationError`` with code
    ``NEEDS_CONFIRMATION`` saying what would happen); opening the session and concluding only
    from ``session_opens``. Publishes ``meeting.announced``, ``meeting.postponed``,
    ``meeting.cancelled`` or ``meeting.status_changed``; every status change raises SEQUENCE.
    Raises ``PermissionDenied`` or ``ValidationError`` (a transition the life cycle or the
    dates do not allow)."""
    if not permissions.can_manage_meeting(by, meeting):
        raise PermissionDenied
    reason = reason.strip()
    if to in NEEDS_REASON and not reason:
        raise ValidationError(_("Say why the meeting is postponed or cancelled."))
    with transaction.atomic():
        locked = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("dialogue", "body")
            .get(pk=meeting.pk)
        )
        if to not in TRANSITIONS.get(locked.status, set()):
            raise ValidationError(
                _("A meeting cannot go from “%(from)s” to “%(to)s”.")
                % {"from": locked.get_status_display(), "to": MeetingStatus(to).label}
            )
        early = too_early(locked, to)
        if early:
            raise ValidationError(early)
        if to in NEEDS_CONFIRMATION and not confirm:
            raise confirmation.ask(consequence(locked, to))
        if to == S.REGISTRATION_OPEN and not hasattr(locked, "registration_settings"):
            raise ValidationError(
                _("Set up registration (deadlines and quotas) before opening it.")
            )
        was_draft = locked.status == S.DRAFT
        if to == S.ANNOUNCED and locked.announced_at is None:
            locked.announced_at = timezone.now()
        locked.status = to
        locked.status_reason = reason
        locked.sequence += 1
        locked.updated_at = timezone.now()
        locked.save()
        if was_draft and to == S.CANCELLED:
            return locked  # nobody ever saw it
        kinds: dict[str, str] = {
            S.ANNOUNCED: events.MEETING_ANNOUNCED if was_draft else events.MEETING_STATUS_CHANGED,
            S.POSTPONED: events.MEETING_POSTPONED,
            S.CANCELLED: events.MEETING_CANCELLED,
        }
        events.publish_meeting_event(
            locked, kinds.get(to, events.MEETING_STATUS_CHANGED), by=by, reason=reason
        )
    return locked


# --- Scheduling aid ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    meeting: Meeting
    reason: str


def scheduling_conflicts(
    *,
    dialogue: Dialogue,
    body: Body,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    venue_name: str = "",
    room: str = "",
    exclude: int | None = None,
) -> list[Conflict]:
    """Open meetings that overlap in time with the same dialogue or body, the same venue room,
    or whose dialogue's office-holding states hold an office here too (the same people travel)."""
    overlapping = (
        Meeting.objects.filter(
            starts_at__lt=ends_at, ends_at__gt=starts_at, status__in=OPEN_STATUSES
        )
        .exclude(pk=exclude or 0)
        .select_related("dialogue", "body")
    )
    office_states = set(
        Office.objects.filter(dialogue=dialogue)
        .filter(Q(body__isnull=True) | Q(body=body))
        .values_list("state_id", flat=True)
    )
    conflicts = []
    for other in overlapping:
        if other.body_id == body.pk:
            conflicts.append(Conflict(other, _("same body")))
        elif other.dialogue_id == dialogue.pk:
            conflicts.append(Conflict(other, _("same dialogue")))
        elif venue_name and room and (other.venue_name, other.room) == (venue_name, room):
            conflicts.append(Conflict(other, _("same venue and room")))
        elif office_states & set(
            Office.objects.filter(dialogue_id=other.dialogue_id)
            .filter(Q(body__isnull=True) | Q(body_id=other.body_id))
            .values_list("state_id", flat=True)
        ):
            conflicts.append(Conflict(other, _("the same office-holders are expected at both")))
    return conflicts
