"""A webhook subscription and the log of its deliveries.

Infrastructure like the rest of ``notifications``: the owner is a person
(``settings.AUTH_USER_MODEL``) and what they may receive is asked of the live policy at each
delivery, never stored here.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookSubscription(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("owner"),
        help_text=_("Receives only what this person may see, asked again at every delivery."),
    )
    url = models.URLField(_("endpoint"), max_length=500)
    secret = models.CharField(
        _("signing secret"),
        max_length=100,
        default=new_secret,
        help_text=_("Shared with the receiver: it checks the signature of each delivery with it."),
    )
    # Empty: every type, every stream (a stream matches itself and the meetings of a dialogue).
    event_types = models.JSONField(_("event types"), default=list, blank=True)
    streams = models.JSONField(_("streams"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    paused_reason = models.CharField(_("why it is paused"), max_length=300, blank=True)
    # The highest event id handled (delivered, or skipped as not for this owner).
    delivered_through = models.BigIntegerField(_("delivered through event"), default=0)
    # Retrying the next event: since when, how often, and when next.
    failing_since = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # A worker holding the subscription until then (several workers may run).
    claimed_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    """One attempt to deliver one event."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.BigIntegerField(_("event"))
    event_type = models.CharField(_("event type"), max_length=60)
    attempt = models.PositiveIntegerField(_("attempt"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("answer"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)
    succeeded = models.BooleanField(_("delivered"), default=False)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        indexes = [models.Index(fields=["subscription", "-id"], name="webhook_delivery_recent")]

    def __str__(self) -> str:
        return f"#{self.event_id} → {self.subscription_id} ({self.attempt})"
