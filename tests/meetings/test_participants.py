"""meetings/registration/participants/ (reports and pages): lists of participants by delegation
(public and full), statistics for donor reporting, and their exports read back as a reader
would: CSV with the csv module, XLSX with openpyxl, PDF by text extraction (PDFium)."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from unittest import mock

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from dialogue.models import Organisation, State, User
from dialogue.translations import Translations
from meetings import registration, services
from meetings.models import AttendanceDay, Meeting, Nomination
from meetings.registration.participants import reports as participants
from meetings.registration.participants.views import export_filename
from tests.conftest import World, at, client_for
from tests.factories import MembershipFactory, StateFactory
from tests.meetings.conftest import ON_THE_DAY, START, set_up_registration
from tests.meetings.test_exports import read_csv
from tests.meetings.test_pdf import flat, page_texts

pytestmark = pytest.mark.django_db


@dataclass
class Scene:
    """Four delegations of the Istanbul meeting, every kind of person the figures count."""

    meeting: Meeting
    hungary: State
    people: dict[str, Nomination]


def _nominate(
    staff: User,
    meeting: Meeting,
    member: State | Organisation,
    name: str,
    *,
    category: str = "delegate",
    gender: str = "",
    listed: bool = False,
    funded: bool = False,
    **details: Any,
) -> Nomination:
    return registration.nominate(
        by=staff,
        meeting=meeting,
        member=member,
        email=f"{name.split()[0].lower().replace('é', 'e')}@gov.example",
        category=category,
        full_name=name,
        gender=gender,
        listed_publicly=listed,
        funding_requested=funded,
        **details,
    )


@pytest.fixture
def scene(world: World, open_meeting: Meeting, staff: User) -> Scene:
    """Georgia: head Nino (female, consents, funded, confirmed, arrived), Giorgi (male, does not
    consent, confirmed), Tamar (female, waitlisted). Republic of Moldova: head Ion (male,
    consents, arrived), Maria (gender not given, awaiting review), Elena (female, funded,
    arrived, erased after the meeting). Hungary: head Anna (prefers not to say, consents),
    Péter (male, rejected). IOM: Olga (observer, female, consents, arrived), Oleg (other,
    withdrawn)."""
    meeting = open_meeting
    hungary = StateFactory(code="HU", name_i18n={"en": "Hungary", "ru": "Венгрия"})
    MembershipFactory(dialogue=world.dialogue, state=hungary)
    iom = world.organisation
    registration.set_quota(
        by=staff, meeting=meeting, organisation=iom, categories=["observer"], seats=2
    )
    georgia, moldova = world.state_a, world.state_b
    p: dict[str, Nomination] = {}
    # Giorgi is nominated first: the head comes first in the list all the same.
    p["giorgi"] = _nominate(
        staff, meeting, georgia, "Giorgi Beridze", gender="male", phone="+995 32 200 0001"
    )
    p["nino"] = _nominate(
        staff,
        meeting,
        georgia,
        "Nino Kapanadze",
        category="head_of_delegation",
        gender="female",
        listed=True,
        funded=True,
        title="Deputy Minister",
        affiliation="Ministry of Internal Affairs",
        passport_number="GE-PASS-777",
    )
    p["tamar"] = _nominate(staff, meeting, georgia, "Tamar Lomidze", gender="female")
    p["ion"] = _nominate(
        staff,
        meeting,
        moldova,
        "Ion Popescu",
        category="head_of_delegation",
        gender="male",
        listed=True,
    )
    p["maria"] = _nominate(staff, meeting, moldova, "Maria Rusu")
    p["elena"] = _nominate(
        staff, meeting, moldova, "Elena Ceban", gender="female", listed=True, funded=True
    )
    p["anna"] = _nominate(
        staff,
        meeting,
        hungary,
        "Anna Kovács",
        category="head_of_delegation",
        gender="undisclosed",
        listed=True,
    )
    p["peter"] = _nominate(staff, meeting, hungary, "Péter Nagy", gender="male")
    p["olga"] = _nominate(
        staff, meeting, iom, "Olga Ivanova", category="observer", gender="female", listed=True
    )
    p["oleg"] = _nominate(staff, meeting, iom, "Oleg Smirnov", category="observer", gender="other")

    for key in ("giorgi", "nino", "ion", "elena", "anna", "olga"):
        registration.approve(by=staff, nomination=p[key])
    registration.waitlist(by=staff, nomination=p["tamar"])
    registration.reject(by=staff, nomination=p["peter"], reason="Not an official")
    registration.withdraw(by=staff, nomination=p["oleg"], confirm=True)
    for key in ("nino", "elena"):
        registration.decide_funding(by=staff, nomination=p[key], granted=True)
    for key in ("nino", "giorgi"):
        registration.confirm_participation(by=staff, nomination=p[key], answers={})
    with at(ON_THE_DAY):
        for key in ("nino", "ion", "elena", "olga"):
            registration.check_in(by=staff, meeting=meeting, token=p[key].checkin_token)
    # Elena asks to be forgotten a week after the meeting: she stays in the figures.
    after = meeting.ends_at + datetime.timedelta(days=7)
    with mock.patch("django.utils.timezone.now", return_value=after):
        assert registration.erase_person(by=staff, nomination=p["elena"]) == 1
    for nomination in p.values():
        nomination.refresh_from_db()
    return Scene(meeting, hungary, p)


def _names(delegations: list[participants.DelegationList]) -> list[tuple[str, list[str]]]:
    return [(d.name, [p.shown_name for p in d.participants]) for d in delegations]


# --- The list ---------------------------------------------------------------------------------


def test_public_list_has_consenting_people_by_delegation_states_first_head_first(
    scene: Scene,
) -> None:
    public = participants.participant_list(scene.meeting, full=False)
    assert _names(public) == [
        ("Georgia", ["Nino Kapanadze"]),
        ("Hungary", ["Anna Kovács"]),
        ("Republic of Moldova", ["Ion Popescu"]),
        ("International Organization for Migration", ["Olga Ivanova"]),
    ]
    nino = public[0].participants[0]
    assert (nino.title, nino.affiliation, nino.category_label, nino.in_full) == (
        "Deputy Minister",
        "Ministry of Internal Affairs",
        "Head of delegation",
        False,
    )
    assert (nino.email, nino.phone, nino.checked_in_at) == ("", "", None)


def test_list_in_russian_orders_delegations_by_their_russian_names(scene: Scene) -> None:
    with translation.override("ru"):
        public = participants.participant_list(scene.meeting, full=False)
        assert [d.name for d in public] == [
            "Венгрия",
            "Грузия",
            "Республика Молдова",
            "Международная организация по миграции",
        ]


def test_full_list_has_everyone_approved_with_details_head_first_erased_last(
    scene: Scene,
) -> None:
    full = participants.participant_list(scene.meeting, full=True)
    assert _names(full) == [
        ("Georgia", ["Nino Kapanadze", "Giorgi Beridze"]),
        ("Hungary", ["Anna Kovács"]),
        ("Republic of Moldova", ["Ion Popescu", "Personal data erased"]),
        ("International Organization for Migration", ["Olga Ivanova"]),
    ]
    nino, giorgi = full[0].participants
    assert (nino.email, nino.funding_label, nino.listed_publicly) == (
        "nino@gov.example",
        "Granted",
        True,
    )
    assert nino.confirmed_at is not None
    assert nino.checked_in_at is not None
    assert (giorgi.phone, giorgi.listed_publicly, giorgi.checked_in_at) == (
        "+995 32 200 0001",
        False,
        None,
    )
    elena = full[2].participants[1]
    assert (elena.erased, elena.email, elena.funding, elena.checked_in_at is not None) == (
        True,
        "",
        "granted",
        True,
    )


def test_collation_puts_accented_latin_among_plain_letters_and_keeps_cyrillic_letters() -> None:
    names = ["Zambia", "Türkiye", "turkmenistan", "Йемен", "Израиль", "Ёлка", "Ель"]
    assert sorted(names, key=participants.collation_key) == [
        "Türkiye",
        "turkmenistan",
        "Zambia",
        "Ёлка",
        "Ель",
        "Израиль",
        "Йемен",
    ]


def test_focal_point_sees_own_delegation_in_full_and_other_delegations_public(
    world: World, scene: Scene
) -> None:
    delegations = participants.participant_list(
        scene.meeting, full=False, viewer=world.person("focal_point_a")
    )
    assert _names(delegations)[0] == ("Georgia", ["Nino Kapanadze", "Giorgi Beridze"])
    assert [d.in_full for d in delegations] == [True, False, False, False]
    assert delegations[0].participants[1].phone == "+995 32 200 0001"
    moldova = delegations[2].participants
    assert [(p.shown_name, p.email) for p in moldova] == [("Ion Popescu", "")]


def test_list_page_shows_the_public_list_to_everyone_and_no_contact_details(
    world: World, scene: Scene
) -> None:
    for role in ("anonymous", "delegate_a", "focal_point_b", "observer"):
        page = client_for(world.people[role]).get(f"/meetings/{scene.meeting.pk}/participants/")
        text = page.content.decode()
        assert page["Cache-Control"] == "private, no-store"
        assert "Nino Kapanadze" in text
        assert "Olga Ivanova" in text
        for hidden in ("Giorgi Beridze", "nino@gov.example", "+995 32 200 0001", "GE-PASS-777"):
            assert hidden not in text, (role, hidden)
        assert "Tamar Lomidze" not in text
        assert "Maria Rusu" not in text


def test_list_page_full_switch_is_the_secretariats_only(world: World, scene: Scene) -> None:
    url = f"/meetings/{scene.meeting.pk}/participants/?full=1"
    staff_page = client_for(world.person("secretariat_staff")).get(url).content.decode()
    assert "Giorgi Beridze" in staff_page
    assert "nino@gov.example" in staff_page
    assert "Personal data erased" in staff_page
    assert "GE-PASS-777" not in staff_page  # passports are for visa letters, not lists
    fp_b = client_for(world.person("focal_point_b")).get(url).content.decode()
    assert "Giorgi Beridze" not in fp_b
    assert "nino@gov.example" not in fp_b
    assert "ion@gov.example" in fp_b  # their own delegation, in full


def test_list_page_tells_the_secretariat_how_many_consented(world: World, scene: Scene) -> None:
    client = client_for(world.person("secretariat_staff"))
    page = client.get(f"/meetings/{scene.meeting.pk}/participants/").content.decode()
    assert "4 of 6 approved participants appear in the public list." in page
    assert "Giorgi Beridze" not in page  # the secretariat reads the public list as it is


def _export(client: Client, meeting: Meeting, fmt: str, query: str = "") -> Any:
    response = client.get(f"/meetings/{meeting.pk}/participants.{fmt}{query}")
    assert response.status_code == 200
    return response


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_public_exports_hold_only_consenting_people(world: World, scene: Scene) -> None:
    client = client_for(world.people["anonymous"])
    csv_response = _export(client, scene.meeting, "csv", "?full=1")  # ignored for the public
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Cache-Control"] == "private, no-store"
    assert csv_response["Content-Disposition"] == (
        'attachment; filename="BP-SOM-Istanbul-participants-2027-03-10.csv"'
    )
    assert read_csv(csv_response.content) == [
        ["Delegation", "Name", "Title or position", "Ministry or organisation", "Category"],
        [
            "Georgia",
            "Nino Kapanadze",
            "Deputy Minister",
            "Ministry of Internal Affairs",
            "Head of delegation",
        ],
        ["Hungary", "Anna Kovács", "", "", "Head of delegation"],
        ["Republic of Moldova", "Ion Popescu", "", "", "Head of delegation"],
        ["International Organization for Migration", "Olga Ivanova", "", "", "Observer"],
    ]
    rows = _xlsx_rows(_export(client, scene.meeting, "xlsx").content)
    assert [row[1] for row in rows] == [
        "Name",
        "Nino Kapanadze",
        "Anna Kovács",
        "Ion Popescu",
        "Olga Ivanova",
    ]
    pdf = flat(" ".join(page_texts(_export(client, scene.meeting, "pdf").content)))
    assert "Nino Kapanadze" in pdf
    assert "Olga Ivanova" in pdf
    for hidden in ("Giorgi", "Elena", "Tamar", "nino@gov.example", "GE-PASS-777"):
        assert hidden not in pdf
        assert hidden not in csv_response.content.decode("utf-8-sig")


def test_focal_point_exports_hold_the_public_list_even_of_their_own_delegation(
    world: World, scene: Scene
) -> None:
    client = client_for(world.person("focal_point_a"))
    data = _export(client, scene.meeting, "csv", "?full=1").content.decode("utf-8-sig")
    assert "Nino Kapanadze" in data
    assert "Giorgi Beridze" not in data
    assert "nino@gov.example" not in data


def test_full_exports_for_the_secretariat_have_every_column(world: World, scene: Scene) -> None:
    client = client_for(world.person("secretariat_staff"))
    response = _export(client, scene.meeting, "csv", "?full=1")
    assert response["Content-Disposition"] == (
        'attachment; filename="BP-SOM-Istanbul-participants-full-2027-03-10.csv"'
    )
    rows = read_csv(response.content)
    assert rows[0] == [
        "Delegation",
        "Name",
        "Title or position",
        "Ministry or organisation",
        "Category",
        "E-mail",
        "Phone",
        "Gender",
        "Travel support",
        "Confirmed (Europe/Istanbul)",
        "Arrived (Europe/Istanbul)",
        "In the public list",
    ]
    by_name = {row[1]: row for row in rows[1:]}
    assert list(by_name) == [
        "Nino Kapanadze",
        "Giorgi Beridze",
        "Anna Kovács",
        "Ion Popescu",
        "Personal data erased",
        "Olga Ivanova",
    ]
    nino = by_name["Nino Kapanadze"]
    assert nino[5:9] == ["nino@gov.example", "", "Female", "Granted"]
    assert nino[11] == "Yes"
    # Times in the meeting's zone (Istanbul) with their offset: any program reads the instant.
    arrived = scene.people["nino"].checked_in_at
    assert arrived is not None
    assert nino[10] == arrived.astimezone(scene.meeting.zone).isoformat(timespec="minutes")
    assert nino[10].endswith("+03:00")
    assert datetime.datetime.fromisoformat(nino[10]) == arrived.replace(second=0, microsecond=0)
    # A phone number is text, never a formula.
    assert by_name["Giorgi Beridze"][6] == "'+995 32 200 0001"
    assert by_name["Giorgi Beridze"][11] == "No"
    erased = by_name["Personal data erased"]
    assert (erased[0], erased[5], erased[8]) == ("Republic of Moldova", "", "Granted")

    rows_xlsx = _xlsx_rows(_export(client, scene.meeting, "xlsx", "?full=1").content)
    assert [row[1] for row in rows_xlsx[1:]] == list(by_name)
    # A real date cell at Istanbul's wall-clock time, the zone named in its header.
    assert rows_xlsx[0][10] == "Arrived (Europe/Istanbul)"
    nino_xlsx = next(row for row in rows_xlsx if row[1] == "Nino Kapanadze")
    assert isinstance(nino_xlsx[10], datetime.datetime)
    wall_clock = arrived.astimezone(scene.meeting.zone).replace(tzinfo=None)
    assert abs(nino_xlsx[10] - wall_clock) < datetime.timedelta(seconds=1)
    pdf = flat(" ".join(page_texts(_export(client, scene.meeting, "pdf", "?full=1").content)))
    assert "Giorgi Beridze" in pdf
    assert "Full list for the secretariat" in pdf
    assert "Budapest Process · SOM Istanbul · Istanbul · March 10, 2027" in pdf


def test_exports_in_russian(world: World, scene: Scene) -> None:
    client = client_for(world.people["anonymous"])
    response = client.get(
        f"/meetings/{scene.meeting.pk}/participants.csv", HTTP_ACCEPT_LANGUAGE="ru"
    )
    rows = read_csv(response.content)
    assert [row[0] for row in rows[1:]] == [
        "Венгрия",
        "Грузия",
        "Республика Молдова",
        "Международная организация по миграции",
    ]


def test_unknown_export_format_is_missing(world: World, scene: Scene) -> None:
    client = client_for(world.person("secretariat_staff"))
    assert client.get(f"/meetings/{scene.meeting.pk}/participants.docx").status_code == 404
    assert client.get(f"/meetings/{scene.meeting.pk}/statistics.ods").status_code == 404


def test_export_filename_is_cleaned_of_unsafe_characters(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    open_meeting.title_i18n = Translations({"en": 'BP SOM "Türkiye"/../İstanbul\r\n'})
    assert export_filename(open_meeting, "participants", "pdf") == (
        "BP-SOM-Turkiye-Istanbul-participants-2027-03-10.pdf"
    )
    open_meeting.title_i18n = Translations({"en": "Ёлка"})
    assert export_filename(open_meeting, "statistics", "csv") == "BP-statistics-2027-03-10.csv"


# --- Statistics -------------------------------------------------------------------------------


def _rows(rows: tuple[participants.StatisticsRow, ...] | None) -> list[tuple[Any, ...]]:
    assert rows is not None
    return [
        (
            r.label,
            r.figures.nominations,
            r.figures.participants,
            r.figures.funded,
            r.figures.confirmed,
            r.figures.attended,
        )
        for r in rows
    ]


def test_statistics_count_every_slice_erased_people_included(scene: Scene) -> None:
    stats = participants.statistics(scene.meeting)
    assert stats.total == participants.Figures(
        nominations=10, participants=6, funded=2, confirmed=2, attended=4, funded_attended=2
    )
    assert stats.total.attendance_rate == Decimal("66.7")
    assert (stats.states, stats.organisations, stats.erased) == (3, 1, 1)
    # label, nominations, participants, funded, confirmed, arrived
    assert _rows(stats.by_delegation) == [
        ("Georgia", 3, 2, 1, 2, 1),
        ("Hungary", 2, 1, 0, 0, 0),
        ("Republic of Moldova", 3, 2, 1, 0, 2),
        ("International Organization for Migration", 2, 1, 0, 0, 1),
    ]
    assert _rows(stats.by_category) == [
        ("Head of delegation", 3, 3, 1, 1, 2),
        ("Delegate", 5, 2, 1, 1, 1),
        ("Observer", 2, 1, 0, 0, 1),
    ]
    assert _rows(stats.by_gender) == [
        ("Female", 4, 3, 2, 1, 3),
        ("Male", 3, 2, 0, 1, 1),
        ("Other", 1, 0, 0, 0, 0),
        ("Prefers not to say", 1, 1, 0, 0, 0),
        ("Not given", 1, 0, 0, 0, 0),
    ]
    assert [(r.label, r.figures.nominations) for r in stats.by_status] == [
        ("Awaiting review", 1),
        ("Approved", 6),
        ("Waitlisted", 1),
        ("Rejected", 1),
        ("Withdrawn", 1),
    ]
    assert [r.figures.attendance_rate for r in stats.by_delegation] == [
        Decimal("50.0"),
        Decimal("0.0"),
        Decimal("100.0"),
        Decimal("100.0"),
    ]


def test_statistics_leave_gender_out_when_it_is_not_asked(
    world: World, scene: Scene, staff: User
) -> None:
    settings_ = scene.meeting.registration_settings
    registration.configure_registration(
        by=staff,
        meeting=scene.meeting,
        nomination_deadline=settings_.nomination_deadline,
        confirmation_deadline=settings_.confirmation_deadline,
        capacity=None,
        collect_gender=False,
    )
    stats = participants.statistics(scene.meeting)
    assert stats.by_gender is None
    assert "By gender" not in [heading for heading, _rows in participants.statistics_groups(stats)]


def test_statistics_of_a_meeting_without_registration_are_zero(
    world: World, meeting: Meeting
) -> None:
    stats = participants.statistics(meeting)
    assert stats.total == participants.Figures()
    assert stats.total.attendance_rate is None
    assert (stats.by_delegation, stats.by_gender) == ((), None)


def test_statistics_page_and_exports_are_the_secretariats(world: World, scene: Scene) -> None:
    client = client_for(world.person("secretariat_staff"))
    page = client.get(f"/meetings/{scene.meeting.pk}/statistics/")
    assert page["Cache-Control"] == "private, no-store"
    text = page.content.decode()
    assert "<caption>By gender</caption>" in text
    assert "66.7 %" in text
    response = client.get(f"/meetings/{scene.meeting.pk}/statistics.csv")
    assert response["Content-Disposition"] == (
        'attachment; filename="BP-SOM-Istanbul-statistics-2027-03-10.csv"'
    )
    rows = read_csv(response.content)
    # Unique headers, each saying what it counts.
    assert rows[0] == [
        "Breakdown",
        "Group",
        "Nominations (all statuses)",
        "Participants (approved)",
        "Travel support granted (people)",
        "Travel support used (granted and arrived)",
        "Confirmed their participation",
        "Arrived (checked in)",
        "Attendance rate (per cent of approved who arrived)",
        "Participant-days in the room",
        "Participant-days online",
    ]
    assert len(set(rows[0])) == len(rows[0])
    assert rows[1] == ["Total", "All", "10", "6", "2", "2", "2", "4", "66.7", "0", "0"]
    assert ["By gender", "Not given", "1", "0", "0", "0", "0", "0", "", "", ""] in rows
    assert not [row for row in rows if row[0] == "Attendance by day"]

    # Once days are recorded, a row a day: who was present, in the room and online.
    first = scene.meeting.starts_at.astimezone(scene.meeting.zone).date()
    second = first + datetime.timedelta(days=1)
    for name, day, mode in [
        ("nino", first, "in_person"),
        ("ion", first, "in_person"),
        ("olga", first, "online"),
        ("nino", second, "in_person"),
    ]:
        AttendanceDay.objects.create(nomination=scene.people[name], day=day, mode=mode)
    rows = read_csv(client.get(f"/meetings/{scene.meeting.pk}/statistics.csv").content)
    assert rows[1] == ["Total", "All", "10", "6", "2", "2", "2", "4", "66.7", "3", "1"]
    assert [row for row in rows if row[0] == "Attendance by day"] == [
        ["Attendance by day", first.isoformat(), "", "6", "", "", "", "3", "50.0", "2", "1"],
        ["Attendance by day", second.isoformat(), "", "6", "", "", "", "1", "16.7", "1", "0"],
    ]
    sheet = _xlsx_rows(client.get(f"/meetings/{scene.meeting.pk}/statistics.xlsx").content)
    assert sheet[1] == ["Total", "All", 10, 6, 2, 2, 2, 4, 66.7, 3, 1]
    assert sheet[-1][0] == "Attendance by day"
    assert sheet[-1][2:] == [None, 6, None, None, None, 1, 16.7, 1, 0]
    pdf = flat(
        " ".join(page_texts(client.get(f"/meetings/{scene.meeting.pk}/statistics.pdf").content))
    )
    assert "1 nomination whose personal data is erased is counted with what was kept." in pdf


def test_dialogue_statistics_add_up_the_meetings_of_the_year(
    world: World, scene: Scene, staff: User, som: Any
) -> None:
    second = services.schedule_meeting(
        by=staff,
        dialogue=world.dialogue,
        body=som,
        kind="working_group",
        title={"en": "Working group Tbilisi"},
        time_zone="Asia/Tbilisi",
        starts_at=START + datetime.timedelta(days=60),
        ends_at=START + datetime.timedelta(days=60, hours=6),
    )
    second = services.transition(by=staff, meeting=second, to="announced")
    set_up_registration(second, staff)
    approved = _nominate(staff, second, world.state_a, "Nino Kapanadze", gender="female")
    registration.approve(by=staff, nomination=approved)
    # On 1 January at 01:00 in Tbilisi it is still the old year in UTC: the new year's meeting.
    new_year = services.schedule_meeting(
        by=staff,
        dialogue=world.dialogue,
        body=som,
        kind="working_group",
        title={"en": "New Year meeting"},
        time_zone="Asia/Tbilisi",
        starts_at=datetime.datetime(2027, 12, 31, 21, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2028, 1, 1, 3, 0, tzinfo=datetime.UTC),
    )
    services.transition(by=staff, meeting=new_year, to="announced")

    with CaptureQueriesContext(connection) as queries:
        report = participants.dialogue_statistics(world.dialogue, 2027)
    assert len(queries) == 3  # the meetings, the nominations grouped, the participant-days
    assert [(m.meeting.title_i18n["en"], m.figures.participants) for m in report.meetings] == [
        ("SOM Istanbul", 6),
        ("Working group Tbilisi", 1),
    ]
    assert report.statistics.total.participants == 7
    assert _rows(report.statistics.by_delegation)[0] == ("Georgia", 4, 3, 1, 2, 1)
    next_year = participants.dialogue_statistics(world.dialogue, 2028)
    assert [m.meeting.title_i18n["en"] for m in next_year.meetings] == ["New Year meeting"]

    client = client_for(world.person("secretariat_staff"))
    page = client.get("/dialogues/budapest-process/statistics/?year=2027").content.decode()
    assert "Working group Tbilisi" in page
    assert "New Year meeting" not in page
    rows = read_csv(client.get("/dialogues/budapest-process/statistics.csv?year=2027").content)
    assert rows[1][:4] == ["By meeting", "2027-03-10 SOM Istanbul", "10", "6"]
    for role in ("focal_point_a", "secretariat_staff_other", "anonymous"):
        response = client_for(world.people[role]).get(
            "/dialogues/budapest-process/statistics/?year=2027"
        )
        assert response.status_code == 404
    assert client.get("/dialogues/budapest-process/statistics/?year=abc").status_code == 404


# --- Who gets what ----------------------------------------------------------------------------

EVERYONE = {
    "anonymous": 200,
    "unverified": 200,
    "deactivated": 200,
    "revoked": 200,
    "delegate_a": 200,
    "focal_point_a": 200,
    "focal_point_b": 200,
    "observer": 200,
    "chair": 200,
    "secretariat_staff": 200,
    "secretariat_staff_other": 200,
    "secretariat_admin": 200,
}
SECRETARIAT = {
    role: 200 if role in {"secretariat_staff", "secretariat_admin"} else 404 for role in EVERYONE
}


@pytest.mark.parametrize("role", list(EVERYONE))
def test_status_codes_per_role(world: World, scene: Scene, role: str) -> None:
    client = client_for(world.people[role])
    pk = scene.meeting.pk
    got = {
        path: client.get(path.format(pk=pk)).status_code
        for path in (
            "/meetings/{pk}/participants/",
            "/meetings/{pk}/participants/?full=1",
            "/meetings/{pk}/participants.csv",
            "/meetings/{pk}/participants.xlsx?full=1",
            "/meetings/{pk}/participants.pdf",
            "/meetings/{pk}/statistics/",
            "/meetings/{pk}/statistics.csv",
            "/meetings/{pk}/statistics.xlsx",
        )
    }
    public, secretariat = EVERYONE[role], SECRETARIAT[role]
    assert list(got.values()) == [public] * 5 + [secretariat] * 3


def test_list_of_a_members_only_meeting_is_for_members(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    open_meeting.is_public = False
    open_meeting.save(update_fields=["is_public"])
    url = f"/meetings/{open_meeting.pk}/participants/"
    assert client_for(None).get(url).status_code == 404
    assert client_for(None).get(url.rstrip("/") + ".csv").status_code == 404
    assert client_for(world.person("observer")).get(url).status_code == 200


# --- Queries ----------------------------------------------------------------------------------


def _many(world: World, meeting: Meeting, staff: User, count: int, start: int = 0) -> None:
    """``count`` more approved, consenting participants of Georgia."""
    for n in range(start, start + count):
        nomination = registration.nominate(
            by=staff,
            meeting=meeting,
            member=world.state_a,
            email=f"p{n}@gov.example",
            category="delegate",
            full_name=f"Participant {n:03}",
            listed_publicly=True,
        )
        registration.approve(by=staff, nomination=nomination)


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


# Signed in: the session, the person with their roles and unread count (dialogue/signed_in.py),
# the meeting (3). Then the nominations (1); the secretariat's public page the number approved
# (1); statistics read whether gender is asked (1) and the participant-days (1). Anonymous:
# the meeting and the nominations. A full export writes its entry in the permanent record:
# the insert inside its own transaction (a savepoint and its release here), 3 more.
EXPECTED_QUERIES = {
    ("anonymous", "/meetings/{pk}/participants/"): 2,
    ("focal_point_a", "/meetings/{pk}/participants/"): 4,
    ("secretariat_staff", "/meetings/{pk}/participants/"): 5,
    ("secretariat_staff", "/meetings/{pk}/participants/?full=1"): 4,
    ("anonymous", "/meetings/{pk}/participants.csv"): 2,
    ("anonymous", "/meetings/{pk}/participants.xlsx"): 2,
    ("anonymous", "/meetings/{pk}/participants.pdf"): 2,
    ("secretariat_staff", "/meetings/{pk}/participants.xlsx?full=1"): 7,
    ("secretariat_staff", "/meetings/{pk}/participants.pdf?full=1"): 7,
    ("secretariat_staff", "/meetings/{pk}/statistics/"): 6,
    ("secretariat_staff", "/meetings/{pk}/statistics.xlsx"): 6,
}


@pytest.mark.parametrize(("role", "path"), list(EXPECTED_QUERIES))
def test_lists_and_exports_cost_the_same_queries_at_1_and_50_participants(
    world: World, open_meeting: Meeting, staff: User, role: str, path: str
) -> None:
    registration.set_quota(
        by=staff, meeting=open_meeting, state=world.state_a, categories=["delegate"], seats=60
    )
    client = client_for(world.people[role])
    url = path.format(pk=open_meeting.pk)
    _many(world, open_meeting, staff, 1)
    one = _queries(client, url)
    _many(world, open_meeting, staff, 49, start=1)
    fifty = _queries(client, url)
    assert (one, fifty) == (EXPECTED_QUERIES[role, path], EXPECTED_QUERIES[role, path])
