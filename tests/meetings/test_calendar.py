"""Calendars: every output read back by two independent parsers, ical.js (the parser of
Thunderbird's calendar, run with Node.js) and Python's icalendar."""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from dialogue.models import Body, User
from meetings import agenda, services
from meetings.calendar import feeds as calendar_feeds
from meetings.calendar import ical as calendar
from meetings.models import CalendarFeed, Meeting
from notifications.inbox import set_preferences
from notifications.mail import send_due
from notifications.models import Channel
from tests.conftest import World, _missing, client_for
from tests.factories import StateFactory
from tests.node_tools import JS_DIR, node_module

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
# 09:00 in Istanbul (UTC+3 all year) is 06:00 UTC.
ISTANBUL_NINE = datetime.datetime(2027, 5, 12, 6, 0, tzinfo=UTC)

ParseJs = Callable[[bytes], dict[str, Any]]


# --- Parsers ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ical_js() -> ParseJs:
    """Parse with ical.js through ``tests/js/parse_ics.mjs``; installs it once when missing."""
    node = shutil.which("node")
    if node is None:
        _missing("needs Node.js (`node`) to run ical.js")
    assert node is not None
    node_module("ical.js")

    def parse(content: bytes) -> dict[str, Any]:
        done = subprocess.run(
            [node, str(JS_DIR / "parse_ics.mjs")],
            input=content,
            capture_output=True,
            check=False,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr.decode()
        result: dict[str, Any] = json.loads(done.stdout)
        return result

    return parse


def read_both(content: bytes, ical_js: ParseJs) -> tuple[dict[str, Any], Calendar]:
    """Both parsers' readings, after checking what every output must have."""
    parsed = ical_js(content)
    python = Calendar.from_ical(content)
    assert parsed["version"] == "2.0"
    assert python.get_missing_tzids() == set()
    for event in parsed["events"]:
        assert event["uid"]
        assert isinstance(event["sequence"], int)
        assert event["status"] in {"CONFIRMED", "TENTATIVE", "CANCELLED"}
        assert event["lastModified"]
        if event["tzid"]:
            # ical.js resolved the TZID against the file's own VTIMEZONE (not local time).
            assert event["tzid"] in parsed["timezones"]
            assert event["startZone"] == event["tzid"]
    for event in python.walk("VEVENT"):
        assert {"UID", "SEQUENCE", "STATUS", "LAST-MODIFIED", "DTSTAMP", "DTSTART"} <= set(event)
    return parsed, python


def by_uid(parsed: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["uid"]: e for e in parsed["events"]}


# --- Meetings -----------------------------------------------------------------------------------


@pytest.fixture
def staff(world: World) -> User:
    return world.person("secretariat_staff")


@pytest.fixture
def body(world: World) -> Body:
    return Body.objects.create(
        dialogue=world.dialogue, kind=Body.Kind.SENIOR_OFFICIALS_MEETING, name_i18n={"en": "SOM"}
    )


@pytest.fixture
def make_meeting(world: World, staff: User, body: Body) -> Callable[..., Meeting]:
    def make(
        *,
        announce: bool = True,
        starts_at: datetime.datetime = ISTANBUL_NINE,
        hours: float = 8,
        **fields: Any,
    ) -> Meeting:
        # A title given in some languages changes those and keeps the others.
        title = {
            "en": "Senior Officials' Meeting",
            "ru": "Совещание старших должностных лиц",
            **fields.pop("title", {}),
        }
        values: dict[str, Any] = {
            "kind": "senior_officials_meeting",
            "title": title,
            "time_zone": "Europe/Istanbul",
            "venue_name": "Conference centre",
            "city": {"en": "Istanbul"},
            "country": StateFactory(code="TR", name_i18n={"en": "Türkiye", "ru": "Турция"}),
            "format": "hybrid",
            "online_url": "https://meet.example.org/secret-room",
            **fields,
        }
        meeting = services.schedule_meeting(
            by=staff,
            dialogue=world.dialogue,
            body=body,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=hours),
            **values,
        )
        if announce:
            meeting = services.transition(by=staff, meeting=meeting, to="announced")
        return meeting

    return make


def ics_url(meeting: Meeting, query: str = "") -> str:
    return f"/meetings/{meeting.pk}/calendar.ics{query}"


def get_ics(client: Client, url: str, **headers: str) -> Any:
    return client.get(url, headers=headers)


# --- One meeting --------------------------------------------------------------------------------


def test_meeting_ics_reads_back_in_both_parsers_at_the_right_utc_instant(
    make_meeting: Callable[..., Meeting], ical_js: ParseJs
) -> None:
    meeting = make_meeting()
    response = Client().get(ics_url(meeting))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    parsed, python = read_both(response.content, ical_js)
    [event] = parsed["events"]
    assert event["uid"] == f"meeting-{meeting.pk}@dialogue-platform"
    assert event["sequence"] == meeting.sequence == 1
    assert event["status"] == "CONFIRMED"
    assert event["tzid"] == "Europe/Istanbul"
    assert parsed["timezones"] == ["Europe/Istanbul"]
    assert event["start"] == "2027-05-12T06:00:00.000Z"
    assert event["end"] == "2027-05-12T14:00:00.000Z"
    assert event["lastModified"] == meeting.updated_at.replace(microsecond=0).isoformat().replace(
        "+00:00", ".000Z"
    )
    assert event["summary"] == "Senior Officials' Meeting"
    assert event["location"] == "Conference centre, Istanbul, Türkiye, and online"
    assert event["url"] == f"{settings.SITE_URL.rstrip('/')}/meetings/{meeting.pk}/"
    assert parsed["method"] is None
    [vevent] = python.walk("VEVENT")
    start = vevent.decoded("DTSTART")
    assert (start.hour, str(start.tzinfo)) == (9, "Europe/Istanbul")
    assert start.astimezone(UTC) == ISTANBUL_NINE
    assert str(vevent["UID"]) == event["uid"]
    assert [tz["TZID"] for tz in python.walk("VTIMEZONE")] == ["Europe/Istanbul"]


def test_meeting_ics_never_carries_the_online_link(
    make_meeting: Callable[..., Meeting], world: World
) -> None:
    meeting = make_meeting()
    response = client_for(world.people["secretariat_staff"]).get(ics_url(meeting))
    assert b"secret-room" not in response.content


def test_reschedule_raises_sequence_and_keeps_the_uid(
    make_meeting: Callable[..., Meeting], staff: User, ical_js: ParseJs
) -> None:
    meeting = make_meeting()
    before = by_uid(read_both(Client().get(ics_url(meeting)).content, ical_js)[0])
    moved = services.change_meeting(
        by=staff, meeting=meeting, starts_at=ISTANBUL_NINE + datetime.timedelta(hours=5)
    )
    after = by_uid(read_both(Client().get(ics_url(meeting)).content, ical_js)[0])
    assert list(after) == list(before)
    [uid] = after
    assert after[uid]["sequence"] == before[uid]["sequence"] + 1 == moved.sequence
    assert after[uid]["start"] == "2027-05-12T11:00:00.000Z"
    assert after[uid]["lastModified"] >= before[uid]["lastModified"]


def test_cancellation_yields_status_cancelled(
    make_meeting: Callable[..., Meeting], staff: User, ical_js: ParseJs
) -> None:
    meeting = make_meeting()
    services.transition(
        by=staff, meeting=meeting, to="cancelled", reason="Venue unavailable", confirm=True
    )
    parsed, python = read_both(Client().get(ics_url(meeting)).content, ical_js)
    [event] = parsed["events"]
    assert event["status"] == "CANCELLED"
    assert event["sequence"] == 2
    assert event["summary"] == "Cancelled: Senior Officials' Meeting"
    assert "Venue unavailable" in event["description"]
    assert str(python.walk("VEVENT")[0]["STATUS"]) == "CANCELLED"


def test_postponed_meeting_is_tentative(
    make_meeting: Callable[..., Meeting], staff: User, ical_js: ParseJs
) -> None:
    meeting = make_meeting()
    services.transition(by=staff, meeting=meeting, to="postponed", reason="Elections")
    [event] = read_both(Client().get(ics_url(meeting)).content, ical_js)[0]["events"]
    assert (event["status"], event["summary"]) == (
        "TENTATIVE",
        "Postponed: Senior Officials' Meeting",
    )


def test_local_times_are_right_across_a_daylight_saving_change(
    make_meeting: Callable[..., Meeting], world: World, ical_js: ParseJs
) -> None:
    # Vienna moves from UTC+1 to UTC+2 on Sunday 28 March 2027.
    vienna = {"time_zone": "Europe/Vienna", "city": "Vienna", "country": None}
    before = make_meeting(starts_at=datetime.datetime(2027, 3, 26, 8, 0, tzinfo=UTC), **vienna)
    after = make_meeting(starts_at=datetime.datetime(2027, 3, 29, 7, 0, tzinfo=UTC), **vienna)
    across = make_meeting(
        starts_at=datetime.datetime(2027, 3, 27, 8, 0, tzinfo=UTC), hours=54, **vienna
    )
    content = Client().get(f"/dialogues/{world.dialogue.slug}/calendar.ics").content
    assert b"DTSTART;TZID=Europe/Vienna:20270326T090000" in content
    assert b"DTSTART;TZID=Europe/Vienna:20270329T090000" in content
    assert b"DTEND;TZID=Europe/Vienna:20270329T160000" in content
    parsed, python = read_both(content, ical_js)
    events = by_uid(parsed)
    assert parsed["timezones"] == ["Europe/Vienna"]
    assert events[calendar.meeting_uid(before.pk)]["start"] == "2027-03-26T08:00:00.000Z"
    assert events[calendar.meeting_uid(after.pk)]["start"] == "2027-03-29T07:00:00.000Z"
    assert events[calendar.meeting_uid(across.pk)]["start"] == "2027-03-27T08:00:00.000Z"
    assert events[calendar.meeting_uid(across.pk)]["end"] == "2027-03-29T14:00:00.000Z"
    starts = {str(e["UID"]): e.decoded("DTSTART").astimezone(UTC) for e in python.walk("VEVENT")}
    assert starts[calendar.meeting_uid(after.pk)] == datetime.datetime(2027, 3, 29, 7, tzinfo=UTC)


def test_summary_in_russian_falls_back_to_english(
    make_meeting: Callable[..., Meeting], ical_js: ParseJs
) -> None:
    russian = make_meeting()
    english_only = make_meeting(title={"ru": ""})
    [event] = ical_js(Client().get(ics_url(russian, "?lang=ru")).content)["events"]
    assert event["summary"] == "Совещание старших должностных лиц"
    [event] = ical_js(Client().get(ics_url(english_only, "?lang=ru")).content)["events"]
    assert event["summary"] == "Senior Officials' Meeting"


def test_location_in_russian_names_the_city_and_country_in_russian_once_given(
    make_meeting: Callable[..., Meeting], staff: User, ical_js: ParseJs
) -> None:
    meeting = make_meeting()
    [event] = ical_js(Client().get(ics_url(meeting, "?lang=ru")).content)["events"]
    assert event["location"] == "Conference centre, Istanbul, Турция, а также онлайн"
    services.change_meeting(by=staff, meeting=meeting, city={"en": "Istanbul", "ru": "Стамбул"})
    [event] = ical_js(Client().get(ics_url(meeting, "?lang=ru")).content)["events"]
    assert event["location"] == "Conference centre, Стамбул, Турция, а также онлайн"
    [event] = ical_js(Client().get(ics_url(meeting)).content)["events"]
    assert event["location"] == "Conference centre, Istanbul, Türkiye, and online"


# --- Who may fetch what -------------------------------------------------------------------------


def test_anonymous_cannot_fetch_a_members_only_meeting(
    make_meeting: Callable[..., Meeting], world: World
) -> None:
    meeting = make_meeting(is_public=False)
    assert Client().get(ics_url(meeting)).status_code == 404
    assert (
        client_for(world.people["secretariat_staff_other"]).get(ics_url(meeting)).status_code == 404
    )
    response = client_for(world.people["delegate_a"]).get(ics_url(meeting))
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert b"CLASS:PRIVATE" in response.content


def test_a_draft_is_never_exported(make_meeting: Callable[..., Meeting], world: World) -> None:
    draft = make_meeting(announce=False, title={"en": "Draft SOM"})
    assert client_for(world.people["secretariat_staff"]).get(ics_url(draft)).status_code == 404
    feed = client_for(world.people["secretariat_staff"]).get(
        f"/dialogues/{world.dialogue.slug}/calendar.ics"
    )
    assert b"Draft SOM" not in feed.content


def test_internal_agenda_items_are_never_in_the_ics(
    make_meeting: Callable[..., Meeting], staff: User, world: World, ical_js: ParseJs
) -> None:
    meeting = make_meeting()
    agenda.add_item(by=staff, meeting=meeting, title={"en": "Opening"}, starts_at=ISTANBUL_NINE)
    agenda.add_item(
        by=staff,
        meeting=meeting,
        title={"en": "Secret budget talk"},
        internal=True,
        starts_at=ISTANBUL_NINE + datetime.timedelta(hours=1),
    )
    session = agenda.add_item(
        by=staff, meeting=meeting, kind="session", title={"en": "Closed session"}, internal=True
    )
    agenda.add_item(
        by=staff,
        meeting=meeting,
        parent=session,
        title={"en": "Inside the closed session"},
        starts_at=ISTANBUL_NINE + datetime.timedelta(hours=2),
    )
    agenda.release_agenda(by=staff, meeting=meeting, note="v1")
    for role in ("anonymous", "delegate_a", "secretariat_staff"):
        content = client_for(world.people[role]).get(ics_url(meeting, "?agenda=1")).content
        assert b"Secret budget" not in content
        assert b"Closed session" not in content
        assert b"Inside the closed" not in content
        events = read_both(content, ical_js)[0]["events"]
        assert [e["summary"] for e in events] == [
            "Senior Officials' Meeting",
            "1. Opening (Senior Officials' Meeting)",
        ]
        item = events[1]
        assert item["relatedTo"] == calendar.meeting_uid(meeting.pk)
        assert item["start"] == "2027-05-12T06:00:00.000Z"
        assert item["uid"].startswith(f"meeting-{meeting.pk}-item-")


def _agenda_of(meeting: Meeting, staff: User, size: int) -> None:
    for n in range(size):
        agenda.add_item(
            by=staff,
            meeting=meeting,
            title={"en": f"Item {n}"},
            starts_at=ISTANBUL_NINE + datetime.timedelta(minutes=5 * n),
            duration_minutes=5,
        )
    agenda.release_agenda(by=staff, meeting=meeting, note="v1")


@pytest.mark.parametrize("role", ["anonymous", "delegate_a"])
def test_ics_query_count_is_small_and_the_same_at_1_and_100_items(
    make_meeting: Callable[..., Meeting], staff: User, world: World, role: str
) -> None:
    counts = []
    for size in (1, 100):
        meeting = make_meeting(is_public=role == "anonymous")
        _agenda_of(meeting, staff, size)
        client = client_for(world.people[role])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(ics_url(meeting, "?agenda=1"))
        assert response.status_code == 200
        assert response.content.count(b"BEGIN:VEVENT") == size + 1
        counts.append(len(queries))
    # Building the feed (a cache miss): the session and person, the meeting with its release's
    # number, the silences the reader may see (none asked for a visitor), the release's items.
    assert counts[0] == counts[1] <= (6 if role == "delegate_a" else 5)


def test_feeds_cost_a_few_queries_whatever_their_size(
    make_meeting: Callable[..., Meeting], world: World, django_assert_max_num_queries: Any
) -> None:
    member = client_for(world.people["delegate_a"])
    feed = f"/dialogues/{world.dialogue.slug}/calendar.ics"
    make_meeting()
    with CaptureQueriesContext(connection) as one:
        member.get(feed)
    for n in range(20):
        make_meeting(starts_at=ISTANBUL_NINE + datetime.timedelta(days=n + 1), is_public=n % 2)
    with CaptureQueriesContext(connection) as many:
        response = member.get(feed)
    assert response.content.count(b"BEGIN:VEVENT") == 21
    assert len(one) == len(many) <= 5
    _feed, token = calendar_feeds.create_feed(user=world.person("delegate_a"))
    with django_assert_max_num_queries(5):
        assert Client().get(f"/calendar/{token}.ics").status_code == 200


# --- Conditional requests and the cache ---------------------------------------------------------


def test_repeat_request_with_the_etag_gets_304_until_the_meeting_changes(
    make_meeting: Callable[..., Meeting], staff: User
) -> None:
    meeting = make_meeting()
    client = Client()
    first = client.get(ics_url(meeting))
    second = client.get(ics_url(meeting))
    assert first["ETag"] == second["ETag"]
    assert first["ETag"].startswith('"')
    assert first.content == second.content
    assert first["Last-Modified"]
    repeat = client.get(ics_url(meeting), headers={"If-None-Match": first["ETag"]})
    assert repeat.status_code == 304
    assert repeat.content == b""
    assert repeat["ETag"] == first["ETag"]
    since = client.get(ics_url(meeting), headers={"If-Modified-Since": first["Last-Modified"]})
    assert since.status_code == 304

    services.change_meeting(by=staff, meeting=meeting, room="Hall B")
    changed = client.get(ics_url(meeting), headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert b"Hall B" in changed.content


def test_the_etag_differs_by_language_and_agenda(make_meeting: Callable[..., Meeting]) -> None:
    meeting = make_meeting()
    client = Client()
    etags = {client.get(ics_url(meeting, query))["ETag"] for query in ("", "?lang=ru", "?agenda=1")}
    assert len(etags) == 3


def test_a_new_agenda_release_changes_the_etag_of_the_agenda_ics(
    make_meeting: Callable[..., Meeting], staff: User
) -> None:
    meeting = make_meeting()
    _agenda_of(meeting, staff, 2)
    client = Client()
    first = client.get(ics_url(meeting, "?agenda=1"))
    agenda.add_item(
        by=staff, meeting=meeting, title={"en": "Late addition"}, starts_at=ISTANBUL_NINE
    )
    agenda.release_agenda(by=staff, meeting=meeting, note="v2")
    second = client.get(ics_url(meeting, "?agenda=1"), headers={"If-None-Match": first["ETag"]})
    assert second.status_code == 200
    assert b"Late addition" in second.content


def test_a_repeat_request_is_served_from_the_cache_not_rebuilt(
    make_meeting: Callable[..., Meeting], monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = make_meeting()
    builds = []
    real = calendar.meeting_calendar

    def counting(*args: Any, **kwargs: Any) -> bytes:
        builds.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(calendar, "meeting_calendar", counting)
    responses = [Client().get(ics_url(meeting)) for _ in range(3)]
    assert len(builds) == 1
    assert len({r.content for r in responses}) == 1


def test_the_feed_is_served_when_the_cache_is_down(
    make_meeting: Callable[..., Meeting], monkeypatch: pytest.MonkeyPatch
) -> None:
    meeting = make_meeting()

    def down(*args: Any, **kwargs: Any) -> None:
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    response = Client().get(ics_url(meeting))
    assert response.status_code == 200
    assert b"BEGIN:VEVENT" in response.content


# --- The dialogue's feed ------------------------------------------------------------------------


def test_dialogue_feed_shows_what_the_requester_may_see_and_keeps_cancelled_meetings(
    make_meeting: Callable[..., Meeting], staff: User, world: World, ical_js: ParseJs
) -> None:
    public = make_meeting(title={"en": "Public SOM"})
    members = make_meeting(title={"en": "Members-only SOM"}, is_public=False)
    make_meeting(title={"en": "Draft SOM"}, announce=False)
    cancelled = make_meeting(title={"en": "Cancelled SOM"})
    services.transition(
        by=staff, meeting=cancelled, to="cancelled", reason="No quorum", confirm=True
    )
    url = f"/dialogues/{world.dialogue.slug}/calendar.ics"

    anonymous = read_both(Client().get(url).content, ical_js)[0]
    assert set(by_uid(anonymous)) == {
        calendar.meeting_uid(public.pk),
        calendar.meeting_uid(cancelled.pk),
    }
    assert by_uid(anonymous)[calendar.meeting_uid(cancelled.pk)]["status"] == "CANCELLED"

    member = read_both(client_for(world.people["delegate_a"]).get(url).content, ical_js)[0]
    assert calendar.meeting_uid(members.pk) in by_uid(member)
    assert len(member["events"]) == 3
    assert Client().get("/dialogues/no-such-dialogue/calendar.ics").status_code == 404


def test_dialogue_feed_is_byte_stable_and_answers_304(make_meeting: Callable[..., Meeting]) -> None:
    meeting = make_meeting()
    client = Client()
    url = f"/dialogues/{meeting.dialogue.slug}/calendar.ics"
    first = client.get(url)
    assert client.get(url).content == first.content
    assert client.get(url, headers={"If-None-Match": first["ETag"]}).status_code == 304


# --- The personal feed --------------------------------------------------------------------------


def test_personal_feed_address_is_shown_once_then_works_until_revoked(
    make_meeting: Callable[..., Meeting], world: World, ical_js: ParseJs
) -> None:
    meeting = make_meeting(is_public=False)
    person = world.person("focal_point_a")
    browser = client_for(person)
    page = browser.post("/calendar/", {"action": "create"})
    assert page.status_code == 200
    url = page.context["new_url"]
    path = url.removeprefix(settings.SITE_URL.rstrip("/"))
    assert path.startswith("/calendar/")
    assert path.endswith(".ics")
    token = path.removeprefix("/calendar/").removesuffix(".ics")
    assert CalendarFeed.objects.get(user=person).token_hash == calendar_feeds.hash_token(token)
    assert not CalendarFeed.objects.filter(token_hash=token).exists()  # only the hash is kept
    assert token not in browser.get("/calendar/").content.decode()  # shown once

    feed = Client().get(path)  # a calendar client: no session
    assert feed.status_code == 200
    assert "private" in feed["Cache-Control"]
    [event] = read_both(feed.content, ical_js)[0]["events"]
    assert event["uid"] == calendar.meeting_uid(meeting.pk)
    assert Client().get(path, headers={"If-None-Match": feed["ETag"]}).status_code == 304

    renewed = browser.post("/calendar/", {"action": "create"}).context["new_url"]
    assert Client().get(path).status_code == 404  # the old address is revoked
    new_path = renewed.removeprefix(settings.SITE_URL.rstrip("/"))
    assert Client().get(new_path).status_code == 200
    assert browser.post("/calendar/", {"action": "revoke"}).status_code == 302
    assert Client().get(new_path).status_code == 404
    assert CalendarFeed.objects.filter(user=person, revoked_at__isnull=True).count() == 0


def test_revoked_personal_feed_answers_404(world: World) -> None:
    person = world.person("delegate_a")
    _feed, token = calendar_feeds.create_feed(user=person)
    feed = Client().get(f"/calendar/{token}.ics")
    assert feed.status_code == 200
    calendar_feeds.revoke_feeds(user=person)
    assert Client().get(f"/calendar/{token}.ics").status_code == 404
    # A calendar client that kept the feed's ETag is not told "not modified" either.
    unchanged = Client().get(f"/calendar/{token}.ics", headers={"If-None-Match": feed["ETag"]})
    assert unchanged.status_code == 404
    assert Client().get("/calendar/never-made.ics").status_code == 404


def test_personal_feed_of_a_deactivated_person_answers_404(world: World) -> None:
    person = world.person("delegate_a")
    _feed, token = calendar_feeds.create_feed(user=person)
    person.is_active = False
    person.save()
    assert Client().get(f"/calendar/{token}.ics").status_code == 404


def test_personal_feed_holds_only_the_dialogues_of_the_persons_roles(
    make_meeting: Callable[..., Meeting], world: World
) -> None:
    meeting = make_meeting()
    outsider = world.person("secretariat_staff_other")  # a role in the other dialogue only
    _feed, token = calendar_feeds.create_feed(user=outsider)
    content = Client().get(f"/calendar/{token}.ics").content
    assert calendar.meeting_uid(meeting.pk).encode() not in content


def test_calendar_settings_need_sign_in() -> None:
    response = Client().get("/calendar/")
    assert response.status_code == 302


# --- Invitations in e-mails (iTIP) --------------------------------------------------------------


def _invites(message: Any) -> list[tuple[str, str, str]]:
    return [a for a in message.attachments if a[0].endswith(".ics")]


def test_reschedule_e_mail_carries_an_itip_request_with_the_new_sequence(
    make_meeting: Callable[..., Meeting], staff: User, world: World, ical_js: ParseJs
) -> None:
    person = world.person("focal_point_a")
    meeting = make_meeting()
    set_preferences(user=person, channels={"meetings": Channel.EMAIL_NOW})
    later = timezone.now() + datetime.timedelta(minutes=3)
    services.change_meeting(
        by=staff, meeting=meeting, starts_at=ISTANBUL_NINE + datetime.timedelta(hours=1)
    )
    moved = services.change_meeting(
        by=staff, meeting=meeting, starts_at=ISTANBUL_NINE + datetime.timedelta(hours=2)
    )
    mail.outbox.clear()
    assert send_due(now=later) >= 1
    [message] = [m for m in mail.outbox if m.to == [person.email]]
    [(filename, content, mimetype)] = _invites(message)  # one invitation for the burst
    assert filename == f"invite-{meeting.pk}.ics"
    assert mimetype == "text/calendar; method=REQUEST"
    parsed, _python = read_both(content.encode(), ical_js)
    assert parsed["method"] == "REQUEST"
    [event] = parsed["events"]
    assert event["uid"] == calendar.meeting_uid(meeting.pk)
    assert event["sequence"] == moved.sequence == 3  # the newest of the burst
    assert event["start"] == "2027-05-12T08:00:00.000Z"
    assert event["attendee"] == f"mailto:{person.email}"
    assert event["organizer"].startswith("mailto:")
    part = next(p for p in message.message().walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"


def test_cancellation_e_mail_carries_an_itip_cancel(
    make_meeting: Callable[..., Meeting], staff: User, world: World, ical_js: ParseJs
) -> None:
    person = world.person("focal_point_a")
    meeting = make_meeting()
    set_preferences(user=person, channels={"meetings": Channel.EMAIL_NOW})
    services.transition(by=staff, meeting=meeting, to="cancelled", reason="No quorum", confirm=True)
    mail.outbox.clear()
    send_due(now=timezone.now() + datetime.timedelta(minutes=3))
    [message] = [m for m in mail.outbox if m.to == [person.email]]
    [(_filename, content, mimetype)] = _invites(message)
    assert mimetype == "text/calendar; method=CANCEL"
    parsed, _python = read_both(content.encode(), ical_js)
    assert parsed["method"] == "CANCEL"
    [event] = parsed["events"]
    assert (event["status"], event["sequence"]) == ("CANCELLED", 2)


def test_no_invitation_for_someone_who_may_not_see_the_meeting(
    make_meeting: Callable[..., Meeting], world: World
) -> None:
    from notifications.models import Event

    meeting = make_meeting(is_public=False)
    event = Event(type="meeting.rescheduled", data={"meeting": meeting.pk})
    outsider = world.people["secretariat_staff_other"]
    assert calendar.itip_attachments(event, outsider) == []
    assert len(calendar.itip_attachments(event, world.people["delegate_a"])) == 1
