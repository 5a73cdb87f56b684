"""What the live machinery asks the domain: who may follow a stream, who may see an event,
who should get it in their inbox. The answer comes from the project's permission policy,
named by ``settings.NOTIFICATIONS_POLICY``; this module only states the questions."""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Mapping
from functools import cache
from typing import Any, Protocol, TypeVar

from django.conf import settings
from django.utils.module_loading import import_string

Audience = Mapping[str, Any]
UserT = TypeVar("UserT")


class LivePolicy(Protocol):
    def can_follow(self, user: Any, stream: str) -> bool:
        """May ``user`` (possibly anonymous) follow ``stream``? Unknown streams: no."""

    def receivers(self, audience: Audience, users: Iterable[UserT]) -> list[UserT]:
        """Those of ``users`` (anonymous, or as ``reload`` gives them) who may see an event
        addressed to ``audience``, as they are now: the one question of the socket, replay,
        the HTTP fallback and the fan-out."""

    def recipients(self, stream: str, audience: Audience) -> Iterable[int]:
        """Ids of the people who should find the event in their inbox: entitled and
        following the stream (explicit follows and unfollows are applied by the caller)."""

    def fingerprint(self, user: Any) -> Hashable:
        """What entitles ``user`` (roles, verification): equal fingerprints, equal answers."""

    def prepare(self, user: Any) -> Any | None:
        """``user`` as a socket has just loaded them (with its session), with what the policy
        needs read now, so frames are filtered without the database; None when the account
        may not be used."""

    def reload(self, user_ids: Collection[int]) -> dict[int, Any]:
        """Fresh user objects with what the policy needs loaded, for sockets that hold a user
        for long; inactive or missing users are left out."""


@cache
def get_policy() -> LivePolicy:
    policy: LivePolicy = import_string(settings.NOTIFICATIONS_POLICY)
    return policy
