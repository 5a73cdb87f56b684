"""Announcements: the secretariat's messages to a dialogue, delivered live, in the inbox and
by e-mail."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notifications import registry
from notifications.models import Channel, Event
from notifications.publishing import publish

from . import live, permissions
from .models import Announcement, Dialogue, User
from .permissions import AnyUser
from .translations import Translations, from_data, missing_first

ANNOUNCEMENT_POSTED = "announcement.posted"

ANNOUNCEMENTS = registry.register_category(
    "announcements", gettext_lazy("Announcements"), Channel.IN_APP
)


def _describe(event: Event) -> registry.Description:
    return registry.Description(
        title=from_data(event.data, "title").pick(),
        text=event.data["excerpt"],
        url=event.data["url"],
    )


@dataclass(frozen=True)
class AnnouncementPosted:
    id: int
    title: str  # in the site's first language (or the dialogue's first)
    title_i18n: dict[str, str]
    excerpt: str  # the first 200 characters of the text
    url: str


registry.register(
    ANNOUNCEMENT_POSTED,
    category=ANNOUNCEMENTS,
    describe=_describe,
    payload=AnnouncementPosted,
)


def can_post(user: AnyUser | None, dialogue: Dialogue) -> bool:
    return permissions.is_secretariat(user, dialogue)


def visible_announcements(user: AnyUser | None, dialogue: Dialogue) -> QuerySet[Announcement]:
    announcements = dialogue.announcements.select_related("posted_by")
    if permissions.is_member_of(user, dialogue):
        return announcements
    return announcements.filter(audience=Announcement.Audience.PUBLIC)


def _per_language(text: str | Mapping[str, str], dialogue: Dialogue) -> Translations:
    """A text per language; one plain text is in the dialogue's first working language."""
    if isinstance(text, str):
        return Translations({(dialogue.languages or [settings.LANGUAGE_CODE])[0]: text})
    return Translations.of(text)


def post_announcement(
    *,
    by: User,
    dialogue: Dialogue,
    title: str | Mapping[str, str],
    body: str | Mapping[str, str],
    audience: str = Announcement.Audience.MEMBERS,
    idempotency_key: str | None = None,
) -> Announcement:
    """Post an announcement to ``dialogue`` and publish ``announcement.posted`` on its stream.

    The same ``idempotency_key`` posted again returns the first announcement and publishes
    nothing. Raises ``PermissionDenied`` (not the dialogue's secretariat) or ``ValidationError``.
    """
    if not can_post(by, dialogue):
        raise PermissionDenied
    titles, texts = _per_language(title, dialogue), _per_language(body, dialogue)
    if missing_first(titles, dialogue.languages) or missing_first(texts, dialogue.languages):
        raise ValidationError(
            _("An announcement needs a title and a text, at least in %(language)s.")
            % {"language": missing_first(Translations(), dialogue.languages)}
        )
    if any(len(t) > 200 for t in titles.values()) or any(len(t) > 5000 for t in texts.values()):
        raise ValidationError(_("A title has at most 200 characters, a text 5000."))
    if audience not in Announcement.Audience.values:
        raise ValidationError(_("Unknown audience."))
    if idempotency_key:
        existing = Announcement.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    try:
        with transaction.atomic():
            announcement = Announcement.objects.create(
                dialogue=dialogue,
                title_i18n=titles,
                body_i18n=texts,
                audience=audience,
                posted_by=by,
                idempotency_key=idempotency_key or None,
            )
            publish(
                stream=f"dialogue:{dialogue.slug}",
                type=ANNOUNCEMENT_POSTED,
                actor_id=by.pk,
                audience=live.audience_public()
                if audience == Announcement.Audience.PUBLIC
                else live.audience_dialogue_members(dialogue),
                data={
                    "id": announcement.pk,
                    "title": titles.pick(settings.LANGUAGE_CODE, dialogue.languages),
                    "title_i18n": titles.as_dict(),
                    "excerpt": texts.pick(settings.LANGUAGE_CODE, dialogue.languages)[:200],
                    "url": reverse("dialogue_detail", args=[dialogue.slug])
                    + f"#announcement-{announcement.pk}",
                },
            )
    except IntegrityError:
        # The same key committed by a concurrent request first: that one is the result.
        if idempotency_key:
            return Announcement.objects.get(idempotency_key=idempotency_key)
        raise
    return announcement
