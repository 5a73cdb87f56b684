"""What registration tells, and to whom: its events on ``meeting:<id>`` to the delegation's
audience (the secretariat, the state's focal point, the person), and e-mail to nominees who
have no account yet.

Events are published last, after every row lock the action takes: ``publish`` holds a lock of
its own until commit (event ids in commit order), and a row lock taken after it could wait on a
transaction that waits for that lock in turn.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from dialogue.models import User
from meetings import events
from meetings.models import Delegation, Meeting, MeetingStatus, Nomination, NominationStatus
from notifications.mail import queue_message

S = NominationStatus


# While registration is open, closed for review or the meeting sits: a change of deadlines or
# quotas is news to the delegations. Before it opens, set-up is the secretariat's own work.
REGISTRATION_IS_NEWS = (
    MeetingStatus.REGISTRATION_OPEN,
    MeetingStatus.REGISTRATION_CLOSED,
    MeetingStatus.IN_SESSION,
)


def registration_changed(meeting: Meeting, by: User, what: str) -> None:
    """``registration.changed`` once registration has opened: set-up before is nobody's news,
    and nothing reaches the focal points about a registration they cannot use yet."""
    if meeting.status in REGISTRATION_IS_NEWS:
        events.publish_meeting_event(meeting, events.REGISTRATION_CHANGED, by=by, changed=what)


def about(nomination: Nomination) -> dict[str, Any]:
    """What every event about a nomination carries."""
    delegation = nomination.delegation
    member = delegation.member
    return {
        "nomination_id": nomination.pk,
        "delegation_key": delegation.key,
        "delegation_name": member.name_i18n.pick(settings.LANGUAGE_CODE),
        "delegation_name_i18n": member.name_i18n.as_dict(),
        "person": nomination.full_name,
        "category": nomination.category,
        "nomination_status": nomination.status,
    }


def publish_nomination(
    nomination: Nomination, event_type: str, *, by: User | None, **extra: Any
) -> None:
    meeting = nomination.meeting
    events.publish_meeting_event(
        meeting,
        event_type,
        by=by,
        audience=events.audience_delegation(meeting, nomination.delegation, nomination.person_id),
        **about(nomination),
        **extra,
    )


def publish_delegation(delegation: Delegation, event_type: str, *, by: User, **extra: Any) -> None:
    meeting = delegation.meeting
    member = delegation.member
    events.publish_meeting_event(
        meeting,
        event_type,
        by=by,
        audience=events.audience_delegation(meeting, delegation, None),
        delegation_key=delegation.key,
        delegation_name=member.name_i18n.pick(settings.LANGUAGE_CODE),
        delegation_name_i18n=member.name_i18n.as_dict(),
        **extra,
    )


def write_to_nominee(nomination: Nomination, what: str, *, invitation_path: str = "") -> None:
    """Write to a nominee who has no account yet (those with one hear through their inbox and
    e-mail preferences), in the language they chose for their letters: a message in the outbox,
    in the transaction of the change, which the mail worker sends (and retries)."""
    if nomination.person_id is not None or not nomination.email:
        return
    meeting = nomination.meeting
    with translation.override(nomination.language):
        subjects = {
            "nominated": _("You are nominated for %(title)s"),
            S.APPROVED: _("Your participation in %(title)s is approved"),
            "promoted": _("A seat freed: your participation in %(title)s is approved"),
            S.WAITLISTED: _("You are on the waitlist for %(title)s"),
            S.REJECTED: _("Your nomination for %(title)s was not accepted"),
            S.WITHDRAWN: _("Your nomination for %(title)s was withdrawn"),
        }
        context = {
            "nomination": nomination,
            "meeting": meeting,
            "what": what,
            "site_url": settings.SITE_URL,
            "link": settings.SITE_URL + (invitation_path or reverse("my_registrations")),
            "invited": bool(invitation_path),
        }
        subject = subjects[what] % {"title": meeting.title}
        body = render_to_string("meetings/email/nominee.txt", context)
    queue_message(to=nomination.email, subject=settings.EMAIL_SUBJECT_PREFIX + subject, body=body)
