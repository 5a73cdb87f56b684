"""Printable documents for delegation registration: letters, badges and tables as PDF bytes.

Pure functions from plain data (frozen dataclasses of strings) to ``bytes``: no models, no
request, no translation catalogue. The caller chooses the language and passes every word already
written in it (titles, labels, the filled-in body of a letter), so the same code prints the
English and the Russian versions and this module never needs a message of its own.

Fonts: DejaVu Sans, regular and bold, shipped in ``meetings/fonts/`` (see its LICENSE) and
embedded as subsets with a Unicode map, so Cyrillic and Latin with diacritics (Türkiye,
Azərbaycan) print on any machine and can be searched and copied from the PDF. Nothing is read
from the system's fonts and nothing is fetched from the network.

Output is byte-stable (ReportLab's *invariant* mode: no creation time, a fixed document id), so
the same data gives the same file and a cached copy or an ETag stays valid.

Any text prints: each function first takes out what a PDF cannot carry or a reader should not
get (control characters, unpaired surrogates, bidirectional overrides; see ``dialogue.text``),
keeps what is one line on one line (badges, metadata, running headers), lets a letter's text
flow over pages and cuts a table cell that would be taller than a page: stored text, however
long or odd, never stops a file.
"""

from __future__ import annotations

import functools
import io
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.barcode import qrencoder
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)
from reportlab.platypus import (
    Table as PdfTable,
)
from reportlab.platypus import (
    TableStyle as PdfTableStyle,
)

from dialogue.text import multi_line, one_line

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR = "DialogueDejaVuSans"
BOLD = "DialogueDejaVuSans-Bold"

GREY = colors.Color(0.35, 0.35, 0.35)
LIGHT_GREY = colors.Color(0.88, 0.88, 0.88)
CUT_LINE_GREY = colors.Color(0.7, 0.7, 0.7)


@functools.cache
def _register_fonts() -> None:
    """Register the vendored DejaVu Sans once per process (ReportLab keeps a global registry)."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    # <b> in a Paragraph looks the bold face up through the family.
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
    )


def _printable(text: str) -> str:
    """Text as a PDF carries it: line breaks kept, everything else that is no character out."""
    return multi_line(text)


def _cleaned(record: Any, *, one_line_fields: Sequence[str] = ()) -> Any:
    """A copy of a dataclass of strings (and tuples of strings) with each value printable;
    ``one_line_fields`` also folded into one line."""
    changes: dict[str, Any] = {}
    for field in fields(record):
        value = getattr(record, field.name)
        clean = one_line if field.name in one_line_fields else _printable
        if isinstance(value, str):
            changes[field.name] = clean(value)
        elif isinstance(value, tuple):
            changes[field.name] = tuple(clean(part) for part in value)
    return replace(record, **changes)


def _markup(text: str) -> str:
    """Plain text as Paragraph markup: ``&``, ``<`` and ``>`` print as themselves, and a line
    break in the text stays a line break (Paragraph would otherwise fold it into a space)."""
    return "<br/>".join(escape(line) for line in text.split("\n"))


def _numbered_canvas(
    draw_page_furniture: Callable[[Canvas, int, int], None],
) -> Callable[..., Canvas]:
    """A canvas maker that knows the page count before it finishes a page, for "2 / 3".

    Each finished page is kept as the canvas state and drawn on ``save()``, once the total is
    known; ``draw_page_furniture(canvas, page_number, page_count)`` adds headers and footers.
    """

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._finished_pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._finished_pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            page_count = len(self._finished_pages)
            for state in self._finished_pages:
                self.__dict__.update(state)
                draw_page_furniture(self, self._pageNumber, page_count)
                super().showPage()
            super().save()

    return NumberedCanvas


# --------------------------------------------------------------------------------------------
# Letters


@dataclass(frozen=True)
class Letter:
    """One letter (invitation, visa support, certificate of attendance), every word filled in.

    ``language`` is the BCP 47 tag of the text (``"en"``, ``"ru"``): it goes into the PDF so
    that screen readers and search pick the right language. ``dialogue`` heads the letterhead
    ("Budapest Process"); ``secretariat`` is the line under it ("Secretariat: International
    Centre for Migration Policy Development (ICMPD), Gonzagagasse 1, 1010 Vienna, Austria").
    ``reference`` is printed as given ("BP/SOM/2027/GE/3"; add a label such as "Ref.:" to the
    string if the letter wants one). ``addressee`` and ``signature`` are printed one line each;
    each of ``paragraphs`` is one paragraph of plain text that wraps and flows across pages.
    """

    language: str
    dialogue: str
    secretariat: str
    place_and_date: str
    reference: str
    addressee: tuple[str, ...]
    title: str
    paragraphs: tuple[str, ...]
    signature: tuple[str, ...]


_LETTER_MARGINS = {"left": 25 * mm, "right": 20 * mm, "top": 20 * mm, "bottom": 22 * mm}


@functools.cache
def _letter_styles() -> dict[str, ParagraphStyle]:
    _register_fonts()
    body = ParagraphStyle("letter-body", fontName=REGULAR, fontSize=10.5, leading=14.5)
    return {
        "dialogue": ParagraphStyle("letter-dialogue", fontName=BOLD, fontSize=18, leading=22),
        "secretariat": ParagraphStyle(
            "letter-secretariat", fontName=REGULAR, fontSize=8.5, leading=11, textColor=GREY
        ),
        "reference": ParagraphStyle("letter-reference", parent=body),
        "place_and_date": ParagraphStyle("letter-place", parent=body, alignment=TA_RIGHT),
        "addressee": ParagraphStyle("letter-addressee", parent=body),
        "title": ParagraphStyle(
            "letter-title", fontName=BOLD, fontSize=14, leading=18, alignment=TA_CENTER
        ),
        "body": ParagraphStyle("letter-paragraph", parent=body, alignment=TA_JUSTIFY, spaceAfter=7),
        "signature": ParagraphStyle("letter-signature", parent=body, spaceBefore=10 * mm),
    }


def render_letter(letter: Letter) -> bytes:
    """The letter as an A4 PDF: letterhead, reference and date, addressee, title, body, signature.

    The body flows over as many pages as it needs; every page after the first repeats the
    dialogue and the reference at the top, and every page of a letter longer than one page is
    numbered "n / total", so a page that went astray can be put back.
    """
    letter = _cleaned(letter, one_line_fields=("dialogue", "reference", "title"))
    styles = _letter_styles()
    page_width, page_height = A4
    margins = _LETTER_MARGINS
    text_width = page_width - margins["left"] - margins["right"]

    def draw_page_furniture(canvas: Canvas, page_number: int, page_count: int) -> None:
        canvas.saveState()
        canvas.setFillColor(GREY)
        canvas.setFont(REGULAR, 8)
        if page_number > 1:
            canvas.drawString(
                margins["left"],
                page_height - 12 * mm,
                f"{letter.dialogue} · {letter.reference}",
            )
        if page_count > 1:
            canvas.drawRightString(
                page_width - margins["right"], 12 * mm, f"{page_number} / {page_count}"
            )
        canvas.restoreState()

    story: list[Flowable] = [
        Paragraph(_markup(letter.dialogue), styles["dialogue"]),
        Paragraph(_markup(letter.secretariat), styles["secretariat"]),
        HRFlowable(width="100%", thickness=0.6, color=GREY, spaceBefore=3 * mm, spaceAfter=8 * mm),
        PdfTable(
            [
                [
                    Paragraph(_markup(letter.reference), styles["reference"]),
                    Paragraph(_markup(letter.place_and_date), styles["place_and_date"]),
                ]
            ],
            colWidths=[text_width / 2, text_width / 2],
            splitInRow=1,
            style=PdfTableStyle(
                [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            ),
        ),
        Spacer(0, 8 * mm),
        Paragraph(_markup("\n".join(letter.addressee)), styles["addressee"]),
        Spacer(0, 10 * mm),
        Paragraph(_markup(letter.title), styles["title"]),
        Spacer(0, 6 * mm),
    ]
    body = [Paragraph(_markup(text), styles["body"]) for text in letter.paragraphs]
    signature = Paragraph(_markup("\n".join(letter.signature)), styles["signature"])
    # The signature moves with the last paragraph: a signature alone on a page, or "Yours
    # sincerely" on one page and the name on the next, reads as a page of another letter.
    story += body[:-1]
    story.append(KeepTogether([*body[-1:], signature]))

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=margins["left"],
        rightMargin=margins["right"],
        topMargin=margins["top"],
        bottomMargin=margins["bottom"],
        title=letter.title,
        author=letter.dialogue,
        subject=letter.reference,
        lang=letter.language,
        invariant=1,
    )
    document.build(story, canvasmaker=_numbered_canvas(draw_page_furniture))
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Badges


@dataclass(frozen=True)
class Badge:
    """One participant's badge: who, for which meeting, in which capacity, and the check-in code.

    ``affiliation`` is the state or organisation ("Türkiye", "IOM"); ``category`` the capacity
    as the badge prints it ("Head of delegation", "Observer", "Пресса"); ``token`` the string the
    QR code carries (the check-in token), decoded back verbatim by any scanner.
    """

    meeting: str
    name: str
    affiliation: str
    category: str
    token: str


BADGE_PAGE_MARGIN_X = 10 * mm
BADGE_PAGE_MARGIN_Y = 12 * mm
BADGE_PADDING = 4 * mm
# A 32-character token needs a version 3 code (29 modules) at level M; with the four-module
# quiet zone on each side that is 37 modules in 30 mm, about 0.8 mm a module: far above what
# phone cameras and handheld scanners need (0.25-0.33 mm), with room for a worn badge.
BADGE_QR_SIZE = 30 * mm
BADGE_QR_MINIMUM_SIZE = 20 * mm
QR_QUIET_ZONE_MODULES = 4
QR_ERROR_CORRECTION = qrencoder.QRErrorCorrectLevel.M


_BREAK_AFTER_HYPHEN = re.compile(r"(?<=-)(?=.)")


def _wrap_words(text: str, font: str, size: float, width: float) -> list[str] | None:
    """Greedy wrap at spaces and after hyphens (double-barrelled names are common and long);
    ``None`` when a single piece is wider than the line."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        for position, piece in enumerate(_BREAK_AFTER_HYPHEN.split(word)):
            if pdfmetrics.stringWidth(piece, font, size) > width:
                return None
            joiner = "" if position else " "
            candidate = f"{current}{joiner}{piece}" if current else piece
            if pdfmetrics.stringWidth(candidate, font, size) <= width:
                current = candidate
            else:
                lines.append(current)
                current = piece
    if current:
        lines.append(current)
    return lines


def _wrap_characters(text: str, font: str, size: float, width: float) -> list[str]:
    """Wrap anywhere: the last resort for a word wider than the line at the smallest size."""
    lines: list[str] = []
    current = ""
    for character in " ".join(text.split()):
        if current and pdfmetrics.stringWidth(current + character, font, size) > width:
            lines.append(current.rstrip())
            current = character.lstrip()
        else:
            current += character
    if current:
        lines.append(current)
    return lines


def _fit_text(
    text: str,
    *,
    font: str,
    largest: float,
    smallest: float,
    width: float,
    height: float,
    max_lines: int,
    leading: float = 1.15,
) -> tuple[float, list[str]]:
    """The largest size from ``largest`` down to ``smallest`` at which ``text`` wraps into the
    box, and its lines. What does not fit even at the smallest size is broken inside words and,
    past the box, cut with an ellipsis: a badge never prints over its neighbour or its QR code.
    """
    size = largest
    while size >= smallest:
        lines_allowed = min(max_lines, int(height // (size * leading)))
        lines = _wrap_words(text, font, size, width)
        if lines is not None and 0 < len(lines) <= lines_allowed:
            return size, lines
        size -= 0.5
    size = smallest
    lines_allowed = max(1, min(max_lines, int(height // (size * leading))))
    lines = _wrap_characters(text, font, size, width)
    if len(lines) > lines_allowed:
        lines = lines[:lines_allowed]
        last = lines[-1]
        while last and pdfmetrics.stringWidth(last + "…", font, size) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return size, lines


def _draw_lines(
    canvas: Canvas,
    lines: Sequence[str],
    *,
    font: str,
    size: float,
    x: float,
    top: float,
    leading: float = 1.15,
) -> float:
    """Draw ``lines`` left-aligned downwards from ``top``; returns the y below the last line."""
    canvas.setFont(font, size)
    y = top
    for line in lines:
        y -= size * leading
        # The baseline sits above the line's foot by the descent plus half the extra leading.
        canvas.drawString(x, y + size * (leading - 1) / 2 + size * 0.24, line)
    return y


def _draw_qr_code(canvas: Canvas, value: str, *, x: float, y: float, size: float) -> None:
    """A QR code of ``value`` in a ``size`` square at (x, y), quiet zone included.

    The dark modules are one filled path, so no hairline seams appear between neighbouring
    modules in a viewer or on a printer (which would make some scanners stumble).
    """
    code = qrencoder.QRCode(None, QR_ERROR_CORRECTION)
    code.addData(value)
    code.make()
    count = code.getModuleCount()
    module = size / (count + 2 * QR_QUIET_ZONE_MODULES)
    origin_x = x + QR_QUIET_ZONE_MODULES * module
    origin_top = y + size - QR_QUIET_ZONE_MODULES * module
    canvas.saveState()
    canvas.setFillColor(colors.white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    path = canvas.beginPath()
    for row_index in range(count):
        column = 0
        row = code.modules[row_index]
        while column < count:
            if row[column]:
                start = column
                while column < count and row[column]:
                    column += 1
                path.rect(
                    origin_x + start * module,
                    origin_top - (row_index + 1) * module,
                    (column - start) * module,
                    module,
                )
            else:
                column += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def _draw_badge(
    canvas: Canvas, badge: Badge, *, x: float, y: float, width: float, height: float
) -> None:
    """One badge in the cell whose lower left corner is (x, y), drawn in reading order (meeting,
    name, affiliation, category) so that copied or read-aloud text comes out in that order."""
    pad = BADGE_PADDING
    inner_width = width - 2 * pad
    title_height = 8 * mm
    band_height = 9 * mm
    band_bottom = y + pad
    middle_bottom = band_bottom + band_height + 2 * mm
    middle_top = y + height - pad - title_height - 1 * mm
    middle_height = middle_top - middle_bottom

    # Cut guide: a thin light line along the cell, the same on both neighbours.
    canvas.setStrokeColor(CUT_LINE_GREY)
    canvas.setLineWidth(0.3)
    canvas.rect(x, y, width, height, stroke=1, fill=0)

    # Meeting title across the top, small.
    size, lines = _fit_text(
        badge.meeting,
        font=REGULAR,
        largest=8,
        smallest=6,
        width=inner_width,
        height=title_height,
        max_lines=2,
    )
    canvas.setFillColor(GREY)
    _draw_lines(canvas, lines, font=REGULAR, size=size, x=x + pad, top=y + height - pad)
    canvas.setFillColor(colors.black)

    # Middle: name and affiliation on the left, the QR code on the right.
    qr_size = min(BADGE_QR_SIZE, middle_height, inner_width * 0.45)
    # The QR box includes its quiet zone, so text may come this close and no closer.
    text_width = inner_width - qr_size - 1 * mm
    name_size, name_lines = _fit_text(
        badge.name,
        font=BOLD,
        largest=20,
        smallest=9,
        width=text_width,
        height=middle_height * 0.62,
        max_lines=3,
    )
    affiliation_size, affiliation_lines = _fit_text(
        badge.affiliation,
        font=REGULAR,
        largest=11,
        smallest=7,
        width=text_width,
        height=middle_height * 0.33,
        max_lines=3,
    )
    gap = 2 * mm
    block_height = (
        len(name_lines) * name_size * 1.15 + gap + len(affiliation_lines) * affiliation_size * 1.15
    )
    top = middle_bottom + (middle_height + block_height) / 2
    below_name = _draw_lines(canvas, name_lines, font=BOLD, size=name_size, x=x + pad, top=top)
    _draw_lines(
        canvas,
        affiliation_lines,
        font=REGULAR,
        size=affiliation_size,
        x=x + pad,
        top=below_name - gap,
    )
    _draw_qr_code(
        canvas,
        badge.token,
        x=x + width - pad - qr_size,
        y=middle_bottom + (middle_height - qr_size) / 2,
        size=qr_size,
    )

    # Category in a grey band across the bottom: seen from across the room.
    canvas.setFillColor(LIGHT_GREY)
    canvas.rect(x + pad, band_bottom, inner_width, band_height, stroke=0, fill=1)
    canvas.setFillColor(colors.black)
    size, lines = _fit_text(
        badge.category,
        font=BOLD,
        largest=12,
        smallest=7,
        width=inner_width - 4 * mm,
        height=band_height,
        max_lines=1,
    )
    if lines:
        canvas.setFont(BOLD, size)
        # Capitals stand about 0.73 em high: this baseline puts them in the middle of the band.
        middle = band_bottom + band_height / 2
        canvas.drawCentredString(x + width / 2, middle - size * 0.36, lines[0])


def render_badges(badges: Sequence[Badge], *, columns: int = 2, rows: int = 4) -> bytes:
    """Badges on A4 sheets, ``columns`` × ``rows`` a page (8 by default, each 95 × 68 mm), in the
    order given, with thin grey cut lines.

    Each badge carries the meeting, the name (largest that fits, wrapped, never past its box),
    the state or organisation, the category and a QR code of the token with its quiet zone.
    Raises ``ValueError`` for no badges or a grid so dense that the QR code would be too small
    to scan reliably.
    """
    if not badges:
        raise ValueError("There are no badges to print.")
    badges = [_cleaned(badge, one_line_fields=[f.name for f in fields(Badge)]) for badge in badges]
    if columns < 1 or rows < 1:
        raise ValueError("A sheet needs at least one column and one row of badges.")
    _register_fonts()
    page_width, page_height = A4
    cell_width = (page_width - 2 * BADGE_PAGE_MARGIN_X) / columns
    cell_height = (page_height - 2 * BADGE_PAGE_MARGIN_Y) / rows
    # Same arithmetic as _draw_badge: the room left for the QR code between title and band.
    qr_room = min(
        cell_height - 2 * BADGE_PADDING - 20 * mm, (cell_width - 2 * BADGE_PADDING) * 0.45
    )
    if qr_room < BADGE_QR_MINIMUM_SIZE:
        raise ValueError(
            f"{columns} × {rows} badges a page leave too little room for a QR code that scans."
        )

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setTitle(badges[0].meeting)
    per_page = columns * rows
    for index, badge in enumerate(badges):
        if index and index % per_page == 0:
            canvas.showPage()
        slot = index % per_page
        row, column = divmod(slot, columns)
        _draw_badge(
            canvas,
            badge,
            x=BADGE_PAGE_MARGIN_X + column * cell_width,
            y=page_height - BADGE_PAGE_MARGIN_Y - (row + 1) * cell_height,
            width=cell_width,
            height=cell_height,
        )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# --------------------------------------------------------------------------------------------
# Tables


TABLE_FONT_SIZE = 8.5
TABLE_LEADING = TABLE_FONT_SIZE * 1.2
TABLE_CELL_PADDING = 3
# Above and below the text of a row (TOPPADDING and BOTTOMPADDING in the table's style).
TABLE_ROW_PADDING = 2 + 2.5
_TABLE_MARGIN = 15 * mm


@functools.cache
def _table_styles() -> dict[str, ParagraphStyle]:
    _register_fonts()
    cell = ParagraphStyle(
        "table-cell", fontName=REGULAR, fontSize=TABLE_FONT_SIZE, leading=TABLE_FONT_SIZE * 1.2
    )
    return {
        "title": ParagraphStyle("table-title", fontName=BOLD, fontSize=14, leading=18),
        "subtitle": ParagraphStyle(
            "table-subtitle", fontName=REGULAR, fontSize=9.5, leading=12, textColor=GREY
        ),
        "cell": cell,
        "cell_right": ParagraphStyle("table-cell-right", parent=cell, alignment=TA_RIGHT),
        "header": ParagraphStyle("table-header", parent=cell, fontName=BOLD),
        "header_right": ParagraphStyle(
            "table-header-right", parent=cell, fontName=BOLD, alignment=TA_RIGHT
        ),
        "group": ParagraphStyle("table-group", parent=cell, fontName=BOLD),
    }


def _estimated_height(text: str, font: str, width: float) -> float:
    """The height of ``text`` wrapped in a cell ``width`` wide, erring on the tall side
    (wrapping at spaces leaves the end of a line empty)."""
    usable = max(width - 2 * TABLE_CELL_PADDING, 1.0)
    lines = sum(
        max(1, math.ceil(1.25 * pdfmetrics.stringWidth(line, font, TABLE_FONT_SIZE) / usable))
        for line in text.split("\n")
    )
    return lines * TABLE_LEADING + TABLE_ROW_PADDING


def _cut_to_height(text: str, font: str, width: float, height: float) -> tuple[str, float]:
    """``text``, cut with an ellipsis when it would be taller than ``height`` in a cell
    ``width`` wide, and its estimated height."""
    estimated = _estimated_height(text, font, width)
    if estimated <= height:
        return text, estimated
    keep = max(int(len(text) * height / estimated) - 1, 0)
    return text[:keep] + "…", height


def _column_widths(natural: Sequence[float], available: float) -> list[float]:
    """Share ``available`` among columns: a column that needs less than an equal share of what
    is left gets what it needs, the rest share the remainder equally (and wrap). When everything
    fits, the spare room is spread in proportion, so the table spans the page."""
    total = sum(natural)
    if total <= available:
        return [width * available / total for width in natural] if total else list(natural)
    widths: list[float | None] = [None] * len(natural)
    remaining = available
    while True:
        open_columns = [i for i, width in enumerate(widths) if width is None]
        share = remaining / len(open_columns)
        narrow = [i for i in open_columns if natural[i] <= share]
        if not narrow:
            for i in open_columns:
                widths[i] = share
            return [width or 0.0 for width in widths]
        for i in narrow:
            widths[i] = natural[i]
            remaining -= natural[i]


def render_table(
    *,
    title: str,
    subtitle: str,
    columns: Sequence[str],
    groups: Sequence[tuple[str, Sequence[Sequence[str]]]],
    right_aligned: Sequence[bool] = (),
) -> bytes:
    """A table as an A4 PDF: title and subtitle, a header row repeated at the top of every page,
    each named group under a heading row (kept on the page of its first row), cells that wrap.

    ``groups`` are ``(heading, rows)``; an empty heading prints no heading row (a table of one
    unnamed group). Cells are text already formatted; ``right_aligned`` marks number columns.
    The page turns to landscape when the columns' natural widths do not fit portrait. Every
    page has the title and "n / total" at the foot.
    """
    title, subtitle = one_line(title), _printable(subtitle)
    columns = [_printable(label) for label in columns]
    groups = [
        (_printable(heading), [[_printable(value) for value in row] for row in rows])
        for heading, rows in groups
    ]
    styles = _table_styles()
    column_count = len(columns)
    if column_count == 0:
        raise ValueError("A table needs at least one column.")
    alignment = list(right_aligned) + [False] * (column_count - len(right_aligned))

    # Natural width of each column: its widest cell on one line (header words may wrap).
    padding = 2 * TABLE_CELL_PADDING
    natural = [
        max(pdfmetrics.stringWidth(word, BOLD, TABLE_FONT_SIZE) for word in (label.split() or [""]))
        + padding
        for label in columns
    ]
    for heading, rows in groups:
        for row in rows:
            if len(row) != column_count:
                raise ValueError(f"A row of {len(row)} cells under {heading!r}: {list(row)!r}")
            for i, value in enumerate(row):
                width = pdfmetrics.stringWidth(value, REGULAR, TABLE_FONT_SIZE) + padding
                if width > natural[i]:
                    natural[i] = width
    for i, label in enumerate(columns):
        natural[i] = max(
            natural[i], min(pdfmetrics.stringWidth(label, BOLD, TABLE_FONT_SIZE) + padding, 40 * mm)
        )

    page_size = A4
    if sum(natural) > A4[0] - 2 * _TABLE_MARGIN:
        page_size = landscape(A4)
    page_width, page_height = page_size
    widths = _column_widths(natural, page_width - 2 * _TABLE_MARGIN)
    # Rows are never split across pages (half a person's line on each reads as two people), so
    # a row must fit on a page under the repeated header row: a cell taller than that, which no
    # field of the platform can fill, is cut with an ellipsis rather than stop the whole file.
    frame_height = page_height - 2 * _TABLE_MARGIN - 12  # the frame pads 6 pt at each side
    header_height = max(
        _estimated_height(label, BOLD, width) for label, width in zip(columns, widths, strict=True)
    )
    tallest = frame_height - header_height - TABLE_LEADING

    def cell(value: str, column: int) -> tuple[str | Paragraph, float]:
        """The cell, and its estimated height."""
        # A Paragraph costs far more than a string: only cells that must wrap get one.
        width = widths[column]
        if "\n" not in value and (
            pdfmetrics.stringWidth(value, REGULAR, TABLE_FONT_SIZE) + padding <= width
        ):
            return value, TABLE_LEADING + TABLE_ROW_PADDING
        value, height = _cut_to_height(value, REGULAR, width, tallest)
        style = styles["cell_right" if alignment[column] else "cell"]
        return Paragraph(_markup(value), style), height

    data: list[list[Any]] = [
        [
            Paragraph(_markup(label), styles["header_right" if right else "header"])
            for label, right in zip(columns, alignment, strict=True)
        ]
    ]
    commands: list[tuple[Any, ...]] = [
        ("FONT", (0, 0), (-1, -1), REGULAR, TABLE_FONT_SIZE, TABLE_FONT_SIZE * 1.2),
        ("BACKGROUND", (0, 0), (-1, 0), LIGHT_GREY),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, GREY),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, LIGHT_GREY),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), TABLE_CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), TABLE_CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
    ]
    for i, right in enumerate(alignment):
        if right:
            commands.append(("ALIGN", (i, 1), (i, -1), "RIGHT"))
    for heading, rows in groups:
        cells = [[cell(value, i) for i, value in enumerate(row)] for row in rows]
        if heading:
            heading, heading_height = _cut_to_height(heading, BOLD, sum(widths), tallest / 2)
            index = len(data)
            data.append([Paragraph(_markup(heading), styles["group"])] + [""] * (column_count - 1))
            commands += [
                ("SPAN", (0, index), (-1, index)),
                ("TOPPADDING", (0, index), (-1, index), 6),
                ("LINEBELOW", (0, index), (-1, index), 0.6, GREY),
            ]
            first_row = max((height for _cell, height in cells[0]), default=0.0) if cells else 0.0
            # The heading's top padding is 6 pt, not 2: 4 pt more than its estimate.
            if cells and heading_height + 4 + first_row <= tallest:
                # A heading at the foot of a page with its rows on the next one reads as empty.
                commands.append(("NOSPLIT", (0, index), (-1, index + 1)))
        data += [[content for content, _height in row] for row in cells]

    def draw_page_furniture(canvas: Canvas, page_number: int, page_count: int) -> None:
        canvas.saveState()
        canvas.setFillColor(GREY)
        canvas.setFont(REGULAR, 7.5)
        footer_y = 8 * mm
        number = f"{page_number} / {page_count}"
        number_width = pdfmetrics.stringWidth(number, REGULAR, 7.5)
        room = page_width - 2 * _TABLE_MARGIN - number_width - 10 * mm
        footer_title = title
        while footer_title and pdfmetrics.stringWidth(footer_title, REGULAR, 7.5) > room:
            footer_title = footer_title[:-2] + "…"
        canvas.drawString(_TABLE_MARGIN, footer_y, footer_title)
        canvas.drawRightString(page_width - _TABLE_MARGIN, footer_y, number)
        canvas.restoreState()

    story: list[Flowable] = [Paragraph(_markup(title), styles["title"])]
    if subtitle:
        story.append(Paragraph(_markup(subtitle), styles["subtitle"]))
    story.append(Spacer(0, 5 * mm))
    story.append(
        PdfTable(
            data,
            colWidths=widths,
            repeatRows=1,
            style=PdfTableStyle(commands),
            hAlign="LEFT",
        )
    )

    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=page_size,
        leftMargin=_TABLE_MARGIN,
        rightMargin=_TABLE_MARGIN,
        topMargin=_TABLE_MARGIN,
        bottomMargin=_TABLE_MARGIN,
        title=title,
        subject=subtitle,
        invariant=1,
    )
    document.build(story, canvasmaker=_numbered_canvas(draw_page_furniture))
    return buffer.getvalue()
