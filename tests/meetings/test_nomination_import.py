"""Bulk import of a delegation's list by the secretariat (``registration.imports``): a dry run
that reports row by row and writes nothing, then an import that writes only what the rules
accept, through the same rules as a focal point's nominations."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from dialogue.models import AuditAction, AuditEntry, Invitation, User
from meetings import registration
from meetings.models import Meeting, Nomination
from meetings.registration import imports
from notifications.models import Event, OutboxEmail
from tests.conftest import World, client_for

HEADER = "E-mail,Full name,Category,Date of birth,Passport number,Travel support\n"
# The quota (tests.meetings.conftest.set_up_registration): 3 seats for heads and delegates.
LIST = (
    HEADER
    + "head@gov.ge,Nino Beridze,Head of delegation,1984-05-17,13AB45678,yes\n"
    + "giorgi@gov.ge,Giorgi Kapanadze,delegate,17.05.1980,,no\n"
    + "GIORGI@gov.ge,Giorgi Again,delegate,,,\n"  # the same person: a duplicate
    + "tamar@gov.ge,Tamar Lomidze,delegate,1990-02-30,,\n"  # no 30 February
    + "levan@gov.ge,Levan Gelashvili,delegate,,,\n"
    + "ana@gov.ge,Ana Tsiklauri,delegate,,,\n"  # the quota is full by now
)


def _csv(text: str = LIST, name: str = "georgia.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def _xlsx(rows: list[list[object]], name: str = "georgia.xlsx") -> SimpleUploadedFile:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def _outcomes(report: imports.ImportReport) -> list[tuple[int, bool]]:
    return [(row.line, row.accepted) for row in report.rows]


EXPECTED = [(2, True), (3, True), (4, False), (5, False), (6, True), (7, False)]


def test_dry_run_reports_row_by_row_and_writes_nothing(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    def counts() -> tuple[int, int, int]:
        return Event.objects.count(), OutboxEmail.objects.count(), Invitation.objects.count()

    before = counts()
    report = imports.import_nominations(
        by=staff, meeting=open_meeting, member=world.state_a, upload=_csv(), dry_run=True
    )
    assert report.dry_run
    assert _outcomes(report) == EXPECTED
    duplicate, bad_date, over_quota = (r for r in report.rows if not r.accepted)
    assert duplicate.reasons == ("giorgi@gov.ge is already nominated for this meeting.",)
    assert bad_date.reasons == (
        "“1990-02-30” is not a date (date of birth): write it as 2027-03-10 or 10.03.2027.",
    )
    assert "The quota of Georgia is full" in over_quota.reasons[0]
    assert all(row.nomination_id is None for row in report.rows)
    assert not Nomination.objects.filter(meeting=open_meeting).exists()
    assert counts() == before
    assert not AuditEntry.objects.filter(action=AuditAction.NOMINATIONS_IMPORTED).exists()
    assert not mail.outbox


def test_import_writes_only_what_the_rules_accept(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    report = imports.import_nominations(
        by=staff, meeting=open_meeting, member=world.state_a, upload=_csv(), dry_run=False
    )
    assert _outcomes(report) == EXPECTED
    made = Nomination.objects.filter(meeting=open_meeting).order_by("id")
    assert [(n.email, n.category, n.nominated_by) for n in made] == [
        ("head@gov.ge", "head_of_delegation", staff),
        ("giorgi@gov.ge", "delegate", staff),
        ("levan@gov.ge", "delegate", staff),
    ]
    head = made[0]
    assert str(head.date_of_birth) == "1984-05-17"
    assert head.passport_number == "13AB45678"
    assert head.funding == "requested"
    assert str(made[1].date_of_birth) == "1980-05-17"
    # As a focal point's nominations: each published, each nominee written to.
    assert Event.objects.filter(type="nomination.submitted").count() == 3
    (entry,) = AuditEntry.objects.filter(action=AuditAction.NOMINATIONS_IMPORTED)
    assert entry.actor == staff
    assert entry.details["accepted"] == 3
    assert entry.details["refused"] == 3
    assert entry.details["nominations"] == [n.pk for n in made]


def test_a_second_head_and_a_nominee_already_there_are_refused(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    registration.nominate(
        by=world.person("focal_point_a"),
        meeting=open_meeting,
        member=world.state_a,
        email="head@gov.ge",
        category="head_of_delegation",
        full_name="Nino Beridze",
    )
    upload = _xlsx(
        [
            ["Full name", "E-mail address", "Category"],
            ["Nino Beridze", "head@gov.ge", "delegate"],
            ["Another Head", "other@gov.ge", "head_of_delegation"],
            ["A Delegate", "delegate@gov.ge", "Delegate"],
        ]
    )
    report = imports.import_nominations(
        by=staff, meeting=open_meeting, member=world.state_a, upload=upload, dry_run=False
    )
    assert _outcomes(report) == [(2, False), (3, False), (4, True)]
    assert "already nominated" in report.rows[0].reasons[0]
    assert "already has a head of delegation" in report.rows[1].reasons[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name;mail\nA;a@gov.ge\n", "missing: e-mail address, category"),
        ("", "The file is empty."),
        (HEADER, "no nominees"),
    ],
)
def test_a_file_that_is_not_a_list_is_refused_as_a_whole(
    world: World, open_meeting: Meeting, staff: User, text: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        imports.import_nominations(
            by=staff,
            meeting=open_meeting,
            member=world.state_a,
            upload=_csv(text),
            dry_run=True,
        )


def test_only_the_secretariat_imports(world: World, open_meeting: Meeting) -> None:
    with pytest.raises(PermissionDenied):
        imports.import_nominations(
            by=world.person("focal_point_a"),
            meeting=open_meeting,
            member=world.state_a,
            upload=_csv(),
            dry_run=True,
        )


def test_import_page_dry_run_then_import(world: World, open_meeting: Meeting, staff: User) -> None:
    client = client_for(staff)
    url = f"/meetings/{open_meeting.pk}/nominations/import/"
    assert client.get(url).status_code == 200
    checked = client.post(url, {"delegation": "GE", "file": _csv(), "check": "1"})
    page = checked.content.decode()
    assert checked.status_code == 200
    assert "3 would be accepted, 3 refused" in page
    assert "is not a date" in page
    assert not Nomination.objects.exists()
    imported = client.post(url, {"import": "1"})
    assert "3 nominated, 3 refused" in imported.content.decode()
    assert Nomination.objects.filter(meeting=open_meeting).count() == 3
    # The file was used once: importing again needs a new check.
    again = client.post(url, {"import": "1"})
    assert again.status_code == 400
    assert Nomination.objects.filter(meeting=open_meeting).count() == 3


def test_russian_headers_and_values_are_read(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    upload = _csv(
        "Эл. почта;Ф.И.О.;Категория;Дата рождения;Должность;Оплата поездки\n"
        "head@gov.ge;Нино Беридзе;Глава делегации;17.05.1984;Министр;да\n"
        "giorgi@gov.ge;Гиорги Капанадзе;делегат;;;нет\n"
    )
    report = imports.import_nominations(
        by=staff, meeting=open_meeting, member=world.state_a, upload=upload, dry_run=False
    )
    assert _outcomes(report) == [(2, True), (3, True)]
    head, delegate = Nomination.objects.filter(meeting=open_meeting).order_by("id")
    assert (head.email, head.full_name, head.category) == (
        "head@gov.ge",
        "Нино Беридзе",
        "head_of_delegation",
    )
    assert (str(head.date_of_birth), head.title, head.funding) == (
        "1984-05-17",
        "Министр",
        "requested",
    )
    assert (delegate.category, delegate.funding) == ("delegate", "none")


def test_arabic_headers_are_read_written_with_or_without_marks(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    upload = _xlsx(
        [
            # "الفئة" with a tatweel, "البريد الإلكتروني" with its hamza on a plain alef.
            ["الاسم الكامل", "البريد الالكتروني", "الفئـة", "رقم جواز السفر", "دعم السفر"],
            ["نينو بيريدزه", "head@gov.ge", "رئيس الوفد", "13AB45678", "نعم"],
            ["جيورجي", "giorgi@gov.ge", "مندوب", "", "لا"],
        ]
    )
    report = imports.import_nominations(
        by=staff, meeting=open_meeting, member=world.state_a, upload=upload, dry_run=False
    )
    assert _outcomes(report) == [(2, True), (3, True)]
    made = Nomination.objects.filter(meeting=open_meeting).order_by("id")
    assert [(n.email, n.full_name, n.category, n.passport_number) for n in made] == [
        ("head@gov.ge", "نينو بيريدزه", "head_of_delegation", "13AB45678"),
        ("giorgi@gov.ge", "جيورجي", "delegate", ""),
    ]
    assert made[0].funding == "requested"


def test_a_header_names_one_column_in_every_language() -> None:
    seen: dict[str, str] = {}
    for name, by_language in imports.HEADERS.items():
        assert set(by_language) == set(imports.HEADER_LANGUAGES), name
        for aliases in by_language.values():
            for alias in aliases:
                key = imports._header_key(alias)
                assert seen.setdefault(key, name) == name, f"{alias!r}: {seen[key]} and {name}"


def test_import_page_shows_the_headers_in_english_russian_and_arabic(
    open_meeting: Meeting, staff: User
) -> None:
    page = client_for(staff).get(f"/meetings/{open_meeting.pk}/nominations/import/")
    text = page.content.decode()
    for header in ("Full name", "ФИО", "الاسم الكامل", "Passport expires", "Дата рождения"):
        assert f">{header}</td>" in text
