"""Prepare the next meeting like an earlier one.

A new draft is scheduled through the ordinary services (``schedule_meeting``,
``configure_registration``, ``set_quota``, ``add_question``, ``agenda.add_item``), so every
rule they hold applies to the copy. What is copied is the set-up, never what people did:
no nominations, delegations, letters, documents, outcomes or personal data.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.models import User
from meetings import agenda
from meetings.models import AgendaItem, Meeting, RegistrationSettings
from meetings.registration import setup
from meetings.services import schedule_meeting

# The meeting's own fields copied as they are.
COPIED_FIELDS = (
    "kind",
    "format",
    "time_zone",
    "languages",
    "interpretation",
    "is_public",
    "venue_name",
    "venue_address",
    "country",
    "room",
)
# And its texts per language, as their ``Translations``.
COPIED_TEXTS = ("city", "description")


@dataclass
class Copied:
    """What was copied, for the message the secretariat reads."""

    meeting: Meeting
    registration: bool = False
    quotas: int = 0
    questions: int = 0
    agenda_items: int = 0
    offset: datetime.timedelta = field(default_factory=datetime.timedelta)


def _duration(item: AgendaItem) -> int | None:
    """The item's length in minutes: its own, else what its times spanned."""
    if item.duration_minutes:
        return item.duration_minutes
    if item.starts_at and item.ends_at:
        return int((item.ends_at - item.starts_at).total_seconds() // 60) or None
    return None


def _check_dates(
    *,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    settings: RegistrationSettings | None,
    offset: datetime.timedelta,
) -> None:
    now = timezone.now()
    if ends_at <= starts_at:
        raise ValidationError(_("A meeting must end after it starts."))
    if starts_at <= now:
        raise ValidationError(_("The next meeting must start in the future."))
    if settings is None:
        return
    for deadline in (settings.nomination_deadline, settings.confirmation_deadline):
        shifted = deadline + offset
        if shifted <= now:
            raise ValidationError(
                _(
                    "With these dates a registration deadline would fall in the past "
                    "(%(deadline)s): choose later dates, or change the deadlines of the "
                    "copy afterwards."
                )
                % {"deadline": _local(shifted, starts_at)}
            )
        if shifted > ends_at:
            raise ValidationError(
                _(
                    "With these dates a registration deadline would fall after the meeting "
                    "ends (%(deadline)s): check the dates."
                )
                % {"deadline": _local(shifted, starts_at)}
            )


def _local(moment: datetime.datetime, like: datetime.datetime) -> str:
    zone = like.tzinfo or datetime.UTC
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def prepare_next_meeting(
    *,
    by: User,
    original: Meeting,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    title: Any = None,
) -> Copied:
    """Schedule a draft like ``original`` at new dates: its place, languages and public flag,
    its registration set-up (deadlines shifted by as much as the start), quotas, follow-up
    questions and agenda skeleton (titles, kinds, sessions, order and durations, no times of
    day). ``title`` (a mapping of language to text) defaults to the original's. Raises
    ``PermissionDenied`` or ``ValidationError`` (a sentence); writes nothing then."""
    if not permissions.can_prepare_next_meeting(by, original):
        raise PermissionDenied
    offset = starts_at - original.starts_at
    settings = RegistrationSettings.objects.filter(meeting=original).first()
    _check_dates(starts_at=starts_at, ends_at=ends_at, settings=settings, offset=offset)
    fields: dict[str, Any] = {name: getattr(original, name) for name in COPIED_FIELDS}
    fields.update({name: getattr(original, f"{name}_i18n") for name in COPIED_TEXTS})
    with transaction.atomic():
        meeting = schedule_meeting(
            by=by,
            dialogue=original.dialogue,
            body=original.body,
            title=title if title else original.title_i18n,
            starts_at=starts_at,
            ends_at=ends_at,
            **fields,
        )
        copied = Copied(meeting=meeting, offset=offset)
        if settings is not None:
            setup.configure_registration(
                by=by,
                meeting=meeting,
                nomination_deadline=settings.nomination_deadline + offset,
                confirmation_deadline=settings.confirmation_deadline + offset,
                capacity=settings.capacity,
                collect_gender=settings.collect_gender,
            )
            copied.registration = True
        for rule in original.quota_rules.select_related("state", "organisation"):
            setup.set_quota(
                by=by,
                meeting=meeting,
                categories=rule.categories,
                seats=rule.seats,
                funded_seats=rule.funded_seats,
                member_kind=rule.member_kind,
                state=rule.state,
                organisation=rule.organisation,
            )
            copied.quotas += 1
        for question in original.follow_up_questions.all():
            setup.add_question(
                by=by,
                meeting=meeting,
                topic=question.topic,
                text=question.text_i18n,
                required=question.required,
                retention_days=question.retention_days,
            )
            copied.questions += 1
        copied.agenda_items = _copy_agenda(by, original, meeting)
    return copied


def _copy_agenda(by: User, original: Meeting, meeting: Meeting) -> int:
    """Sessions first (their items point at them), each item at its own position."""
    items = sorted(
        original.agenda_items.all(), key=lambda i: (i.parent_id is not None, i.position, i.pk)
    )
    new: dict[int, AgendaItem] = {}
    for item in items:
        new[item.pk] = agenda.add_item(
            by=by,
            meeting=meeting,
            position=item.position,
            kind=item.kind,
            parent=new.get(item.parent_id) if item.parent_id else None,
            title=item.title_i18n,
            description=item.description_i18n,
            duration_minutes=_duration(item),
            internal=item.internal,
        )
    return len(new)
