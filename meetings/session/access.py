"""Who may act on the meeting in session, and when: each check raises ``PermissionDenied``
(the door answers 404) or ``ValidationError`` with a sentence for the person."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.models import User
from meetings.models import Meeting, MeetingStatus


def check_chair(by: User, meeting: Meeting) -> None:
    if not permissions.can_chair_session(by, meeting):
        raise PermissionDenied


def check_in_session(meeting: Meeting) -> None:
    """The room's agenda and list of speakers run while the meeting is in session."""
    if meeting.status != MeetingStatus.IN_SESSION:
        raise ValidationError(
            _("The meeting is not in session: the secretariat opens the session first.")
        )
