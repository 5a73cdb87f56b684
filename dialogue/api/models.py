"""API tokens: a person's, or a service's for one dialogue; stored only as a SHA-256 hash.

Kept in the ``dialogue`` app (``dialogue.models`` names it): a token stands for a person, and
what it may read is the policy's answer for that person, narrowed by its scopes (and, for a
service token, to its dialogue). Fields only; the actions are in ``dialogue.api.tokens``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue.fields import OneLineCharField


class Scope(models.TextChoices):
    """What a token may read. ``public``: what an anonymous visitor sees. ``delegation``: what
    its holder sees of meetings and documents, and their own delegation's registrations and
    receipts. ``secretariat``: what its holder sees as secretariat (lists of participants,
    statistics, every registration and receipt of the dialogues they serve)."""

    PUBLIC = "public", _("Read public data")
    DELEGATION = "delegation", _("Read my delegation's data")
    SECRETARIAT = "secretariat", _("Read secretariat data")


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("holder"),
        help_text=_("The token reads what this person may read, never more."),
    )
    # A service token (the secretariat admin's, in the admin) reads only this dialogue.
    dialogue = models.ForeignKey(
        "dialogue.Dialogue",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("dialogue"),
    )
    name = OneLineCharField(_("name"), max_length=100)
    scopes = models.JSONField(_("scopes"), default=list)
    prefix = models.CharField(_("starts with"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        app_label = "dialogue"
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_labels(self) -> list[str]:
        return [str(Scope(s).label) for s in self.scopes if s in Scope.values]

    @property
    def is_service(self) -> bool:
        return self.dialogue_id is not None

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (now or timezone.now())
