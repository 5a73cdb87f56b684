"""Documents as the secretariat thinks of them: a symbol in a series (``BP/SOM/2026/3``), a
type, a title in the dialogue's languages, a distribution marking that decides who may see it,
language versions with their revisions, and circulations with a receipt per recipient.

Writes go through ``documents.services``; who may see what is answered by
``dialogue.permissions`` (``documents_visible_to``, ``can_view_document``).
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue.constraints import SentencedConstraints
from dialogue.fields import OneLineCharField
from dialogue.models import Dialogue, Organisation, State, User
from dialogue.translations import Localized, TranslatedField, owner_languages
from dialogue.uploads import INLINE_SAFE
from meetings.models import AgendaItem, Delegation, Meeting, Nomination


class DocumentKind(models.TextChoices):
    AGENDA = "agenda", _("Agenda")
    ANNOTATED_AGENDA = "annotated_agenda", _("Annotated agenda")
    CONCEPT_NOTE = "concept_note", _("Concept note")
    BACKGROUND_PAPER = "background_paper", _("Background paper")
    PRESENTATION = "presentation", _("Presentation")
    DRAFT_CONCLUSIONS = "draft_conclusions", _("Draft conclusions")
    CONCLUSIONS = "conclusions", _("Conclusions")
    CHAIR_SUMMARY = "chair_summary", _("Chair's summary")
    REPORT = "report", _("Report")
    LIST_OF_PARTICIPANTS = "list_of_participants", _("List of participants")
    NOTE_VERBALE = "note_verbale", _("Note verbale")
    STATEMENT = "statement", _("Written statement")
    OTHER = "other", _("Other")


class Marking(models.TextChoices):
    """Who may see a document (``dialogue.permissions.documents_visible_to``)."""

    PUBLIC = "public", _("Public")
    PARTICIPANTS = "participants", _("Participants of the meeting")
    MEMBER_STATES = "member_states", _("Member states only")
    DELEGATIONS = "delegations", _("Named delegations only")
    INTERNAL = "internal", _("Internal")


class Language(models.TextChoices):
    """Languages a document may come in (a dialogue works in some of them)."""

    EN = "en", _("English")
    RU = "ru", _("Russian")
    AR = "ar", _("Arabic")
    FR = "fr", _("French")
    DE = "de", _("German")
    TR = "tr", _("Turkish")
    FA = "fa", _("Persian")
    UR = "ur", _("Urdu")


def document_storage() -> Storage:
    """The storage of document files: ``STORAGES["documents"]`` (local files by default; any
    Django storage, e.g. S3-compatible, by configuration)."""
    return storages["documents"]


class SymbolCounter(SentencedConstraints):
    """The last number given in a dialogue's series and year, locked while the next is taken,
    so two uploads at once never get the same symbol."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="+")
    series = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dialogue", "series", "year"], name="symbol_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.series}/{self.year}: {self.last_number}"


def _label(choices: type[models.TextChoices], value: str) -> str:
    """The label of one choice (the value itself when it is not, or no longer, a choice)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value


class Document(SentencedConstraints):
    dialogue = models.ForeignKey(Dialogue, on_delete=models.PROTECT, related_name="documents")
    meeting = models.ForeignKey(
        Meeting,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="documents",
        verbose_name=_("meeting"),
    )
    agenda_item = models.ForeignKey(
        AgendaItem,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="documents",
        verbose_name=_("agenda item"),
    )
    kind = models.CharField(_("type"), max_length=30, choices=DocumentKind.choices)
    series = OneLineCharField(_("series"), max_length=20)
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    symbol = models.CharField(_("symbol"), max_length=60)
    title_i18n = TranslatedField(_("title"), max_length=300)
    marking = models.CharField(_("distribution"), max_length=20, choices=Marking.choices)
    # Only for the "named delegations" marking: the states and organisations it is for.
    named_states = models.ManyToManyField(
        State, blank=True, related_name="+", verbose_name=_("states")
    )
    named_organisations = models.ManyToManyField(
        Organisation, blank=True, related_name="+", verbose_name=_("organisations")
    )
    shared_with_chair = models.BooleanField(_("shared with the chair"), default=False)
    # A written statement: the delegation that submitted it (``documents.statements``).
    delegation = models.ForeignKey(
        Delegation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statements",
        verbose_name=_("submitted by"),
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    withdrawn_reason = OneLineCharField(_("reason"), max_length=300, blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["dialogue", "-year", "series", "-number"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            models.UniqueConstraint(fields=["dialogue", "symbol"], name="document_symbol_unique"),
            models.CheckConstraint(
                condition=~Q(marking="participants") | Q(meeting__isnull=False),
                name="document_participants_need_a_meeting",
            ),
        ]
        indexes = [models.Index(fields=["meeting", "marking"], name="document_meeting_marking")]

    def __str__(self) -> str:
        return f"{self.symbol} {self.title_i18n.pick(settings.LANGUAGE_CODE)}"

    @property
    def title(self) -> Localized:
        owner = owner_languages(self, "meeting") or owner_languages(self, "dialogue")
        return self.title_i18n.pick(languages=owner)

    # Django's own get_FOO_display hashes every choice's lazy label (translating each) to find
    # one: a library page of 20 documents spent some 500 translations on them.
    def get_kind_display(self) -> str:  # type: ignore[no-redef]  # replaces Django's, see above
        return _label(DocumentKind, self.kind)

    def get_marking_display(self) -> str:  # type: ignore[no-redef]  # replaces Django's, see above
        return _label(Marking, self.marking)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def stream(self) -> str:
        """Where its events go: the meeting's stream, else the dialogue's."""
        if self.meeting_id:
            return f"meeting:{self.meeting_id}"
        return f"dialogue:{self.dialogue.slug}"


def revision_path(revision: Revision, filename: str) -> str:
    # The stored name carries no part of the uploaded name: ids, language, number, digest.
    return (
        f"documents/{revision.document.dialogue_id}/{revision.document_id}/"
        f"{revision.language}-r{revision.number}-{revision.sha256[:12]}.{revision.extension}"
    )


class Revision(SentencedConstraints):
    """One file of a language version of a document. The highest number of a language is its
    current text; the earlier ones stay reachable, superseded."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="revisions")
    language = models.CharField(_("language"), max_length=8, choices=Language.choices)
    number = models.PositiveSmallIntegerField(_("revision"))
    file = models.FileField(upload_to=revision_path, storage=document_storage, max_length=300)
    original_name = OneLineCharField(_("file name"), max_length=255)  # NAME_MAX_BYTES
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    note = OneLineCharField(_("what changed"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document", "language", "-number"]
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "language", "number"], name="revision_one_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.document.symbol} ({self.language}) r{self.number}"

    @property
    def can_preview(self) -> bool:
        """An image or plain text, which the browser may show (sandboxed) when asked."""
        return self.content_type in INLINE_SAFE

    @property
    def download_name(self) -> str:
        """``BP-SOM-2026-3_ru_r2.pdf``: the symbol, the language and the revision."""
        symbol = self.document.symbol.replace("/", "-")
        return f"{symbol}_{self.language}_r{self.number}.{self.extension}"


class TextStatus(models.TextChoices):
    """What became of reading a revision's text (``documents.extraction``)."""

    PENDING = "pending", _("Waiting to be read")
    DONE = "done", _("Text read")
    EMPTY = "empty", _("No text found (a scan or an image?)")
    UNSUPPORTED = "unsupported", _("Its text is not read (type)")
    TOO_LARGE = "too_large", _("Too large to read its text")
    FAILED = "failed", _("Its text could not be read")


class RevisionText(models.Model):
    """The text read from one revision's file, kept per language version and revision: the
    library searches the current revision's of each language (``documents.search``)."""

    revision = models.OneToOneField(
        Revision, primary_key=True, on_delete=models.CASCADE, related_name="text"
    )
    status = models.CharField(max_length=20, choices=TextStatus.choices, default=TextStatus.PENDING)
    text = models.TextField(blank=True)
    # The text stops at TEXT_EXTRACTION_MAX_CHARS characters.
    cut = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True)
    # A worker that took it: no other takes it before CLAIM_TIMEOUT has passed.
    claimed_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("text of a revision")
        verbose_name_plural = _("texts of revisions")
        indexes = [
            models.Index(
                fields=["claimed_at"],
                condition=Q(status="pending"),
                name="revision_text_pending",
            )
        ]

    def __str__(self) -> str:
        return f"text of revision {self.revision_id}: {self.status}"


class Audience(models.TextChoices):
    PARTICIPANTS = "participants", _("Registered participants of the meeting")
    FOCAL_POINTS = "focal_points", _("Focal points of the dialogue")
    DELEGATIONS = "delegations", _("Named delegations")


class Circulation(models.Model):
    """Documents sent by the secretariat to an audience, with a message and an optional
    deadline for comments; each recipient has a ``Receipt``."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.PROTECT, related_name="circulations")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="circulations"
    )
    documents = models.ManyToManyField(Document, related_name="circulations")
    audience = models.CharField(_("to"), max_length=20, choices=Audience.choices)
    named_states = models.ManyToManyField(State, blank=True, related_name="+")
    named_organisations = models.ManyToManyField(Organisation, blank=True, related_name="+")
    message = models.TextField(_("message"), max_length=5000, blank=True)
    comments_until = models.DateTimeField(_("comments until"), null=True, blank=True)
    # People of the audience left out because a document's marking does not let them see it.
    left_out = models.PositiveIntegerField(default=0)
    # Who they are, as ``[{"name", "delegation", "reason"}]`` (``documents.reach``), for receipts.
    left_out_people = models.JSONField(default=list, blank=True)
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    # A client-chosen key: a double-clicked or retried submission circulates once.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("circulation")
        verbose_name_plural = _("circulations")

    def __str__(self) -> str:
        return f"circulation {self.pk} of {self.dialogue.acronym}"

    @property
    def stream(self) -> str:
        if self.meeting_id:
            return f"meeting:{self.meeting_id}"
        return f"dialogue:{self.dialogue.slug}"


class Receipt(SentencedConstraints):
    """What became of a circulation at one recipient: delivered, opened (first view or
    download of one of its documents), acknowledged (an explicit button)."""

    circulation = models.ForeignKey(Circulation, on_delete=models.CASCADE, related_name="receipts")
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="receipts")
    # The recipient's delegation when it was sent (their approved nomination's, else their role's).
    state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivered_at = models.DateTimeField(default=timezone.now)
    opened_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    reminders = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["circulation", "state", "organisation", "recipient"]
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        constraints = [
            models.UniqueConstraint(
                fields=["circulation", "recipient"], name="receipt_one_per_recipient"
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient"], condition=Q(opened_at__isnull=True), name="receipt_unopened"
            )
        ]

    def __str__(self) -> str:
        return f"receipt of {self.recipient_id} for circulation {self.circulation_id}"

    @property
    def delegation(self) -> State | Organisation | None:
        return self.state or self.organisation


class MailedCopy(models.Model):
    """A circulation written by e-mail (through the outbox) to an approved participant who has
    no account yet: the links to the documents and an invitation to open them. Its outbox row
    says whether the message has gone."""

    circulation = models.ForeignKey(
        Circulation, on_delete=models.CASCADE, related_name="mailed_copies"
    )
    nomination = models.ForeignKey(
        Nomination, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    full_name = OneLineCharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"))
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
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["circulation", "state", "organisation", "full_name"]
        verbose_name = _("copy sent by e-mail")
        verbose_name_plural = _("copies sent by e-mail")

    def __str__(self) -> str:
        return f"e-mailed copy of circulation {self.circulation_id} to {self.email}"

    @property
    def delegation(self) -> State | Organisation | None:
        return self.state or self.organisation
