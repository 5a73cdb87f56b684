"""Negotiating an outcome's text: its numbered revisions (frozen once released), the silence
procedure on a revision, the objections that break it and the log of what the secretariat did
with it. Comments on a revision's paragraphs are ``OutcomeComment`` rows (``meeting``)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue.constraints import SentencedConstraints
from dialogue.models import State, User
from dialogue.translations import Localized, TranslatedField, owner_languages

from .meeting import Outcome


class OutcomeRevision(SentencedConstraints):
    """ "Rev.N" of an outcome: its title and text in each language as released, never changed
    afterwards. ``comments_shared`` says whether states see each other's comments on it;
    ``taken_up`` the comments on earlier revisions the secretariat took up in this one."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("revision"))
    title_i18n = TranslatedField(_("title"), max_length=300)
    text_i18n = TranslatedField(_("text"), multiline=True)
    note = models.TextField(_("what changed"), blank=True, max_length=5_000)
    comments_shared = models.BooleanField(_("states see each other's comments"), default=False)
    taken_up = models.ManyToManyField(
        "meetings.OutcomeComment", blank=True, related_name="taken_up_in"
    )
    released_at = models.DateTimeField(default=timezone.now)
    released_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["outcome", "number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            models.UniqueConstraint(fields=["outcome", "number"], name="outcome_revision_unique")
        ]

    def __str__(self) -> str:
        return f"Rev.{self.number}"

    @property
    def label(self) -> str:
        return f"Rev.{self.number}"

    @property
    def text(self) -> Localized:
        return self.text_i18n.pick(languages=owner_languages(self.outcome, "meeting"))

    @property
    def title(self) -> Localized:
        return self.title_i18n.pick(languages=owner_languages(self.outcome, "meeting"))


class SilenceStatus(models.TextChoices):
    RUNNING = "running", _("Under silence")
    ADOPTED = "adopted", _("Adopted by silence")
    BROKEN = "broken", _("Silence broken")
    WITHDRAWN = "withdrawn", _("Silence withdrawn")


class Silence(SentencedConstraints):
    """A revision put under the silence procedure until ``deadline``: adopted when the time
    passes without an objection, broken by the first. The result is recorded once, by the
    worker (``meetings.outcomes.silence.conclude_due``), at ``concluded_at``."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="silences")
    revision = models.ForeignKey(OutcomeRevision, on_delete=models.CASCADE, related_name="silences")
    deadline = models.DateTimeField(_("silence until"))
    status = models.CharField(
        _("status"), max_length=20, choices=SilenceStatus.choices, default=SilenceStatus.RUNNING
    )
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    concluded_at = models.DateTimeField(null=True, blank=True)
    sequence = models.PositiveIntegerField(default=0)  # the calendar's SEQUENCE: each change
    updated_at = models.DateTimeField(default=timezone.now)  # the calendar's LAST-MODIFIED

    class Meta:
        ordering = ["outcome", "started_at"]
        verbose_name = _("silence procedure")
        verbose_name_plural = _("silence procedures")
        constraints = [
            models.UniqueConstraint(
                fields=["outcome"],
                condition=Q(status="running"),
                name="silence_one_running_per_outcome",
            )
        ]

    def __str__(self) -> str:
        return f"{self.revision} until {self.deadline:%Y-%m-%d %H:%M}"

    @property
    def running(self) -> bool:
        return self.status == SilenceStatus.RUNNING


class SilenceObjection(SentencedConstraints):
    """A state's written objection, breaking the silence (before its deadline only)."""

    silence = models.ForeignKey(Silence, on_delete=models.CASCADE, related_name="objections")
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("objection"), max_length=10_000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["silence", "created_at"]
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        constraints = [
            models.UniqueConstraint(
                fields=["silence", "state"], name="silence_one_objection_per_state"
            )
        ]

    def __str__(self) -> str:
        return f"{self.state} objects to {self.silence}"


class SilenceLogEntry(models.Model):
    """What happened to a silence: started, extended, withdrawn (with the reason), broken,
    adopted; who did it (nobody for the worker) and when."""

    class Action(models.TextChoices):
        STARTED = "started", _("Put under silence")
        EXTENDED = "extended", _("Extended")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        OBJECTED = "objected", _("Objection")
        ADOPTED = "adopted", _("Adopted by silence")
        BROKEN = "broken", _("Silence broken")

    silence = models.ForeignKey(Silence, on_delete=models.CASCADE, related_name="log")
    action = models.CharField(max_length=20, choices=Action.choices)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    reason = models.TextField(blank=True, max_length=5_000)
    deadline = models.DateTimeField(null=True, blank=True)  # the deadline from then on
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["silence", "at", "id"]
        verbose_name = _("silence log entry")
        verbose_name_plural = _("silence log")

    def __str__(self) -> str:
        return f"{self.silence}: {self.action}"
