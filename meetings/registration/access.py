"""Who may act on a registration, and until when: each check raises ``PermissionDenied``
(the door answers 404) or ``ValidationError`` with a sentence for the person.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.members import Member
from dialogue.models import User
from meetings.models import Meeting, MeetingStatus, Nomination, RegistrationSettings

REGISTRABLE_STATUSES = (
    MeetingStatus.ANNOUNCED,
    MeetingStatus.REGISTRATION_OPEN,
    MeetingStatus.REGISTRATION_CLOSED,
    MeetingStatus.IN_SESSION,
    MeetingStatus.POSTPONED,
)


# After these, registration is over (not "not open"): the focal point reads "closed".
CLOSED_STATUSES = (
    MeetingStatus.REGISTRATION_CLOSED,
    MeetingStatus.IN_SESSION,
    MeetingStatus.CONCLUDED,
    MeetingStatus.CANCELLED,
)


def is_closed(meeting: Meeting) -> bool:
    """Whether registration is over: closed by the secretariat, the meeting sits, is over or
    was cancelled."""
    return meeting.status in CLOSED_STATUSES or meeting.ends_at <= timezone.now()


def nominating_refused(by: User, meeting: Meeting, reg: RegistrationSettings | None) -> str:
    """Why ``by`` cannot nominate now (the sentence ``check_window`` would refuse with), or an
    empty string when they can: the delegation page hides its form and says this instead."""
    try:
        check_window(by, meeting, reg)
    except ValidationError as error:
        return " ".join(error.messages)
    return ""


def check_manager(by: User, meeting: Meeting) -> None:
    if not permissions.can_manage_registration(by, meeting):
        raise PermissionDenied


def check_may_nominate(by: User, meeting: Meeting, member: Member) -> None:
    if not permissions.can_act_for_delegation(by, meeting, member):
        raise PermissionDenied


def check_acts_for(by: User, nomination: Nomination) -> None:
    """The delegation's decisions (its head, its funding requests, replacements): the focal
    point and the secretariat, not the nominee."""
    if not permissions.can_act_for_delegation(by, nomination.meeting, nomination.delegation):
        raise PermissionDenied


def check_can_change(by: User, nomination: Nomination) -> None:
    """The nominee, their focal point and the secretariat change details, confirm, withdraw."""
    if not permissions.can_view_nomination(by, nomination):
        raise PermissionDenied


def check_window(by: User, meeting: Meeting, reg: RegistrationSettings | None) -> None:
    """Focal points nominate while registration is open and before the deadline; the
    secretariat at any time before the meeting closes (late nominations go through it)."""
    if reg is None:
        raise ValidationError(_("Registration for this meeting has not been set up."))
    if permissions.can_manage_registration(by, meeting):
        if meeting.status not in REGISTRABLE_STATUSES:
            raise ValidationError(_("This meeting takes no more registrations."))
        return
    if is_closed(meeting):
        raise ValidationError(_("Registration for this meeting is closed."))
    if meeting.status != MeetingStatus.REGISTRATION_OPEN:
        raise ValidationError(_("Registration for this meeting is not open yet."))
    if timezone.now() > reg.nomination_deadline:
        raise ValidationError(
            _("The deadline for nominations has passed (%(deadline)s); ask the secretariat.")
            % {"deadline": in_meeting_zone(reg.nomination_deadline, meeting)}
        )


def in_meeting_zone(moment: datetime.datetime, meeting: Meeting) -> str:
    """A deadline as a refusal names it: in the meeting's time zone, the zone named."""
    return f"{moment.astimezone(meeting.zone):%d.%m.%Y %H:%M} ({meeting.time_zone})"
