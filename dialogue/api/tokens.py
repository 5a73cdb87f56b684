"""The write actions on API tokens: create (shown once, stored as a SHA-256 hash) and revoke;
and finding the token behind a secret.

A personal token is its holder's, made and revoked on their profile; a service token is made by
a secretariat admin in the admin for one dialogue and reads only that dialogue (its holder is
the admin who made it: it reads what they may read, asked again at every request).
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.models import Dialogue, User

from .models import ApiToken, Scope

# Every secret starts so, which secret scanners and people recognise.
SECRET_PREFIX = "dlg_"  # noqa: S105 - a public prefix, not a secret


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check(name: str, scopes: Iterable[str], expires_on: datetime.date) -> list[str]:
    """The scopes, sorted, when the name, scopes and expiry are acceptable; else raises
    ``ValidationError`` per field."""
    chosen = sorted(set(scopes))
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = _("Give the token a name, so you recognise it later.")
    if not chosen:
        errors["scopes"] = _("Choose at least one scope.")
    elif not set(chosen) <= set(Scope.values):
        errors["scopes"] = _("Choose scopes from the list.")
    today = timezone.localdate()
    longest = settings.API_TOKEN_MAX_DAYS
    if expires_on <= today:
        errors["expires_on"] = _("The expiry date must be after today.")
    elif expires_on > today + datetime.timedelta(days=longest):
        errors["expires_on"] = _("A token may be valid for at most %(days)d days.") % {
            "days": longest
        }
    if errors:
        raise ValidationError(errors)
    return chosen


def _expiry(expires_on: datetime.date) -> datetime.datetime:
    """The end of the chosen day in the platform's time zone."""
    end = datetime.datetime.combine(expires_on + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(end)


def create_token(
    *,
    by: User,
    name: str,
    scopes: Iterable[str],
    expires_on: datetime.date,
    dialogue: Dialogue | None = None,
) -> tuple[ApiToken, str]:
    """Make a token held by ``by``: personal, or with ``dialogue`` a service token for that
    dialogue (a secretariat admin's). Returns the token and its secret, which is not stored (the
    caller shows it once). Raises ``ValidationError`` (name, scopes, expiry) and
    ``PermissionDenied`` (an inactive person; a service token by anyone but the dialogue's
    secretariat admin)."""
    if not by.is_authenticated or not by.is_active:
        raise PermissionDenied
    if dialogue is not None and not permissions.can_create_service_token(by, dialogue):
        raise PermissionDenied
    chosen = check(name, scopes, expires_on)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=by,
            dialogue=dialogue,
            name=name.strip(),
            scopes=chosen,
            prefix=secret[: len(SECRET_PREFIX) + 4],
            token_hash=hash_secret(secret),
            expires_at=_expiry(expires_on),
        )
    return token, secret


def can_revoke(user: permissions.AnyUser | None, token: ApiToken) -> bool:
    """Its holder; for a service token, the secretariat admin of its dialogue too."""
    if user is None or not user.is_authenticated:
        return False
    if token.user_id == user.pk:
        return True
    return token.dialogue is not None and permissions.can_create_service_token(user, token.dialogue)


def revoke_token(*, by: User, token: ApiToken) -> ApiToken:
    """Revoke ``token`` at once (its next request gets 401). Revoking twice changes nothing.
    Raises ``PermissionDenied`` unless ``can_revoke``."""
    if not can_revoke(by, token):
        raise PermissionDenied
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
    return locked


def tokens_of(user: User) -> list[ApiToken]:
    """A person's personal tokens, the newest first, revoked and expired ones included."""
    return list(ApiToken.objects.filter(user=user, dialogue__isnull=True))


def token_for_secret(secret: str) -> ApiToken | None:
    """The usable token behind ``secret`` with its holder, or None: unknown, revoked, expired,
    or held by a deactivated person."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_secret(secret), user__is_active=True)
        .first()
    )
    if token is None or not token.is_usable():
        return None
    return token


def note_use(token: ApiToken) -> None:
    """Keep when the token was last used, to the minute (one write a minute at most)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
