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
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter

from dialogue.text import multi_line, one_line
from meetings.registration.printing import pdf

Cell = str | int | float | Decimal | None

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
    ) -> Table:
        """A table of one unnamed group."""
        return cls(title=title, columns=columns, groups=(TableGroup("", rows),), subtitle=subtitle)

    @property
    def has_named_groups(self) -> bool:
        return any(group.heading for group in self.groups)


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


def _text(value: Cell) -> str:
    """A cell as the PDF prints it."""
    if value is None:
        return ""
    if isinstance(value, str):
        return multi_line(value)
    return _number_text(value)


def _spreadsheet_text(value: Cell) -> str:
    """A cell as CSV writes it: text guarded against formulas, numbers as they are."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise_formula(value)
    return _number_text(value)


def _header(table: Table) -> list[str]:
    labels = [table.group_label, *table.columns] if table.has_named_groups else [*table.columns]
    return [neutralise_formula(label) for label in labels]


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
        writer.writerow([_spreadsheet_text(value) for value in row])
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

    header = _header(table)
    rows = _rows(table)
    widths = [len(label) for label in header]
    for row in rows:
        for i, value in enumerate(row):
            longest_line = max((len(line) for line in _text(value).split("\n")), default=0)
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


def to_pdf(table: Table) -> bytes:
    """The table as PDF (see ``printing.pdf.render_table``): columns of numbers align right."""
    right_aligned = []
    for i in range(len(table.columns)):
        values = [row[i] for group in table.groups for row in group.rows if row[i] is not None]
        right_aligned.append(bool(values) and all(not isinstance(v, str) for v in values))
    return pdf.render_table(
        title=table.title,
        subtitle=table.subtitle,
        columns=table.columns,
        groups=[
            (group.heading, [[_text(value) for value in row] for row in group.rows])
            for group in table.groups
        ],
        right_aligned=right_aligned,
    )
