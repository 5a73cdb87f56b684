"""Registration of delegations: the set-up of a meeting's registration (deadlines, capacity,
quotas, follow-up questions), delegations with their nomination letters, and nominations.

Writes go through ``meetings.registration``. The rules that must hold however many requests
arrive at once live here as constraints: one running nomination per person and meeting, one
head per delegation, one nomination per idempotency key; quotas are counted under a row lock on
the delegation (``Delegation`` exists to be that lock).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue.constraints import SentencedConstraints
from dialogue.fields import OneLineCharField
from dialogue.models import Dialogue, Membership, Organisation, State, User
from dialogue.text import one_line
from dialogue.translations import Localized, TranslatedField, owner_languages

from .meeting import Meeting


class Category(models.TextChoices):
    HEAD_OF_DELEGATION = "head_of_delegation", _("Head of delegation")
    DELEGATE = "delegate", _("Delegate")
    EXPERT = "expert", _("Expert")
    OBSERVER = "observer", _("Observer")
    INTERPRETER = "interpreter", _("Interpreter")
    PRESS = "press", _("Press")
    SECRETARIAT = "secretariat", _("Secretariat")


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    WAITLISTED = "waitlisted", _("Waitlisted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Nominations that hold a place in their delegation's quota.
RUNNING = (NominationStatus.NOMINATED, NominationStatus.APPROVED, NominationStatus.WAITLISTED)


class Funding(models.TextChoices):
    NONE = "none", _("Not requested")
    REQUESTED = "requested", _("Requested")
    GRANTED = "granted", _("Granted")
    DECLINED = "declined", _("Declined")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Other")
    UNDISCLOSED = "undisclosed", _("Prefers not to say")


# What a person's name is made of, as ``Nomination.names`` holds it per language.
NAME_PARTS = ("full_name", "title", "affiliation")


class LetterLanguage(models.TextChoices):
    EN = "en", _("English")
    RU = "ru", _("Russian")
    AR = "ar", _("Arabic")


class RegistrationSettings(SentencedConstraints):
    """How registration works for one meeting. Its row is also the lock that serialises
    approvals, so the meeting's capacity is never exceeded."""

    meeting = models.OneToOneField(
        Meeting, on_delete=models.CASCADE, related_name="registration_settings"
    )
    nomination_deadline = models.DateTimeField(_("nominations until"))
    confirmation_deadline = models.DateTimeField(_("participants confirm until"))
    capacity = models.PositiveIntegerField(
        _("capacity of the room"),
        null=True,
        blank=True,
        help_text=_("Approved participants at most; empty for no limit."),
    )
    collect_gender = models.BooleanField(
        _("ask for gender"), default=True, help_text=_("For donor reporting; optional to answer.")
    )
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("registration settings")
        verbose_name_plural = _("registration settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(confirmation_deadline__gte=models.F("nomination_deadline")),
                name="registration_confirmation_after_nomination",
            ),
        ]

    def __str__(self) -> str:
        return f"registration of {self.meeting}"


class QuotaRule(SentencedConstraints):
    """Seats (and funded seats among them) a delegation may fill in some categories.

    A rule applies to every member of a kind (participating states, observers, partner
    organisations) or to one state or organisation. Rules naming a delegation replace, for it,
    the rules of its kind. Categories no rule names are not open to that delegation.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="quota_rules")
    member_kind = models.CharField(
        _("members"), max_length=30, choices=Membership.Kind.choices, blank=True
    )
    state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    categories = models.JSONField(_("categories"), default=list)
    seats = models.PositiveSmallIntegerField(_("seats"))
    funded_seats = models.PositiveSmallIntegerField(_("funded seats among them"), default=0)

    class Meta:
        ordering = ["meeting", "id"]
        verbose_name = _("quota")
        verbose_name_plural = _("quotas")
        constraints = [
            models.CheckConstraint(
                condition=(
                    ~Q(member_kind="") & Q(state__isnull=True) & Q(organisation__isnull=True)
                )
                | (Q(member_kind="") & Q(state__isnull=False) & Q(organisation__isnull=True))
                | (Q(member_kind="") & Q(state__isnull=True) & Q(organisation__isnull=False)),
                name="quota_rule_one_scope",
            ),
            models.CheckConstraint(
                condition=Q(funded_seats__lte=models.F("seats")), name="quota_funded_within_seats"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seats} × {'/'.join(self.categories)} for {self.scope_label}"

    @property
    def category_labels(self) -> list[str]:
        return [str(Category(c).label) for c in self.categories]

    @property
    def scope_label(self) -> str:
        if self.state_id:
            return str(self.state)
        if self.organisation_id:
            return str(self.organisation)
        return str(Membership.Kind(self.member_kind).label)


class FollowUpQuestion(models.Model):
    """An extra question approved participants answer (travel, visa, diet, access), with how
    long its answers are kept."""

    class Topic(models.TextChoices):
        TRAVEL = "travel", _("Travel")
        VISA = "visa", _("Visa")
        DIETARY = "dietary", _("Dietary requirements")
        ACCESSIBILITY = "accessibility", _("Accessibility")
        OTHER = "other", _("Other")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="follow_up_questions"
    )
    topic = models.CharField(_("topic"), max_length=20, choices=Topic.choices)
    text_i18n = TranslatedField(_("question"), max_length=300)
    required = models.BooleanField(_("an answer is required"), default=False)
    retention_days = models.PositiveIntegerField(
        _("answers kept for (days after the meeting)"), default=30
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["meeting", "position", "id"]
        verbose_name = _("follow-up question")
        verbose_name_plural = _("follow-up questions")

    def __str__(self) -> str:
        return self.text_i18n.pick(settings.LANGUAGE_CODE)

    @property
    def text(self) -> Localized:
        return self.text_i18n.pick(languages=owner_languages(self, "meeting"))


class Delegation(SentencedConstraints):
    """A state's or an organisation's delegation to one meeting: the row quotas are counted
    under (locked while a nomination is added) and the holder of the nomination letter."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="delegations")
    state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.PROTECT, related_name="delegations"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="delegations"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        constraints = [
            models.CheckConstraint(
                condition=(Q(state__isnull=False) & Q(organisation__isnull=True))
                | (Q(state__isnull=True) & Q(organisation__isnull=False)),
                name="delegation_state_xor_organisation",
            ),
            models.UniqueConstraint(
                fields=["meeting", "state"],
                condition=Q(state__isnull=False),
                name="delegation_one_per_state",
            ),
            models.UniqueConstraint(
                fields=["meeting", "organisation"],
                condition=Q(organisation__isnull=False),
                name="delegation_one_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} at {self.meeting}"

    @property
    def member(self) -> State | Organisation:
        member = self.state or self.organisation
        assert member is not None  # noqa: S101 - guaranteed by delegation_state_xor_organisation
        return member

    @property
    def key(self) -> str:
        """How addresses name it: a state's ISO code (``GE``) or an organisation's slug."""
        return self.state.code if self.state else self.member.slug  # type: ignore[union-attr]  # an organisation when not a state


def letter_path(letter: NominationLetter, filename: str) -> str:
    # The stored name carries no part of the uploaded name: only ids and the version.
    delegation = letter.delegation
    return (
        f"letters/{delegation.meeting_id}/{delegation.pk}/"
        f"v{letter.version}-{letter.sha256[:12]}.{letter.extension}"
    )


class NominationLetter(SentencedConstraints):
    """The delegation's nomination letter (note verbale): uploaded once for the whole
    delegation, a new version replacing the last, verified by the secretariat."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE, related_name="letters")
    version = models.PositiveSmallIntegerField()
    file = models.FileField(upload_to=letter_path, max_length=300)
    original_name = OneLineCharField(_("file name"), max_length=255)  # NAME_MAX_BYTES
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["delegation", "-version"]
        verbose_name = _("nomination letter")
        verbose_name_plural = _("nomination letters")
        constraints = [
            models.UniqueConstraint(
                fields=["delegation", "version"], name="nomination_letter_one_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"letter v{self.version} of {self.delegation}"


class Nomination(SentencedConstraints):
    """One person put forward by their delegation for one meeting, and what became of it.

    The person's details are kept here, per meeting (a passport number is for this trip's visa
    letter), prefilled from their previous nomination, and erased field by field when their
    retention ends (``meetings.registration.erase_expired``) or on request.
    """

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="nominations")
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="nominations")
    # The nominee's account once there is one; until then the e-mail address names them.
    person = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="nominations"
    )
    category = models.CharField(_("category"), max_length=30, choices=Category.choices)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=NominationStatus.choices,
        default=NominationStatus.NOMINATED,
    )
    status_reason = models.TextField(_("reason"), blank=True)
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    funding = models.CharField(
        _("travel support"), max_length=20, choices=Funding.choices, default=Funding.NONE
    )
    funding_priority = models.PositiveSmallIntegerField(
        _("priority of the funding request"), null=True, blank=True
    )

    # Personal data: seen by the secretariat, the delegation's focal point and the person.
    email = models.EmailField(_("e-mail address"), blank=True)
    full_name = OneLineCharField(_("full name"), max_length=200, blank=True)
    title = OneLineCharField(_("title or position"), max_length=200, blank=True)
    affiliation = OneLineCharField(_("ministry or organisation"), max_length=300, blank=True)
    gender = models.CharField(_("gender"), max_length=20, choices=Gender.choices, blank=True)
    language = models.CharField(
        _("language of letters"),
        max_length=8,
        choices=LetterLanguage.choices,
        default=LetterLanguage.EN,
    )
    phone = OneLineCharField(_("phone"), max_length=50, blank=True)
    nationality = OneLineCharField(_("nationality"), max_length=100, blank=True)
    # The country whose passport the person holds (ISO 3166-1 alpha-2): letters name it in their
    # own language ("Гражданство: Грузия"), where ``nationality`` is only what was typed.
    citizenship = OneLineCharField(_("citizenship"), max_length=2, blank=True)
    # The name, title and ministry written in other scripts, by language: {"ar": {"full_name":
    # "…", "title": "…", "affiliation": "…"}, "ru": {…}}; letters in that language use them
    # (``written_in``). Cleaned by ``registration.nominations.clean_names``.
    names = models.JSONField(_("names in other languages"), default=dict, blank=True)
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    passport_number = OneLineCharField(_("passport number"), max_length=50, blank=True)
    passport_expires = models.DateField(_("passport valid until"), null=True, blank=True)
    listed_publicly = models.BooleanField(
        _("appears in the public list of participants"), default=False
    )

    nominated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    nominated_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by"
    )
    confirmed_at = models.DateTimeField(_("confirmed by the participant"), null=True, blank=True)
    checkin_token = models.CharField(max_length=64, unique=True)
    checked_in_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A client-chosen key: a double-clicked or retried submission makes one nomination.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 - NULL is "no key", which the unique constraint must not count
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    RUNNING: ClassVar[tuple[str, ...]] = RUNNING

    class Meta:
        ordering = ["meeting", "delegation", "nominated_at", "id"]
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        constraints = [
            models.UniqueConstraint(
                "meeting",
                Lower("email"),
                condition=Q(status__in=RUNNING, erased_at__isnull=True),
                name="nomination_one_running_per_person",
            ),
            models.UniqueConstraint(
                fields=["delegation"],
                condition=Q(status__in=RUNNING, category=Category.HEAD_OF_DELEGATION),
                name="nomination_one_head_per_delegation",
            ),
            models.UniqueConstraint(
                fields=["meeting", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="nomination_one_per_idempotency_key",
            ),
            models.CheckConstraint(
                condition=~Q(status=NominationStatus.WAITLISTED)
                | Q(waitlist_position__isnull=False),
                name="nomination_waitlisted_has_position",
            ),
            models.CheckConstraint(
                condition=Q(erased_at__isnull=False) | ~Q(email=""),
                name="nomination_names_a_person",
            ),
        ]
        indexes = [
            models.Index(fields=["meeting", "status"], name="nomination_meeting_status"),
            models.Index(Lower("email"), name="nomination_email"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name or _('erased person')} for {self.delegation.member}"

    @property
    def names_by_language(self) -> dict[str, dict[str, str]]:
        """``names`` as a reader gets them: each part on one line, without control characters,
        overrides or lone surrogates, however the row was written (as ``OneLineCharField``
        cleans on reading)."""
        stored = self.names if isinstance(self.names, dict) else {}
        return {
            str(language): {
                part: one_line(str(parts.get(part) or "")) for part in NAME_PARTS if parts.get(part)
            }
            for language, parts in stored.items()
            if isinstance(parts, dict)
        }

    def written_in(self, language: str) -> dict[str, str]:
        """The full name, title and ministry as a letter in ``language`` writes them: in that
        language's script where given, else as entered in Latin script."""
        own = self.names_by_language.get(language) or {}
        return {part: own.get(part) or getattr(self, part) for part in NAME_PARTS}

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING

    @property
    def is_head(self) -> bool:
        return self.category == Category.HEAD_OF_DELEGATION


class FollowUpAnswer(SentencedConstraints):
    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="follow_up_answers"
    )
    question = models.ForeignKey(FollowUpQuestion, on_delete=models.CASCADE, related_name="answers")
    answer = models.TextField(_("answer"), max_length=2000)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follow-up answer")
        verbose_name_plural = _("follow-up answers")
        constraints = [
            models.UniqueConstraint(
                fields=["nomination", "question"], name="follow_up_one_answer_per_question"
            )
        ]

    def __str__(self) -> str:
        return f"answer to {self.question} by {self.nomination}"


class CheckInUndone(models.Model):
    """An arrival recorded by mistake (a badge scanned for a colleague) and undone: who had
    checked the person in and when, and who undid it and when. The nomination itself then
    reads as not arrived."""

    nomination = models.ForeignKey(
        Nomination, on_delete=models.CASCADE, related_name="check_ins_undone"
    )
    checked_in_at = models.DateTimeField(_("arrival recorded"))
    checked_in_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undone_at = models.DateTimeField(_("undone"), default=timezone.now)
    undone_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-undone_at", "-id"]
        verbose_name = _("check-in undone")
        verbose_name_plural = _("check-ins undone")

    def __str__(self) -> str:
        return f"check-in of {self.nomination_id} undone"


class LetterKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation letter")
    VISA_SUPPORT = "visa_support", _("Visa-support letter")
    CERTIFICATE = "certificate", _("Certificate of attendance")


class LetterTemplate(SentencedConstraints):
    """The wording of a generated letter, per dialogue, kind and language, as the secretariat
    edits it; ``{placeholders}`` are filled in per participant."""

    dialogue = models.ForeignKey(
        Dialogue, on_delete=models.CASCADE, related_name="letter_templates"
    )
    kind = models.CharField(_("letter"), max_length=20, choices=LetterKind.choices)
    language = models.CharField(_("language"), max_length=8, choices=LetterLanguage.choices)
    title = OneLineCharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=20_000)
    signature = models.TextField(_("signature"), max_length=1000)
    updated_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dialogue", "kind", "language"]
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")
        constraints = [
            models.UniqueConstraint(
                fields=["dialogue", "kind", "language"], name="letter_template_one_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language}), {self.dialogue.acronym}"
