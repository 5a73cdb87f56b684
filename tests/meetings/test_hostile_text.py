"""Every feed and every file built from hostile stored text: line breaks, control characters,
markup, bidirectional overrides, emoji, formulas, NUL and text as long as the column holds, put
into every person-written field directly in the database (as data stored before one-line fields
were folded would be). Each feed and file is asked for by the roles that may have it, and read
back as its reader would: iCalendar by icalendar and ical.js, PDF by PDFium's text extraction,
CSV by the csv module, XLSX by openpyxl. Then the same for a meeting typed into the form."""

from __future__ import annotations

import datetime
import io
import re
import types
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django.test import Client
from icalendar import Calendar

from dialogue.models import User
from dialogue.text import one_line
from dialogue.translations import Translations, site_languages
from meetings import agenda, registration
from meetings.calendar import feeds as calendar_feeds
from meetings.calendar import ical as calendar
from meetings.models import NAME_PARTS, AgendaRelease, Meeting, Nomination
from meetings.registration.printing import letters
from tests.conftest import World, at, client_for
from tests.hostile_text import FORMULAS, can_hold_anything, spoil_every_text_field, spoiled_json
from tests.meetings.conftest import ON_THE_DAY, START
from tests.meetings.test_calendar import ParseJs, ical_js, read_both
from tests.meetings.test_exports import read_csv
from tests.meetings.test_letters import _approved
from tests.meetings.test_pdf import page_texts

pytestmark = pytest.mark.django_db

__all__ = ["ical_js"]  # the fixture, imported to be used here

# What no reader may be handed: C0/C1 controls other than line breaks and tabs, overrides,
# unpaired surrogates.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\ud800-\udfff]")
FORMULA_START = tuple(formula[0] for formula in FORMULAS)


@dataclass
class Scene:
    meeting: Meeting
    nominee: Nomination
    feed_token: str


@pytest.fixture
def scene(world: World, open_meeting: Meeting) -> Scene:
    """The Istanbul meeting with a released agenda, two approved delegates (one checked in,
    with a passport: every letter can be issued), the dialogue's own wording of every letter
    and a personal calendar feed; then every text field of every row made hostile."""
    staff = world.person("secretariat_staff")
    agenda.add_item(
        by=staff,
        meeting=open_meeting,
        title={"en": "Opening"},
        starts_at=START,
        duration_minutes=30,
    )
    agenda.add_item(
        by=staff, meeting=open_meeting, title={"en": "Legal pathways"}, duration_minutes=60
    )
    agenda.release_agenda(by=staff, meeting=open_meeting, note="First version")
    nominee = _approved(
        world,
        open_meeting,
        "delegate_a@example.org",
        category="head_of_delegation",
        full_name="Nino Beridze",
        listed_publicly=True,
        passport_number="13AB45678",
        passport_expires=datetime.date(2031, 1, 31),
    )
    _approved(world, open_meeting, "ion@gov.md", state=world.state_b, listed_publicly=True)
    with at(ON_THE_DAY):
        registration.check_in(by=staff, meeting=open_meeting, token=nominee.checkin_token)
    for kind, language in letters.DEFAULT_WORDING:
        wording = letters.DEFAULT_WORDING[(kind, language)]
        letters.save_letter_template(
            by=staff,
            dialogue=world.dialogue,
            kind=kind,
            language=language,
            title=wording.title,
            body=wording.body,
            signature=wording.signature,
        )
    _feed, token = calendar_feeds.create_feed(user=world.person("delegate_a"))

    written = spoil_every_text_field()
    assert {"Meeting.title_i18n", "Meeting.description_i18n", "AgendaItem.title_i18n"} <= set(
        written
    )
    assert {"Nomination.full_name", "LetterTemplate.body", "State.name_i18n"} <= set(written)
    for release in AgendaRelease.objects.filter(meeting=open_meeting):
        items = spoiled_json(
            release.items,
            keys={"title_i18n", "description_i18n", "room"},
        )
        AgendaRelease.objects.filter(pk=release.pk).update(items=items)
    return Scene(open_meeting, nominee, token)


def _get(role: str, world: World, url: str) -> bytes:
    response = client_for(world.people[role]).get(url)
    assert response.status_code == 200, (role, url, response.status_code)
    return bytes(response.content)


# --- Calendars ---------------------------------------------------------------------------------


def _check_calendar(content: bytes, ical_js: ParseJs) -> list[dict[str, Any]]:
    parsed, python = read_both(content, ical_js)
    assert parsed["events"]
    for event in python.walk("VEVENT"):
        for name in ("SUMMARY", "LOCATION"):
            value = str(event.get(name, ""))
            assert "\n" not in value, (name, value)
            assert "\r" not in value, (name, value)
            assert FORBIDDEN.search(value) is None, (name, value)
        assert FORBIDDEN.search(str(event.get("DESCRIPTION", ""))) is None
    events: list[dict[str, Any]] = parsed["events"]
    return events


def test_every_calendar_feed_builds_and_parses_from_hostile_stored_text(
    world: World, scene: Scene, ical_js: ParseJs
) -> None:
    meeting = scene.meeting
    feeds = [
        ("anonymous", f"/meetings/{meeting.pk}/calendar.ics"),
        ("anonymous", f"/meetings/{meeting.pk}/calendar.ics?agenda=1"),
        ("anonymous", f"/meetings/{meeting.pk}/calendar.ics?agenda=1&lang=ru"),
        ("secretariat_staff", f"/meetings/{meeting.pk}/calendar.ics?agenda=1"),
        ("anonymous", f"/dialogues/{world.dialogue.slug}/calendar.ics"),
        ("delegate_a", f"/dialogues/{world.dialogue.slug}/calendar.ics?lang=ru"),
        ("anonymous", f"/calendar/{scene.feed_token}.ics"),
    ]
    for role, url in feeds:
        events = _check_calendar(_get(role, world, url), ical_js)
        if "agenda=1" in url:
            # The agenda's items (hostile JSON of the release) are there, one line each.
            assert len(events) == 3, url
        summary = events[0]["summary"]
        assert "Line one line two line three four five six seven tab vt ff" in summary
        assert "<script>alert(1)</script>" in summary
        assert "evil" in summary


def test_the_invitation_an_e_mail_carries_parses_from_hostile_stored_text(
    world: World, scene: Scene, ical_js: ParseJs
) -> None:
    user = User.objects.get(pk=world.person("delegate_a").pk)
    event = types.SimpleNamespace(data={"meeting": scene.meeting.pk})
    (attachment,) = calendar.itip_attachments(event, user)
    parsed, _python = read_both(attachment.content.encode(), ical_js)
    assert parsed["method"] == "REQUEST"
    assert parsed["events"][0]["attendee"] == "mailto:delegate_a@example.org"


def test_calendar_building_never_raises_on_raw_text_that_skipped_the_fields(
    scene: Scene, ical_js: ParseJs
) -> None:
    """The calendar does not count on the fields' folding: text set past the attribute (as a
    raw query or a future cache could hand it over) builds and parses all the same."""
    meeting = Meeting.objects.select_related("dialogue", "country").get(pk=scene.meeting.pk)
    raw = "Title\r\nwith\x00NUL\x07\u202eevil" if can_hold_anything() else "Title\r\nwith\u202eevil"
    for name in ("venue_name", "room"):
        meeting.__dict__[name] = raw
    everywhere = {code: raw for code in site_languages()}
    meeting.__dict__["title_i18n"] = Translations(everywhere)
    meeting.__dict__["city_i18n"] = Translations(everywhere)
    meeting.__dict__["description_i18n"] = Translations(
        {code: raw + "\n" + "x" * 100_000 for code in site_languages()}
    )
    meeting.dialogue.__dict__["name_i18n"] = Translations(everywhere)
    content = calendar.meeting_calendar(
        [meeting], include_agenda=True, name=raw, attendee=("a@example.org", 'A "B"\nC')
    )
    events = _check_calendar(content, ical_js)
    assert events[0]["summary"] == one_line(raw)
    content = calendar.meeting_calendar(
        [meeting], method=calendar.REQUEST, attendee=("a@example.org", 'A "B"\nC')
    )
    assert _check_calendar(content, ical_js)


# --- Letters and badges ------------------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    # PDFium ends each extracted line with CRLF.
    text = " ".join(page_texts(content)).replace("\r\n", "\n")
    assert text.strip()
    assert FORBIDDEN.search(text) is None, FORBIDDEN.findall(text)[:5]
    return text


@pytest.mark.parametrize("role", ["delegate_a", "focal_point_a", "secretariat_staff"])
def test_every_letter_prints_from_hostile_stored_text(
    world: World, scene: Scene, role: str
) -> None:
    for kind in ("invitation", "visa_support", "certificate"):
        with at(ON_THE_DAY):  # a certificate is issued from the meeting's first day
            url = f"/nominations/{scene.nominee.pk}/letters/{kind}.pdf"
            text = _pdf_text(_get(role, world, url))
        # The markup is printed as written, never read as markup.
        assert "<script>alert(1)</script>" in text, kind


def test_badges_and_wording_previews_print_from_hostile_stored_text(
    world: World, scene: Scene
) -> None:
    text = _pdf_text(_get("secretariat_staff", world, f"/meetings/{scene.meeting.pk}/badges.pdf"))
    assert "alert(1)" in text
    for kind, language in letters.DEFAULT_WORDING:
        _pdf_text(
            _get(
                "secretariat_staff",
                world,
                f"/dialogues/{world.dialogue.slug}/letter-templates/{kind}/{language}/preview.pdf",
            )
        )


# --- Lists and statistics ----------------------------------------------------------------------


def _check_csv(content: bytes) -> list[list[str]]:
    rows = read_csv(content)
    assert len(rows) > 1
    for row in rows:
        for cell in row:
            assert not cell.startswith(FORMULA_START) or len(cell) == 1, cell
            assert FORBIDDEN.search(cell) is None, cell
    return rows


def _check_xlsx(content: bytes) -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    assert sheet.max_row > 1
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA_START) or len(cell.value) == 1
                assert FORBIDDEN.search(cell.value) is None, cell.value


def _check_export(url: str, content: bytes) -> None:
    if ".csv" in url:
        _check_csv(content)
    elif ".xlsx" in url:
        _check_xlsx(content)
    else:
        _pdf_text(content)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_every_list_and_statistics_export_from_hostile_stored_text(
    world: World, scene: Scene, fmt: str
) -> None:
    pk, slug = scene.meeting.pk, world.dialogue.slug
    exports = [
        ("anonymous", f"/meetings/{pk}/participants.{fmt}"),
        ("focal_point_a", f"/meetings/{pk}/participants.{fmt}"),
        ("secretariat_staff", f"/meetings/{pk}/participants.{fmt}?full=1"),
        ("secretariat_staff", f"/meetings/{pk}/statistics.{fmt}"),
        ("secretariat_staff", f"/dialogues/{slug}/statistics.{fmt}?year={START.year}"),
    ]
    for role, url in exports:
        _check_export(url, _get(role, world, url))


def test_the_full_list_keeps_every_name_whole_on_one_line(world: World, scene: Scene) -> None:
    rows = _check_csv(
        _get("secretariat_staff", world, f"/meetings/{scene.meeting.pk}/participants.csv?full=1")
    )
    names = [row[1] for row in rows[1:]]
    assert len(names) == 2
    for name in names:
        assert "\n" not in name
        assert "Line one line two line three" in name


# --- What the meeting form keeps ---------------------------------------------------------------


def test_a_title_with_a_line_break_typed_into_the_meeting_form_is_kept_on_one_line(
    world: World, open_meeting: Meeting, ical_js: ParseJs
) -> None:
    client = client_for(world.person("secretariat_staff"))
    response = client.post(
        f"/dialogues/{world.dialogue.slug}/meetings/new/",
        {
            "body": open_meeting.body_id,
            "kind": "working_group",
            "title_en": "Working Group on\r\nLegal Migration\t2027\u202e",
            "title_ru": "Рабочая группа\nпо законной миграции",
            "description_en": "First line\r\nSecond line",
            "format": "in_person",
            "time_zone": "Europe/Istanbul",
            "starts_at": "2027-06-10T10:00",
            "ends_at": "2027-06-10T12:00",
            "venue_name": "Congress\r\nCenter",
            "city_en": "Istanbul\n",
            "languages": ["en"],
            "is_public": "on",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(kind="working_group")
    assert meeting.title_i18n == {
        "en": "Working Group on Legal Migration 2027",
        "ru": "Рабочая группа по законной миграции",
    }
    assert meeting.venue_name == "Congress Center"
    assert meeting.city_i18n == {"en": "Istanbul"}
    client.post(f"/meetings/{meeting.pk}/status/", {"to": "announced"})
    content = Client().get(f"/meetings/{meeting.pk}/calendar.ics").content
    events = _check_calendar(content, ical_js)
    assert events[0]["summary"] == "Working Group on Legal Migration 2027"
    assert "First line\nSecond line" in events[0]["description"]
    assert Calendar.from_ical(content).walk("VEVENT")[0]["LOCATION"] == "Congress Center, Istanbul"


def test_arabic_letters_and_pages_from_hostile_names_in_other_scripts(
    world: World, scene: Scene
) -> None:
    """The names given in Arabic and Cyrillic (``Nomination.names``, JSON) are hostile too: the
    Arabic letters (WeasyPrint) print them as written, the nominee's page escapes them."""
    names = {language: dict.fromkeys(NAME_PARTS, "") for language in ("ar", "ru")}
    Nomination.objects.filter(pk=scene.nominee.pk).update(
        language="ar", names=spoiled_json(names, keys=set(NAME_PARTS))
    )
    for kind in ("invitation", "visa_support", "certificate"):
        url = f"/nominations/{scene.nominee.pk}/letters/{kind}.pdf"
        with at(ON_THE_DAY):  # a certificate is issued from the meeting's first day
            text = _pdf_text(_get("secretariat_staff", world, url))
        # Printed, not read as markup (a <script> read as HTML prints nothing). PDFium reads a
        # Latin run inside an Arabic line back with its brackets in an order of its own, so
        # the brackets are looked for on either side.
        assert "alert" in text, kind
        assert re.search(r"[<>]/?script[<>]", text), kind
    page = _get("focal_point_a", world, f"/nominations/{scene.nominee.pk}/").decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
