"""The event log, the inbox, delivery preferences and the e-mail outbox.

Infrastructure: nothing here knows a domain model. People are ``settings.AUTH_USER_MODEL``;
what an event means and who may see it is answered by the live policy (``notifications.policy``)
and the event-type registry (``notifications.registry``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .delivery import why_not_sent


class Event(models.Model):
    """One numbered change. Ids increase in commit order (``publish`` serialises writers)."""

    id = models.BigAutoField(primary_key=True)
    stream = models.CharField(max_length=100, db_index=True)
    # A broader stream the event also belongs to, for filtering (a meeting's dialogue).
    parent_stream = models.CharField(max_length=100, blank=True, db_index=True)
    type = models.CharField(max_length=60)
    audience = models.JSONField(default=dict)
    data = models.JSONField(default=dict)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    relayed_at = models.DateTimeField(null=True, blank=True)
    # Who made the change (no inbox line for them); a plain number: the log outlives accounts.
    actor_id = models.BigIntegerField(null=True, blank=True)
    # Its inbox lines and e-mails are left to the fan-out worker (``NOTIFICATIONS_FAN_OUT_WORKER``),
    # which has written them once the event is at or below ``FanOutMark``; false when
    # ``publish`` wrote them. Set once, never updated: the worker does not lock the log's rows.
    fan_out_in_worker = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["stream", "id"], name="event_stream_id"),
            models.Index(
                fields=["id"], condition=Q(relayed_at__isnull=True), name="event_not_relayed"
            ),
            models.Index(
                fields=["id"], condition=Q(fan_out_in_worker=True), name="event_fan_out_in_worker"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.id} {self.type} on {self.stream}"


class PruneMark(models.Model):
    """The highest event id pruned so far: a resume from before it must reset."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    pruned_through = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"pruned through #{self.pruned_through}"


class FanOutMark(models.Model):
    """The highest event id the fan-out worker has handled: ids become visible in increasing
    order (the log's lock), so every event left to the worker above it is still to do. Its row
    lock lets one pass run at a time."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    through = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"fanned out through #{self.through}"


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the platform only")
    EMAIL_NOW = "email_now", _("E-mail at once")
    EMAIL_DIGEST = "email_digest", _("Daily e-mail digest")


class DeliveryPreference(models.Model):
    """How a person wants to hear of one category of events."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="delivery_preferences"
    )
    category = models.CharField(max_length=40)
    channel = models.CharField(max_length=20, choices=Channel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="one_preference_per_category")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.category} by {self.channel}"


class Follow(models.Model):
    """A person's explicit choice to follow a stream or not (else the policy's default)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    stream = models.CharField(max_length=100)
    following = models.BooleanField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "stream"], name="one_follow_per_stream")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {'follows' if self.following else 'ignores'} {self.stream}"


class OutboxEmail(models.Model):
    """An e-mail written in the transaction of the change, sent by the worker.

    To a person: notifications that arrive while it waits (the coalescing window, or until the
    digest hour) join it, so a burst of changes makes one message. To an address with no
    account (``user`` empty): a message written whole (``subject``, ``body``) by the caller.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outbox_emails",
    )
    to_address = models.EmailField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    coalesce_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)
    send_after = models.DateTimeField(db_index=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["send_after"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="outbox_due",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "coalesce_key"],
                condition=Q(sent_at__isnull=True, claimed_at__isnull=True),
                name="one_open_email_per_key",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(to_address=""),
                name="outbox_email_has_a_recipient",
            ),
        ]

    def __str__(self) -> str:
        return f"e-mail to {self.user_id or self.to_address} ({self.coalesce_key})"

    @property
    def why_not_sent(self) -> str:
        """Why the last attempt failed, in plain words (``delivery.why_not_sent``)."""
        return why_not_sent(self.last_error)


class Notification(models.Model):
    """A line in a person's inbox, derived from an event."""

    # Every line of every follower is written per event: each index here is paid that often,
    # so the person's lines are found by the unique (person, event) index rather than one of
    # their own, and only the lines that went by e-mail are indexed by it.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.ForeignKey(
        OutboxEmail,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="notifications",
        db_index=False,
    )

    class Meta:
        ordering = ["-event_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="one_notification_per_event")
        ]
        indexes = [
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notification_unread"
            ),
            models.Index(
                fields=["email"], condition=Q(email__isnull=False), name="notification_email"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} for {self.user_id}"


# Webhooks keep their models in their own package; Django finds them through this module.
from .webhooks.models import WebhookDelivery, WebhookSubscription  # noqa: E402, F401
