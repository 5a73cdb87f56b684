"""The event types meetings publish (with their payloads), who follows a meeting's stream,
and the audiences of meeting events (one constructor per kind: the facts the policy's rules
in ``dialogue.audiences`` read; the kinds are registered in ``MeetingsConfig.ready``).

Registered with the notifications registry (what an event says in the inbox and e-mail) and
with the permission policy's live answers (who may follow ``meeting:<id>``).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any, Literal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogue import audiences, live, permissions
from dialogue.models import Role, User
from dialogue.translations import Translations, from_data
from notifications import registry
from notifications.models import Channel, Event
from notifications.publishing import publish

from .models import (
    Category,
    Delegation,
    Meeting,
    MeetingStatus,
    NominationStatus,
    Outcome,
    OutcomeKind,
    OutcomeStatus,
)

MEETING_ANNOUNCED = "meeting.announced"
MEETING_CHANGED = "meeting.changed"  # details that do not move it (title, description, link)
MEETING_RESCHEDULED = "meeting.rescheduled"  # time or place
MEETING_STATUS_CHANGED = "meeting.status_changed"  # registration, in session, concluded
MEETING_POSTPONED = "meeting.postponed"
MEETING_CANCELLED = "meeting.cancelled"
MEETING_REMINDER = "meeting.reminder"
AGENDA_RELEASED = "agenda.released"
OUTCOME_SHARED = "outcome.shared_for_comment"
OUTCOME_COMMENTED = "outcome.commented"
OUTCOME_ADOPTED = "outcome.adopted"
OUTCOME_REVISION_RELEASED = "outcome.revision_released"
SILENCE_STARTED = "outcome.silence_started"
SILENCE_EXTENDED = "outcome.silence_extended"
SILENCE_WITHDRAWN = "outcome.silence_withdrawn"
SILENCE_OBJECTED = "outcome.silence_objected"
SILENCE_CONCLUDED = "outcome.silence_concluded"  # adopted by silence, or silence broken
REGISTRATION_CHANGED = "registration.changed"  # deadlines, capacity, quotas, questions
NOMINATION_SUBMITTED = "nomination.submitted"
NOMINATION_APPROVED = "nomination.approved"
NOMINATION_WAITLISTED = "nomination.waitlisted"
NOMINATION_REJECTED = "nomination.rejected"
NOMINATION_WITHDRAWN = "nomination.withdrawn"
NOMINATION_PROMOTED = "nomination.promoted"  # from the waitlist, when a seat freed
NOMINATION_UPDATED = "nomination.updated"  # details, head of delegation, funding, confirmation
NOMINATION_CHECKED_IN = "nomination.checked_in"
NOMINATION_CHECK_IN_UNDONE = "nomination.check_in_undone"
LETTER_UPLOADED = "delegation.letter_uploaded"
LETTER_VERIFIED = "delegation.letter_verified"

MEETINGS = registry.register_category(
    "meetings", gettext_lazy("Meetings: dates, places, status"), Channel.IN_APP
)
AGENDAS = registry.register_category("agendas", gettext_lazy("Agenda releases"), Channel.IN_APP)
OUTCOMES = registry.register_category(
    "outcomes", gettext_lazy("Outcomes and comments"), Channel.IN_APP
)
# The silence procedure's news is e-mailed at once unless someone asks otherwise: a silence
# runs for days, and a state that misses an objection's deadline cannot take it back.
SILENCE = registry.register_category(
    "silence", gettext_lazy("Silence procedures"), Channel.EMAIL_NOW
)
REGISTRATION = registry.register_category(
    "registration", gettext_lazy("Registration and nominations"), Channel.IN_APP
)


# --- Payloads: the data of each type (``notifications.payloads``) -----------------------------


@dataclass(frozen=True)
class MeetingFacts:
    """What every meeting event carries (``publish_meeting_event``), safe for everyone who
    may see the meeting."""

    meeting: int
    title: str  # in the site's first language (logs, search)
    title_i18n: dict[str, str]  # every language it is written in
    status: MeetingStatus
    starts_at: str  # ISO 8601, UTC
    ends_at: str
    time_zone: str
    sequence: int  # the iCalendar SEQUENCE


@dataclass(frozen=True)
class MeetingStatusChanged(MeetingFacts):
    reason: str  # why it was postponed or cancelled; empty otherwise


@dataclass(frozen=True)
class MeetingChanged(MeetingFacts):
    changed: list[str]  # the names of the changed fields


@dataclass(frozen=True)
class TimeMoved:
    field: Literal["starts_at", "ends_at"]
    before: str  # ISO 8601, with its offset
    after: str


@dataclass(frozen=True)
class MeetingRescheduled(MeetingChanged):
    summary: str  # what moved, in the meeting's zone (for readers of the raw event)
    times: list[TimeMoved]  # each start or end that moved: the notice says it in the reader's zone
    place: str  # the new place, when the place changed


@dataclass(frozen=True)
class MeetingReminder(MeetingFacts):
    summary: str  # when it starts, in the meeting's time zone


@dataclass(frozen=True)
class AgendaReleased(MeetingFacts):
    number: int
    note: str  # in the site's first language (or the meeting's first)
    note_i18n: dict[str, str]
    changes: list[dict[str, Any]]  # the public items' changes (``agenda.difference``), 50 at most
    changed_keys: list[int]  # the agenda items' keys
    released_at: str


@dataclass(frozen=True)
class OutcomeFacts(MeetingFacts):
    outcome_id: int
    outcome: str
    outcome_i18n: dict[str, str]
    kind: OutcomeKind
    outcome_status: OutcomeStatus
    state: str  # the state commenting or objecting, in the site's first language; else empty
    state_i18n: dict[str, str]  # its name per language (read in each reader's); else empty
    deadline: str  # for comments, as the meeting's local time; empty when none
    deadline_at: str | None


@dataclass(frozen=True)
class OutcomeCommented(OutcomeFacts):
    state_code: str
    no_objection: bool
    revision: int  # the revision commented on: "Rev.1"
    paragraph: int | None  # its paragraph, by its number there; None for the whole


@dataclass(frozen=True)
class OutcomeRevisionReleased(OutcomeFacts):
    revision: int  # its number: "Rev.2"
    note: str  # what changed, as the secretariat wrote it
    taken_up: int  # how many comments this revision took up


@dataclass(frozen=True)
class SilenceFacts(OutcomeFacts):
    # ``deadline``/``deadline_at`` (from OutcomeFacts) are the silence's end
    silence_id: int
    revision: int
    reason: str  # why it was extended or withdrawn; empty otherwise


@dataclass(frozen=True)
class SilenceObjected(SilenceFacts):
    state_code: str


@dataclass(frozen=True)
class SilenceConcluded(SilenceFacts):
    result: Literal["adopted", "broken"]
    objected_by: list[str]  # the states that objected, by name in the site's first language
    objected_by_i18n: list[dict[str, str]]  # the same, each name per language


@dataclass(frozen=True)
class RegistrationChanged(MeetingFacts):
    changed: Literal["settings", "quotas", "questions"]


@dataclass(frozen=True)
class DelegationFacts(MeetingFacts):
    delegation_key: str  # a state's ISO code or an organisation's slug
    delegation_name: str
    delegation_name_i18n: dict[str, str]


@dataclass(frozen=True)
class LetterChanged(DelegationFacts):
    version: int


@dataclass(frozen=True)
class NominationFacts(DelegationFacts):
    nomination_id: int
    person: str
    category: Category
    nomination_status: NominationStatus


@dataclass(frozen=True)
class NominationDecided(NominationFacts):
    reason: str


@dataclass(frozen=True)
class NominationUpdated(NominationFacts):
    changed: list[str]


PAYLOADS: dict[str, type[MeetingFacts]] = {
    MEETING_ANNOUNCED: MeetingStatusChanged,
    MEETING_CHANGED: MeetingChanged,
    MEETING_RESCHEDULED: MeetingRescheduled,
    MEETING_STATUS_CHANGED: MeetingStatusChanged,
    MEETING_POSTPONED: MeetingStatusChanged,
    MEETING_CANCELLED: MeetingStatusChanged,
    MEETING_REMINDER: MeetingReminder,
    OUTCOME_SHARED: OutcomeFacts,
    OUTCOME_COMMENTED: OutcomeCommented,
    OUTCOME_ADOPTED: OutcomeFacts,
    OUTCOME_REVISION_RELEASED: OutcomeRevisionReleased,
    SILENCE_STARTED: SilenceFacts,
    SILENCE_EXTENDED: SilenceFacts,
    SILENCE_WITHDRAWN: SilenceFacts,
    SILENCE_OBJECTED: SilenceObjected,
    SILENCE_CONCLUDED: SilenceConcluded,
    REGISTRATION_CHANGED: RegistrationChanged,
    NOMINATION_SUBMITTED: NominationFacts,
    NOMINATION_APPROVED: NominationDecided,
    NOMINATION_WAITLISTED: NominationDecided,
    NOMINATION_REJECTED: NominationDecided,
    NOMINATION_WITHDRAWN: NominationDecided,
    NOMINATION_PROMOTED: NominationFacts,
    NOMINATION_UPDATED: NominationUpdated,
    NOMINATION_CHECKED_IN: NominationFacts,
    NOMINATION_CHECK_IN_UNDONE: NominationFacts,
    LETTER_UPLOADED: LetterChanged,
    LETTER_VERIFIED: LetterChanged,
}


def meeting_url(meeting_id: int) -> str:
    return reverse("meeting_detail", args=[meeting_id])


def _title(event: Event) -> str:
    return from_data(event.data, "title").pick()


def _describe_meeting(event: Event) -> registry.Description:
    data, title = event.data, _title(event)
    texts = {
        MEETING_ANNOUNCED: _("New meeting: %(title)s"),
        MEETING_CHANGED: _("Details changed: %(title)s"),
        MEETING_RESCHEDULED: _("Moved: %(title)s"),
        MEETING_STATUS_CHANGED: _("%(title)s: %(status)s"),
        MEETING_POSTPONED: _("Postponed: %(title)s"),
        MEETING_CANCELLED: _("Cancelled: %(title)s"),
        MEETING_REMINDER: _("Reminder: %(title)s starts soon"),
    }
    status = (
        str(MeetingStatus(data["status"]).label)
        if data.get("status") in MeetingStatus.values
        else ""
    )
    text = data.get("summary", "") or data.get("reason", "")
    if event.type == MEETING_RESCHEDULED and data.get("times") is not None:
        text = describe_move(data["times"], data.get("place", ""))
    return registry.Description(
        title=registry.fill(texts[event.type], {"title": title, "status": status}),
        text=text,
        url=meeting_url(data["meeting"]),
    )


def describe_move(times: list[dict[str, str]], place: str = "") -> str:
    """What moved, named ("End moved from 17:00 to 18:00"), in the reader's language and zone
    (the current ones) and the site's date format; the date is said when it changed."""
    parts = []
    for moved in times:
        before = timezone.localtime(datetime.datetime.fromisoformat(moved["before"]))
        after = timezone.localtime(datetime.datetime.fromisoformat(moved["after"]))
        style = "TIME_FORMAT" if before.date() == after.date() else "DATETIME_FORMAT"
        sentence = (
            _("Start moved from %(before)s to %(after)s")
            if moved["field"] == "starts_at"
            else _("End moved from %(before)s to %(after)s")
        )
        values = {
            "before": formats.date_format(before, style),
            "after": formats.date_format(after, style),
        }
        parts.append(registry.fill(sentence, values))
    if place:
        parts.append(registry.fill(_("Now at %(place)s"), {"place": place}))
    return "; ".join(parts)


def _describe_agenda(event: Event) -> registry.Description:
    data = event.data
    return registry.Description(
        title=registry.fill(
            _("Agenda v%(number)s released: %(title)s"),
            {"number": data["number"], "title": _title(event)},
        ),
        text=from_data(data, "note").pick(),
        url=reverse("agenda_changelog", args=[data["meeting"]]),
    )


def _state_name(names: Mapping[str, str] | None, name: str | None) -> str:
    """A state's name in the reader's language, from an event's names per language; events
    published before they carried them hold the name in the site's first language only."""
    if names:
        return str(Translations.of(names).pick())
    return name or ""


def _describe_outcome(event: Event) -> registry.Description:
    data = event.data
    texts = {
        OUTCOME_SHARED: _("For comment: %(outcome)s (%(title)s)"),
        OUTCOME_COMMENTED: _("Comment from %(state)s: %(outcome)s"),
        OUTCOME_ADOPTED: _("Adopted: %(outcome)s (%(title)s)"),
        OUTCOME_REVISION_RELEASED: _("Rev.%(revision)s released: %(outcome)s (%(title)s)"),
        SILENCE_STARTED: _("Rev.%(revision)s under silence until %(deadline)s: %(outcome)s"),
        SILENCE_EXTENDED: _("Silence extended until %(deadline)s: %(outcome)s"),
        SILENCE_WITHDRAWN: _("Silence withdrawn: %(outcome)s"),
        SILENCE_OBJECTED: _("%(state)s objects: the silence on %(outcome)s is broken"),
    }
    values = {
        "outcome": from_data(data, "outcome").pick(),
        "title": _title(event),
        "state": _state_name(data.get("state_i18n"), data.get("state", "")),
        "revision": data.get("revision", ""),
        "deadline": data.get("deadline", ""),
    }
    if event.type == SILENCE_CONCLUDED and data.get("result") == "adopted":
        title = registry.fill(_("Adopted by silence: %(outcome)s (%(title)s)"), values)
    elif event.type == SILENCE_CONCLUDED:
        title = registry.fill(
            _("Silence broken by %(states)s: %(outcome)s"),
            {
                **values,
                "states": ", ".join(
                    _state_name(names, name)
                    for names, name in zip_longest(
                        data.get("objected_by_i18n") or [], data.get("objected_by", [])
                    )
                ),
            },
        )
    else:
        title = registry.fill(texts[event.type], values)
    text = data.get("deadline", "")
    if event.type in (SILENCE_EXTENDED, SILENCE_WITHDRAWN):
        text = data.get("reason", "")
    elif event.type == OUTCOME_REVISION_RELEASED:
        text = data.get("note", "")
    elif event.type in (SILENCE_STARTED, SILENCE_OBJECTED, SILENCE_CONCLUDED):
        text = ""
    return registry.Description(
        title=title,
        text=text,
        url=reverse("outcome_detail", args=[data["outcome_id"]])
        if data.get("outcome_id")
        else meeting_url(data["meeting"]) + "#outcomes",
    )


# Announcements and changes of time, place or status carry an iTIP invitation, so the
# recipient's calendar adds or updates the meeting (other details keep its SEQUENCE). The
# calendar, which builds it, attaches it to these types (``meetings.calendar.ical``).
INVITING = (
    MEETING_ANNOUNCED,
    MEETING_RESCHEDULED,
    MEETING_STATUS_CHANGED,
    MEETING_POSTPONED,
    MEETING_CANCELLED,
)
for _type in (*INVITING, MEETING_CHANGED, MEETING_REMINDER):
    registry.register(_type, category=MEETINGS, describe=_describe_meeting, payload=PAYLOADS[_type])
registry.register(
    AGENDA_RELEASED, category=AGENDAS, describe=_describe_agenda, payload=AgendaReleased
)
for _type in (OUTCOME_SHARED, OUTCOME_COMMENTED, OUTCOME_ADOPTED, OUTCOME_REVISION_RELEASED):
    registry.register(_type, category=OUTCOMES, describe=_describe_outcome, payload=PAYLOADS[_type])
for _type in (
    SILENCE_STARTED,
    SILENCE_EXTENDED,
    SILENCE_WITHDRAWN,
    SILENCE_OBJECTED,
    SILENCE_CONCLUDED,
):
    registry.register(_type, category=SILENCE, describe=_describe_outcome, payload=PAYLOADS[_type])


def _describe_registration(event: Event) -> registry.Description:
    data = event.data
    texts = {
        REGISTRATION_CHANGED: _("Registration changed: %(title)s"),
        NOMINATION_SUBMITTED: _("Nominated: %(person)s (%(delegation)s) for %(title)s"),
        NOMINATION_APPROVED: _("Approved: %(person)s (%(delegation)s) for %(title)s"),
        NOMINATION_WAITLISTED: _("Waitlisted: %(person)s (%(delegation)s) for %(title)s"),
        NOMINATION_REJECTED: _("Not accepted: %(person)s (%(delegation)s) for %(title)s"),
        NOMINATION_WITHDRAWN: _("Withdrawn: %(person)s (%(delegation)s) from %(title)s"),
        NOMINATION_PROMOTED: _(
            "A seat freed: %(person)s (%(delegation)s) is now approved for %(title)s"
        ),
        NOMINATION_UPDATED: _("Nomination updated: %(person)s (%(delegation)s)"),
        NOMINATION_CHECKED_IN: _("Arrived: %(person)s (%(delegation)s)"),
        NOMINATION_CHECK_IN_UNDONE: _("Arrival undone: %(person)s (%(delegation)s)"),
        LETTER_UPLOADED: _("Nomination letter v%(version)s of %(delegation)s for %(title)s"),
        LETTER_VERIFIED: _("Nomination letter of %(delegation)s verified for %(title)s"),
    }
    delegation = from_data(data, "delegation_name").pick()
    title = registry.fill(
        texts[event.type],
        {
            "title": _title(event),
            "person": data.get("person", ""),
            "delegation": delegation,
            "version": data.get("version", ""),
        },
    )
    url = meeting_url(data["meeting"])
    if data.get("nomination_id"):
        url = reverse("nomination_detail", args=[data["nomination_id"]])
    elif data.get("delegation_key"):
        url = reverse("delegation_detail", args=[data["meeting"], data["delegation_key"]])
    return registry.Description(title=title, text=data.get("reason", ""), url=url)


for _type in (
    REGISTRATION_CHANGED,
    NOMINATION_SUBMITTED,
    NOMINATION_APPROVED,
    NOMINATION_WAITLISTED,
    NOMINATION_REJECTED,
    NOMINATION_WITHDRAWN,
    NOMINATION_PROMOTED,
    LETTER_UPLOADED,
    LETTER_VERIFIED,
):
    registry.register(
        _type, category=REGISTRATION, describe=_describe_registration, payload=PAYLOADS[_type]
    )
# Live only: the pages update, nobody's inbox fills with every edit and arrival.
for _type in (NOMINATION_UPDATED, NOMINATION_CHECKED_IN, NOMINATION_CHECK_IN_UNDONE):
    registry.register(
        _type,
        category=REGISTRATION,
        describe=_describe_registration,
        payload=PAYLOADS[_type],
        in_inbox=False,
    )


# --- Streams and audiences -------------------------------------------------------------------


def _meeting(key: str) -> Meeting | None:
    return Meeting.objects.filter(pk=int(key)).first() if key.isdigit() else None


def _may_follow(user: Any, key: str) -> bool:
    meeting = _meeting(key)
    return meeting is not None and permissions.can_view_meeting(user, meeting)


def default_followers(key: str) -> QuerySet[User]:
    """Who follows a meeting unless they opted out: those who act for it (secretariat, focal
    points, the chair) and its registered participants."""
    meeting = _meeting(key)
    if meeting is None:
        return User.objects.none()
    acting = Role.objects.active().filter(
        dialogue_id=meeting.dialogue_id,
        kind__in=permissions.ACTING_ROLES,
    )
    participants = permissions.registered_participants(meeting)
    return User.objects.filter(is_active=True).filter(
        Q(pk__in=acting.values("user_id")) | Q(pk__in=participants.values("pk"))
    )


def _label(key: str) -> str:
    meeting = _meeting(key)
    return meeting.title if meeting else key


def audience_meeting(meeting: Meeting) -> audiences.MeetingAudience:
    """Everyone who may see the meeting, as it is when the event is published. The facts are
    carried in the audience so that deciding per socket never reads the database."""
    return {
        "kind": "meeting",
        "dialogue": meeting.dialogue_id,
        "public": meeting.is_public,
        "draft": meeting.announced_at is None,
    }


def audience_outcome_draft(
    meeting: Meeting, outcome: Outcome | None = None
) -> audiences.OutcomeDraftAudience:
    """Those a draft shared for comment is for: focal points, the chair, the secretariat, and
    the heads of delegation the secretariat lets comment on ``outcome``."""
    audience: audiences.OutcomeDraftAudience = {
        "kind": "outcome_draft",
        "dialogue": meeting.dialogue_id,
    }
    if outcome is not None:
        audience["heads"] = permissions.outcome_heads(outcome)
    return audience


def audience_outcome_comment(
    outcome: Outcome, state_id: int, *, shared: bool
) -> audiences.OutcomeCommentAudience:
    """A state's comment: the secretariat and that state (its focal point, its head of
    delegation when heads comment); every state and the chair when ``shared``."""
    return {
        "kind": "outcome_comment",
        "dialogue": outcome.meeting.dialogue_id,
        "state": state_id,
        "shared": shared,
        "heads": permissions.outcome_heads(outcome, None if shared else state_id),
    }


def audience_outcome_objection(
    outcome: Outcome, state_id: int
) -> audiences.OutcomeObjectionAudience:
    return {
        "kind": "outcome_objection",
        "dialogue": outcome.meeting.dialogue_id,
        "state": state_id,
        "heads": permissions.outcome_heads(outcome, state_id),
    }


def publish_meeting_event(
    meeting: Meeting,
    event_type: str,
    *,
    by: User | None,
    audience: Mapping[str, Any] | None = None,
    **extra: Any,
) -> None:
    """Publish on ``meeting:<id>`` (under the dialogue's stream) with what every meeting event
    carries, safe for everyone who may see the meeting; ``extra`` adds to it. Inside the
    caller's transaction."""
    publish(
        actor_id=by.pk if by is not None else None,
        stream=meeting.stream,
        parent_stream=f"dialogue:{meeting.dialogue.slug}",
        type=event_type,
        audience=audience or audience_meeting(meeting),
        data={
            "meeting": meeting.pk,
            "title": meeting.title_i18n.pick(settings.LANGUAGE_CODE),
            "title_i18n": meeting.title_i18n.as_dict(),
            "status": meeting.status,
            "starts_at": meeting.starts_at.isoformat(),
            "ends_at": meeting.ends_at.isoformat(),
            "time_zone": meeting.time_zone,
            "sequence": meeting.sequence,
            **extra,
        },
    )


def audience_delegation(
    meeting: Meeting, delegation: Delegation, person_id: int | None
) -> audiences.DelegationAudience:
    """A delegation's registration: the secretariat, the state's focal point and the person it
    is about (who hears of it even without following the meeting)."""
    return {
        "kind": "delegation",
        "dialogue": meeting.dialogue_id,
        "state": delegation.state_id,
        "organisation": delegation.organisation_id,
        "person": person_id,
    }


live.STREAM_RULES["meeting"] = _may_follow
live.STREAM_FOLLOWERS["meeting"] = default_followers
registry.register_stream("meeting", label=_label)
