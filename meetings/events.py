"""The event types meetings publish, and who follows a meeting's stream.

Registered with the notifications registry (what an event says in the inbox and e-mail) and
with the permission policy's live answers (who may follow ``meeting:<id>``, who sees what).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogue import live, permissions
from dialogue.models import Role, RoleKind, User
from notifications import registry
from notifications.models import Channel, Event
from notifications.publishing import publish

from .calendar import itip_attachments
from .models import Meeting

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

MEETINGS = registry.register_category(
    "meetings", gettext_lazy("Meetings: dates, places, status"), Channel.IN_APP
)
AGENDAS = registry.register_category("agendas", gettext_lazy("Agenda releases"), Channel.IN_APP)
OUTCOMES = registry.register_category(
    "outcomes", gettext_lazy("Outcomes and comments"), Channel.IN_APP
)


def meeting_url(meeting_id: int) -> str:
    return reverse("meeting_detail", args=[meeting_id])


def _title(event: Event) -> str:
    return event.data.get("title", "")


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
    from .models import MeetingStatus

    status = (
        str(MeetingStatus(data["status"]).label)
        if data.get("status") in MeetingStatus.values
        else ""
    )
    text = data.get("summary", "") or data.get("reason", "")
    return registry.Description(
        title=texts[event.type] % {"title": title, "status": status},
        text=text,
        url=meeting_url(data["meeting"]),
    )


def _describe_agenda(event: Event) -> registry.Description:
    data = event.data
    return registry.Description(
        title=_("Agenda v%(number)s released: %(title)s")
        % {"number": data["number"], "title": _title(event)},
        text=data.get("note", ""),
        url=reverse("agenda_changelog", args=[data["meeting"]]),
    )


def _describe_outcome(event: Event) -> registry.Description:
    data = event.data
    texts = {
        OUTCOME_SHARED: _("For comment: %(outcome)s (%(title)s)"),
        OUTCOME_COMMENTED: _("Comment from %(state)s: %(outcome)s"),
        OUTCOME_ADOPTED: _("Adopted: %(outcome)s (%(title)s)"),
    }
    return registry.Description(
        title=texts[event.type]
        % {
            "outcome": data.get("outcome", ""),
            "title": _title(event),
            "state": data.get("state", ""),
        },
        text=data.get("deadline", ""),
        url=reverse("outcome_detail", args=[data["outcome_id"]])
        if data.get("outcome_id")
        else meeting_url(data["meeting"]) + "#outcomes",
    )


for _type in (
    MEETING_ANNOUNCED,
    MEETING_CHANGED,
    MEETING_RESCHEDULED,
    MEETING_STATUS_CHANGED,
    MEETING_POSTPONED,
    MEETING_CANCELLED,
    MEETING_REMINDER,
):
    registry.register(
        _type,
        category=MEETINGS,
        describe=_describe_meeting,
        # Announcements and changes of time, place or status carry an iTIP invitation, so the
        # recipient's calendar adds or updates the meeting (other details keep its SEQUENCE).
        attachments=None if _type in (MEETING_CHANGED, MEETING_REMINDER) else itip_attachments,
    )
registry.register(AGENDA_RELEASED, category=AGENDAS, describe=_describe_agenda)
for _type in (OUTCOME_SHARED, OUTCOME_COMMENTED, OUTCOME_ADOPTED):
    registry.register(_type, category=OUTCOMES, describe=_describe_outcome)


# --- Streams and audiences -------------------------------------------------------------------


def _meeting(key: str) -> Meeting | None:
    return Meeting.objects.filter(pk=int(key)).first() if key.isdigit() else None


def _may_follow(user: Any, key: str) -> bool:
    meeting = _meeting(key)
    return meeting is not None and permissions.can_view_meeting(user, meeting)


def default_followers(key: str) -> QuerySet[User]:
    """Who follows a meeting unless they opted out: those who act for it (secretariat, focal
    points, the chair); registered participants join them with registration."""
    meeting = _meeting(key)
    if meeting is None:
        return User.objects.none()
    acting = Role.objects.active().filter(
        dialogue_id=meeting.dialogue_id,
        kind__in=permissions.ACTING_ROLES,
    )
    return User.objects.filter(is_active=True, pk__in=acting.values("user_id"))


def _label(key: str) -> str:
    meeting = _meeting(key)
    return meeting.title if meeting else key


def audience_meeting(meeting: Meeting) -> dict[str, Any]:
    """Everyone who may see the meeting, as it is when the event is published. The facts are
    carried in the audience so that deciding per socket never reads the database."""
    return {
        "kind": "meeting",
        "dialogue": meeting.dialogue_id,
        "public": meeting.is_public,
        "draft": meeting.announced_at is None,
    }


def audience_outcome_draft(meeting: Meeting) -> dict[str, Any]:
    """Those a draft shared for comment is for: focal points, the chair, the secretariat."""
    return {"kind": "outcome_draft", "dialogue": meeting.dialogue_id}


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
            "title": meeting.title_en,
            "title_ru": meeting.title_ru,
            "status": meeting.status,
            "starts_at": meeting.starts_at.isoformat(),
            "ends_at": meeting.ends_at.isoformat(),
            "time_zone": meeting.time_zone,
            "sequence": meeting.sequence,
            **extra,
        },
    )


def _sees_meeting(user: Any, audience: dict[str, Any]) -> bool:
    if audience["draft"]:
        return permissions.is_secretariat_of_dialogue_id(user, audience["dialogue"])
    return audience["public"] or permissions.is_member_of_dialogue_id(user, audience["dialogue"])


def _sees_outcome_draft(user: Any, audience: dict[str, Any]) -> bool:
    s = permissions.standing(user)
    return s.superuser or s.has(
        [
            RoleKind.SECRETARIAT_ADMIN,
            RoleKind.SECRETARIAT_STAFF,
            RoleKind.FOCAL_POINT,
            RoleKind.CHAIR,
        ],
        dialogue_id=audience["dialogue"],
    )


live.STREAM_RULES["meeting"] = _may_follow
live.STREAM_FOLLOWERS["meeting"] = default_followers
live.AUDIENCE_RULES["meeting"] = _sees_meeting
live.AUDIENCE_RULES["outcome_draft"] = _sees_outcome_draft
registry.register_stream("meeting", label=_label)
