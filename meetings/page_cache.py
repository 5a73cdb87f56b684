"""The meeting page, rendered once per version of the meeting and per viewer, and kept in
Django's cache at two levels: the body (facts, session, registration, agenda, documents,
outcomes), and the whole page around it (the site's header and footer, the meeting's heading).

Rendering the body costs five times the rest of the page, and the rest as much as the site's
base template does on any page (bench/pages.py --profile); a repeat view of an unchanged meeting
only has to find it. What a body's key holds:

- **what the meeting is now**: its row's ``updated_at``, its status, and the newest event of
  the event log on ``meeting:<id>`` or under its dialogue (``dialogue:<slug>`` and every stream
  under it). Every change the page shows is published there (agenda releases, reschedules,
  documents and circulations, outcomes and silences, registration and check-in, the session),
  because the open pages rely on the same events to refresh; so a new event is a new key. Which
  side of each of the meeting's dates and deadlines it is (an entry also carries the next
  deadline its content depends on and is dropped when it passes): the page changes when a
  deadline passes, never merely because time went by.
- **who looks**: anonymous, or the person themself (their id: the body has their follow choice,
  their nominations, their delegation's requests for the floor) with a digest of their standing
  (roles with dialogue, state and organisation, superuser, verified, the two-factor wall: what
  decides the markings they may read) and their own nominations at this meeting; the language,
  the time zone and the path asked. A person's entry is theirs alone: nobody is ever served a
  page made for someone else.
- Not cached at all: the secretariat's page (the draft agenda and the transitions offered change
  without an event or with the clock) and a meeting in session (the floor changes by the
  second).

The whole page's key adds what its frame shows that changes without an event: the person's
unread count and menu, the names of the dialogue and the body. It is not kept while messages
wait to be shown (they show once). Every key ends with a digest of the release (templates and
static files): what the previous release kept is never served by the next.

The cached HTML holds a placeholder where a form's CSRF token goes; each response gets the
request's own token. The event log keeps ``EVENT_RETENTION_DAYS``: entries live a day at most,
so a key can never meet an entry made before the events that count for it were pruned.
"""

from __future__ import annotations

import collections
import datetime
import functools
import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.db import connection
from django.db.models import BigIntegerField, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from dialogue import context_processors, permissions
from dialogue.models import Dialogue
from notifications import context_processors as inbox_context
from notifications.models import Event

from .models import ActionPoint, Meeting, MeetingStatus, Outcome

logger = logging.getLogger(__name__)

# Bounds memory (and stays far below the event log's retention); never what makes a page fresh.
CACHE_SECONDS = 24 * 60 * 60
# Stands for the CSRF token in a cached body: not a token (the form would be refused).
TOKEN_PLACEHOLDER = "csrf-token-of-the-request-7f3a9c"  # noqa: S105 - a placeholder, no secret


def with_page_head(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """The versions of what the body reads, in the meeting's query (no query of their own):
    ``page_head``, the newest event on its dialogue's stream or under it (which holds
    ``meeting:<id>`` and the dialogue's other meetings); ``page_outcomes`` and
    ``page_action_points`` for the writes that publish nothing (a draft shared with the chair,
    an action point added or closed, carried over from the body's earlier meetings). Written as
    SQL: the same subqueries built from expressions cost 1.3 ms of compiling per request, more
    than the rest of the query."""
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    # S611: our own SQL below, with no input in it.
    return meetings.annotate(
        page_head=RawSQL(_HEAD_SQL, (), output_field=BigIntegerField()),  # noqa: S611
        page_outcomes=RawSQL(_OUTCOMES_SQL, (), output_field=TextField()),  # noqa: S611
        page_action_points=RawSQL(  # noqa: S611
            _ACTION_POINTS_SQL[vendor], (), output_field=TextField()
        ),
    )


_MEETING = f'"{Meeting._meta.db_table}"'
# Table and column names from the models, no input (S608).
_HEAD_SQL = (
    "SELECT coalesce(max(e.id), 0)"  # noqa: S608
    f" FROM {Event._meta.db_table} e, {Dialogue._meta.db_table} d"
    f" WHERE d.id = {_MEETING}.dialogue_id"
    " AND (e.stream = 'dialogue:' || d.slug OR e.parent_stream = 'dialogue:' || d.slug)"
)
_OUTCOMES_SQL = (
    "SELECT count(*) || ':' || coalesce(CAST(max(o.updated_at) AS TEXT), '')"  # noqa: S608
    f" FROM {Outcome._meta.db_table} o WHERE o.meeting_id = {_MEETING}.id"
)
_ACTION_POINTS_SQL = {
    "postgresql": (
        "SELECT md5(coalesce(string_agg(concat_ws('|', a.id, a.status, a.due_on,"  # noqa: S608
        " a.owner_state_id, a.owner_organisation_id, a.text_i18n::text), ',' ORDER BY a.id),"
        f" '')) FROM {ActionPoint._meta.db_table} a WHERE a.body_id = {_MEETING}.body_id"
    ),
    "sqlite": (
        "SELECT coalesce(group_concat(a.id || '|' || a.status || '|' || coalesce(a.due_on, '')"  # noqa: S608
        " || '|' || coalesce(a.owner_state_id, '') || '|' || coalesce(a.owner_organisation_id,"
        " '') || '|' || a.text_i18n, ','), '')"
        f" FROM {ActionPoint._meta.db_table} a WHERE a.body_id = {_MEETING}.body_id"
    ),
}


def body_key(request: HttpRequest, meeting: Meeting) -> str | None:
    """The key of this meeting's body as ``request``'s viewer sees it now; ``None`` when the
    body is not cached for them (the secretariat, a meeting in session)."""
    user = request.user
    if meeting.status == MeetingStatus.IN_SESSION or permissions.can_manage_meeting(user, meeting):
        return None
    head = getattr(meeting, "page_head", None)
    if head is None:  # a meeting read without ``with_page_head``: not cached
        return None
    now = timezone.now()
    passed = "".join("1" if moment <= now else "0" for moment in meeting_dates(meeting))
    parts: list[Any] = [
        meeting.pk,
        meeting.updated_at.isoformat(),
        meeting.status,
        head,
        getattr(meeting, "page_outcomes", None),
        getattr(meeting, "page_action_points", None),
        passed,
        # Reference data renamed without an event (the place names the country).
        repr(meeting.country.name_i18n) if meeting.country is not None else "",
        _viewer(request, meeting),
        translation.get_language(),
        timezone.get_current_timezone_name(),
        request.get_full_path(),
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"meeting-page:{meeting.pk}:{digest}"


def _viewer(request: HttpRequest, meeting: Meeting) -> tuple[Any, ...]:
    user = request.user
    if not user.is_authenticated:
        return ("anonymous",)
    standing = permissions.standing(user)
    own = tuple(p for p in permissions.participations(user) if p.meeting_id == meeting.pk)
    return (
        user.pk,
        user.is_active,
        standing.authenticated,
        standing.superuser,
        standing.needs_two_factor,
        tuple(sorted(standing.grants, key=repr)),
        own,
        getattr(meeting, "follow_choice", None),
    )


def meeting_dates(meeting: Meeting) -> list[datetime.datetime]:
    """The moments at which the body changes by itself: the meeting's start and end, the
    hours before it when the session may open, registration's deadlines."""
    moments = [
        meeting.starts_at - datetime.timedelta(hours=settings.SESSION_OPENS_HOURS_BEFORE),
        meeting.starts_at,
        meeting.ends_at,
    ]
    try:
        registration = meeting.registration_settings
    except Meeting.registration_settings.RelatedObjectDoesNotExist:
        registration = None
    if registration is not None:
        moments += [registration.nomination_deadline, registration.confirmation_deadline]
    return moments


def page_key(
    request: HttpRequest, meeting: Meeting, body_key: str | None, following: bool
) -> str | None:
    """The key of the whole page (the site's header and footer, the meeting's heading, around
    the body under ``body_key``) as ``request``'s viewer sees it now; ``None`` when it is not
    cached: the body is not, or messages wait to be shown."""
    if body_key is None or len(messages.get_messages(request)):
        return None
    parts = [
        body_key,
        following,
        # What the heading and the header show that changes without an event.
        meeting.dialogue.slug,
        repr(meeting.dialogue.name_i18n),
        repr(meeting.body.name_i18n),
        sorted(context_processors.navigation(request).items()),
        sorted(inbox_context.inbox(request).items()),
    ]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"meeting-page-whole:{meeting.pk}:{digest}"


def cached(
    key: str | None,
    render: Callable[[], str],
    deadlines: Callable[[], Iterable[datetime.datetime | None]] = tuple,
) -> tuple[datetime.datetime | None, str]:
    """What is kept under ``key`` and until when, else ``render()`` kept under it until the
    first of ``deadlines()`` still to come (a comment period closing). A cache that is down only
    costs time."""
    now = timezone.now()
    if key is not None:
        key = f"{key}:{_release()}"
        found = RECENT.get(key)
        if found is None:
            try:
                found = cache.get(key)
            except Exception:  # an optimisation: Redis being down must not fail a page
                logger.warning("meeting page cache unavailable", exc_info=True)
        if isinstance(found, tuple) and (found[0] is None or now < found[0]):
            RECENT.put(key, found)
            return found[0], str(found[1])
    text = render()
    until = min((d for d in deadlines() if d is not None and d > now), default=None)
    if key is not None:
        try:
            cache.set(key, (until, text), CACHE_SECONDS)
        except Exception:  # as above
            logger.warning("meeting page cache unavailable", exc_info=True)
        RECENT.put(key, (until, text))
    return until, text


@functools.cache
def _release() -> str:
    """A digest of the templates and the static files' names this process draws pages with: a
    page kept by the previous release (in the shared cache, for a day) is never served by the
    next one."""
    digest = hashlib.sha256()
    for folder in sorted(_template_folders()):
        for path in sorted(folder.rglob("*.html")):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    digest.update(static("css/site.css").encode())
    digest.update(static("js/live.js").encode())
    return digest.hexdigest()[:12]


def _template_folders() -> set[Path]:
    engines: list[dict[str, Any]] = settings.TEMPLATES
    folders = {Path(d) for engine in engines for d in engine.get("DIRS", ())}
    folders |= {Path(app.path) / "templates" for app in apps.get_app_configs()}
    return {folder for folder in folders if folder.is_dir()}


class _Recent:
    """The bodies this process served last, by key. A key names one version of the meeting
    for one viewer, so a copy here is as good as the shared cache's (and is checked against
    its deadline the same way); it saves the trip to Redis. Bounded in entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: collections.OrderedDict[str, tuple[Any, str]] = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> tuple[Any, str] | None:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def put(self, key: str, entry: tuple[Any, str]) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


RECENT = _Recent(size=200)


def with_token(request: HttpRequest, body: str) -> SafeString:
    """The body with the request's own CSRF token in its forms."""
    if TOKEN_PLACEHOLDER in body:
        body = body.replace(TOKEN_PLACEHOLDER, get_token(request))
    return mark_safe(body)  # noqa: S308 - rendered by our templates, escaped there
