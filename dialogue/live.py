"""The permission policy's answers to the live machinery (``notifications.policy.LivePolicy``).

Streams and audiences are open sets: each app registers the kinds it publishes (the dialogue
app registers ``dialogue:``/``user:`` streams and the audiences below; meetings add theirs).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable
from typing import Any

from django.db.models import Q, QuerySet

from notifications import registry

from . import permissions
from .models import Dialogue, Role, User
from .permissions import AnyUser

Audience = dict[str, Any]

# stream prefix → may this user follow the stream with this key?
STREAM_RULES: dict[str, Callable[[AnyUser | None, str], bool]] = {}
# stream prefix → people who follow it unless they opted out
STREAM_FOLLOWERS: dict[str, Callable[[str], QuerySet[User]]] = {}
# audience kind → may this user see an event with this audience?
AUDIENCE_RULES: dict[str, Callable[[AnyUser | None, Audience], bool]] = {}
# audience kind → people an event is about, who hear of it whether or not they follow its stream
AUDIENCE_ADDRESSEES: dict[str, Callable[[Audience], Iterable[int]]] = {}
# audience kind → a filter of users holding everyone the rule may admit (and maybe more): the
# followers are narrowed by it in the database before each is loaded and asked the rule
AUDIENCE_CANDIDATES: dict[str, Callable[[Audience], Q]] = {}


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

AUDIENCE_RULES["public"] = lambda user, audience: True
AUDIENCE_RULES["dialogue_members"] = lambda user, audience: permissions.is_member_of_dialogue_id(
    user, audience["dialogue"]
)
AUDIENCE_RULES["secretariat"] = lambda user, audience: permissions.is_secretariat_of_dialogue_id(
    user, audience["dialogue"]
)
AUDIENCE_RULES["user"] = lambda user, audience: permissions.is_signed_in_as(user, audience["user"])
AUDIENCE_CANDIDATES["secretariat"] = lambda audience: permissions.role_holders(
    permissions.SECRETARIAT_ROLES, dialogue_id=audience["dialogue"]
)
AUDIENCE_CANDIDATES["user"] = lambda audience: Q(pk=audience["user"])


def audience_public() -> Audience:
    return {"kind": "public"}


def audience_dialogue_members(dialogue: Dialogue) -> Audience:
    return {"kind": "dialogue_members", "dialogue": dialogue.pk}


def audience_secretariat(dialogue: Dialogue) -> Audience:
    return {"kind": "secretariat", "dialogue": dialogue.pk}


def audience_user(user: User) -> Audience:
    return {"kind": "user", "user": user.pk}


class DialogueLivePolicy:
    def can_follow(self, user: AnyUser | None, stream: str) -> bool:
        prefix, _, key = stream.partition(":")
        rule = STREAM_RULES.get(prefix)
        return bool(key) and rule is not None and rule(user, key)

    def can_receive(self, user: AnyUser | None, audience: Audience) -> bool:
        if user is not None and user.is_authenticated and not user.is_active:
            return False
        rule = AUDIENCE_RULES.get(audience.get("kind", ""))
        return rule is not None and rule(user, audience)

    def recipients(self, stream: str, audience: Audience) -> Iterable[int]:
        prefix, _, key = stream.partition(":")
        followers = STREAM_FOLLOWERS.get(prefix)
        addressees = AUDIENCE_ADDRESSEES.get(audience.get("kind", ""))
        narrow = AUDIENCE_CANDIDATES.get(audience.get("kind", ""))
        ids: set[int] = set()
        if followers:
            people = followers(key)
            if narrow:
                people = people.filter(narrow(audience))
            ids = set(people.values_list("pk", flat=True))
        ids |= set(addressees(audience)) if addressees else set()
        users = permissions.load_users(ids)
        return [uid for uid, user in users.items() if self.can_receive(user, audience)]

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
