"""The dialogues, their bodies, members, office-holders, people and roles.

Models hold fields, constraints and small properties; writes go through ``dialogue.services``.
Memberships, offices and roles are never overwritten: they end (``valid_until``, ``ends_on``,
``revoked_at``) and a new row starts, so the history stays readable.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .constraints import SentencedConstraints
from .fields import OneLineCharField
from .translations import Localized, TranslatedField, Translations, in_text, owner_languages

TIME_ZONE_CHOICES = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class TranslatedNameMixin:
    """``name`` in the reader's language (``dialogue.translations``), with the owner's working
    languages as the fallback when the owner is loaded."""

    name_i18n: Translations
    languages_from: ClassVar[str | None] = None

    @property
    def name(self) -> Localized:
        owner = (
            owner_languages(self, self.languages_from)  # type: ignore[arg-type]
            if self.languages_from
            else []
        )
        return self.name_i18n.pick(languages=owner or getattr(self, "working_languages", ()))


class Dialogue(TranslatedNameMixin, models.Model):
    slug = models.SlugField(_("slug"), unique=True)
    name_i18n = TranslatedField(_("name"), max_length=200)
    acronym = OneLineCharField(_("symbol prefix"), max_length=10, help_text=_("e.g. BP, PP"))
    founded = OneLineCharField(_("founded"), max_length=40, blank=True)
    description_i18n = TranslatedField(_("description"), multiline=True, blank=True)
    languages = models.JSONField(
        _("working languages"), default=list, help_text=_('ISO 639-1 codes, e.g. ["en", "ru"]')
    )
    sources = models.JSONField(_("sources"), default=list, blank=True)

    class Meta:
        ordering = [in_text("name_i18n")]
        verbose_name = _("dialogue")
        verbose_name_plural = _("dialogues")

    def __str__(self) -> str:
        return self.name_i18n.pick(settings.LANGUAGE_CODE)

    @property
    def working_languages(self) -> list[str]:
        return list(self.languages or ())

    @property
    def description(self) -> Localized:
        return self.description_i18n.pick(languages=self.working_languages)


class ThematicArea(TranslatedNameMixin, SentencedConstraints):
    languages_from = "dialogue"
    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="thematic_areas")
    name_i18n = TranslatedField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["dialogue", "position"]
        verbose_name = _("thematic area")
        verbose_name_plural = _("thematic areas")
        constraints = [
            models.UniqueConstraint("dialogue", in_text("name_i18n"), name="thematic_area_unique")
        ]

    def __str__(self) -> str:
        return self.name_i18n.pick(settings.LANGUAGE_CODE)


class Body(TranslatedNameMixin, SentencedConstraints):
    class Kind(models.TextChoices):
        MINISTERIAL_CONFERENCE = "ministerial_conference", _("Ministerial conference")
        SENIOR_OFFICIALS_MEETING = "senior_officials_meeting", _("Senior officials' meeting")
        WORKING_GROUP = "working_group", _("Working group")
        STRATEGIC_GROUP = "strategic_group", _("Strategic group")
        REFERENCE_GROUP = "reference_group", _("Reference group")
        FRIENDS_OF_THE_CHAIR = "friends_of_the_chair", _("Friends of the chair")
        CONTACT_POINT_NETWORK = "contact_point_network", _("National contact point network")

    languages_from = "dialogue"
    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="bodies")
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    name_i18n = TranslatedField(_("name"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    thematic_areas = models.ManyToManyField(
        ThematicArea, blank=True, related_name="bodies", verbose_name=_("thematic areas")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["dialogue", "position", in_text("name_i18n")]
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        constraints = [
            models.UniqueConstraint("dialogue", in_text("name_i18n"), name="body_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name_i18n.pick(settings.LANGUAGE_CODE)} ({self.dialogue.acronym})"


class State(TranslatedNameMixin, SentencedConstraints):
    code = models.CharField(
        _("ISO 3166-1 alpha-2 code"), max_length=2, unique=True, help_text=_("e.g. GE")
    )
    name_i18n = TranslatedField(_("name"), max_length=120)

    class Meta:
        ordering = [in_text("name_i18n")]
        verbose_name = _("state")
        verbose_name_plural = _("states")
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^[A-Z]{2}$"), name="state_code_two_capitals"
            )
        ]

    def __str__(self) -> str:
        return self.name_i18n.pick(settings.LANGUAGE_CODE)


class Organisation(TranslatedNameMixin, models.Model):
    class Kind(models.TextChoices):
        EU_INSTITUTION = "eu_institution", _("EU institution")
        EU_AGENCY = "eu_agency", _("EU agency")
        UN_AGENCY = "un_agency", _("UN agency or related organisation")
        INTERNATIONAL = "international_organisation", _("International organisation")
        PRESIDENCY = "presidency", _("Presidency")

    slug = models.SlugField(_("slug"), unique=True)
    short = OneLineCharField(_("acronym"), max_length=30, blank=True)
    name_i18n = TranslatedField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)

    class Meta:
        ordering = [in_text("name_i18n")]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self) -> str:
        return self.short or self.name_i18n.pick(settings.LANGUAGE_CODE)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.short})" if self.short else self.name


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self, on: datetime.date | None = None) -> MembershipQuerySet:
        day = on or timezone.localdate()
        return self.filter(valid_from__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )


class Membership(SentencedConstraints):
    """A state's or an organisation's part in a dialogue over a period."""

    class Kind(models.TextChoices):
        PARTICIPATING = "participating", _("Participating state")
        OBSERVER = "observer", _("Observer")
        PARTNER = "partner_organisation", _("Partner organisation")

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="memberships")
    state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    source = models.URLField(_("source"), blank=True, max_length=500)

    objects: ClassVar[MembershipQuerySet] = MembershipQuerySet.as_manager()  # type: ignore[assignment]  # a typed QuerySet manager

    class Meta:
        ordering = ["dialogue", "valid_from"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.CheckConstraint(
                condition=(Q(state__isnull=False) & Q(organisation__isnull=True))
                | (Q(state__isnull=True) & Q(organisation__isnull=False)),
                name="membership_state_xor_organisation",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="membership_ends_after_start",
            ),
            # At most one open-ended membership per member and dialogue; a change ends it first.
            models.UniqueConstraint(
                fields=["dialogue", "state"],
                condition=Q(valid_until__isnull=True, state__isnull=False),
                name="membership_one_open_per_state",
            ),
            models.UniqueConstraint(
                fields=["dialogue", "organisation"],
                condition=Q(valid_until__isnull=True, organisation__isnull=False),
                name="membership_one_open_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} in {self.dialogue.acronym} ({self.get_kind_display()})"

    @property
    def member(self) -> State | Organisation:
        member = self.state or self.organisation
        assert member is not None  # noqa: S101 - guaranteed by membership_state_xor_organisation
        return member

    def is_current(self, on: datetime.date | None = None) -> bool:
        day = on or timezone.localdate()
        return self.valid_from <= day and (self.valid_until is None or self.valid_until >= day)


class Office(SentencedConstraints):
    """Chair, co-chair or rapporteur of a dialogue or one of its bodies, held by a state."""

    class Kind(models.TextChoices):
        CHAIR = "chair", _("Chair")
        CO_CHAIR = "co_chair", _("Co-chair")
        RAPPORTEUR = "rapporteur", _("Rapporteur")

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="offices")
    body = models.ForeignKey(
        Body, null=True, blank=True, on_delete=models.CASCADE, related_name="offices"
    )
    kind = models.CharField(_("office"), max_length=20, choices=Kind.choices)
    state = models.ForeignKey(State, on_delete=models.PROTECT, related_name="offices")
    starts_on = models.DateField(_("term starts"), null=True, blank=True)
    ends_on = models.DateField(_("term ends"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["dialogue", "body", "kind"]
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True)
                | Q(starts_on__isnull=True)
                | Q(ends_on__gte=models.F("starts_on")),
                name="office_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        where = self.body if self.body else self.dialogue
        return f"{self.get_kind_display()} of {where}: {self.state}"

    def is_current(self, on: datetime.date | None = None) -> bool:
        day = on or timezone.localdate()
        started = self.starts_on is None or self.starts_on <= day
        return started and (self.ends_on is None or self.ends_on >= day)


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_queryset(self) -> models.QuerySet[User]:
        """Every loaded person says whether their address is verified (``email_verified``)
        and whether they have a second factor, TOTP or a passkey (``two_factor_set_up``): the
        permission policy needs both
        on every request and at every socket's connect, and here they cost no query."""
        from django.apps import apps

        addresses = apps.get_model("account", "EmailAddress").objects.filter(
            user_id=models.OuterRef("pk"), verified=True
        )
        authenticators = apps.get_model("mfa", "Authenticator").objects.filter(
            user_id=models.OuterRef("pk"), type__in=("totp", "webauthn")
        )
        return (
            super()
            .get_queryset()
            .annotate(
                email_verified=models.Exists(addresses),
                two_factor_set_up=models.Exists(authenticators),
            )
        )

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_superuser", True)
        extra.setdefault("is_staff", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person; logs in with their e-mail address."""

    class Language(models.TextChoices):
        EN = "en", _("English")
        RU = "ru", _("Russian")
        AR = "ar", _("Arabic")

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = OneLineCharField(_("full name"), max_length=200, blank=True)
    title = OneLineCharField(
        _("title or position"), max_length=200, blank=True, help_text=_("e.g. Head of Division")
    )
    affiliation = OneLineCharField(_("ministry or organisation"), max_length=300, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=Language.choices, default=Language.EN
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="Europe/Vienna"
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Django's admin login form checks is_staff; the policy decides what the admin then shows.
    is_staff = models.BooleanField(_("admin access"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class RoleKind(models.TextChoices):
    SECRETARIAT_ADMIN = "secretariat_admin", _("Secretariat administrator")
    SECRETARIAT_STAFF = "secretariat_staff", _("Secretariat staff")
    CHAIR = "chair", _("Chair")
    FOCAL_POINT = "focal_point", _("National focal point")
    DELEGATE = "delegate", _("Delegate")
    OBSERVER = "observer", _("Observer (organisation)")


SECRETARIAT_ROLES = frozenset({RoleKind.SECRETARIAT_ADMIN, RoleKind.SECRETARIAT_STAFF})
STATE_ROLES = frozenset({RoleKind.FOCAL_POINT, RoleKind.DELEGATE, RoleKind.CHAIR})


class RoleQuerySet(models.QuerySet["Role"]):
    def active(self) -> RoleQuerySet:
        return self.filter(revoked_at__isnull=True)


class Role(SentencedConstraints):
    """What a person is in one dialogue. Revoked, never deleted."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="roles")
    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(_("role"), max_length=30, choices=RoleKind.choices)
    state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.PROTECT, related_name="roles"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="roles"
    )
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    granted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects: ClassVar[RoleQuerySet] = RoleQuerySet.as_manager()  # type: ignore[assignment]  # a typed QuerySet manager

    class Meta:
        ordering = ["dialogue", "kind"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["focal_point", "delegate"])
                    & Q(state__isnull=False)
                    & Q(organisation__isnull=True)
                )
                | (Q(kind="observer") & Q(state__isnull=True) & Q(organisation__isnull=False))
                | (Q(kind="chair") & Q(state__isnull=False) & Q(organisation__isnull=True))
                | (
                    Q(kind__in=["secretariat_admin", "secretariat_staff"])
                    & Q(state__isnull=True)
                    & Q(organisation__isnull=True)
                ),
                name="role_scope_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["user", "dialogue", "kind"],
                condition=Q(revoked_at__isnull=True),
                name="role_one_active_per_kind",
            ),
        ]

    def __str__(self) -> str:
        scope = self.state or self.organisation
        suffix = f" ({scope})" if scope else ""
        return f"{self.get_kind_display()}{suffix}, {self.dialogue.acronym}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Invitation(SentencedConstraints):
    """An invitation to sign up with one role, locked to one e-mail address, expiring."""

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail address"))
    kind = models.CharField(_("role"), max_length=30, choices=RoleKind.choices)
    state = models.ForeignKey(
        State, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    full_name = OneLineCharField(_("full name"), max_length=200, blank=True)
    # Only the SHA-256 of the token is stored: a leaked table cannot be replayed.
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"))
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["dialogue", "email", "kind"],
                condition=Q(accepted_at__isnull=True, withdrawn_at__isnull=True),
                name="invitation_one_pending_per_address_and_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} as {self.get_kind_display()} ({self.dialogue.acronym})"

    @property
    def is_pending(self) -> bool:
        return (
            self.accepted_at is None
            and self.withdrawn_at is None
            and self.expires_at > timezone.now()
        )


class Announcement(models.Model):
    """A message from the secretariat to a dialogue's members (or to everyone)."""

    class Audience(models.TextChoices):
        MEMBERS = "members", _("Members of the dialogue")
        PUBLIC = "public", _("Everyone (public)")

    dialogue = models.ForeignKey(Dialogue, on_delete=models.CASCADE, related_name="announcements")
    title_i18n = TranslatedField(_("title"), max_length=200)
    body_i18n = TranslatedField(_("text"), max_length=5000, multiline=True)
    audience = models.CharField(
        _("audience"), max_length=20, choices=Audience.choices, default=Audience.MEMBERS
    )
    posted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    posted_at = models.DateTimeField(_("posted"), default=timezone.now)
    # A client-chosen key that makes a double-clicked or retried post create one announcement.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        ordering = ["-posted_at", "-id"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self) -> str:
        return self.title_i18n.pick(settings.LANGUAGE_CODE)

    @property
    def title(self) -> Localized:
        return self.title_i18n.pick(languages=owner_languages(self, "dialogue"))

    @property
    def body(self) -> Localized:
        return self.body_i18n.pick(languages=owner_languages(self, "dialogue"))


# API tokens live beside the API's door (``dialogue/api/``); named here so Django finds them.
from .api.models import ApiToken as ApiToken  # noqa: E402  (after the models its keys name)
from .api.models import Scope as Scope  # noqa: E402

# The permanent record lives beside its helper (``dialogue/audit/``); named here for Django.
from .audit.models import AuditAction as AuditAction  # noqa: E402
from .audit.models import AuditEntry as AuditEntry  # noqa: E402
