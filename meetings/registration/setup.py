"""The secretariat sets a meeting's registration up: deadlines, capacity, quotas and follow-up
questions. Each change publishes ``registration.changed`` once the meeting is announced.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dialogue.models import AuditAction, Membership, Organisation, State, User
from dialogue.translations import Translations, missing_first
from meetings.models import Category, FollowUpQuestion, Meeting, QuotaRule, RegistrationSettings

from . import access, audit, decisions, locks, notify


def configure_registration(
    *,
    by: User,
    meeting: Meeting,
    nomination_deadline: datetime.datetime,
    confirmation_deadline: datetime.datetime,
    capacity: int | None,
    collect_gender: bool = True,
) -> RegistrationSettings:
    """Set (or change) a meeting's deadlines and capacity. A larger capacity promotes the
    waitlist into the new seats. Publishes ``registration.changed`` once the meeting is
    announced. Raises ``PermissionDenied`` or ``ValidationError``."""
    access.check_manager(by, meeting)
    if confirmation_deadline < nomination_deadline:
        raise ValidationError(_("Participants confirm after the nominations close, not before."))
    if capacity is not None and capacity < 1:
        raise ValidationError(_("A capacity is at least one seat; leave it empty for no limit."))
    with transaction.atomic():
        locked = Meeting.objects.select_for_update(of=("self",)).select_related("dialogue")
        meeting = locked.get(pk=meeting.pk)
        if not meeting.is_open:
            raise ValidationError(_("A concluded or cancelled meeting takes no registrations."))
        _check_deadlines(meeting, nomination_deadline, confirmation_deadline)
        current, _created = RegistrationSettings.objects.get_or_create(
            meeting=meeting,
            defaults={
                "nomination_deadline": nomination_deadline,
                "confirmation_deadline": confirmation_deadline,
                "capacity": capacity,
                "collect_gender": collect_gender,
            },
        )
        current = locks.lock_settings(meeting)
        before = {
            "nomination_deadline": None if _created else current.nomination_deadline.isoformat(),
            "confirmation_deadline": (
                None if _created else current.confirmation_deadline.isoformat()
            ),
            "capacity": None if _created else current.capacity,
        }
        current.nomination_deadline = nomination_deadline
        current.confirmation_deadline = confirmation_deadline
        current.capacity = capacity
        current.collect_gender = collect_gender
        current.updated_at = timezone.now()
        current.save()
        promoted = decisions.promote_into_free_seats(current, freed=0)
        audit.record_meeting(
            AuditAction.REGISTRATION_CHANGED,
            meeting,
            by=by,
            details={
                "before": before,
                "after": {
                    "nomination_deadline": nomination_deadline.isoformat(),
                    "confirmation_deadline": confirmation_deadline.isoformat(),
                    "capacity": capacity,
                },
            },
        )
        notify.registration_changed(meeting, by, "settings")
        decisions.publish_promotions(promoted)
    return current


def _check_deadlines(
    meeting: Meeting, nomination: datetime.datetime, confirmation: datetime.datetime
) -> None:
    """Deadlines fall before the meeting ends, and a deadline being set is not already past (one
    kept as it was may have passed: registration goes on being edited after it)."""
    settings = getattr(meeting, "registration_settings", None)
    now = timezone.now()
    zone = meeting.zone
    end = formats.date_format(meeting.ends_at.astimezone(zone), "DATETIME_FORMAT")
    checks = (
        (
            nomination,
            settings and settings.nomination_deadline,
            _("The nomination deadline must fall before the meeting ends (%(end)s, local time)."),
            _("The nomination deadline is already past (%(when)s, local time of the meeting)."),
        ),
        (
            confirmation,
            settings and settings.confirmation_deadline,
            _("The confirmation deadline must fall before the meeting ends (%(end)s, local time)."),
            _("The confirmation deadline is already past (%(when)s, local time of the meeting)."),
        ),
    )
    for deadline, before, too_late, past in checks:
        if deadline >= meeting.ends_at:
            raise ValidationError(too_late % {"end": end})
        if deadline != before and deadline < now:
            when = formats.date_format(deadline.astimezone(zone), "DATETIME_FORMAT")
            raise ValidationError(past % {"when": when})


def set_quota(
    *,
    by: User,
    meeting: Meeting,
    categories: Iterable[str],
    seats: int,
    funded_seats: int = 0,
    member_kind: str = "",
    state: State | None = None,
    organisation: Organisation | None = None,
) -> QuotaRule:
    """Add a quota: ``seats`` places (``funded_seats`` of them with travel support) in
    ``categories``, for every member of ``member_kind`` or for one state or organisation. A
    quota for the same scope and categories is replaced. Nominations already made stay.
    Raises ``PermissionDenied`` or ``ValidationError``."""
    access.check_manager(by, meeting)
    chosen = sorted(set(categories))
    if not chosen or set(chosen) - set(Category.values):
        raise ValidationError(_("Choose the categories of participant the quota is for."))
    if seats < 1:
        raise ValidationError(
            _(
                "A quota has at least one seat. To close a category to these members, remove "
                "its quota: without one they cannot nominate in it."
            )
        )
    if funded_seats > seats:
        raise ValidationError(
            _("Funded seats are counted among the seats: at most %(seats)d.") % {"seats": seats}
        )
    scopes = [bool(member_kind), state is not None, organisation is not None]
    if scopes.count(True) != 1:
        raise ValidationError(
            _("A quota is for one kind of member, or for one state, or for one organisation.")
        )
    if member_kind and member_kind not in Membership.Kind.values:
        raise ValidationError(_("Unknown kind of member."))
    with transaction.atomic():
        scope = {
            "meeting": meeting,
            "member_kind": member_kind,
            "state": state,
            "organisation": organisation,
        }
        for rule in QuotaRule.objects.select_for_update().filter(**scope):
            if sorted(rule.categories) == chosen:
                rule.delete()
        rule = QuotaRule.objects.create(
            **scope, categories=chosen, seats=seats, funded_seats=funded_seats
        )
        audit.record_meeting(
            AuditAction.QUOTA_CHANGED,
            meeting,
            by=by,
            object_type="quota",
            object_id=rule.pk,
            label=_quota_label(rule),
            details={"set": _quota_facts(rule)},
        )
        notify.registration_changed(meeting, by, "quotas")
    return rule


def remove_quota(*, by: User, rule: QuotaRule) -> None:
    """Remove a quota; its categories close for new nominations of that scope."""
    access.check_manager(by, rule.meeting)
    with transaction.atomic():
        QuotaRule.objects.filter(pk=rule.pk).delete()
        audit.record_meeting(
            AuditAction.QUOTA_CHANGED,
            rule.meeting,
            by=by,
            object_type="quota",
            object_id=rule.pk,
            label=_quota_label(rule),
            details={"removed": _quota_facts(rule)},
        )
        notify.registration_changed(rule.meeting, by, "quotas")


def _quota_facts(rule: QuotaRule) -> dict[str, object]:
    return {
        "member_kind": rule.member_kind,
        "state": rule.state.code if rule.state else None,
        "organisation": rule.organisation.slug if rule.organisation else None,
        "categories": list(rule.categories),
        "seats": rule.seats,
        "funded_seats": rule.funded_seats,
    }


def _quota_label(rule: QuotaRule) -> str:
    scope = rule.member_kind or (
        rule.state.code if rule.state else (rule.organisation.slug if rule.organisation else "")
    )
    return f"{scope}: {rule.seats} ({rule.funded_seats} funded) · {', '.join(rule.categories)}"


def add_question(
    *,
    by: User,
    meeting: Meeting,
    topic: str,
    text: Mapping[str, str],
    required: bool = False,
    retention_days: int = 30,
) -> FollowUpQuestion:
    """Add a follow-up question for approved participants, and how many days after the meeting
    its answers are kept."""
    access.check_manager(by, meeting)
    texts = Translations.of(text)
    missing = missing_first(texts, meeting.working_languages)
    if missing:
        raise ValidationError(
            _("Write the question at least in %(language)s.") % {"language": missing}
        )
    if any(len(question) > 300 for question in texts.values()):
        raise ValidationError(_("A question has at most 300 characters."))
    if topic not in FollowUpQuestion.Topic.values:
        raise ValidationError(_("Unknown topic."))
    with transaction.atomic():
        position = (meeting.follow_up_questions.aggregate(top=Max("position"))["top"] or 0) + 1
        question = FollowUpQuestion.objects.create(
            meeting=meeting,
            topic=topic,
            text_i18n=texts,
            required=required,
            retention_days=retention_days,
            position=position,
        )
        notify.registration_changed(meeting, by, "questions")
    return question


def remove_question(*, by: User, question: FollowUpQuestion) -> None:
    """Remove a follow-up question with its answers."""
    access.check_manager(by, question.meeting)
    with transaction.atomic():
        question.delete()
        notify.registration_changed(question.meeting, by, "questions")
