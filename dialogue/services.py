"""Write actions on dialogues, memberships, roles, invitations and profiles.

Each action owns its transaction, asks the permission policy, validates and writes. Views, the
admin, management commands and the demo loader call these; none of them writes the models.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import permissions
from .audit import trail
from .models import (
    AuditAction,
    Dialogue,
    Invitation,
    Membership,
    Organisation,
    Role,
    RoleKind,
    State,
    User,
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Invitations ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    token: str

    @property
    def path(self) -> str:
        return reverse("invitation_accept", args=[self.token])


def invite(
    *,
    by: User,
    dialogue: Dialogue,
    email: str,
    kind: str,
    state: State | None = None,
    organisation: Organisation | None = None,
    full_name: str = "",
    base_url: str = "",
    send: bool = True,
) -> SentInvitation:
    """Invite ``email`` to sign up as ``kind`` in ``dialogue`` and send the link by e-mail
    (``send=False`` when the caller sends it within its own message).

    Inviting the same address to the same role again replaces the pending invitation (a fresh
    link and expiry) instead of adding a second one. Raises ``PermissionDenied`` when ``by`` may
    not invite to that role and ``ValidationError`` when the invitation makes no sense.
    """
    email = email.strip().lower()
    if not permissions.can_invite(by, dialogue, kind, state, organisation):
        raise PermissionDenied
    _validate_scope(dialogue=dialogue, kind=kind, state=state, organisation=organisation)
    if (
        Role.objects.active()
        .filter(user__email__iexact=email, dialogue=dialogue, kind=kind)
        .exists()
    ):
        raise ValidationError(_("This person already holds that role in this dialogue."))

    token = secrets.token_urlsafe(32)
    now = timezone.now()
    with transaction.atomic():
        pending = (
            Invitation.objects.select_for_update()
            .filter(dialogue=dialogue, email=email, kind=kind)
            .filter(accepted_at__isnull=True, withdrawn_at__isnull=True)
            .first()
        )
        invitation = pending or Invitation(dialogue=dialogue, email=email, kind=kind)
        invitation.state = state
        invitation.organisation = organisation
        invitation.full_name = full_name or invitation.full_name
        invitation.token_hash = hash_token(token)
        invitation.invited_by = by
        invitation.created_at = now
        invitation.expires_at = now + datetime.timedelta(days=settings.INVITATION_VALID_DAYS)
        invitation.save()
        sent = SentInvitation(invitation=invitation, token=token)
        language = translation.get_language() or settings.LANGUAGE_CODE
        if send:
            transaction.on_commit(
                lambda: _send_invitation_mail(sent, base_url=base_url, language=language)
            )
    return sent


def _validate_scope(
    *, dialogue: Dialogue, kind: str, state: State | None, organisation: Organisation | None
) -> None:
    if kind in (RoleKind.FOCAL_POINT, RoleKind.DELEGATE):
        if state is None or organisation is not None:
            raise ValidationError(_("A focal point or delegate represents a state."))
        if not Membership.objects.current().filter(dialogue=dialogue, state=state).exists():
            raise ValidationError(_("This state is not a current member of the dialogue."))
    elif kind == RoleKind.OBSERVER:
        if organisation is None or state is not None:
            raise ValidationError(_("An observer represents an organisation."))
    elif kind == RoleKind.CHAIR:
        if state is None or organisation is not None:
            raise ValidationError(_("A chair acts for the state that holds the chairmanship."))
    elif state is not None or organisation is not None:
        raise ValidationError(_("Secretariat roles represent no state or organisation."))


def _send_invitation_mail(sent: SentInvitation, *, base_url: str, language: str) -> None:
    """In the language the inviter was using: they know their invitee."""
    invitation = sent.invitation
    with translation.override(language):
        context = {
            "invitation": invitation,
            "link": f"{(base_url or settings.SITE_URL).rstrip('/')}{sent.path}",
            "valid_days": settings.INVITATION_VALID_DAYS,
        }
        subject = _("Invitation to the %(dialogue)s platform") % {
            "dialogue": invitation.dialogue.name
        }
        body = render_to_string("dialogue/email/invitation.txt", context)
    send_mail(subject, body, None, [invitation.email])


def find_invitation(token: str) -> Invitation | None:
    """The pending invitation behind a link, or None (unknown, used, withdrawn or expired)."""
    invitation = (
        Invitation.objects.select_related("dialogue", "state", "organisation")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None or not invitation.is_pending:
        return None
    return invitation


def accept_invitation(*, token: str, user: User) -> Role:
    """Give ``user`` the role the invitation offers and mark it used.

    The invitation is locked to its address: another account cannot use it. Raises
    ``ValidationError`` when the link is unknown, used, withdrawn, expired or for someone else.
    """
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update().filter(token_hash=hash_token(token)).first()
        )
        if invitation is None or not invitation.is_pending:
            raise ValidationError(_("This invitation is no longer valid."))
        if invitation.email.lower() != user.email.lower():
            raise ValidationError(_("This invitation was sent to another e-mail address."))
        role = _grant(
            user=user,
            dialogue=invitation.dialogue,
            kind=invitation.kind,
            state=invitation.state,
            organisation=invitation.organisation,
            by=invitation.invited_by,
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        if invitation.full_name and not user.full_name:
            user.full_name = invitation.full_name
            user.save(update_fields=["full_name"])
    return role


def withdraw_invitation(*, invitation: Invitation, by: User) -> None:
    """Withdraw a pending invitation; its link stops working. Raises ``PermissionDenied``."""
    if not permissions.can_withdraw_invitation(by, invitation):
        raise PermissionDenied
    with transaction.atomic():
        locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if locked.accepted_at is None and locked.withdrawn_at is None:
            locked.withdrawn_at = timezone.now()
            locked.save(update_fields=["withdrawn_at"])


# --- Roles ----------------------------------------------------------------------------------


def _grant(
    *,
    user: User,
    dialogue: Dialogue,
    kind: str,
    state: State | None,
    organisation: Organisation | None,
    by: User | None,
) -> Role:
    existing = (
        Role.objects.active()
        .select_for_update()
        .filter(user=user, dialogue=dialogue, kind=kind)
        .first()
    )
    if existing is not None:
        if existing.state_id == (state.pk if state else None) and existing.organisation_id == (
            organisation.pk if organisation else None
        ):
            return existing
        existing.revoked_at = timezone.now()
        existing.revoked_by = by
        existing.save(update_fields=["revoked_at", "revoked_by"])
        _record_role(AuditAction.ROLE_REVOKED, existing, by=by, why="replaced")
    role = Role.objects.create(
        user=user,
        dialogue=dialogue,
        kind=kind,
        state=state,
        organisation=organisation,
        granted_by=by,
    )
    _record_role(AuditAction.ROLE_GRANTED, role, by=by)
    if kind in (RoleKind.SECRETARIAT_ADMIN, RoleKind.SECRETARIAT_STAFF) and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    permissions.forget(user)
    return role


def grant_role(
    *,
    by: User | None,
    user: User,
    dialogue: Dialogue,
    kind: str,
    state: State | None = None,
    organisation: Organisation | None = None,
) -> Role:
    """Give ``user`` a role in ``dialogue`` (replacing an active role of the same kind with a
    different scope, which is revoked, not overwritten). ``by=None`` is the system itself
    (demo data, data migrations). Raises ``PermissionDenied`` or ``ValidationError``."""
    if by is not None and not permissions.can_manage_roles(by, dialogue):
        raise PermissionDenied
    _validate_scope(dialogue=dialogue, kind=kind, state=state, organisation=organisation)
    with transaction.atomic():
        return _grant(
            user=user, dialogue=dialogue, kind=kind, state=state, organisation=organisation, by=by
        )


def revoke_role(*, by: User | None, role: Role) -> None:
    """End a role now; what it allowed stops at once, open sockets included."""
    if by is not None and not permissions.can_manage_roles(by, role.dialogue):
        raise PermissionDenied
    with transaction.atomic():
        locked = Role.objects.select_for_update().get(pk=role.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by = by
            locked.save(update_fields=["revoked_at", "revoked_by"])
            _record_role(AuditAction.ROLE_REVOKED, locked, by=by)
    permissions.forget(role.user)


def _record_role(action: AuditAction, role: Role, *, by: User | None, why: str = "") -> None:
    scope = role.state.code if role.state else (role.organisation.slug if role.organisation else "")
    trail.record(
        action,
        by=by,
        dialogue=role.dialogue_id,
        object_type="role",
        object_id=role.pk,
        label=f"{role.kind} {scope}".strip(),
        person=role.user,
        details={"kind": role.kind, "scope": scope, **({"why": why} if why else {})},
    )


# --- Memberships ----------------------------------------------------------------------------


def record_membership(
    *,
    by: User | None,
    dialogue: Dialogue,
    kind: str,
    valid_from: datetime.date,
    state: State | None = None,
    organisation: Organisation | None = None,
    note: str = "",
    source: str = "",
) -> Membership:
    """Record that a state or organisation is a member of ``dialogue`` from ``valid_from``.

    An open membership of the same member ends the day before; history is never overwritten.
    Recording what is already current changes nothing. Raises ``PermissionDenied`` or
    ``ValidationError`` (no member, both members, or a start before the current one's).
    """
    if by is not None and not permissions.can_change_reference_data(by, dialogue):
        raise PermissionDenied
    if (state is None) == (organisation is None):
        raise ValidationError(_("A membership is held by a state or by an organisation."))
    with transaction.atomic():
        open_membership = (
            Membership.objects.select_for_update()
            .filter(dialogue=dialogue, state=state, organisation=organisation)
            .filter(valid_until__isnull=True)
            .first()
        )
        if open_membership is not None:
            if open_membership.kind == kind:
                return open_membership
            if valid_from <= open_membership.valid_from:
                raise ValidationError(
                    _("The change must start after the current membership began (%(date)s).")
                    % {"date": open_membership.valid_from.isoformat()}
                )
            open_membership.valid_until = valid_from - datetime.timedelta(days=1)
            open_membership.save(update_fields=["valid_until"])
        return Membership.objects.create(
            dialogue=dialogue,
            state=state,
            organisation=organisation,
            kind=kind,
            valid_from=valid_from,
            note=note,
            source=source,
        )


def end_membership(*, by: User | None, membership: Membership, valid_until: datetime.date) -> None:
    """End a membership on ``valid_until`` (inclusive). Raises ``PermissionDenied`` or
    ``ValidationError`` when the end would precede the start."""
    if by is not None and not permissions.can_change_reference_data(by, membership.dialogue):
        raise PermissionDenied
    if valid_until < membership.valid_from:
        raise ValidationError(_("A membership cannot end before it starts."))
    with transaction.atomic():
        locked = Membership.objects.select_for_update().get(pk=membership.pk)
        locked.valid_until = valid_until
        locked.save(update_fields=["valid_until"])


# --- Profiles -------------------------------------------------------------------------------

PROFILE_FIELDS = ("full_name", "title", "affiliation", "preferred_language", "time_zone")


def update_profile(*, user: User, **changes: str) -> User:
    """Change a person's own profile fields (name, title, affiliation, language, time zone)."""
    unknown = set(changes) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"Not profile fields: {sorted(unknown)}")
    with transaction.atomic():
        for name, value in changes.items():
            setattr(user, name, value)
        user.full_clean(exclude=["password"])
        user.save(update_fields=list(changes))
    return user


def set_account_active(*, by: User | None, user: User, active: bool) -> None:
    """Deactivate or reactivate an account (secretariat admins only). A deactivated person can
    no longer sign in, and the policy grants them nothing, open sockets included. A change is
    recorded in the permanent record of each dialogue where the person holds or held a role and
    of each the acting admin administers; changing nothing records nothing."""
    if by is not None and not permissions.is_secretariat_admin(by):
        raise PermissionDenied
    with transaction.atomic():
        was = User.objects.select_for_update().values_list("is_active", flat=True).get(pk=user.pk)
        if was != active:
            User.objects.filter(pk=user.pk).update(is_active=active)
            for dialogue_id in _dialogues_knowing(user, by):
                trail.record(
                    AuditAction.ACCOUNT_REACTIVATED if active else AuditAction.ACCOUNT_DEACTIVATED,
                    by=by,
                    dialogue=dialogue_id,
                    object_type="account",
                    object_id=user.pk,
                    label=user.full_name or "",
                    person=user,
                    details={"active": active},
                )
    user.is_active = active
    permissions.forget(user)


def _dialogues_knowing(user: User, by: User | None) -> list[int]:
    """Where an account's change belongs in the record: the dialogues where the person holds or
    held a role and those the acting admin administers; every dialogue when none (a superuser
    acting on a stranger: the record is never skipped)."""
    ids = set(Role.objects.filter(user=user).values_list("dialogue_id", flat=True))
    if by is not None:
        ids |= set(
            Role.objects.filter(
                user=by, kind=RoleKind.SECRETARIAT_ADMIN, revoked_at__isnull=True
            ).values_list("dialogue_id", flat=True)
        )
    return sorted(ids) or list(Dialogue.objects.order_by("pk").values_list("pk", flat=True))
