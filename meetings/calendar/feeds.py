"""Personal calendar feeds: a secret address per person, stored only as its SHA-256 hash.

The address is shown once, when it is made; making a new one revokes the old one, and a revoked
address answers 404 like one that never existed. What a feed holds is decided in
``personal_meetings``, the one place to widen when registration and nominations arrive.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from dialogue import permissions
from dialogue.models import RoleKind, User
from meetings.models import CalendarFeed, Meeting


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(token: str) -> str:
    """The full address of a personal feed (the token is in it: show it to its owner only)."""
    return settings.SITE_URL.rstrip("/") + reverse("personal_calendar", args=[token])


def active_feed_of(user: User) -> CalendarFeed | None:
    return (
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True)
        .order_by("-created_at")
        .first()
    )


def feed_for_token(token: str) -> CalendarFeed | None:
    """The active feed behind a secret address, with its owner; None when unknown or revoked."""
    if not token or len(token) > 200:
        return None
    return (
        CalendarFeed.objects.select_related("user")
        .filter(token_hash=hash_token(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def create_feed(*, user: User) -> tuple[CalendarFeed, str]:
    """Make a new secret address for ``user``'s feed, revoking any earlier one. Returns the feed
    and the token (only its hash is kept: the caller shows it once). Raises ``PermissionDenied``
    for an inactive or anonymous user."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # One at a time per person, so a double click leaves exactly one active address.
        User.objects.select_for_update().filter(pk=user.pk).first()
        CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        feed = CalendarFeed.objects.create(user=user, token_hash=hash_token(token))
    return feed, token


def revoke_feeds(*, user: User) -> int:
    """Revoke every active address of ``user``'s feed; returns how many were active."""
    with transaction.atomic():
        return CalendarFeed.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )


def personal_meetings(user: User) -> QuerySet[Meeting]:
    """The meetings in a person's own feed: those they take part in or are responsible for.

    For now, the announced (or later) meetings of the dialogues in which they hold a role, as
    far as they may see them; registrations and nominations will add theirs here."""
    dialogue_ids = permissions.standing(user).dialogue_ids(RoleKind.values)
    return (
        permissions.meetings_visible_to(user)
        .filter(dialogue_id__in=dialogue_ids)
        .filter(announced_at__isnull=False)
    )
