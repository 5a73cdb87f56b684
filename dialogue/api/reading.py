"""Who reads, in which language, and how often: the API's authentication, language and rate
limit, asked before every endpoint (``config/api.py`` wires them in).

- ``Authorization: Bearer <secret>`` names a token (``dialogue.api.tokens``); no header reads as
  an anonymous visitor; a header that names no usable token (unknown, revoked, expired, held by
  a deactivated person) answers 401, never the anonymous answer.
- ``?lang=ru`` (or ``Accept-Language``) picks the language of translated fields.
- Each token (each address, without one) may make ``API_RATE_LIMIT`` requests per window; the
  next answers 429 with ``Retry-After``. Counted in the default cache, as the login limits are.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer
from ninja.throttling import BaseThrottle

from dialogue import permissions
from dialogue.models import User

from . import tokens
from .models import ApiToken, Scope

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=Model)
# Scopes that read as the token's holder rather than as an anonymous visitor.
PERSONAL_SCOPES = frozenset({Scope.DELEGATION.value, Scope.SECRETARIAT.value})


@dataclass(frozen=True)
class Reader:
    """Who an API request reads as. ``viewer`` is the person the policy is asked about: the
    token's holder when a scope reads their data, else an anonymous visitor."""

    person: User | None = None
    scopes: frozenset[str] = frozenset()
    dialogue_id: int | None = None
    token: ApiToken | None = field(default=None, compare=False)

    @property
    def viewer(self) -> permissions.AnyUser:
        if self.person is not None and self.scopes & PERSONAL_SCOPES:
            return self.person
        return AnonymousUser()

    def reads(self, scope: Scope) -> bool:
        return self.person is not None and scope.value in self.scopes

    def within(self, rows: QuerySet[M], dialogue_field: str = "dialogue_id") -> QuerySet[M]:
        """``rows`` narrowed to a service token's dialogue (all of them otherwise)."""
        if self.dialogue_id is None:
            return rows
        return rows.filter(**{dialogue_field: self.dialogue_id})

    def rate_key(self, request: HttpRequest) -> str:
        if self.token is not None:
            return f"token:{self.token.token_hash[:24]}"
        return f"address:{request.META.get('REMOTE_ADDR', '')}"


ANONYMOUS = Reader()


class InvalidToken(AuthenticationError):
    def __init__(self) -> None:
        super().__init__(401, str(_("The token is unknown, revoked or expired.")))


class TokenBearer(HttpBearer):
    """``Authorization: Bearer dlg_…``; without the header, an anonymous reader."""

    def __call__(self, request: HttpRequest) -> Reader:
        _choose_language(request)
        header = request.headers.get("Authorization", "")
        if not header:
            return ANONYMOUS
        scheme, _space, secret = header.partition(" ")
        if scheme.lower() != "bearer":
            raise InvalidToken
        reader = self.authenticate(request, secret.strip())
        if reader is None:
            raise InvalidToken
        return reader

    def authenticate(self, request: HttpRequest, token: str) -> Reader | None:
        found = tokens.token_for_secret(token)
        if found is None:
            return None
        tokens.note_use(found)
        return Reader(
            person=found.user,
            scopes=frozenset(found.scopes),
            dialogue_id=found.dialogue_id,
            token=found,
        )


def _choose_language(request: HttpRequest) -> None:
    """``?lang=`` wins; else what the request asks as the pages read it (``Accept-Language``,
    or the language cookie a browser sends), never a signed-in person's saved preference: the
    API answers the request, not a session."""
    asked = request.GET.get("lang", "")
    known = dict(settings.LANGUAGES)
    if asked not in known:
        asked = translation.get_language_from_request(request)
        if asked not in known:
            asked = settings.LANGUAGE_CODE
    translation.activate(asked)
    request.LANGUAGE_CODE = asked


def reader_of(request: HttpRequest) -> Reader:
    reader = getattr(request, "auth", None)
    return reader if isinstance(reader, Reader) else ANONYMOUS


def _parse_rate(rate: str) -> tuple[int, int]:
    """ "600/m" → (600, 60)."""
    count, _slash, period = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[:1]]
    return int(count), seconds


class PerTokenLimit(BaseThrottle):
    """A fixed window per token (per address without one), counted in the default cache. The
    cache not answering lets the request through: a rate limit is no reason to refuse reads."""

    def __init__(self) -> None:
        self._last = threading.local()  # the wait of this thread's last refusal

    def allow_request(self, request: HttpRequest) -> bool:
        reader = reader_of(request)
        rate = settings.API_RATE_LIMIT if reader.token else settings.API_ANONYMOUS_RATE_LIMIT
        limit, window = _parse_rate(rate)
        now = time.time()
        start = int(now // window) * window
        key = f"api-rate:{reader.rate_key(request)}:{start}"
        try:
            cache.add(key, 0, timeout=window + 1)
            count = cache.incr(key)
        except Exception:  # a cache that does not answer: let the read through
            logger.warning("API rate limit not counted: the cache did not answer", exc_info=True)
            return True
        if count > limit:
            self._last.wait = max(1.0, start + window - now)
            return False
        return True

    def wait(self) -> float | None:
        wait: float | None = getattr(self._last, "wait", None)
        return wait
