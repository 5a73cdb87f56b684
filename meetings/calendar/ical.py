"""Meetings as iCalendar: pure functions from meetings to bytes, and the invitation e-mails carry.

One meeting is one VEVENT whose UID never changes (``meeting-<id>@dialogue-platform``, the same
whatever host serves it), so a calendar that already has it updates the entry instead of adding
a second one. ``SEQUENCE`` is ``Meeting.sequence`` (raised by the services on every change of
time, place or status); ``LAST-MODIFIED`` is ``updated_at``. Times are written in the meeting's
own time zone with a VTIMEZONE for every TZID, so they stay right across daylight-saving changes.

Status: a draft is never exported. Announced, open or closed for registration, in session and
concluded meetings are ``CONFIRMED``; a postponed meeting is ``TENTATIVE`` (it keeps its old
dates until the secretariat sets new ones, and a calendar should show it as not certain rather
than drop it); a cancelled one is ``CANCELLED`` and stays in feeds, so that subscribed calendars
remove or strike it. Because some clients (Google Calendar among them) ignore ``STATUS`` in
subscribed feeds, the summary of a postponed or cancelled meeting also says so in words.

Agenda items (public items of the latest release that have a start time) become VEVENTs of their
own, ``meeting-<id>-item-<key>@dialogue-platform``, related to the meeting; their ``SEQUENCE``
is the meeting's plus the release number, so it grows with every release and every status
change. Internal items and the items of internal sessions are never exported.

Any stored text builds: a property is one line, so summaries, locations, the calendar's name
and a person's name are folded into one (``dialogue.text.one_line``), and descriptions keep
their line breaks and lose control characters and bidirectional overrides (``multi_line``). The
fields fold their text already; an agenda release is a JSON snapshot, and old data is old.

Feeds are byte-stable between requests: ``DTSTAMP`` is ``updated_at`` there (``now`` only in
iTIP messages, where RFC 5546 wants the time the message was made), so the same meetings give
the same bytes and the same ETag (see ``fingerprint``).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from dialogue import permissions
from dialogue.text import multi_line, one_line
from dialogue.translations import from_data
from meetings.agenda import public_items
from meetings.events import INVITING
from meetings.models import AgendaItem, AgendaRelease, Meeting, MeetingFormat, MeetingStatus
from notifications import registry

# Host-independent: moving the platform to another address must not duplicate calendar entries.
UID_DOMAIN = "dialogue-platform"
PRODID = "-//ICMPD//Dialogue platform//EN"
# Raise when the same meetings start to give different bytes (a new property, another layout),
# so that ETags and cached feeds of the old layout are not served any more.
FORMAT_VERSION = "2"
# The years the VTIMEZONE components describe: wider than any meeting the platform holds.
ZONE_FIRST_DATE = datetime.date(1990, 1, 1)
ZONE_LAST_DATE = datetime.date(2040, 1, 1)

REQUEST = "REQUEST"
CANCEL = "CANCEL"

_STATUS = {
    MeetingStatus.POSTPONED: "TENTATIVE",
    MeetingStatus.CANCELLED: "CANCELLED",
}


@dataclass(frozen=True)
class ReleasedAgenda:
    """The latest release of a meeting's agenda, as far as a calendar needs it."""

    number: int
    released_at: datetime.datetime
    items: list[dict[str, Any]]


@dataclass(frozen=True)
class SilenceDeadline:
    """A silence procedure on one of a meeting's outcomes, as its calendar event: the end of
    the silence (the moment objections close), for those who may see the draft."""

    silence_id: int
    meeting_id: int
    outcome_id: int
    outcome_title: str
    revision: int
    deadline: datetime.datetime
    status: str  # SilenceStatus
    sequence: int
    modified: datetime.datetime


def silence_uid(silence_id: int) -> str:
    return f"silence-{silence_id}@{UID_DOMAIN}"


def _silence_event(meeting: Meeting, silence: SilenceDeadline) -> Event:
    zone = _zone(meeting)
    event = Event()
    event.add("uid", silence_uid(silence.silence_id))
    event.add("sequence", silence.sequence)
    event.add("dtstamp", silence.modified)
    event.add("last-modified", silence.modified)
    event.add("dtstart", silence.deadline.astimezone(zone))
    event.add("dtend", silence.deadline.astimezone(zone))
    event.add(
        "summary",
        one_line(
            _("End of silence: %(outcome)s, Rev.%(revision)s")
            % {"outcome": silence.outcome_title, "revision": silence.revision}
        ),
    )
    event.add(
        "description",
        multi_line(_("Objections are accepted until this moment, not after.")),
    )
    event.add(
        "url",
        settings.SITE_URL.rstrip("/") + reverse("outcome_detail", args=[silence.outcome_id]),
    )
    event.add("status", "CANCELLED" if silence.status == "withdrawn" else "CONFIRMED")
    event.add("class", "PRIVATE")
    event.add("related-to", meeting_uid(meeting.pk))
    return event


def meeting_uid(meeting_id: int) -> str:
    return f"meeting-{meeting_id}@{UID_DOMAIN}"


def item_uid(meeting_id: int, key: object) -> str:
    return f"meeting-{meeting_id}-item-{key}@{UID_DOMAIN}"


def event_status(status: str) -> str:
    """The iCalendar STATUS of a meeting status (drafts are never exported)."""
    return _STATUS.get(MeetingStatus(status), "CONFIRMED")


def meeting_page_url(meeting_id: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("meeting_detail", args=[meeting_id])


def agenda_page_url(meeting_id: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("agenda", args=[meeting_id])


@functools.cache
def _vtimezone(tzid: str) -> Timezone | None:
    """The VTIMEZONE of an IANA zone, built once per process (it costs milliseconds), or None
    when icalendar does not know the zone. The component is shared, never changed."""
    try:
        zone = Timezone.from_tzid(tzid, first_date=ZONE_FIRST_DATE, last_date=ZONE_LAST_DATE)
    except ValueError:
        return None
    return _one_onset_per_rdate(zone)


def _one_onset_per_rdate(zone: Timezone) -> Timezone:
    """Rewrite each observance's onsets as one RDATE property per date, DTSTART repeated.

    icalendar lists all the onsets of an observance in one RDATE property; ical.js (the parser
    of Thunderbird's calendar, also used by web calendars) reads only the first value of each
    RDATE and ignores DTSTART once RDATE is present, and so put a meeting in Istanbul in 2027
    at UTC+2. One date per property, DTSTART included, is the same set of onsets (RFC 5545
    3.8.5.2) in a form every parser reads."""
    for observance in zone.subcomponents:
        listed = observance.pop("RDATE", None)
        if listed is None:
            continue
        onsets: list[Any] = [observance.decoded("DTSTART")]
        for prop in listed if isinstance(listed, list) else [listed]:
            onsets.extend(value.dt for value in prop.dts)
        for onset in onsets:
            observance.add("rdate", onset)
    return zone


def _zone(meeting: Meeting) -> datetime.tzinfo:
    """The meeting's zone, or UTC when it cannot be described by a VTIMEZONE."""
    if meeting.time_zone == "UTC":
        return datetime.UTC
    if _vtimezone(meeting.time_zone) is None:
        return datetime.UTC
    return zoneinfo.ZoneInfo(meeting.time_zone)


def _summary(meeting: Meeting) -> str:
    if meeting.status == MeetingStatus.POSTPONED:
        return _("Postponed: %(title)s") % {"title": meeting.title}
    if meeting.status == MeetingStatus.CANCELLED:
        return _("Cancelled: %(title)s") % {"title": meeting.title}
    return meeting.title


def _location(meeting: Meeting) -> str:
    place = meeting.place
    if meeting.format == MeetingFormat.ONLINE:
        return place or str(_("Online"))
    if meeting.format == MeetingFormat.HYBRID:
        return _("%(place)s, and online") % {"place": place} if place else str(_("Online"))
    return place


def _description(meeting: Meeting, url: str) -> str:
    lines = []
    if meeting.status == MeetingStatus.POSTPONED:
        lines.append(
            _("Postponed: %(reason)s") % {"reason": meeting.status_reason}
            if meeting.status_reason
            else _("Postponed; new dates will follow.")
        )
    elif meeting.status == MeetingStatus.CANCELLED:
        lines.append(
            _("Cancelled: %(reason)s") % {"reason": meeting.status_reason}
            if meeting.status_reason
            else _("Cancelled.")
        )
    lines.append(f"{meeting.dialogue.name} · {meeting.get_kind_display()}")
    if meeting.description:
        lines.append(meeting.description)
    lines.append(url)
    # Subscribers look here for the programme: where the agenda is, always current.
    lines.append(_("Agenda: %(url)s") % {"url": agenda_page_url(meeting.pk)})
    return "\n\n".join(lines)


def _meeting_event(
    meeting: Meeting,
    *,
    stamp: datetime.datetime,
    organizer: vCalAddress | None,
    attendee: vCalAddress | None,
) -> Event:
    zone = _zone(meeting)
    url = meeting_page_url(meeting.pk)
    event = Event()
    event.add("uid", meeting_uid(meeting.pk))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", stamp)
    event.add("created", meeting.created_at)
    event.add("last-modified", meeting.updated_at)
    event.add("dtstart", meeting.starts_at.astimezone(zone))
    event.add("dtend", meeting.ends_at.astimezone(zone))
    event.add("summary", one_line(_summary(meeting)))
    event.add("description", multi_line(_description(meeting, url)))
    location = one_line(_location(meeting))
    if location:
        event.add("location", location)
    event.add("url", url)
    event.add("status", event_status(meeting.status))
    event.add("class", "PUBLIC" if meeting.is_public else "PRIVATE")
    if organizer is not None:
        event.add("organizer", organizer)
    if attendee is not None:
        event.add("attendee", attendee)
    return event


def _item_events(meeting: Meeting, agenda: ReleasedAgenda) -> list[Event]:
    zone = _zone(meeting)
    modified = max(meeting.updated_at, agenda.released_at)
    url = meeting_page_url(meeting.pk) + "#agenda"
    events = []
    for item in public_items(agenda.items):
        if item["kind"] != AgendaItem.Kind.ITEM or not item.get("starts_at"):
            continue
        start = datetime.datetime.fromisoformat(item["starts_at"])
        end = datetime.datetime.fromisoformat(item["ends_at"]) if item.get("ends_at") else None
        title = from_data(item, "title").pick(languages=meeting.working_languages)
        event = Event()
        event.add("uid", item_uid(meeting.pk, item["key"]))
        event.add("sequence", meeting.sequence + agenda.number)
        event.add("dtstamp", modified)
        event.add("last-modified", modified)
        event.add("dtstart", start.astimezone(zone))
        if end is not None and end > start:
            event.add("dtend", end.astimezone(zone))
        event.add(
            "summary",
            one_line(
                _("%(number)s. %(title)s (%(meeting)s)")
                % {"number": item["number"], "title": title, "meeting": meeting.title}
            ),
        )
        description = from_data(item, "description").pick(languages=meeting.working_languages)
        if description:
            event.add("description", multi_line(description))
        location = one_line(", ".join(p for p in (item.get("room", ""), _location(meeting)) if p))
        if location:
            event.add("location", location)
        event.add("url", url)
        event.add("status", event_status(meeting.status))
        event.add("class", "PUBLIC" if meeting.is_public else "PRIVATE")
        event.add("related-to", meeting_uid(meeting.pk))
        events.append(event)
    return events


def latest_agendas(meeting_ids: Iterable[int]) -> dict[int, ReleasedAgenda]:
    """The latest release of each meeting's agenda, in one query."""
    latest = AgendaRelease.objects.filter(meeting_id=OuterRef("meeting_id")).order_by("-number")
    rows = AgendaRelease.objects.filter(
        meeting_id__in=list(meeting_ids), number=Subquery(latest.values("number")[:1])
    ).values_list("meeting_id", "number", "released_at", "items")
    return {
        meeting_id: ReleasedAgenda(number, released_at, items)
        for meeting_id, number, released_at, items in rows
    }


def _address(email: str, name: str = "") -> vCalAddress:
    address = vCalAddress(f"mailto:{one_line(email)}")
    # A parameter value cannot hold a double quote (RFC 5545 3.2): the name keeps its words.
    name = one_line(name).replace('"', "'")
    if name:
        address.params["CN"] = vText(name)
    return address


def organizer_address() -> vCalAddress:
    """The secretariat, as the organizer of every meeting: the address e-mails come from."""
    name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    return _address(email or settings.DEFAULT_FROM_EMAIL, name)


def meeting_calendar(
    meetings: Iterable[Meeting],
    *,
    method: str | None = None,
    include_agenda: bool = False,
    language: str = "en",
    name: str = "",
    agendas: Mapping[int, ReleasedAgenda] | None = None,
    attendee: tuple[str, str] | None = None,
    silences: Sequence[SilenceDeadline] = (),
) -> bytes:
    """The meetings as one iCalendar (RFC 5545) object, in ``language`` (Russian text falls
    back to English where it is missing).

    ``method`` makes it an iTIP message (RFC 5546 ``REQUEST`` or ``CANCEL``): then ``DTSTAMP``
    is now, the secretariat is the ORGANIZER and ``attendee`` (e-mail, name) the ATTENDEE.
    Without it the output depends on the meetings alone, byte for byte. ``include_agenda``
    adds the public items of each meeting's latest agenda release, taken from ``agendas``
    (meeting id → ``ReleasedAgenda``) or read in one query when not given. Drafts are left out.
    ``silences`` adds the end of each silence procedure given (the caller decides who may
    see them). Expects ``dialogue`` and ``country`` loaded with each meeting
    (``select_related``).
    """
    rows = [m for m in meetings if m.status != MeetingStatus.DRAFT]
    if include_agenda and agendas is None:
        agendas = latest_agendas(m.pk for m in rows)
    now = timezone.now()
    organizer = organizer_address() if method else None
    guest = _address(*attendee) if method and attendee else None
    if guest is not None:
        guest.params["ROLE"] = "REQ-PARTICIPANT"
        guest.params["RSVP"] = "FALSE"

    with translation.override(language):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        if method:
            calendar.add("method", method)
        else:
            calendar.add(
                "refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"}
            )
            calendar.add("x-published-ttl", "PT1H")
        name = one_line(name)
        if name:
            calendar.add("name", name)
            calendar.add("x-wr-calname", name)
        zones = sorted({m.time_zone for m in rows if _zone(m) is not datetime.UTC})
        for tzid in zones:
            component = _vtimezone(tzid)
            if component is not None:
                calendar.add_component(component)
        for meeting in rows:
            calendar.add_component(
                _meeting_event(
                    meeting,
                    stamp=now if method else meeting.updated_at,
                    organizer=organizer,
                    attendee=guest,
                )
            )
            agenda = agendas.get(meeting.pk) if include_agenda and agendas else None
            if agenda is not None and not method:
                for event in _item_events(meeting, agenda):
                    calendar.add_component(event)
            if not method:
                for silence in silences:
                    if silence.meeting_id == meeting.pk:
                        calendar.add_component(_silence_event(meeting, silence))
        return calendar.to_ical()


def fingerprint(
    meetings: Sequence[Meeting],
    *,
    kind: str,
    language: str,
    name: str = "",
    agendas: Mapping[int, tuple[int, datetime.datetime | None]] | None = None,
    silences: Sequence[SilenceDeadline] = (),
) -> str:
    """A hash of everything ``meeting_calendar`` reads, for an ETag and a cache key: the same
    fingerprint means the same bytes. ``agendas`` maps a meeting id to (release number, released
    at) when the agenda is included (a release never changes once made)."""
    digest = hashlib.sha256()
    parts: list[object] = [FORMAT_VERSION, kind, settings.SITE_URL, language, name]
    parts.append(agendas is not None)
    for m in meetings:
        if m.status == MeetingStatus.DRAFT:
            continue
        parts.extend(
            (
                m.pk,
                m.sequence,
                m.status,
                m.status_reason,
                m.created_at.isoformat(),
                m.updated_at.isoformat(),
                m.starts_at.isoformat(),
                m.ends_at.isoformat(),
                m.time_zone,
                m.kind,
                m.format,
                m.title_i18n,
                m.description_i18n,
                m.is_public,
                m.room,
                m.venue_name,
                m.venue_address,
                m.city_i18n,
                m.country.name_i18n if m.country else None,
                m.dialogue.name_i18n,
            )
        )
        if agendas is not None:
            number, released_at = agendas.get(m.pk, (0, None))
            parts.extend((number, released_at.isoformat() if released_at else ""))
    for silence in silences:
        parts.extend(
            (silence.silence_id, silence.sequence, silence.status, silence.deadline.isoformat())
        )
        parts.append(silence.outcome_title)
    for part in parts:
        digest.update(repr(part).encode())
        digest.update(b"\x1f")
    return digest.hexdigest()[:40]


# --- Invitations in e-mails (iTIP) -------------------------------------------------------------


def itip_attachments(event: Any, user: Any) -> list[registry.Attachment]:
    """The invitation an e-mail about a meeting event carries: ``METHOD:REQUEST`` with the
    meeting as it is when the e-mail is sent (so a burst of changes gathered in one e-mail
    carries the newest SEQUENCE), or ``METHOD:CANCEL`` once it is cancelled. Calendars that
    have the meeting update that entry. Nothing for someone who may not see the meeting."""
    meeting_id = event.data.get("meeting")
    email = getattr(user, "email", "")
    if not isinstance(meeting_id, int) or not email:
        return []
    meeting = Meeting.objects.select_related("dialogue", "country").filter(pk=meeting_id).first()
    if (
        meeting is None
        or meeting.status == MeetingStatus.DRAFT
        or not permissions.can_view_meeting(user, meeting)
    ):
        return []
    method = CANCEL if meeting.status == MeetingStatus.CANCELLED else REQUEST
    content = meeting_calendar(
        [meeting],
        method=method,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        attendee=(email, str(user)),
    )
    return [
        registry.Attachment(
            filename=f"invite-{meeting.pk}.ics",
            content=content.decode(),
            mimetype=f"text/calendar; method={method}",
        )
    ]


def attach_invitations() -> None:
    """E-mails about the events that move a meeting (``INVITING``) carry its invitation.
    Called when the app is ready, so the mail worker attaches them too."""
    for event_type in INVITING:
        registry.attach(event_type, itip_attachments)
