"""Meetings, their agendas (a working draft and numbered releases), outcomes and calendars.

Times are stored in UTC and shown in the meeting's own IANA time zone (and the viewer's).
Writes go through ``meetings.services``, ``meetings.agenda`` and ``meetings.outcomes``.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue.constraints import SentencedConstraints
from dialogue.fields import OneLineCharField
from dialogue.models import (
    TIME_ZONE_CHOICES,
    Body,
    Dialogue,
    Organisation,
    State,
    User,
)
from dialogue.translations import Localized, TranslatedField, in_text, listed, owner_languages


class MeetingKind(models.TextChoices):
    MINISTERIAL_CONFERENCE = "ministerial_conference", _("Ministerial conference")
    SENIOR_OFFICIALS_MEETING = "senior_officials_meeting", _("Senior officials' meeting")
    PREPARATORY_MEETING = "preparatory_meeting", _("Preparatory meeting")
    WORKING_GROUP = "working_group", _("Working group meeting")
    JOINT_WORKING_GROUP = "joint_working_group", _("Joint working group meeting")
    STRATEGIC_GROUP = "strategic_group", _("Strategic group meeting")
    REFERENCE_GROUP = "reference_group", _("Reference group meeting")
    CONTACT_POINTS_MEETING = "contact_points_meeting", _("Contact points meeting")
    STUDY_VISIT = "study_visit", _("Study visit")
    EXPERT_MISSION = "expert_mission", _("Expert mission")
    TRAINING = "training", _("Training")
    WRITTEN_PROCEDURE = "written_procedure", _("Written procedure")


class MeetingFormat(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    HYBRID = "hybrid", _("Hybrid")
    ONLINE = "online", _("Online")


class MeetingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ANNOUNCED = "announced", _("Announced")
    REGISTRATION_OPEN = "registration_open", _("Registration open")
    REGISTRATION_CLOSED = "registration_closed", _("Registration closed")
    IN_SESSION = "in_session", _("In session")
    CONCLUDED = "concluded", _("Concluded")
    POSTPONED = "postponed", _("Postponed")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATUSES = frozenset(
    {
        MeetingStatus.DRAFT,
        MeetingStatus.ANNOUNCED,
        MeetingStatus.REGISTRATION_OPEN,
        MeetingStatus.REGISTRATION_CLOSED,
        MeetingStatus.IN_SESSION,
        MeetingStatus.POSTPONED,
    }
)


# What the status badge says instead of "Registration open" once the nominations deadline has
# passed: the stored status changes only when the secretariat closes registration.
NOMINATIONS_CLOSED = "nominations_closed"


@dataclass(frozen=True)
class ShownStatus:
    """The state a reader sees on the meeting's badge: ``value`` (a ``MeetingStatus`` value or
    ``NOMINATIONS_CLOSED``, for the badge's class) and ``label`` in the reader's language."""

    value: str
    label: str


class Meeting(SentencedConstraints):
    dialogue = models.ForeignKey(Dialogue, on_delete=models.PROTECT, related_name="meetings")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="meetings")
    kind = models.CharField(_("type"), max_length=40, choices=MeetingKind.choices)
    title_i18n = TranslatedField(_("title"), max_length=300)
    description_i18n = TranslatedField(_("description"), multiline=True, blank=True)
    format = models.CharField(
        _("format"), max_length=20, choices=MeetingFormat.choices, default=MeetingFormat.IN_PERSON
    )
    venue_name = OneLineCharField(_("venue"), max_length=200, blank=True)
    venue_address = OneLineCharField(_("address"), max_length=300, blank=True)
    city_i18n = TranslatedField(_("city"), max_length=100, blank=True)
    country = models.ForeignKey(
        State,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("country"),
    )
    room = OneLineCharField(_("room"), max_length=100, blank=True)
    online_url = models.URLField(_("online link"), blank=True, max_length=500)
    time_zone = models.CharField(_("time zone"), max_length=64, choices=TIME_ZONE_CHOICES)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    languages = models.JSONField(_("working languages"), default=list)
    interpretation = models.JSONField(
        _("interpretation into"), default=list, blank=True, help_text=_("language codes")
    )
    is_public = models.BooleanField(
        _("public"),
        default=True,
        help_text=_("Listed for everyone once announced; else for members only."),
    )
    status = models.CharField(
        _("status"), max_length=30, choices=MeetingStatus.choices, default=MeetingStatus.DRAFT
    )
    status_reason = models.TextField(_("reason"), blank=True)
    # Set when first announced: until then (and if cancelled before) it is the secretariat's.
    announced_at = models.DateTimeField(null=True, blank=True)
    # iCalendar SEQUENCE: raised on every change of time, place or status.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    # The start a two-day reminder was sent for; a reschedule makes it stale.
    reminded_for = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["dialogue", "starts_at"], name="meeting_dialogue_start")]

    def __str__(self) -> str:
        return self.title_i18n.pick(settings.LANGUAGE_CODE)

    @property
    def working_languages(self) -> list[str]:
        """The meeting's working languages (a subset of its dialogue's, first one first)."""
        return list(self.languages or ())

    @property
    def title(self) -> Localized:
        return self.title_i18n.pick(languages=self.working_languages)

    @property
    def description(self) -> Localized:
        return self.description_i18n.pick(languages=self.working_languages)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def stream(self) -> str:
        return f"meeting:{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def shown_status(self) -> ShownStatus:
        """The status as every badge shows it, in step with the registration section: an open
        registration reads "Nominations closed" past the nominations deadline and "Registration
        closed" once the meeting is over; any other status as it is stored. Reads
        ``registration_settings``: pages that list meetings join it (``select_related``)."""
        if self.status == MeetingStatus.REGISTRATION_OPEN:
            now = timezone.now()
            if self.ends_at <= now:
                closed = MeetingStatus.REGISTRATION_CLOSED
                return ShownStatus(closed.value, str(closed.label))
            registration = getattr(self, "registration_settings", None)
            if registration is not None and now > registration.nomination_deadline:
                return ShownStatus(NOMINATIONS_CLOSED, str(_("Nominations closed")))
        return ShownStatus(self.status, str(self.get_status_display()))

    @property
    def city_name(self) -> Localized:
        return self.city_i18n.pick(languages=self.working_languages)

    @property
    def place(self) -> str:
        parts = [self.room, self.venue_name, self.venue_address, self.city_name]
        if self.country_id:
            parts.append(self.country.name if self.country else "")
        return listed(parts)


class ReminderSent(models.Model):
    """A reminder as it went (``meetings.reminders``): for which start, when, who it reached and
    how (``[{"name", "delegation", "how"}]``, how being "account" or "email") and who it did not
    reach and why (``[{"name", "delegation", "reason"}]``), for the secretariat."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reminders_sent")
    starts_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)
    reached = models.JSONField(default=list, blank=True)
    left_out = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")

    def __str__(self) -> str:
        return f"reminder of meeting {self.meeting_id} for {self.starts_at:%Y-%m-%d %H:%M}"


class ReminderEmail(models.Model):
    """A reminder written by e-mail (through the outbox) to an approved participant without an
    account; its outbox row says whether the message went, waits or failed. Like the reminder's
    record, it keeps no e-mail address: the outbox row holds it while the message is in flight."""

    reminder = models.ForeignKey(ReminderSent, on_delete=models.CASCADE, related_name="emails")
    nomination = models.ForeignKey(
        "meetings.Nomination", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    full_name = OneLineCharField(_("name"), max_length=200)
    state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outbox = models.ForeignKey(
        "notifications.OutboxEmail",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["reminder", "state", "organisation", "full_name", "id"]
        verbose_name = _("reminder sent by e-mail")
        verbose_name_plural = _("reminders sent by e-mail")

    def __str__(self) -> str:
        return f"e-mailed reminder {self.reminder_id} to nomination {self.nomination_id}"

    @property
    def delegation(self) -> State | Organisation | None:
        return self.state or self.organisation


class AgendaItem(SentencedConstraints):
    """An item of a meeting's working draft agenda; nothing here is seen until released."""

    class Kind(models.TextChoices):
        SESSION = "session", _("Session")
        ITEM = "item", _("Item")
        BREAK = "break", _("Break")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
        verbose_name=_("session"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ITEM)
    title_i18n = TranslatedField(_("title"), max_length=300)
    description_i18n = TranslatedField(_("description"), multiline=True, blank=True)
    starts_at = models.DateTimeField(_("starts"), null=True, blank=True)
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    room = OneLineCharField(_("room"), max_length=100, blank=True)
    presenter_name = OneLineCharField(_("presenter or moderator"), max_length=200, blank=True)
    presenter_state = models.ForeignKey(
        State,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("presenting state"),
    )
    presenter_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("presenting organisation"),
    )
    internal = models.BooleanField(
        _("internal"), default=False, help_text=_("Seen by the secretariat only.")
    )

    class Meta:
        ordering = ["meeting", "position", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True)
                | Q(starts_at__isnull=True)
                | Q(ends_at__gte=models.F("starts_at")),
                name="agenda_item_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title_i18n.pick(settings.LANGUAGE_CODE)

    @property
    def title(self) -> Localized:
        return self.title_i18n.pick(languages=owner_languages(self, "meeting"))

    @property
    def description(self) -> Localized:
        return self.description_i18n.pick(languages=owner_languages(self, "meeting"))


class AgendaRelease(SentencedConstraints):
    """Version N of a meeting's agenda as released: a frozen copy, and what changed since N-1."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_releases")
    number = models.PositiveIntegerField()
    note_i18n = TranslatedField(_("changelog note"), max_length=500)
    released_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    items = models.JSONField(default=list)
    changes = models.JSONField(default=list)

    class Meta:
        ordering = ["meeting", "-number"]
        verbose_name = _("agenda release")
        verbose_name_plural = _("agenda releases")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="one_release_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.meeting} agenda v{self.number}"

    @property
    def note(self) -> Localized:
        return self.note_i18n.pick(languages=owner_languages(self, "meeting"))


class OutcomeKind(models.TextChoices):
    CONCLUSIONS = "conclusions", _("Conclusions")
    DECISIONS = "decisions", _("Decisions")
    CHAIR_SUMMARY = "chair_summary", _("Chair's summary")


class OutcomeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FOR_COMMENT = "for_comment", _("Shared for comment")
    ADOPTED = "adopted", _("Adopted")


class Outcome(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="outcomes")
    kind = models.CharField(_("kind"), max_length=20, choices=OutcomeKind.choices)
    title_i18n = TranslatedField(_("title"), max_length=300)
    text_i18n = TranslatedField(_("text"), multiline=True)
    status = models.CharField(
        _("status"), max_length=20, choices=OutcomeStatus.choices, default=OutcomeStatus.DRAFT
    )
    comment_deadline = models.DateTimeField(_("comments until"), null=True, blank=True)
    shared_with_chair = models.BooleanField(_("shared with the chair"), default=False)
    # The approved head of a state's delegation to the meeting comments, answers "no
    # objection" and objects under silence on behalf of their state, like its focal point.
    heads_may_comment = models.BooleanField(_("heads of delegation may comment"), default=False)
    shared_at = models.DateTimeField(null=True, blank=True)
    adopted_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)
    # The order of states in the compilation of comments, as the room expects it (ISO codes);
    # states not listed follow by name.
    compilation_order = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["meeting", "kind", "id"]
        verbose_name = _("outcome")
        verbose_name_plural = _("outcomes")

    def __str__(self) -> str:
        return self.title_i18n.pick(settings.LANGUAGE_CODE)

    @property
    def title(self) -> Localized:
        return self.title_i18n.pick(languages=owner_languages(self, "meeting"))

    @property
    def text(self) -> Localized:
        return self.text_i18n.pick(languages=owner_languages(self, "meeting"))


class OutcomeComment(models.Model):
    """A state's comment on a draft outcome, written by its focal point: on one revision (and,
    when given, one of its paragraphs, by its number in that revision), with a replacement
    wording when proposed, or "no objection" to the whole revision. It keeps its revision and
    paragraph when later revisions renumber ("on Rev.1, paragraph 4")."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="comments")
    revision = models.ForeignKey(
        "meetings.OutcomeRevision",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="comments",
    )
    paragraph = models.PositiveIntegerField(_("paragraph"), null=True, blank=True)
    proposed_text = models.TextField(_("proposed wording"), blank=True, max_length=10_000)
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("comment"), max_length=10_000)
    no_objection = models.BooleanField(_("no objection"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["outcome", in_text("state__name_i18n"), "created_at"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")

    def __str__(self) -> str:
        return f"{self.state} on {self.outcome}"


class ActionPoint(models.Model):
    """A follow-up agreed at a meeting; open ones carry over to the body's next meeting."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_points")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="action_points")
    text_i18n = TranslatedField(_("action"), multiline=True)
    owner_state = models.ForeignKey(
        State,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner (state)"),
    )
    owner_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owner (organisation)"),
    )
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.OPEN
    )

    OPEN_STATUSES: ClassVar[tuple[str, ...]] = (Status.OPEN, Status.IN_PROGRESS)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("action point")
        verbose_name_plural = _("action points")

    def __str__(self) -> str:
        return self.text_i18n.pick(settings.LANGUAGE_CODE)[:80]

    @property
    def text(self) -> Localized:
        return self.text_i18n.pick(languages=owner_languages(self, "meeting"))

    @property
    def owner(self) -> State | Organisation | None:
        return self.owner_state or self.owner_organisation


class CalendarFeed(models.Model):
    """A person's secret, revocable address of their own calendar feed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="calendar_feeds")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"
