"""The meeting in session: where the room stands on the agenda, and the list of speakers.

``Sitting`` is one row per meeting (the item under discussion, the room's delay, the protocol
order of the tour de table) and the lock every change of the session takes, so that fifty
delegations asking for the floor at once each get one place, in commit order. ``Discussion``
is one agenda item taken up (opened, closed, its list of speakers closed or not);
``FloorRequest`` is a delegation's place on that list and, once given the floor, the record of
its intervention (who, when, how long) kept for the report.

Writes go through ``meetings.session``. The released agenda is never changed here: estimated
times are the released ones shifted by the delay.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue.models import State, User

from .meeting import AgendaItem, Meeting
from .registration import Delegation


class ProtocolOrder(models.TextChoices):
    ALPHABETICAL = "alphabetical", _("Alphabetical, in the meeting's first language")
    STATE_FIRST = "state_first", _("One state first, then alphabetical")


class Sitting(models.Model):
    """A meeting's session as it runs: one row per meeting, locked by every change of it."""

    meeting = models.OneToOneField(Meeting, on_delete=models.CASCADE, related_name="sitting")
    current = models.ForeignKey(
        "Discussion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    delay_minutes = models.IntegerField(
        _("delay (minutes)"), default=0, help_text=_("Negative when the room runs early.")
    )
    protocol_order = models.CharField(
        _("protocol order"),
        max_length=20,
        choices=ProtocolOrder.choices,
        default=ProtocolOrder.ALPHABETICAL,
    )
    first_state = models.ForeignKey(
        State,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("state speaking first"),
    )
    speaking_seconds = models.PositiveIntegerField(
        _("speaking time (seconds)"), null=True, blank=True, help_text=_("Empty for no limit.")
    )
    participation_deadline = models.DateTimeField(
        _("in person or online, changeable until"),
        null=True,
        blank=True,
        help_text=_("Empty: until the meeting starts."),
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"session of {self.meeting}"


class Discussion(models.Model):
    """An agenda item taken up in the room: when, until when, and whether its list is closed."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="discussions")
    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="discussions")
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    speakers_closed = models.BooleanField(_("list of speakers closed"), default=False)

    class Meta:
        ordering = ["sitting", "opened_at", "id"]
        verbose_name = _("discussion of an item")
        verbose_name_plural = _("discussions of items")
        constraints = [
            models.UniqueConstraint(fields=["sitting", "item"], name="discussion_one_per_item"),
        ]

    def __str__(self) -> str:
        return f"discussion of {self.item}"


class FloorKind(models.TextChoices):
    FLOOR = "floor", _("Request for the floor")
    POINT_OF_ORDER = "point_of_order", _("Point of order")
    TOUR = "tour", _("Tour de table")


class FloorStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    SPEAKING = "speaking", _("Has the floor")
    SPOKE = "spoke", _("Spoke")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class FloorRequest(models.Model):
    """A delegation's place on the list of speakers of an item, then its intervention."""

    discussion = models.ForeignKey(
        Discussion, on_delete=models.CASCADE, related_name="floor_requests"
    )
    delegation = models.ForeignKey(
        Delegation, on_delete=models.PROTECT, related_name="floor_requests"
    )
    kind = models.CharField(max_length=20, choices=FloorKind.choices, default=FloorKind.FLOOR)
    status = models.CharField(
        max_length=20, choices=FloorStatus.choices, default=FloorStatus.WAITING
    )
    # The order of the waiting requests (0 first); rewritten under the sitting's lock.
    position = models.PositiveIntegerField(default=0)
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    given_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    speaking_seconds = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["discussion", "position", "id"]
        verbose_name = _("request for the floor")
        verbose_name_plural = _("requests for the floor")
        constraints = [
            models.UniqueConstraint(
                fields=["discussion", "delegation"],
                condition=Q(status="waiting"),
                name="floor_one_waiting_per_delegation",
            ),
            models.UniqueConstraint(
                fields=["discussion"],
                condition=Q(status="speaking"),
                name="floor_one_speaker_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.delegation} on {self.discussion}"

    @property
    def spoke_seconds(self) -> int | None:
        if self.given_at is None or self.ended_at is None:
            return None
        return int((self.ended_at - self.given_at).total_seconds())


class ParticipationMode(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")


class HybridParticipation(models.Model):
    """How an approved participant takes part in a hybrid or online meeting, as their focal
    point chose it (changeable until the sitting's deadline), and whether they are named as a
    speaker (who gets the speaker link rather than the listener link)."""

    nomination = models.OneToOneField(
        "Nomination", on_delete=models.CASCADE, related_name="hybrid_participation"
    )
    mode = models.CharField(
        _("takes part"),
        max_length=20,
        choices=ParticipationMode.choices,
        default=ParticipationMode.IN_PERSON,
    )
    speaker = models.BooleanField(_("named as a speaker"), default=False)
    changed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("hybrid participation")
        verbose_name_plural = _("hybrid participations")

    def __str__(self) -> str:
        return f"{self.nomination}: {self.mode}"


class OnlineLinkKind(models.TextChoices):
    SPEAKER = "speaker", _("Speaker link")
    LISTENER = "listener", _("Listener link")
    INTERPRETATION = "interpretation", _("Interpretation channel")


class OnlineLink(models.Model):
    """A meeting's online address, never shown itself: pages link to the platform's redirect
    (``/meetings/<id>/online/<link>/``), which asks the policy and records the day's attendance."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="online_links")
    kind = models.CharField(_("kind"), max_length=20, choices=OnlineLinkKind.choices)
    language = models.CharField(_("language"), max_length=8, blank=True)
    url = models.URLField(_("address"), max_length=500)

    class Meta:
        ordering = ["meeting", "kind", "language"]
        verbose_name = _("online link")
        verbose_name_plural = _("online links")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "kind", "language"], name="online_link_one_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.language} of {self.meeting}"


class AttendanceDay(models.Model):
    """A participant present on one day of the meeting (the meeting's local date), in the room
    (recorded at the desk) or online (through the platform's redirect, or by the secretariat)."""

    nomination = models.ForeignKey(
        "Nomination", on_delete=models.CASCADE, related_name="attendance_days"
    )
    day = models.DateField(_("day"))
    mode = models.CharField(_("present"), max_length=20, choices=ParticipationMode.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["nomination", "day"]
        verbose_name = _("day attended")
        verbose_name_plural = _("days attended")
        constraints = [
            models.UniqueConstraint(fields=["nomination", "day"], name="attendance_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.nomination} on {self.day}"
