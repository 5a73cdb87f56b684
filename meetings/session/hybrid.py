"""Who is here: in person or online, the online links, attendance per day.

The focal point (or the secretariat) says how each approved participant takes part, and
names the speakers among those online, until the sitting's deadline (by default the start of
the meeting). The online links are never shown: pages link to the platform's redirect, which
asks the policy (``permissions.can_open_online_link``) and records the day's attendance online.
The desk records attendance in the room per day. Each record publishes
``attendance.recorded`` to the delegation's audience, so the counts follow live.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.models import User
from meetings import events as meeting_events
from meetings.models import (
    AttendanceDay,
    HybridParticipation,
    Meeting,
    MeetingFormat,
    Nomination,
    NominationStatus,
    OnlineLink,
    OnlineLinkKind,
    ParticipationMode,
    Sitting,
)
from meetings.registration import notify

from . import events
from .locks import lock_sitting


def meeting_days(meeting: Meeting) -> list[datetime.date]:
    """The meeting's days, as dates in its own time zone."""
    first = meeting.starts_at.astimezone(meeting.zone).date()
    last = meeting.ends_at.astimezone(meeting.zone).date()
    return [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]


def today_at(meeting: Meeting) -> datetime.date:
    return timezone.now().astimezone(meeting.zone).date()


def _deadline(meeting: Meeting) -> datetime.datetime:
    sitting = Sitting.objects.filter(meeting=meeting).first()
    if sitting is not None and sitting.participation_deadline is not None:
        return sitting.participation_deadline
    return meeting.starts_at


def _approved(nomination: Nomination) -> Nomination:
    locked = (
        Nomination.objects.select_for_update(of=("self",))
        .select_related(
            "meeting", "meeting__dialogue", "delegation__state", "delegation__organisation"
        )
        .get(pk=nomination.pk)
    )
    if locked.status != NominationStatus.APPROVED:
        raise ValidationError(_("Only an approved participant takes part."))
    return locked


def choose_participation(
    *, by: User, nomination: Nomination, mode: str, speaker: bool = False
) -> HybridParticipation:
    """Say whether an approved participant takes part in person or online (and, online,
    whether they speak for the delegation): their focal point or the secretariat, until the
    deadline (the secretariat after it too). Publishes ``nomination.updated``. Raises
    ``PermissionDenied`` or ``ValidationError``."""
    if not permissions.can_act_for_delegation(by, nomination.meeting, nomination.delegation):
        raise PermissionDenied
    if mode not in ParticipationMode.values:
        raise ValidationError(_("Choose in person or online."))
    with transaction.atomic():
        locked = _approved(nomination)
        meeting = locked.meeting  # as it is now, not as the caller loaded it
        if mode == ParticipationMode.ONLINE and meeting.format == MeetingFormat.IN_PERSON:
            raise ValidationError(_("This meeting is held in person only."))
        if mode == ParticipationMode.IN_PERSON and meeting.format == MeetingFormat.ONLINE:
            raise ValidationError(_("This meeting is held online only."))
        deadline = _deadline(meeting)
        if timezone.now() > deadline and not permissions.can_manage_registration(by, meeting):
            raise ValidationError(
                _("The choice could be changed until %(deadline)s; ask the secretariat.")
                % {"deadline": f"{deadline.astimezone(meeting.zone):%d.%m.%Y %H:%M}"}
            )
        chosen, _created = HybridParticipation.objects.update_or_create(
            nomination=locked,
            defaults={
                "mode": mode,
                "speaker": speaker and mode == ParticipationMode.ONLINE,
                "changed_by": by,
                "changed_at": timezone.now(),
            },
        )
        notify.publish_nomination(
            locked, meeting_events.NOMINATION_UPDATED, by=by, changed=["participation"]
        )
    return chosen


def set_participation_deadline(
    *, by: User, meeting: Meeting, deadline: datetime.datetime | None
) -> Sitting:
    """Until when focal points change in person / online (None: until the meeting starts)."""
    if not permissions.can_manage_registration(by, meeting):
        raise PermissionDenied
    if deadline is not None and deadline > meeting.ends_at:
        raise ValidationError(_("Choose a deadline before the meeting ends."))
    with transaction.atomic():
        sitting = lock_sitting(meeting)
        sitting.participation_deadline = deadline
        sitting.save(update_fields=["participation_deadline"])
    return sitting


def set_online_link(
    *, by: User, meeting: Meeting, kind: str, url: str, language: str = ""
) -> OnlineLink:
    """Set one of the meeting's online addresses (the secretariat's): the speaker link, the
    listener link, or the interpretation channel of one of the meeting's languages. Publishes
    nothing: the address itself is never sent anywhere."""
    if not permissions.can_manage_meeting(by, meeting):
        raise PermissionDenied
    if kind not in OnlineLinkKind.values:
        raise ValidationError(_("Choose the kind of link."))
    language = language if kind == OnlineLinkKind.INTERPRETATION else ""
    if kind == OnlineLinkKind.INTERPRETATION and language not in (
        list(meeting.languages) + list(meeting.interpretation)
    ):
        raise ValidationError(_("An interpretation channel is in one of the meeting's languages."))
    if not url.startswith("https://"):
        raise ValidationError(_("An online link starts with https://."))
    link, _created = OnlineLink.objects.update_or_create(
        meeting=meeting, kind=kind, language=language, defaults={"url": url}
    )
    return link


def _record(
    nomination: Nomination, day: datetime.date, mode: str, by: User | None
) -> tuple[AttendanceDay, bool]:
    record, created = AttendanceDay.objects.get_or_create(
        nomination=nomination,
        day=day,
        defaults={"mode": mode, "recorded_by": by},
    )
    if created:
        meeting = nomination.meeting
        meeting_events.publish_meeting_event(
            meeting,
            events.ATTENDANCE_RECORDED,
            by=by,
            audience=meeting_events.audience_delegation(
                meeting, nomination.delegation, nomination.person_id
            ),
            **notify.about(nomination),
            day=day.isoformat(),
            mode=mode,
        )
    return record, created


def record_attendance(
    *, by: User, nomination: Nomination, day: datetime.date, mode: str
) -> AttendanceDay:
    """The desk (the secretariat) records a participant present on a day of the meeting, in
    the room or online. Recording the same day again keeps the first record. Publishes
    ``attendance.recorded``. Raises ``PermissionDenied`` or ``ValidationError``."""
    meeting = nomination.meeting
    if not permissions.can_manage_registration(by, meeting):
        raise PermissionDenied
    if mode not in ParticipationMode.values:
        raise ValidationError(_("Choose in person or online."))
    if day not in meeting_days(meeting):
        raise ValidationError(_("Attendance is recorded on the meeting's days only."))
    with transaction.atomic():
        locked = _approved(nomination)
        record, _created = _record(locked, day, mode, by)
    return record


def open_online_link(*, user: User, link: OnlineLink) -> str:
    """The address behind ``link`` for a person the policy entitles to it; on a day of the
    meeting, the participant's attendance online that day is recorded (once). Raises
    ``PermissionDenied``."""
    meeting = link.meeting
    if not permissions.can_open_online_link(user, link):
        raise PermissionDenied
    today = today_at(meeting)
    if today in meeting_days(meeting):
        nomination = Nomination.objects.filter(
            meeting=meeting, person_id=user.pk, status=NominationStatus.APPROVED
        ).first()
        if nomination is not None:
            with transaction.atomic():
                _record(_approved(nomination), today, ParticipationMode.ONLINE, None)
    return link.url
