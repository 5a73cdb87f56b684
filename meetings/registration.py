"""Registration of delegations: the write actions.

The secretariat sets a meeting's registration up (deadlines, capacity, quotas, follow-up
questions); focal points nominate their state's people within the quota and upload one
nomination letter for the delegation; the secretariat approves, waitlists or rejects; a seat
that frees promotes the waitlist in order; approved participants confirm and answer the
follow-up questions; at the door, their badge is scanned.

Every action owns its transaction, asks ``dialogue.permissions``, and publishes its event on
``meeting:<id>`` to the delegation's audience (the secretariat, the state's focal point, the
person). Rows are locked in one order, registration settings → delegation → nominations, so
concurrent actions wait for each other instead of deadlocking:

- adding to a delegation (``nominate``, ``replace``) locks the delegation row: its quota is
  counted under that lock, so 400 clicks at once never fill a sixth seat of five;
- deciding (``approve``, ``waitlist``, ``reject``, ``withdraw``) locks the meeting's
  registration settings: the capacity is counted under that lock, the waitlist kept in order.

Events are published last, after every row lock the action takes: ``publish`` holds a lock of
its own until commit (event ids in commit order), and a row lock taken after it could wait on a
transaction that waits for that lock in turn.

What the database enforces whatever the code does: one running nomination per person and
meeting, one head per delegation, one nomination per idempotency key.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dialogue import live, permissions
from dialogue import services as dialogue_services
from dialogue.members import Member
from dialogue.models import Membership, Organisation, RoleKind, State, User
from dialogue.uploads import JPEG, PDF, PNG, check_upload
from notifications.mail import queue_message

from . import events
from .models import (
    RUNNING,
    Category,
    Delegation,
    FollowUpAnswer,
    FollowUpQuestion,
    Funding,
    Meeting,
    MeetingStatus,
    Nomination,
    NominationLetter,
    NominationStatus,
    QuotaRule,
    RegistrationSettings,
)

S = NominationStatus

# The nominee's details a focal point, the secretariat or the nominee may fill in or change.
DETAIL_FIELDS = (
    "full_name",
    "title",
    "affiliation",
    "gender",
    "language",
    "phone",
    "nationality",
    "date_of_birth",
    "passport_number",
    "passport_expires",
    "listed_publicly",
)
LETTER_TYPES = (PDF, JPEG, PNG)
LETTER_MAX_BYTES = 20 * 1024 * 1024
# Decisions that free an approved seat, and so may promote the waitlist.
DECIDABLE_FROM: dict[str, set[str]] = {
    S.APPROVED: {S.NOMINATED, S.WAITLISTED},
    S.WAITLISTED: {S.NOMINATED},
    S.REJECTED: {S.NOMINATED, S.WAITLISTED, S.APPROVED},
    S.WITHDRAWN: {S.NOMINATED, S.WAITLISTED, S.APPROVED},
}
REGISTRABLE_STATUSES = (
    MeetingStatus.ANNOUNCED,
    MeetingStatus.REGISTRATION_OPEN,
    MeetingStatus.REGISTRATION_CLOSED,
    MeetingStatus.IN_SESSION,
    MeetingStatus.POSTPONED,
)


# --- Set-up ----------------------------------------------------------------------------------


def _check_manager(by: User, meeting: Meeting) -> None:
    if not permissions.can_manage_registration(by, meeting):
        raise PermissionDenied


def _lock_settings(meeting: Meeting) -> RegistrationSettings:
    found = (
        RegistrationSettings.objects.select_for_update(of=("self",))
        .select_related("meeting", "meeting__dialogue")
        .filter(meeting_id=meeting.pk)
        .first()
    )
    if found is None:
        raise ValidationError(_("Registration for this meeting has not been set up."))
    return found


def _registration_changed(meeting: Meeting, by: User, what: str) -> None:
    if meeting.announced_at is not None:
        events.publish_meeting_event(meeting, events.REGISTRATION_CHANGED, by=by, changed=what)


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
    _check_manager(by, meeting)
    if confirmation_deadline < nomination_deadline:
        raise ValidationError(_("Participants confirm after the nominations close, not before."))
    if capacity is not None and capacity < 1:
        raise ValidationError(_("A capacity is at least one seat; leave it empty for no limit."))
    with transaction.atomic():
        locked = Meeting.objects.select_for_update(of=("self",)).select_related("dialogue")
        meeting = locked.get(pk=meeting.pk)
        if not meeting.is_open:
            raise ValidationError(_("A concluded or cancelled meeting takes no registrations."))
        current, _created = RegistrationSettings.objects.get_or_create(
            meeting=meeting,
            defaults={
                "nomination_deadline": nomination_deadline,
                "confirmation_deadline": confirmation_deadline,
                "capacity": capacity,
                "collect_gender": collect_gender,
            },
        )
        current = _lock_settings(meeting)
        current.nomination_deadline = nomination_deadline
        current.confirmation_deadline = confirmation_deadline
        current.capacity = capacity
        current.collect_gender = collect_gender
        current.updated_at = timezone.now()
        current.save()
        promoted = _promote_into_free_seats(current, freed=0)
        _registration_changed(meeting, by, "settings")
        _publish_promotions(promoted)
    return current


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
    _check_manager(by, meeting)
    chosen = sorted(set(categories))
    if not chosen or set(chosen) - set(Category.values):
        raise ValidationError(_("Choose the categories of participant the quota is for."))
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
        _registration_changed(meeting, by, "quotas")
    return rule


def remove_quota(*, by: User, rule: QuotaRule) -> None:
    """Remove a quota; its categories close for new nominations of that scope."""
    _check_manager(by, rule.meeting)
    with transaction.atomic():
        QuotaRule.objects.filter(pk=rule.pk).delete()
        _registration_changed(rule.meeting, by, "quotas")


def add_question(
    *,
    by: User,
    meeting: Meeting,
    topic: str,
    text_en: str,
    text_ru: str = "",
    required: bool = False,
    retention_days: int = 30,
) -> FollowUpQuestion:
    """Add a follow-up question for approved participants, and how many days after the meeting
    its answers are kept."""
    _check_manager(by, meeting)
    text_en, text_ru = text_en.strip(), text_ru.strip()
    if not text_en:
        raise ValidationError(_("Write the question in English at least."))
    if topic not in FollowUpQuestion.Topic.values:
        raise ValidationError(_("Unknown topic."))
    with transaction.atomic():
        position = (meeting.follow_up_questions.aggregate(top=Max("position"))["top"] or 0) + 1
        question = FollowUpQuestion.objects.create(
            meeting=meeting,
            topic=topic,
            text_en=text_en,
            text_ru=text_ru,
            required=required,
            retention_days=retention_days,
            position=position,
        )
        _registration_changed(meeting, by, "questions")
    return question


def remove_question(*, by: User, question: FollowUpQuestion) -> None:
    """Remove a follow-up question with its answers."""
    _check_manager(by, question.meeting)
    with transaction.atomic():
        question.delete()
        _registration_changed(question.meeting, by, "questions")


# --- Quotas, as a delegation sees them ---------------------------------------------------------


def membership_kind(meeting: Meeting, member: Member) -> str | None:
    """The member's current kind of membership in the meeting's dialogue, if any."""
    memberships = Membership.objects.current().filter(dialogue_id=meeting.dialogue_id)
    if isinstance(member, State):
        memberships = memberships.filter(state=member)
    else:
        memberships = memberships.filter(organisation=member)
    return memberships.values_list("kind", flat=True).first()


def rules_for(
    meeting: Meeting, member: Member, rules: Iterable[QuotaRule] | None = None
) -> list[QuotaRule]:
    """The quotas that apply to a member: those naming it, else those of its kind."""
    rules = list(rules if rules is not None else meeting.quota_rules.all())
    is_state = isinstance(member, State)
    own = [r for r in rules if (r.state_id if is_state else r.organisation_id) == member.pk]
    if own:
        return own
    kind = membership_kind(meeting, member)
    return [r for r in rules if kind and r.member_kind == kind]


@dataclass(frozen=True)
class QuotaLine:
    rule: QuotaRule
    used: int
    funded: int

    @property
    def remaining(self) -> int:
        return max(self.rule.seats - self.used, 0)

    @property
    def funded_remaining(self) -> int:
        return max(self.rule.funded_seats - self.funded, 0)


def quota_lines(
    meeting: Meeting, member: Member, nominations: Iterable[Nomination] | None = None
) -> list[QuotaLine]:
    """Each quota of a member with the seats its running nominations use."""
    if nominations is None:
        nominations = Nomination.objects.filter(
            meeting=meeting, status__in=RUNNING, **_member_filter(member, "delegation__")
        )
    running = [n for n in nominations if n.status in RUNNING]
    return [
        QuotaLine(
            rule,
            used=sum(1 for n in running if n.category in rule.categories),
            funded=sum(
                1 for n in running if n.category in rule.categories and n.funding == Funding.GRANTED
            ),
        )
        for rule in rules_for(meeting, member)
    ]


def _member_filter(member: Member, prefix: str = "") -> dict[str, Any]:
    if isinstance(member, State):
        return {f"{prefix}state": member}
    return {f"{prefix}organisation": member}


def _check_quota(meeting: Meeting, delegation: Delegation, category: str, *, adding: int) -> None:
    """Refuse when adding ``adding`` nominations of ``category`` would exceed a quota. Called
    with the delegation locked."""
    member = delegation.member
    rules = [r for r in rules_for(meeting, member) if category in r.categories]
    if not rules:
        raise ValidationError(
            _("%(member)s cannot nominate in the category “%(category)s” for this meeting.")
            % {"member": member.name, "category": Category(category).label}
        )
    counts = dict(
        delegation.nominations.filter(status__in=RUNNING)
        .values_list("category")
        .annotate(n=Count("id"))
        .values_list("category", "n")
    )
    for rule in rules:
        used = sum(counts.get(c, 0) for c in rule.categories)
        if used + adding > rule.seats:
            raise ValidationError(
                _(
                    "The quota of %(member)s is full: %(seats)d of %(seats)d seats "
                    "(%(categories)s) are taken. Withdraw or replace a nominee first."
                )
                % {
                    "member": member.name,
                    "seats": rule.seats,
                    "categories": ", ".join(str(Category(c).label) for c in rule.categories),
                }
            )


# --- Nominating ------------------------------------------------------------------------------


def _check_may_nominate(by: User, meeting: Meeting, member: Member) -> None:
    if not permissions.can_act_for_delegation(by, meeting, member):
        raise PermissionDenied


def _check_window(by: User, meeting: Meeting, reg: RegistrationSettings | None) -> None:
    """Focal points nominate while registration is open and before the deadline; the
    secretariat at any time before the meeting closes (late nominations go through it)."""
    if reg is None:
        raise ValidationError(_("Registration for this meeting has not been set up."))
    if permissions.can_manage_registration(by, meeting):
        if meeting.status not in REGISTRABLE_STATUSES:
            raise ValidationError(_("This meeting takes no more registrations."))
        return
    if meeting.status != MeetingStatus.REGISTRATION_OPEN:
        raise ValidationError(_("Registration for this meeting is not open."))
    if timezone.now() > reg.nomination_deadline:
        raise ValidationError(
            _("The deadline for nominations has passed (%(deadline)s); ask the secretariat.")
            % {"deadline": _local(reg.nomination_deadline, meeting)}
        )


def _local(moment: datetime.datetime, meeting: Meeting) -> str:
    return f"{moment.astimezone(meeting.zone):%d.%m.%Y %H:%M} ({meeting.time_zone})"


def _lock_delegation(meeting: Meeting, member: Member) -> Delegation:
    """The delegation's row, created if needed and locked until the transaction ends."""
    Delegation.objects.bulk_create(
        [Delegation(meeting=meeting, **_member_filter(member))], ignore_conflicts=True
    )
    return (
        Delegation.objects.select_for_update(of=("self",))
        .select_related("state", "organisation")
        .get(meeting=meeting, **_member_filter(member))
    )


def _clean_details(details: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not nominee fields: {sorted(unknown)}")
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in details.items()}
    if "full_name" in cleaned and not cleaned["full_name"]:
        raise ValidationError(_("Give the nominee's full name."))
    return cleaned


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            _("“%(email)s” is not an e-mail address.") % {"email": email}
        ) from None
    return email


def nominate(
    *,
    by: User,
    meeting: Meeting,
    member: Member,
    email: str,
    category: str,
    funding_requested: bool = False,
    funding_priority: int | None = None,
    idempotency_key: str | None = None,
    **details: Any,
) -> Nomination:
    """Put a person forward for ``member``'s delegation.

    Counts the delegation's quota under its row lock; refuses a second running nomination of the
    same person for the meeting and a second head of delegation; the same ``idempotency_key``
    again returns the nomination it made. Links the nominee's account when there is one, else
    invites them (an invitation locked to their address) and writes to them. Publishes
    ``nomination.submitted``. Raises ``PermissionDenied`` or ``ValidationError`` with a message
    for the person who submitted.
    """
    _check_may_nominate(by, meeting, member)
    email = _clean_email(email)
    cleaned = _clean_details(details)
    if not cleaned.get("full_name"):
        raise ValidationError(_("Give the nominee's full name."))
    if category not in Category.values:
        raise ValidationError(_("Choose the nominee's category."))
    key = (idempotency_key or "").strip()[:64] or None
    try:
        with transaction.atomic():
            nomination, created = _nominate_locked(
                by=by,
                meeting=meeting,
                member=member,
                email=email,
                category=category,
                funding_requested=funding_requested,
                funding_priority=funding_priority,
                key=key,
                details=cleaned,
            )
            if created:
                _publish(nomination, events.NOMINATION_SUBMITTED, by=by)
            return nomination
    except IntegrityError:
        # A concurrent request got there first: the same submission, or the same person.
        if key is not None:
            repeated = Nomination.objects.filter(meeting=meeting, idempotency_key=key).first()
            if repeated is not None:
                return repeated
        raise _already_nominated(meeting, email) from None


def _already_nominated(meeting: Meeting, email: str) -> ValidationError:
    return ValidationError(_("%(email)s is already nominated for this meeting.") % {"email": email})


def _nominate_locked(
    *,
    by: User,
    meeting: Meeting,
    member: Member,
    email: str,
    category: str,
    funding_requested: bool,
    funding_priority: int | None,
    key: str | None,
    details: dict[str, Any],
    replaces: Nomination | None = None,
) -> tuple[Nomination, bool]:
    """The nomination (made, or found by its idempotency key: ``False``), with every row
    lock taken; the caller publishes."""
    meeting = Meeting.objects.select_related("dialogue").get(pk=meeting.pk)
    reg = RegistrationSettings.objects.filter(meeting=meeting).first()
    _check_window(by, meeting, reg)
    delegation = _lock_delegation(meeting, member)
    if key is not None:
        # Under the lock a repeated submission sees the first one's nomination.
        repeated = Nomination.objects.filter(meeting=meeting, idempotency_key=key).first()
        if repeated is not None:
            return repeated, False
    if (
        Nomination.objects.filter(meeting=meeting, status__in=RUNNING, erased_at__isnull=True)
        .filter(email__iexact=email)
        .exists()
    ):
        raise _already_nominated(meeting, email)
    _check_quota(meeting, delegation, category, adding=1)
    if category == Category.HEAD_OF_DELEGATION and (
        delegation.nominations.filter(status__in=RUNNING, category=category).exists()
    ):
        raise ValidationError(
            _(
                "%(member)s already has a head of delegation; make this person a delegate, or "
                "designate them head afterwards."
            )
            % {"member": member.name}
        )
    person = User.objects.filter(email__iexact=email).first()
    nomination = Nomination.objects.create(
        meeting=meeting,
        delegation=delegation,
        person=person,
        email=email,
        category=category,
        funding=Funding.REQUESTED if funding_requested else Funding.NONE,
        funding_priority=funding_priority if funding_requested else None,
        nominated_by=by,
        checkin_token=secrets.token_urlsafe(24),
        idempotency_key=key,
        replaces=replaces,
        **details,
    )
    invitation_path = ""
    if person is None:
        invitation_path = _invite_nominee(by, meeting, delegation, nomination)
    _write_to_nominee(nomination, "nominated", invitation_path=invitation_path)
    return nomination, True


def _invite_nominee(
    by: User, meeting: Meeting, delegation: Delegation, nomination: Nomination
) -> str:
    """An account invitation locked to the nominee's address (delegate of the state, observer
    of the organisation), sent with the nomination e-mail; its path."""
    kind = RoleKind.DELEGATE if delegation.state_id else RoleKind.OBSERVER
    for _attempt in range(2):
        try:
            with transaction.atomic():
                sent = dialogue_services.invite(
                    by=by,
                    dialogue=meeting.dialogue,
                    email=nomination.email,
                    kind=kind,
                    state=delegation.state,
                    organisation=delegation.organisation,
                    full_name=nomination.full_name,
                    send=False,
                )
            return sent.path
        except IntegrityError:
            continue  # invited at this instant for another meeting: renew that invitation
        except (PermissionDenied, ValidationError):
            break  # they can still be registered; the secretariat can invite them later
    return ""


def previous_details(by: User, email: str) -> dict[str, Any]:
    """The details of the person's latest nomination that ``by`` may see, to prefill a new
    one; empty when there is none."""
    latest = (
        permissions.nominations_visible_to(by)
        .filter(email__iexact=email.strip(), erased_at__isnull=True)
        .order_by("-nominated_at")
        .first()
    )
    if latest is None:
        return {}
    return {name: getattr(latest, name) for name in DETAIL_FIELDS}


def known_people(by: User, meeting: Meeting, member: Member) -> list[dict[str, Any]]:
    """People nominated before for this member in the meeting's dialogue, as ``by`` may see
    them: the newest details of each, for picking instead of typing."""
    earlier = (
        permissions.nominations_visible_to(by)
        .filter(
            meeting__dialogue_id=meeting.dialogue_id,
            erased_at__isnull=True,
            **_member_filter(member, "delegation__"),
        )
        .exclude(meeting=meeting)
        .order_by("-nominated_at")
    )
    people: dict[str, dict[str, Any]] = {}
    for nomination in earlier[:500]:
        people.setdefault(
            nomination.email.lower(),
            {"email": nomination.email, **{n: getattr(nomination, n) for n in DETAIL_FIELDS}},
        )
    return sorted(people.values(), key=lambda p: p["full_name"].lower())


# --- Changing a nomination ---------------------------------------------------------------------


def _lock_nomination(nomination: Nomination) -> Nomination:
    return (
        Nomination.objects.select_for_update(of=("self",))
        .select_related(
            "meeting", "meeting__dialogue", "delegation__state", "delegation__organisation"
        )
        .get(pk=nomination.pk)
    )


def _check_can_change(by: User, nomination: Nomination) -> None:
    """The nominee, their focal point and the secretariat change details, confirm, withdraw."""
    if not permissions.can_view_nomination(by, nomination):
        raise PermissionDenied


def _check_acts_for(by: User, nomination: Nomination) -> None:
    """The delegation's decisions (its head, its funding requests, replacements): the focal
    point and the secretariat, not the nominee."""
    if not permissions.can_act_for_delegation(by, nomination.meeting, nomination.delegation):
        raise PermissionDenied


def update_details(*, by: User, nomination: Nomination, **details: Any) -> Nomination:
    """Change a nominee's details (not their address or category): the secretariat, the
    delegation's focal point or the nominee, until the meeting ends. Publishes
    ``nomination.updated`` (live only)."""
    _check_can_change(by, nomination)
    cleaned = _clean_details(details)
    with transaction.atomic():
        locked = _lock_nomination(nomination)
        if locked.erased_at is not None:
            raise ValidationError(_("This person's data has been erased."))
        if locked.meeting.ends_at < timezone.now() and not permissions.can_manage_registration(
            by, locked.meeting
        ):
            raise ValidationError(_("The meeting is over; ask the secretariat."))
        changed = [k for k, v in cleaned.items() if getattr(locked, k) != v]
        if not changed:
            return locked
        for name in changed:
            setattr(locked, name, cleaned[name])
        locked.updated_at = timezone.now()
        locked.full_clean(exclude=["meeting", "delegation", "person", "nominated_by"])
        locked.save()
        _publish(locked, events.NOMINATION_UPDATED, by=by, changed=changed)
    return locked


def designate_head(*, by: User, nomination: Nomination) -> Nomination:
    """Make a running nominee the head of their delegation. The current head takes the new
    head's former category, so the seats each category uses stay the same. Takes the
    settings lock first: it locks two nominations, as a decision promoting the waitlist does."""
    _check_acts_for(by, nomination)
    with transaction.atomic():
        _lock_settings(nomination.meeting)
        delegation = _lock_delegation(nomination.meeting, nomination.delegation.member)
        locked = _lock_nomination(nomination)
        if not locked.is_running:
            raise ValidationError(_("Only a running nomination can head the delegation."))
        if locked.is_head:
            return locked
        current = (
            delegation.nominations.select_for_update()
            .filter(status__in=RUNNING, category=Category.HEAD_OF_DELEGATION)
            .first()
        )
        former = locked.category
        if current is None:
            _check_quota(locked.meeting, delegation, Category.HEAD_OF_DELEGATION, adding=1)
        else:
            current.category = former
            current.updated_at = timezone.now()
            current.save(update_fields=["category", "updated_at"])
        locked.category = Category.HEAD_OF_DELEGATION
        locked.updated_at = timezone.now()
        locked.save(update_fields=["category", "updated_at"])
        for changed in (current, locked):
            if changed is not None:
                _publish(changed, events.NOMINATION_UPDATED, by=by, changed=["category"])
    return locked


def request_funding(*, by: User, nomination: Nomination, priority: int | None) -> Nomination:
    """Ask for travel support for a nominee, in the delegation's order of priority (1 first);
    ``priority=None`` withdraws the request. The secretariat decides (``decide_funding``)."""
    _check_acts_for(by, nomination)
    with transaction.atomic():
        locked = _lock_nomination(nomination)
        if locked.funding in (Funding.GRANTED, Funding.DECLINED):
            raise ValidationError(_("The secretariat has already decided on travel support."))
        locked.funding = Funding.REQUESTED if priority is not None else Funding.NONE
        locked.funding_priority = priority
        locked.updated_at = timezone.now()
        locked.save(update_fields=["funding", "funding_priority", "updated_at"])
        _publish(locked, events.NOMINATION_UPDATED, by=by, changed=["funding"])
    return locked


def decide_funding(*, by: User, nomination: Nomination, granted: bool) -> Nomination:
    """Grant or decline travel support. A grant counts against the funded seats of the quota
    covering the nominee's category (counted under the delegation's lock)."""
    _check_manager(by, nomination.meeting)
    with transaction.atomic():
        delegation = _lock_delegation(nomination.meeting, nomination.delegation.member)
        locked = _lock_nomination(nomination)
        if not locked.is_running:
            raise ValidationError(_("Travel support is decided for running nominations only."))
        if granted and locked.funding != Funding.GRANTED:
            running = list(delegation.nominations.filter(status__in=RUNNING))
            for line in quota_lines(locked.meeting, delegation.member, running):
                if locked.category in line.rule.categories and line.funded_remaining < 1:
                    raise ValidationError(
                        _("All %(n)d funded seats of %(member)s are granted.")
                        % {"n": line.rule.funded_seats, "member": delegation.member.name}
                    )
        locked.funding = Funding.GRANTED if granted else Funding.DECLINED
        locked.updated_at = timezone.now()
        locked.save(update_fields=["funding", "updated_at"])
        _publish(locked, events.NOMINATION_UPDATED, by=by, changed=["funding"])
    return locked


# --- Decisions -------------------------------------------------------------------------------


def _decide(
    *, by: User, nomination: Nomination, to: str, reason: str = "", event_type: str
) -> Nomination:
    with transaction.atomic():
        reg = _lock_settings(nomination.meeting)
        locked = _lock_nomination(nomination)
        if locked.status == to:
            return locked  # a repeated click
        if locked.status not in DECIDABLE_FROM[to]:
            raise ValidationError(
                _("A nomination cannot go from “%(from)s” to “%(to)s”.")
                % {"from": locked.get_status_display(), "to": S(to).label}
            )
        freed = 1 if locked.status == S.APPROVED else 0
        if to == S.APPROVED:
            _check_capacity(reg)
        locked.status = to
        locked.status_reason = reason
        locked.waitlist_position = _next_waitlist_position(reg) if to == S.WAITLISTED else None
        if to == S.WITHDRAWN:
            locked.withdrawn_by = by
        else:
            locked.decided_by = by
            locked.decided_at = timezone.now()
        locked.updated_at = timezone.now()
        locked.save()
        promoted = _promote_into_free_seats(reg, freed=freed) if freed else []
        _publish(locked, event_type, by=by, reason=reason)
        _publish_promotions(promoted)
        _write_to_nominee(locked, to)
    return locked


def _check_capacity(reg: RegistrationSettings) -> None:
    if reg.capacity is None:
        return
    approved = Nomination.objects.filter(meeting_id=reg.meeting_id, status=S.APPROVED).count()
    if approved >= reg.capacity:
        raise ValidationError(
            _(
                "The meeting is full: %(n)d of %(n)d seats are approved. Waitlist the nominee, or "
                "raise the capacity."
            )
            % {"n": reg.capacity}
        )


def _next_waitlist_position(reg: RegistrationSettings) -> int:
    top = Nomination.objects.filter(meeting_id=reg.meeting_id).aggregate(
        top=Max("waitlist_position")
    )["top"]
    return (top or 0) + 1


def _promote_into_free_seats(reg: RegistrationSettings, *, freed: int) -> list[Nomination]:
    """Approve the waitlist, first come first served, into the free seats: up to the capacity
    when there is one, else into the ``freed`` seats. Called with the settings locked; locks
    and saves the promoted, whom the caller then publishes (``_publish_promotions``)."""
    waiting = Nomination.objects.filter(meeting_id=reg.meeting_id, status=S.WAITLISTED)
    if reg.capacity is not None:
        approved = Nomination.objects.filter(meeting_id=reg.meeting_id, status=S.APPROVED)
        free = max(reg.capacity - approved.count(), 0)
    else:
        free = freed
    if free <= 0:
        return []
    promoted = list(
        waiting.select_for_update(of=("self",))
        .select_related(
            "meeting", "meeting__dialogue", "delegation__state", "delegation__organisation"
        )
        .order_by("waitlist_position", "id")[:free]
    )
    for nomination in promoted:
        nomination.status = S.APPROVED
        nomination.waitlist_position = None
        nomination.decided_by = None  # the system, when a seat freed
        nomination.decided_at = timezone.now()
        nomination.updated_at = timezone.now()
        nomination.save()
    return promoted


def _publish_promotions(promoted: list[Nomination]) -> None:
    for nomination in promoted:
        _publish(nomination, events.NOMINATION_PROMOTED, by=None)  # the system did it
        _write_to_nominee(nomination, "promoted")


def approve(*, by: User, nomination: Nomination) -> Nomination:
    """Approve a nomination (awaiting review or waitlisted) within the meeting's capacity.
    Publishes ``nomination.approved``. Raises ``PermissionDenied`` or ``ValidationError``."""
    _check_manager(by, nomination.meeting)
    return _decide(
        by=by, nomination=nomination, to=S.APPROVED, event_type=events.NOMINATION_APPROVED
    )


def waitlist(*, by: User, nomination: Nomination) -> Nomination:
    """Put a nomination on the waitlist, after those already there; it is approved when a seat
    frees. Publishes ``nomination.waitlisted``."""
    _check_manager(by, nomination.meeting)
    return _decide(
        by=by, nomination=nomination, to=S.WAITLISTED, event_type=events.NOMINATION_WAITLISTED
    )


def reject(*, by: User, nomination: Nomination, reason: str) -> Nomination:
    """Refuse a nomination with a reason the focal point and the nominee see. Rejecting an
    approved nominee frees their seat for the waitlist. Publishes ``nomination.rejected``."""
    _check_manager(by, nomination.meeting)
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Give the reason: the focal point and the nominee will see it."))
    return _decide(
        by=by,
        nomination=nomination,
        to=S.REJECTED,
        reason=reason,
        event_type=events.NOMINATION_REJECTED,
    )


def withdraw(*, by: User, nomination: Nomination, reason: str = "") -> Nomination:
    """Withdraw a nomination: the nominee themselves (until the meeting starts), the focal
    point (until the nomination deadline) or the secretariat (any time). An approved seat that
    frees promotes the waitlist. Publishes ``nomination.withdrawn``."""
    _check_can_change(by, nomination)
    meeting = nomination.meeting
    now = timezone.now()
    if not permissions.can_manage_registration(by, meeting):
        if permissions.is_nominee(by, nomination):
            if now >= meeting.starts_at:
                raise ValidationError(_("The meeting has started; tell the secretariat."))
        else:
            reg = RegistrationSettings.objects.filter(meeting=meeting).first()
            if reg is not None and now > reg.nomination_deadline:
                raise ValidationError(
                    _(
                        "The deadline for nominations has passed; the nominee or the secretariat "
                        "can still withdraw."
                    )
                )
    return _decide(
        by=by,
        nomination=nomination,
        to=S.WITHDRAWN,
        reason=reason.strip(),
        event_type=events.NOMINATION_WITHDRAWN,
    )


def replace(
    *,
    by: User,
    nomination: Nomination,
    email: str,
    idempotency_key: str | None = None,
    **details: Any,
) -> Nomination:
    """Withdraw a nominee and nominate another in their place (same category, so the quota does
    not move; a head's replacement heads the delegation), until the nomination deadline. The
    new nomination awaits review; the seat stays the delegation's meanwhile (the waitlist is not
    promoted). Publishes ``nomination.withdrawn`` and ``nomination.submitted``."""
    _check_acts_for(by, nomination)
    email = _clean_email(email)
    cleaned = _clean_details(details)
    if not cleaned.get("full_name"):
        raise ValidationError(_("Give the nominee's full name."))
    key = (idempotency_key or "").strip()[:64] or None
    try:
        with transaction.atomic():
            delegation = _lock_delegation(nomination.meeting, nomination.delegation.member)
            old = _lock_nomination(nomination)
            if key is not None:
                repeated = Nomination.objects.filter(
                    meeting=old.meeting, idempotency_key=key
                ).first()
                if repeated is not None:
                    return repeated
            if not old.is_running:
                raise ValidationError(_("Only a running nomination can be replaced."))
            old.status = S.WITHDRAWN
            old.status_reason = _("Replaced by %(name)s") % {"name": cleaned["full_name"]}
            old.withdrawn_by = by
            old.waitlist_position = None
            old.updated_at = timezone.now()
            old.save()
            new, _made = _nominate_locked(
                by=by,
                meeting=old.meeting,
                member=delegation.member,
                email=email,
                category=old.category,
                funding_requested=old.funding in (Funding.REQUESTED, Funding.GRANTED),
                funding_priority=old.funding_priority,
                key=key,
                details=cleaned,
                replaces=old,
            )
            _publish(old, events.NOMINATION_WITHDRAWN, by=by, reason=old.status_reason)
            _publish(new, events.NOMINATION_SUBMITTED, by=by)
            return new
    except IntegrityError:
        raise _already_nominated(nomination.meeting, email) from None


@dataclass
class BulkResult:
    done: list[Nomination] = field(default_factory=list)
    refused: list[tuple[Nomination, str]] = field(default_factory=list)


BULK_ACTIONS = ("approve", "waitlist", "reject")


def bulk_decide(
    *, by: User, meeting: Meeting, nomination_ids: Iterable[int], action: str, reason: str = ""
) -> BulkResult:
    """Approve, waitlist or reject many nominations, each through the same action as one at a
    time (its own transaction, the same rules). Ids ``by`` may not see are ignored."""
    _check_manager(by, meeting)
    if action not in BULK_ACTIONS:
        raise ValueError(f"unknown bulk action {action!r}")
    chosen = (
        permissions.nominations_visible_to(by)
        .filter(meeting=meeting, pk__in=list(nomination_ids))
        .select_related("meeting", "delegation__state", "delegation__organisation")
        .order_by("delegation_id", "nominated_at", "id")
    )
    result = BulkResult()
    for nomination in chosen:
        try:
            if action == "approve":
                done = approve(by=by, nomination=nomination)
            elif action == "waitlist":
                done = waitlist(by=by, nomination=nomination)
            else:
                done = reject(by=by, nomination=nomination, reason=reason)
        except ValidationError as error:
            result.refused.append((nomination, " ".join(error.messages)))
        else:
            result.done.append(done)
    return result


# --- After approval --------------------------------------------------------------------------


def confirm_participation(
    *, by: User, nomination: Nomination, answers: Mapping[int, str]
) -> Nomination:
    """The approved participant confirms they come and answers the follow-up questions (the
    focal point or the secretariat may do it for them), until the confirmation deadline.
    Publishes ``nomination.updated``. Raises ``ValidationError`` naming a missing answer."""
    _check_can_change(by, nomination)
    with transaction.atomic():
        reg = RegistrationSettings.objects.filter(meeting_id=nomination.meeting_id).first()
        locked = _lock_nomination(nomination)
        if locked.status != S.APPROVED:
            raise ValidationError(_("Only an approved participant confirms."))
        manager = permissions.can_manage_registration(by, locked.meeting)
        if reg is not None and timezone.now() > reg.confirmation_deadline and not manager:
            raise ValidationError(
                _("The deadline for confirmations has passed (%(deadline)s); ask the secretariat.")
                % {"deadline": _local(reg.confirmation_deadline, locked.meeting)}
            )
        questions = list(locked.meeting.follow_up_questions.all())
        for question in questions:
            text = (answers.get(question.pk) or "").strip()
            if question.required and not text:
                raise ValidationError(_("Answer “%(question)s”.") % {"question": question.text})
            if len(text) > 2000:
                raise ValidationError(_("An answer has at most 2,000 characters."))
            if text:
                FollowUpAnswer.objects.update_or_create(
                    nomination=locked,
                    question=question,
                    defaults={"answer": text, "answered_at": timezone.now()},
                )
            else:
                FollowUpAnswer.objects.filter(nomination=locked, question=question).delete()
        if locked.confirmed_at is None:
            locked.confirmed_at = timezone.now()
        locked.updated_at = timezone.now()
        locked.save(update_fields=["confirmed_at", "updated_at"])
        _publish(locked, events.NOMINATION_UPDATED, by=by, changed=["confirmed"])
    return locked


@dataclass(frozen=True)
class CheckIn:
    nomination: Nomination
    already: bool


def check_in(*, by: User, meeting: Meeting, token: str) -> CheckIn:
    """Record the arrival of the participant whose badge carries ``token``. Scanning a badge
    twice says when they arrived. Publishes ``nomination.checked_in`` to the secretariat (live
    only). Raises ``ValidationError`` for an unknown badge, another meeting's, or someone not
    approved."""
    _check_manager(by, meeting)
    token = (token or "").strip()
    with transaction.atomic():
        found = (
            Nomination.objects.select_for_update(of=("self",))
            .select_related(
                "meeting", "meeting__dialogue", "delegation__state", "delegation__organisation"
            )
            .filter(checkin_token=token)
            .first()
            if token
            else None
        )
        if found is None:
            raise ValidationError(_("This badge is not known."))
        if found.meeting_id != meeting.pk:
            raise ValidationError(
                _("This badge is for another meeting: %(title)s.") % {"title": found.meeting.title}
            )
        if found.status != S.APPROVED:
            raise ValidationError(
                _("%(name)s is not approved for this meeting (%(status)s).")
                % {"name": found.full_name, "status": found.get_status_display()}
            )
        if found.checked_in_at is not None:
            return CheckIn(found, already=True)
        found.checked_in_at = timezone.now()
        found.checked_in_by = by
        found.save(update_fields=["checked_in_at", "checked_in_by"])
        events.publish_meeting_event(
            found.meeting,
            events.NOMINATION_CHECKED_IN,
            by=by,
            audience=live.audience_secretariat(found.meeting.dialogue),
            **_about(found),
        )
    return CheckIn(found, already=False)


# --- Nomination letters ------------------------------------------------------------------------


def upload_letter(
    *, by: User, meeting: Meeting, member: Member, upload: UploadedFile
) -> NominationLetter:
    """Store the delegation's nomination letter (note verbale) as its next version, for every
    member of the delegation. PDF, JPEG or PNG, decided by content, at most 20 MB. Publishes
    ``delegation.letter_uploaded``. Raises ``PermissionDenied`` or ``ValidationError``."""
    _check_may_nominate(by, meeting, member)
    checked = check_upload(upload, allowed=LETTER_TYPES, max_bytes=LETTER_MAX_BYTES)
    with transaction.atomic():
        meeting = Meeting.objects.select_related("dialogue").get(pk=meeting.pk)
        if not meeting.is_open:
            raise ValidationError(_("A concluded or cancelled meeting takes no registrations."))
        delegation = _lock_delegation(meeting, member)
        version = (delegation.letters.aggregate(top=Max("version"))["top"] or 0) + 1
        letter = NominationLetter(
            delegation=delegation,
            version=version,
            original_name=checked.name,
            content_type=checked.file_type.content_type,
            extension=checked.file_type.extension,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=by,
        )
        letter.file.save(checked.name, upload, save=False)
        try:
            letter.save()
            _publish_delegation(delegation, events.LETTER_UPLOADED, by=by, version=version)
        except Exception:
            letter.file.storage.delete(letter.file.name)  # no row, no file
            raise
    return letter


def verify_letter(*, by: User, letter: NominationLetter) -> NominationLetter:
    """The secretariat marks a nomination letter as checked. Publishes
    ``delegation.letter_verified``."""
    delegation = letter.delegation
    _check_manager(by, delegation.meeting)
    with transaction.atomic():
        locked = NominationLetter.objects.select_for_update().get(pk=letter.pk)
        if locked.verified_at is None:
            locked.verified_at = timezone.now()
            locked.verified_by = by
            locked.save(update_fields=["verified_at", "verified_by"])
            _publish_delegation(delegation, events.LETTER_VERIFIED, by=by, version=locked.version)
    return locked


# --- Personal data ----------------------------------------------------------------------------

ERASED_VALUES: dict[str, Any] = {
    "email": "",
    "full_name": "",
    "title": "",
    "affiliation": "",
    "phone": "",
    "nationality": "",
    "date_of_birth": None,
    "passport_number": "",
    "passport_expires": None,
}


def erase_person(*, by: User, nomination: Nomination) -> int:
    """Erase, on the person's request, what is held about the person a nomination names in
    every meeting of the dialogues ``by`` serves: their details, answers and link to their
    account. Category, delegation, status, travel support and attendance stay, so the
    statistics still add up. A running nomination for a meeting not yet over is withdrawn
    first. Returns how many nominations were erased."""
    _check_manager(by, nomination.meeting)
    served = permissions.dialogues_served_by(by)
    same_person = Q(email__iexact=nomination.email) if nomination.email else Q(pk=nomination.pk)
    if nomination.person_id:
        same_person |= Q(person_id=nomination.person_id)
    targets = Nomination.objects.filter(
        same_person, meeting__dialogue__in=served, erased_at__isnull=True
    )
    now = timezone.now()
    for running in targets.filter(status__in=RUNNING, meeting__ends_at__gt=now).select_related(
        "meeting"
    ):
        _decide(
            by=by,
            nomination=running,
            to=S.WITHDRAWN,
            reason=_("Personal data erased on request"),
            event_type=events.NOMINATION_WITHDRAWN,
        )
    with transaction.atomic():
        ids = list(targets.select_for_update().values_list("pk", flat=True))
        FollowUpAnswer.objects.filter(nomination_id__in=ids).delete()
        return Nomination.objects.filter(pk__in=ids).update(
            **ERASED_VALUES, person=None, listed_publicly=False, erased_at=now, updated_at=now
        )


def erase_expired(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Erase each personal field of nominations, each follow-up answer and each nomination
    letter once its retention after the meeting's end has passed
    (``settings.REGISTRATION_RETENTION_DAYS``, a question's own ``retention_days``). Returns the
    count erased per field. Run daily (``manage.py erase_expired_registration_data``)."""
    now = now or timezone.now()
    done: dict[str, int] = {}
    retention: dict[str, int] = settings.REGISTRATION_RETENTION_DAYS
    for name, days in retention.items():
        ended_before = now - datetime.timedelta(days=days)
        if name == "nomination_letters":
            letters = NominationLetter.objects.filter(delegation__meeting__ends_at__lt=ended_before)
            for letter in letters:
                letter.file.delete(save=False)
            done[name] = letters.delete()[0]
            continue
        expired = Nomination.objects.filter(meeting__ends_at__lt=ended_before).exclude(
            **{name: ERASED_VALUES[name]}
        )
        if name in ("email", "full_name"):
            done[name] = expired.update(
                **{name: ERASED_VALUES[name]}, person=None, listed_publicly=False, erased_at=now
            )
        else:
            done[name] = expired.update(**{name: ERASED_VALUES[name]})
    answers = FollowUpAnswer.objects.filter(question__meeting__ends_at__lt=now).select_related(
        "question__meeting"
    )
    expired_answers = [
        a.pk
        for a in answers
        if a.question.meeting.ends_at + datetime.timedelta(days=a.question.retention_days) < now
    ]
    done["follow_up_answers"] = FollowUpAnswer.objects.filter(pk__in=expired_answers).delete()[0]
    return done


def personal_data_of(user: User) -> dict[str, Any]:
    """Everything registration holds about ``user``, for them to download."""
    nominations = (
        Nomination.objects.filter(Q(person=user) | Q(person__isnull=True, email__iexact=user.email))
        .filter(erased_at__isnull=True)
        .select_related("meeting", "delegation__state", "delegation__organisation")
        .prefetch_related("follow_up_answers__question")
        .order_by("nominated_at")
    )
    return {
        "person": {"email": user.email, "full_name": user.full_name},
        "nominations": [
            {
                "meeting": n.meeting.title_en,
                "meeting_starts": n.meeting.starts_at.isoformat(),
                "delegation": n.delegation.member.name_en,
                "category": n.category,
                "status": n.status,
                "travel_support": n.funding,
                "nominated_at": n.nominated_at.isoformat(),
                "confirmed_at": n.confirmed_at.isoformat() if n.confirmed_at else None,
                "checked_in_at": n.checked_in_at.isoformat() if n.checked_in_at else None,
                "email": n.email,
                **{
                    name: (value.isoformat() if hasattr(value, "isoformat") else value)
                    for name in DETAIL_FIELDS
                    for value in [getattr(n, name)]
                },
                "follow_up_answers": [
                    {"question": a.question.text_en, "answer": a.answer}
                    for a in n.follow_up_answers.all()
                ],
            }
            for n in nominations
        ],
    }


def link_to_account(*, email: str, user_id: int) -> int:
    """Link the nominations naming ``email`` to the account that has just verified it (the
    address is the nominee's lock: whoever proves it is the nominee)."""
    return Nomination.objects.filter(
        person__isnull=True, erased_at__isnull=True, email__iexact=email
    ).update(person_id=user_id)


# --- Events and e-mail -------------------------------------------------------------------------


def _about(nomination: Nomination) -> dict[str, Any]:
    delegation = nomination.delegation
    member = delegation.member
    return {
        "nomination_id": nomination.pk,
        "delegation_key": delegation.key,
        "delegation_name": member.name_en,
        "delegation_name_ru": member.name_ru,
        "person": nomination.full_name,
        "category": nomination.category,
        "nomination_status": nomination.status,
    }


def _publish(nomination: Nomination, event_type: str, *, by: User | None, **extra: Any) -> None:
    meeting = nomination.meeting
    events.publish_meeting_event(
        meeting,
        event_type,
        by=by,
        audience=events.audience_delegation(meeting, nomination.delegation, nomination.person_id),
        **_about(nomination),
        **extra,
    )


def _publish_delegation(delegation: Delegation, event_type: str, *, by: User, **extra: Any) -> None:
    meeting = delegation.meeting
    member = delegation.member
    events.publish_meeting_event(
        meeting,
        event_type,
        by=by,
        audience=events.audience_delegation(meeting, delegation, None),
        delegation_key=delegation.key,
        delegation_name=member.name_en,
        delegation_name_ru=member.name_ru,
        **extra,
    )


def _write_to_nominee(nomination: Nomination, what: str, *, invitation_path: str = "") -> None:
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
