"""The permission policy's answers to the live machinery (``notifications.policy.LivePolicy``).

Streams are an open set: each app registers the prefixes it publishes on (the dialogue app
registers ``dialogue:`` and ``user:``, meetings add ``meeting:``). Who may receive an event is
``dialogue.audiences``: each app registers its audience kinds there; the constructors of the
dialogue app's own kinds are below.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Mapping
from typing import Any

from django.db.models import QuerySet

from notifications import registry

from . import audiences, permissions
from .audiences import UserT
from .models import Dialogue, Role, User
from .permissions import AnyUser

# stream prefix → may this user follow the stream with this key?
STREAM_RULES: dict[str, Callable[[AnyUser | None, str], bool]] = {}
# stream prefix → people who follow it unless they opted out
STREAM_FOLLOWERS: dict[str, Callable[[str], QuerySet[User]]] = {}


def _dialogue_members(slug: str) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        pk__in=Role.objects.active().filter(dialogue__slug=slug).values("user_id"),
    )


STREAM_RULES["dialogue"] = lambda user, key: Dialogue.objects.filter(slug=key).exists()
STREAM_FOLLOWERS["dialogue"] = _dialogue_members
STREAM_RULES["user"] = lambda user, key: (
    key.isdigit() and permissions.is_signed_in_as(user, int(key))
)
STREAM_FOLLOWERS["user"] = lambda key: User.objects.filter(pk=int(key), is_active=True)


def audience_public() -> audiences.PublicAudience:
    return {"kind": "public"}


def audience_dialogue_members(dialogue: Dialogue) -> audiences.DialogueMembersAudience:
    return {"kind": "dialogue_members", "dialogue": dialogue.pk}


def audience_secretariat(dialogue: Dialogue) -> audiences.SecretariatAudience:
    return {"kind": "secretariat", "dialogue": dialogue.pk}


class DialogueLivePolicy:
    def can_follow(self, user: AnyUser | None, stream: str) -> bool:
        prefix, _, key = stream.partition(":")
        rule = STREAM_RULES.get(prefix)
        return bool(key) and rule is not None and rule(user, key)

    def receivers(self, audience: Mapping[str, Any], users: Iterable[UserT]) -> list[UserT]:
        return audiences.receivers(audience, users)

    def recipients(self, stream: str, audience: Mapping[str, Any]) -> Iterable[int]:
        prefix, _, key = stream.partition(":")
        followers = STREAM_FOLLOWERS.get(prefix)
        ids: set[int] = set()
        if followers:
            people = followers(key)
            narrow = audiences.candidates(audience)
            if narrow is not None:
                people = people.filter(narrow)
            ids = set(people.values_list("pk", flat=True))
        ids |= audiences.addressees(audience)
        return [user.pk for user in self.receivers(audience, permissions.load_users(ids).values())]

    def fingerprint(self, user: AnyUser | None) -> Hashable:
        return permissions.standing(user)

    def prepare(self, user: AnyUser) -> AnyUser | None:
        if not user.is_active:
            return None
        permissions.forget(user)
        permissions.standing(user)  # the address and TOTP came with the user: one query
        return user

    def reload(self, user_ids: Collection[int]) -> dict[int, Any]:
        return dict(permissions.load_users(user_ids))


policy = DialogueLivePolicy()


def _dialogue_label(slug: str) -> str:
    dialogue = Dialogue.objects.filter(slug=slug).first()
    return dialogue.name if dialogue else slug


def _dialogue_filters(user: AnyUser | None) -> list[tuple[str, str]]:
    s = permissions.standing(user)
    ids = {g.dialogue_id for g in s.grants}
    dialogues = Dialogue.objects.all() if s.superuser else Dialogue.objects.filter(pk__in=ids)
    return [(f"dialogue:{d.slug}", d.name) for d in dialogues]


registry.register_stream("dialogue", label=_dialogue_label, filters=_dialogue_filters)
