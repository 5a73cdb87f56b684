"""Calendar feeds: one meeting, a dialogue's meetings, a person's own meetings, and the page
where a person makes or revokes the secret address of their own feed.

Every feed reads its meetings in one query, computes an ETag from what it read (see
``ical.fingerprint``), answers a matching ``If-None-Match`` with 304 and otherwise serves
the bytes built once per version and kept in Django's cache under that ETag. The policy decides
what each requester may see; a meeting they may not see answers 404, like a missing one.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import DateTimeField, IntegerField, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from config.kept_queries import KeptQuery
from dialogue import permissions
from dialogue.http import AuthenticatedRequest
from dialogue.models import Dialogue
from meetings.models import AgendaRelease, Meeting, Silence

from . import feeds, ical

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"
# The key is the content's version, so an entry never goes stale; the timeout bounds memory.
CACHE_SECONDS = 24 * 60 * 60


def _language(request: HttpRequest, preferred: str = "") -> str:
    """``?lang=ru`` when given, else the person's (or the request's) language."""
    codes = {code for code, _name in settings.LANGUAGES}
    for candidate in (
        request.GET.get("lang", ""),
        preferred,
        translation.get_language() or "",
        settings.LANGUAGE_CODE,
    ):
        code = candidate.split("-")[0].lower()
        if code in codes:
            return code
    return "en"


class _RecentFeeds:
    """The bytes of the feeds this process served last, by their fingerprint: the same key
    always means the same bytes, so a copy here never goes stale, and a repeat skips the trip
    to Redis (a third of a cached feed's CPU). Bounded in bytes, oldest out first."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.entries: collections.OrderedDict[str, bytes] = collections.OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        with self.lock:
            data = self.entries.get(key)
            if data is not None:
                self.entries.move_to_end(key)
            return data

    def put(self, key: str, data: bytes) -> None:
        if len(data) > self.max_bytes // 4:
            return
        with self.lock:
            if key in self.entries:
                return
            self.entries[key] = data
            self.size += len(data)
            while self.size > self.max_bytes:
                _old, dropped = self.entries.popitem(last=False)
                self.size -= len(dropped)


RECENT_FEEDS = _RecentFeeds(max_bytes=16 * 1024 * 1024)


def _cached(key: str, build: Callable[[], bytes]) -> bytes:
    """The bytes of one version of a feed, built once; a cache that is down only costs time."""
    data: Any = RECENT_FEEDS.get(key)
    if data is not None:
        return bytes(data)
    cache_key = f"ics:{key}"
    try:
        data = cache.get(cache_key)
    except Exception:  # the cache is an optimisation: Redis being down must not fail a feed
        logger.warning("calendar cache unavailable", exc_info=True)
        data = None
    if not isinstance(data, bytes):
        data = build()
        try:
            cache.set(cache_key, data, CACHE_SECONDS)
        except Exception:  # as above
            logger.warning("calendar cache unavailable", exc_info=True)
    RECENT_FEEDS.put(key, data)
    return data


def _calendar_response(
    request: HttpRequest,
    *,
    key: str,
    build: Callable[[], bytes],
    last_modified: datetime.datetime | None,
    cache_control: str,
    filename: str = "",
    honour_if_modified_since: bool = True,
) -> HttpResponse:
    """The feed, or 304 Not Modified when the client already has this version.

    A feed of several meetings does not answer ``If-Modified-Since`` alone: a meeting leaving
    it (no longer visible, deleted) changes the feed without raising the newest date."""
    response = HttpResponse(content_type=CONTENT_TYPE)
    response["ETag"] = f'"{key}"'
    response["Cache-Control"] = cache_control
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    conditional = get_conditional_response(
        request,
        etag=response["ETag"],
        last_modified=int(last_modified.timestamp())
        if last_modified is not None and honour_if_modified_since
        else None,
        response=response,
    )
    if conditional is not None and conditional is not response:
        return conditional
    response.content = _cached(key, build)
    return response


def _meetings_feed(
    request: HttpRequest,
    meetings: Sequence[Meeting],
    *,
    kind: str,
    language: str,
    name: str,
    cache_control: str,
) -> HttpResponse:
    """A feed of several meetings (a dialogue's, a person's), without their agendas."""
    return _calendar_response(
        request,
        key=ical.fingerprint(meetings, kind=kind, language=language, name=name),
        build=lambda: ical.meeting_calendar(meetings, language=language, name=name),
        last_modified=max((m.updated_at for m in meetings), default=None),
        cache_control=cache_control,
        honour_if_modified_since=False,
    )


# The latest release's number and time, as SQL: built from ``Subquery`` expressions they cost
# about 1 ms of compiling per request, a third of a 304 (bench/pages.py --profile).
# Table and column names from the models, no input.
_LATEST_RELEASE = (
    f"SELECT r.{{column}} FROM {AgendaRelease._meta.db_table} r"  # noqa: S608 - see above
    f' WHERE r.meeting_id = "{Meeting._meta.db_table}"."id" ORDER BY r.number DESC LIMIT 1'
)


def _feed_meeting(include_agenda: bool, *, pk: int) -> QuerySet[Meeting]:
    meetings = Meeting.objects.select_related("dialogue", "country").filter(pk=pk)
    if include_agenda:
        meetings = meetings.annotate(
            release_number=RawSQL(  # noqa: S611 - our own SQL, no input
                _LATEST_RELEASE.format(column="number"), (), output_field=IntegerField()
            ),
            release_at=RawSQL(  # noqa: S611 - our own SQL, no input
                _LATEST_RELEASE.format(column="released_at"), (), output_field=DateTimeField()
            ),
        )
    return meetings.order_by()[:1]  # one row by its key: no ORDER BY to build


# Compiled once per process (config/kept_queries.py): the read of every feed request.
_FEED_MEETING = KeptQuery(_feed_meeting)


@require_safe
def meeting_ics(request: HttpRequest, pk: int) -> HttpResponse:
    """One meeting; ``?agenda=1`` adds the public items of its latest agenda release."""
    include_agenda = request.GET.get("agenda") == "1"
    meeting = next(iter(_FEED_MEETING.rows(include_agenda, pk=pk)), None)
    if (
        meeting is None
        or meeting.announced_at is None  # never announced: never exported
        or not permissions.can_view_meeting(request.user, meeting)
    ):
        raise Http404
    language = _language(request)
    agendas: dict[int, ical.ReleasedAgenda] = {}
    last_modified = meeting.updated_at
    number = getattr(meeting, "release_number", None)
    if include_agenda and number is not None:
        released_at: datetime.datetime = getattr(meeting, "release_at")  # noqa: B009 (annotation)
        # The items are read only to build the feed: a 304 or a cached feed needs the version.
        agendas[meeting.pk] = ical.ReleasedAgenda(number, released_at, items=[])
        last_modified = max(last_modified, released_at)
    name = _in(language, lambda: meeting.title)
    silences = _silence_deadlines(request, meeting, language)
    for s in silences:
        last_modified = max(last_modified, s.modified)
    key = ical.fingerprint(
        [meeting],
        kind="meeting",
        language=language,
        name=name,
        silences=silences,
        agendas={pk: (a.number, a.released_at) for pk, a in agendas.items()}
        if include_agenda
        else None,
    )
    return _calendar_response(
        request,
        key=key,
        build=lambda: ical.meeting_calendar(
            [meeting],
            include_agenda=include_agenda,
            agendas=_with_items(meeting.pk, agendas),
            language=language,
            name=name,
            silences=silences,
        ),
        last_modified=last_modified,
        cache_control="public, no-cache"
        if meeting.is_public and not silences
        else "private, no-cache",
        filename=f"meeting-{meeting.pk}.ics",
    )


def _silence_deadlines(
    request: HttpRequest, meeting: Meeting, language: str
) -> list[ical.SilenceDeadline]:
    """The silence procedures on the meeting's outcomes that this person may see (a draft's
    silence is for those the draft is for), newest first; one query, none for a visitor."""
    if not request.user.is_authenticated:
        return []
    rows = (
        Silence.objects.filter(outcome__meeting=meeting)
        .select_related("outcome", "revision")
        .order_by("-started_at")
    )
    found = []
    for silence in rows:
        silence.outcome.meeting = meeting
        if not permissions.can_view_outcome(request.user, silence.outcome):
            continue
        with translation.override(language):
            title = str(silence.outcome.title)
        found.append(
            ical.SilenceDeadline(
                silence_id=silence.pk,
                meeting_id=meeting.pk,
                outcome_id=silence.outcome_id,
                outcome_title=title,
                revision=silence.revision.number,
                deadline=silence.deadline,
                status=silence.status,
                sequence=silence.sequence,
                modified=silence.updated_at,
            )
        )
    return found


def _with_items(
    meeting_id: int, agendas: dict[int, ical.ReleasedAgenda]
) -> dict[int, ical.ReleasedAgenda]:
    """The release's items, read when the feed is built (one query, on a cache miss only)."""
    agenda = agendas.get(meeting_id)
    if agenda is None:
        return agendas
    items = (
        AgendaRelease.objects.filter(meeting_id=meeting_id, number=agenda.number)
        .values_list("items", flat=True)
        .first()
    )
    return {meeting_id: dataclasses.replace(agenda, items=items or [])}


def _in(language: str, text: Callable[[], str]) -> str:
    with translation.override(language):
        return text()


@require_safe
def dialogue_ics(request: HttpRequest, slug: str) -> HttpResponse:
    """A dialogue's announced (or later) meetings that the requester may see, cancelled ones
    included so that subscribed calendars mark them."""
    meetings = list(
        permissions.meetings_visible_to(request.user)
        .filter(dialogue__slug=slug)
        .filter(announced_at__isnull=False)
        .select_related("dialogue", "country")
        .order_by("starts_at", "pk")
    )
    dialogue = meetings[0].dialogue if meetings else get_object_or_404(Dialogue, slug=slug)
    if not permissions.can_view_dialogue(request.user, dialogue):
        raise Http404
    language = _language(request)
    name = _in(language, lambda: _("%(dialogue)s: meetings") % {"dialogue": dialogue.name})
    return _meetings_feed(
        request,
        meetings,
        kind="dialogue",
        language=language,
        name=name,
        cache_control="private, no-cache" if request.user.is_authenticated else "public, no-cache",
    )


@require_safe
def personal_ics(request: HttpRequest, token: str) -> HttpResponse:
    """A person's own meetings, at their secret address (no sign-in: calendar clients have
    none). An unknown or revoked address answers 404."""
    feed = feeds.feed_for_token(token)
    if feed is None:
        raise Http404
    owner = feed.user
    meetings = list(
        feeds.personal_meetings(owner)
        .select_related("dialogue", "country")
        .order_by("starts_at", "pk")
    )
    language = _language(request, preferred=owner.preferred_language)
    name = _in(language, lambda: str(_("My meetings")))
    return _meetings_feed(
        request,
        meetings,
        kind="personal",
        language=language,
        name=name,
        cache_control="private, no-cache",
    )


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def calendar_settings(request: AuthenticatedRequest) -> HttpResponse:
    """The person's own feed: make its secret address (shown once), make a new one, revoke it."""
    new_url = ""
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            _feed, token = feeds.create_feed(user=request.user)
            new_url = feeds.feed_url(token)
        elif action == "revoke":
            if feeds.revoke_feeds(user=request.user):
                messages.success(
                    request, _("Your calendar feed is stopped; its address no longer works.")
                )
            return redirect("calendar_settings")
        else:
            return HttpResponseBadRequest(_("Unknown action."))
    context = {
        "feed": feeds.active_feed_of(request.user),
        "new_url": new_url,
        "webcal_url": new_url.replace("https://", "webcal://", 1).replace(
            "http://", "webcal://", 1
        ),
    }
    return render(request, "meetings/calendar_settings.html", context)


urlpatterns: list[URLPattern] = [
    path("meetings/<int:pk>/calendar.ics", meeting_ics, name="meeting_calendar"),
    path("dialogues/<slug:slug>/calendar.ics", dialogue_ics, name="dialogue_calendar"),
    path("calendar/<str:token>.ics", personal_ics, name="personal_calendar"),
    path("calendar/", calendar_settings, name="calendar_settings"),
]
