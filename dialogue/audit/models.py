"""One entry of the permanent record. Fields only; written by ``dialogue.audit.trail.record``.

Named by ``dialogue.models`` so Django finds it. The entry names the meeting by its id (the
meetings app sits above this one) and the object it is about by kind, id and a label made when
it was written: the record must read the same after the object changes or disappears. A
person is their account when they have one, else a keyed hash of their address
(``person_key``): the record can be searched by the address, but holds none, so an erasure
leaves nothing of the erased data in it.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    """What an entry records: decisions, and accesses to personal data."""

    NOMINATION_DECIDED = "nomination.decided", _("Nomination decided")
    FUNDING_DECIDED = "nomination.funding_decided", _("Travel support decided")
    NOMINATIONS_IMPORTED = "nominations.imported", _("Nominations imported")
    REGISTRATION_CHANGED = "registration.changed", _("Deadlines or capacity changed")
    QUOTA_CHANGED = "registration.quota_changed", _("Quota changed")
    DOCUMENT_MARKED = "document.marked", _("Document marking set or changed")
    DOCUMENT_REVISED = "document.revised", _("Document revision added")
    DOCUMENT_CIRCULATED = "document.circulated", _("Documents circulated")
    OUTCOME_ADOPTED = "outcome.adopted", _("Outcome adopted")
    ROLE_GRANTED = "role.granted", _("Role granted")
    ROLE_REVOKED = "role.revoked", _("Role revoked")
    PERSONAL_DATA_EXPORTED = "personal_data.exported", _("Personal data exported")
    LETTER_DOWNLOADED = "letter.downloaded", _("Letter downloaded")
    DOCUMENT_DOWNLOADED = "document.downloaded", _("Restricted document downloaded")
    PERSONAL_DATA_ERASED = "personal_data.erased", _("Personal data erased")
    PERSONAL_DATA_DOWNLOADED = "personal_data.downloaded", _("Own personal data downloaded")
    ACCOUNT_DEACTIVATED = "account.deactivated", _("Account deactivated")
    ACCOUNT_REACTIVATED = "account.reactivated", _("Account reactivated")


class AppendOnly(Exception):
    """An entry of the permanent record was asked to change or go."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AppendOnly("entries of the permanent record are never changed")

    def delete(self) -> NoReturn:
        raise AppendOnly("entries of the permanent record are removed only when their time is up")


class AuditEntry(models.Model):
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("what"), max_length=40, choices=AuditAction.choices)
    # Who: nobody for the platform itself (a waitlist promoted, data erased when its time is up).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
    )
    # From where: the client's address (config/client_address.py), none outside a request.
    client_address = models.GenericIPAddressField(_("from where"), null=True, blank=True)
    dialogue = models.ForeignKey(
        "dialogue.Dialogue", on_delete=models.PROTECT, related_name="+", verbose_name=_("dialogue")
    )
    meeting_id = models.PositiveBigIntegerField(_("meeting"), null=True, blank=True, db_index=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person concerned"),
    )
    person_key = models.CharField(max_length=64, blank=True, db_index=True)
    object_type = models.CharField(_("object"), max_length=40)
    object_id = models.CharField(max_length=40, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    retain_until = models.DateTimeField(db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise AppendOnly("entries of the permanent record are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AppendOnly("entries of the permanent record are removed only when their time is up")
