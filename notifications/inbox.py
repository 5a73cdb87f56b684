"""The inbox, delivery preferences and follows: reads and the write actions behind them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Q, QuerySet, Subquery
from django.utils import timezone

from . import registry
from .models import Channel, DeliveryPreference, Follow, Notification


@dataclass(frozen=True)
class InboxLine:
    notification: Notification
    description: registry.Description


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def inbox_of(user: Any, *, stream: str = "") -> QuerySet[Notification]:
    """A person's notifications, newest first; ``stream`` narrows to one dialogue or meeting
    (a dialogue's stream includes the meetings under it)."""
    notifications = Notification.objects.filter(user=user).select_related("event")
    if stream:
        notifications = notifications.filter(
            Q(event__stream=stream) | Q(event__parent_stream=stream)
        )
    return notifications.order_by("-event_id")


def describe(notifications: list[Notification]) -> list[InboxLine]:
    return [InboxLine(n, registry.describe(n.event)) for n in notifications]


def mark_read(*, user: Any, notification_ids: list[int] | None = None) -> int:
    """Mark some (or all) of a person's notifications read; returns how many changed."""
    # The count read with the person at the start of the request is no longer true.
    if getattr(user, "unread_notifications", None) is not None:
        delattr(user, "unread_notifications")
    with transaction.atomic():
        unread = Notification.objects.filter(user=user, read_at__isnull=True)
        if notification_ids is not None:
            unread = unread.filter(pk__in=notification_ids)
        return unread.update(read_at=timezone.now())


def preferences_of(user: Any) -> dict[str, str]:
    """Category key → channel, defaults filled in."""
    chosen = dict(DeliveryPreference.objects.filter(user=user).values_list("category", "channel"))
    return {c.key: chosen.get(c.key, c.default_channel) for c in registry.categories()}


def set_preferences(*, user: Any, channels: dict[str, str]) -> None:
    """Save a person's channel per category (unknown categories and channels are refused)."""
    known = {c.key for c in registry.categories()}
    if not set(channels) <= known or not set(channels.values()) <= set(Channel.values):
        raise ValueError("unknown category or channel")
    with transaction.atomic():
        for category, channel in channels.items():
            DeliveryPreference.objects.update_or_create(
                user=user, category=category, defaults={"channel": channel}
            )


def set_follow(*, user: Any, stream: str, following: bool) -> None:
    """Follow or stop following a stream (the inbox and e-mails of its events)."""
    with transaction.atomic():
        Follow.objects.update_or_create(user=user, stream=stream, defaults={"following": following})


def follow_choice(user: Any, stream: str) -> bool | None:
    """The person's explicit choice for a stream, or None when they follow by default."""
    return (
        Follow.objects.filter(user=user, stream=stream).values_list("following", flat=True).first()
    )


def follow_choice_of(user_id: int, stream: Any) -> Subquery:
    """``follow_choice`` as an annotation of the rows of a query: ``stream`` is an expression
    naming each row's stream (on an ``OuterRef``). The choice comes with the rows, no query of
    its own."""
    return Subquery(
        Follow.objects.filter(user_id=user_id, stream=stream).values("following")[:1],
        output_field=BooleanField(null=True),
    )
