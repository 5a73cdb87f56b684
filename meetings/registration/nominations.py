"""Focal points put people forward: nominating within the quota, replacing a nominee, and
changing a nomination (details, the head of delegation, travel support). A nominee without an
account is invited (an invitation locked to their address) and written to.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue import services as dialogue_services
from dialogue.members import Member
from dialogue.models import AuditAction, RoleKind, State, User
from dialogue.text import one_line
from meetings import events
from meetings.models import (
    NAME_PARTS,
    RUNNING,
    Category,
    Delegation,
    Funding,
    Meeting,
    Nomination,
    NominationStatus,
    RegistrationSettings,
)

from . import access, audit, locks, notify, quotas

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
    "citizenship",
    "names",
    "date_of_birth",
    "passport_number",
    "passport_expires",
    "listed_publicly",
)


NAME_LIMITS = {"full_name": 200, "title": 200, "affiliation": 300}


def clean_names(names: Any) -> dict[str, dict[str, str]]:
    """``Nomination.names`` as stored: languages of the interface other than English, parts of a
    name only, each one line of at most its Latin field's length; empty parts and languages
    dropped. Raises ``ValidationError`` for a part that is too long."""
    if not isinstance(names, Mapping):
        return {}
    languages = {code for code, _name in settings.LANGUAGES} - {"en"}
    cleaned: dict[str, dict[str, str]] = {}
    for language, parts in names.items():
        if language not in languages or not isinstance(parts, Mapping):
            continue
        kept = {}
        for part in NAME_PARTS:
            value = one_line(str(parts.get(part) or ""))
            if len(value) > NAME_LIMITS[part]:
                raise ValidationError(
                    _("Keep each name under %(limit)d characters.") % {"limit": NAME_LIMITS[part]}
                )
            if value:
                kept[part] = value
        if kept:
            cleaned[str(language)] = kept
    return cleaned


def _clean_details(details: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise ValueError(f"not nominee fields: {sorted(unknown)}")
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in details.items()}
    if "names" in cleaned:
        cleaned["names"] = clean_names(cleaned["names"])
    if (
        cleaned.get("citizenship")
        and not State.objects.filter(code=cleaned["citizenship"]).exists()
    ):
        raise ValidationError(_("Choose the citizenship from the list."))
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
    access.check_may_nominate(by, meeting, member)
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
                notify.publish_nomination(nomination, events.NOMINATION_SUBMITTED, by=by)
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
    access.check_window(by, meeting, reg)
    delegation = locks.lock_delegation(meeting, member)
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
    quotas.check_quota(meeting, delegation, category, adding=1)
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
    notify.write_to_nominee(nomination, "nominated", invitation_path=invitation_path)
    return nomination, True


def invitation_for(by: User, nomination: Nomination) -> str:
    """A fresh account invitation for an approved participant without an account (it replaces
    the one sent with the nomination, which may have expired), to send with documents; its
    path, or empty when none can be made."""
    if nomination.person_id is not None or not nomination.email:
        return ""
    return _invite_nominee(by, nomination.meeting, nomination.delegation, nomination)


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
            **locks.member_filter(member, "delegation__"),
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


def update_details(*, by: User, nomination: Nomination, **details: Any) -> Nomination:
    """Change a nominee's details (not their address or category): the secretariat, the
    delegation's focal point or the nominee, until the meeting ends. Publishes
    ``nomination.updated`` (live only)."""
    access.check_can_change(by, nomination)
    cleaned = _clean_details(details)
    with transaction.atomic():
        locked = locks.lock_nomination(nomination)
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
        notify.publish_nomination(locked, events.NOMINATION_UPDATED, by=by, changed=changed)
    return locked


def designate_head(*, by: User, nomination: Nomination) -> Nomination:
    """Make a running nominee the head of their delegation. The current head takes the new
    head's former category, so the seats each category uses stay the same. Takes the
    settings lock first: it locks two nominations, as a decision promoting the waitlist does."""
    access.check_acts_for(by, nomination)
    with transaction.atomic():
        locks.lock_settings(nomination.meeting)
        delegation = locks.lock_delegation(nomination.meeting, nomination.delegation.member)
        locked = locks.lock_nomination(nomination)
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
            quotas.check_quota(locked.meeting, delegation, Category.HEAD_OF_DELEGATION, adding=1)
        else:
            current.category = former
            current.updated_at = timezone.now()
            current.save(update_fields=["category", "updated_at"])
        locked.category = Category.HEAD_OF_DELEGATION
        locked.updated_at = timezone.now()
        locked.save(update_fields=["category", "updated_at"])
        for changed in (current, locked):
            if changed is not None:
                notify.publish_nomination(
                    changed, events.NOMINATION_UPDATED, by=by, changed=["category"]
                )
    return locked


def request_funding(*, by: User, nomination: Nomination, priority: int | None) -> Nomination:
    """Ask for travel support for a nominee, in the delegation's order of priority (1 first);
    ``priority=None`` withdraws the request. The secretariat decides (``decide_funding``)."""
    access.check_acts_for(by, nomination)
    with transaction.atomic():
        locked = locks.lock_nomination(nomination)
        if locked.funding in (Funding.GRANTED, Funding.DECLINED):
            raise ValidationError(_("The secretariat has already decided on travel support."))
        locked.funding = Funding.REQUESTED if priority is not None else Funding.NONE
        locked.funding_priority = priority
        locked.updated_at = timezone.now()
        locked.save(update_fields=["funding", "funding_priority", "updated_at"])
        notify.publish_nomination(locked, events.NOMINATION_UPDATED, by=by, changed=["funding"])
    return locked


def decide_funding(*, by: User, nomination: Nomination, granted: bool) -> Nomination:
    """Grant or decline travel support. A grant counts against the funded seats of the quota
    covering the nominee's category (counted under the delegation's lock)."""
    access.check_manager(by, nomination.meeting)
    with transaction.atomic():
        delegation = locks.lock_delegation(nomination.meeting, nomination.delegation.member)
        locked = locks.lock_nomination(nomination)
        if not locked.is_running:
            raise ValidationError(_("Travel support is decided for running nominations only."))
        if granted and locked.funding != Funding.GRANTED:
            running = list(delegation.nominations.filter(status__in=RUNNING))
            for line in quotas.quota_lines(locked.meeting, delegation.member, running):
                if locked.category in line.rule.categories and line.funded_remaining < 1:
                    raise ValidationError(
                        _("All %(n)d funded seats of %(member)s are granted.")
                        % {"n": line.rule.funded_seats, "member": delegation.member.name}
                    )
        before = locked.funding
        locked.funding = Funding.GRANTED if granted else Funding.DECLINED
        locked.updated_at = timezone.now()
        locked.save(update_fields=["funding", "updated_at"])
        audit.record_nomination(
            AuditAction.FUNDING_DECIDED,
            locked,
            by=by,
            details={"from": before, "to": locked.funding},
        )
        notify.publish_nomination(locked, events.NOMINATION_UPDATED, by=by, changed=["funding"])
    return locked


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
    access.check_acts_for(by, nomination)
    email = _clean_email(email)
    cleaned = _clean_details(details)
    if not cleaned.get("full_name"):
        raise ValidationError(_("Give the nominee's full name."))
    key = (idempotency_key or "").strip()[:64] or None
    try:
        with transaction.atomic():
            delegation = locks.lock_delegation(nomination.meeting, nomination.delegation.member)
            old = locks.lock_nomination(nomination)
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
            notify.publish_nomination(
                old, events.NOMINATION_WITHDRAWN, by=by, reason=old.status_reason
            )
            notify.publish_nomination(new, events.NOMINATION_SUBMITTED, by=by)
            return new
    except IntegrityError:
        raise _already_nominated(nomination.meeting, email) from None
