"""Tables for download: one description (``Table``), three formats (CSV, XLSX, PDF) as bytes.

Lists of participants, delegations and registrations leave the platform as files that people
open in Excel or LibreOffice, print, or pass on. The caller builds a ``Table`` of plain values
(already in the reader's language, already limited to what that reader may see); the functions
here only lay it out.

Grouping: a table has groups, each under a heading (a delegation, say) or one unnamed group.
CSV and XLSX put the heading into a first column of every row rather than a heading row, so
every row stands on its own: sorting, filtering, pivot tables and a re-import keep each person
with their delegation, and both files have the same columns. The PDF, made for reading, prints a
heading row above each group instead.

Formula injection (OWASP "CSV injection"): a text cell that begins with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return would be run as a formula by a spreadsheet that opens the
file, so it is written with a leading apostrophe (``'=HYPERLINK(...)``), which spreadsheets show
as text. Numbers, and text that is just a number ("-5", "+3.5"), are left as they are. XLSX gets
the same guard although its text cells are never evaluated as written: the value survives being
saved on as CSV from Excel. Control characters are taken out first (``dialogue.text``), so that a
formula cannot hide behind one, and a line break in a cell is always ``\n``.

Dates and times: a cell may be a ``datetime.date`` or an aware ``datetime.datetime``. XLSX
writes them as real date cells (sortable, usable in formulas) at the wall-clock time of the
table's ``time_zone``, whose name the column's header then states ("Arrived (Europe/Istanbul)");
CSV writes ISO 8601 with the offset ("2027-03-10T09:12+03:00"), which every program reads
back to the same instant; the PDF prints the wall-clock time. Header labels are made unique
(a second "Breakdown" becomes "Breakdown (2)"): a spreadsheet or a CSV reader keyed by header
would otherwise lose a column.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter
from django.utils.translation import get_language

from dialogue.charts import BarChart
from dialogue.text import multi_line, one_line
from meetings.registration.printing import pdf, report

Cell = str | int | float | Decimal | datetime.date | None

_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")

# Excel's limit for a page header, its codes included.
XLSX_HEADER_MAX = 255
# Column widths in XLSX, in characters of the default font.
XLSX_MIN_WIDTH = 6
XLSX_MAX_WIDTH = 60


@dataclass(frozen=True)
class TableGroup:
    """Rows under one heading (a delegation's name); ``heading=""`` for a table without groups."""

    heading: str
    rows: Sequence[Sequence[Cell]]


@dataclass(frozen=True)
class Table:
    """A table to export: ``columns`` are the header labels, every row has one cell for each.

    ``group_label`` heads the group column of CSV and XLSX ("Delegation", "Делегация") when
    any group has a heading; ``right_to_left`` when the table is written in a right-to-left
    language (the XLSX sheet is then laid out right to left, as Excel does for Arabic). Raises
    ``ValueError`` when a row's length differs from the header.
    """

    title: str
    columns: Sequence[str]
    groups: Sequence[TableGroup]
    subtitle: str = ""
    group_label: str = ""
    # The zone whose wall-clock time the date-and-time cells show (and their headers name).
    time_zone: str = "UTC"
    right_to_left: bool = False

    def __post_init__(self) -> None:
        for group in self.groups:
            for row in group.rows:
                if len(row) != len(self.columns):
                    raise ValueError(
                        f"A row of {len(row)} cells in a table of {len(self.columns)} columns"
                        f" ({group.heading or 'no group'}): {list(row)!r}"
                    )

    @classmethod
    def ungrouped(
        cls,
        *,
        title: str,
        columns: Sequence[str],
        rows: Sequence[Sequence[Cell]],
        subtitle: str = "",
        time_zone: str = "UTC",
    ) -> Table:
        """A table of one unnamed group."""
        return cls(
            title=title,
            columns=columns,
            groups=(TableGroup("", rows),),
            subtitle=subtitle,
            time_zone=time_zone,
        )

    @property
    def has_named_groups(self) -> bool:
        return any(group.heading for group in self.groups)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local(self, value: datetime.datetime) -> datetime.datetime:
        """An aware moment at the table's wall-clock time (still aware)."""
        return value.astimezone(self.zone)


def neutralise_formula(text: str) -> str:
    """``text`` as a spreadsheet shows it and never runs it (see the module docstring)."""
    text = multi_line(text)
    # A lone "-" (a common "none") carries no formula: only longer text is guarded.
    if len(text) > 1 and text.startswith(_FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def _number_text(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _text(value: Cell, table: Table) -> str:
    """A cell as the PDF prints it (and the width of an XLSX column counts it)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return multi_line(value)
    if isinstance(value, datetime.datetime):
        return table.local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _number_text(value)


def _spreadsheet_text(value: Cell, table: Table) -> str:
    """A cell as CSV writes it: text guarded against formulas, numbers as they are, moments in
    ISO 8601 with their offset."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_formula(value)
    if isinstance(value, datetime.datetime):
        return table.local(value).isoformat(timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return _number_text(value)


def _has_moments(table: Table, index: int) -> bool:
    return any(
        isinstance(row[index], datetime.datetime) for group in table.groups for row in group.rows
    )


def unique_labels(labels: Sequence[str]) -> list[str]:
    """The labels, a repeated one numbered from its second use: "Name", "Name (2)"."""
    taken: set[str] = set()
    result = []
    for label in labels:
        candidate, number = label, 1
        while candidate in taken:
            number += 1
            candidate = f"{label} ({number})"
        taken.add(candidate)
        result.append(candidate)
    return result


def _labels(table: Table) -> list[str]:
    """The header as people read it: unique, a column of moments naming the zone."""
    columns = [
        f"{label} ({table.time_zone})" if _has_moments(table, i) else label
        for i, label in enumerate(table.columns)
    ]
    return unique_labels([table.group_label, *columns] if table.has_named_groups else columns)


def _header(table: Table) -> list[str]:
    return [neutralise_formula(label) for label in _labels(table)]


def _rows(table: Table) -> list[list[Cell]]:
    """Every row, the group heading in front when the table has named groups."""
    grouped = table.has_named_groups
    return [
        [group.heading, *row] if grouped else list(row)
        for group in table.groups
        for row in group.rows
    ]


def to_csv(table: Table) -> bytes:
    """The table as CSV: UTF-8 with a byte order mark (without it Excel reads Cyrillic as
    Windows-1252 mojibake), comma-separated, CRLF, one header row, then one line a row; title,
    subtitle and headings of empty groups are not in it."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(_header(table))
    for row in _rows(table):
        writer.writerow([_spreadsheet_text(value, table) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _utf16_prefix(text: str, units: int) -> str:
    """The longest start of ``text`` that is at most ``units`` long as Excel counts (UTF-16
    code units: an emoji is two)."""
    for index, character in enumerate(text):
        units -= 2 if ord(character) > 0xFFFF else 1
        if units < 0:
            return text[:index]
    return text


def _sheet_name(title: str) -> str:
    """Excel's rules: at most 31 characters, none of ``[]:*?/\\``, no apostrophe at either end."""
    name = _utf16_prefix(_SHEET_NAME_FORBIDDEN.sub(" ", title), 31).strip().strip("'").strip()
    return name or "Sheet1"


def _page_header(title: str) -> str:
    """The title centred in the printed page's header: "&" starts a code there, so "&&" prints
    one ampersand; past Excel's limit (counted in UTF-16 units) it is cut with an ellipsis."""
    header = "&C" + title.replace("&", "&&")
    if _utf16_prefix(header, XLSX_HEADER_MAX) == header:
        return header
    # A cut between the two ampersands of "&&" would leave a code: the lone one goes.
    return _utf16_prefix(header, XLSX_HEADER_MAX - 1).rstrip("&") + "…"


def to_xlsx(table: Table) -> bytes:
    """The table as an Excel workbook of one sheet: a bold header row, frozen, with a filter;
    numbers as numbers; columns as wide as their content (up to a limit, beyond which the text
    wraps); printed with the title at the top, the header on every page, fitted to the width."""
    title, subtitle = one_line(table.title), one_line(table.subtitle)
    buffer = io.BytesIO()
    # Nothing a cell says may turn into a formula, a link or a number behind the caller's back.
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    workbook.set_properties({"title": title, "subject": subtitle})
    sheet = workbook.add_worksheet(_sheet_name(title))
    if table.right_to_left:
        sheet.right_to_left()
    header_format = workbook.add_format(
        {"bold": True, "bg_color": "#E0E0E0", "bottom": 1, "text_wrap": True, "valign": "top"}
    )
    wrap_format = workbook.add_format({"text_wrap": True, "valign": "top"})
    top_format = workbook.add_format({"valign": "top"})
    moment_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm", "valign": "top"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})

    header = _header(table)
    rows = _rows(table)
    widths = [len(label) for label in header]
    for row in rows:
        for i, value in enumerate(row):
            longest_line = max((len(line) for line in _text(value, table).split("\n")), default=0)
            widths[i] = max(widths[i], longest_line)
    formats = [wrap_format if width > XLSX_MAX_WIDTH else top_format for width in widths]
    for i, width in enumerate(widths):
        sheet.set_column(i, i, min(max(width + 2, XLSX_MIN_WIDTH), XLSX_MAX_WIDTH))

    for i, label in enumerate(header):
        sheet.write_string(0, i, label, header_format)
    for row_index, row in enumerate(rows, start=1):
        for i, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                sheet.write_string(row_index, i, neutralise_formula(value), formats[i])
            elif isinstance(value, datetime.datetime):
                # Excel has no zones: the wall-clock time of the zone the header names.
                local = table.local(value).replace(tzinfo=None)
                sheet.write_datetime(row_index, i, local, moment_format)
            elif isinstance(value, datetime.date):
                sheet.write_datetime(
                    row_index, i, datetime.datetime.combine(value, datetime.time()), date_format
                )
            else:
                sheet.write_number(row_index, i, float(value), formats[i])

    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(header) - 1)
    sheet.repeat_rows(0)
    sheet.fit_to_pages(1, 0)
    sheet.set_paper(9)  # A4
    if len(header) > 6:
        sheet.set_landscape()
    sheet.set_header(_page_header(title))
    workbook.close()
    return buffer.getvalue()


def _right_aligned(table: Table) -> list[bool]:
    right_aligned = []
    for i in range(len(table.columns)):
        values = [row[i] for group in table.groups for row in group.rows if row[i] is not None]
        right_aligned.append(
            bool(values) and all(isinstance(v, int | float | Decimal) for v in values)
        )
    return right_aligned


def to_pdf_with_charts(
    table: Table, charts: Sequence[BarChart], *, chart_heading: str, label_column: str
) -> bytes:
    """The table as PDF after its charts, drawn as vector graphics (``printing.report``)."""
    labels = _labels(table)
    return report.render_report(
        title=table.title,
        subtitle=table.subtitle,
        charts=charts,
        chart_heading=chart_heading,
        columns=labels[1:] if table.has_named_groups else labels,
        groups=[
            (group.heading, [[_text(value, table) for value in row] for row in group.rows])
            for group in table.groups
        ],
        right_aligned=_right_aligned(table),
        language=get_language() or "en",
        right_to_left=table.right_to_left,
        label_column=label_column,
    )


def to_pdf(table: Table) -> bytes:
    """The table as PDF (see ``printing.pdf.render_table``): columns of numbers align right."""
    right_aligned = _right_aligned(table)
    return pdf.render_table(
        title=table.title,
        subtitle=table.subtitle,
        columns=_labels(table)[1:] if table.has_named_groups else _labels(table),
        groups=[
            (group.heading, [[_text(value, table) for value in row] for row in group.rows])
            for group in table.groups
        ],
        right_aligned=right_aligned,
    )
