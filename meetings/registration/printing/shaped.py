"""Letters and badges in scripts that need shaping (Arabic), through WeasyPrint.

ReportLab places one glyph per character in the order given: Arabic would print as isolated,
unjoined letters in the wrong direction. WeasyPrint lays text out with Pango and HarfBuzz, so
Arabic is joined (initial, medial and final forms, the lam-alef ligature), the Unicode bidi
algorithm orders mixed Arabic and Latin lines, and each glyph's ``ToUnicode`` entry maps back to
the characters it was shaped from: a reader, a search or a copy gets the text in logical order.
Why this renderer and not ``arabic-reshaper`` + ``python-bidi`` over ReportLab is in
``docs/architecture.md`` ("Letters in Arabic").

The same plain data as ``pdf`` (``pdf.Letter``, ``pdf.Badge``), the same promises: every word
comes from the caller, text is cleaned first, fonts are the vendored ones (Noto Naskh Arabic
for Arabic, DejaVu Sans for Latin and Cyrillic, both in ``fonts/``), embedded as subsets, and
nothing is read from the network. The page is mirrored for a right-to-left letter: the
letterhead and the reference start on the right, the date and the page numbers end on the left.
Latin-script runs inside Arabic text (``BP/SOM/2026/GE/3``, an e-mail address, a passport
number) are isolated, so the bidi algorithm never reorders their slashes and dots.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import fields
from html import escape

from reportlab.graphics.barcode import qrencoder
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from .pdf import (
    FONT_DIR,
    QR_ERROR_CORRECTION,
    QR_QUIET_ZONE_MODULES,
    Badge,
    Letter,
    _cleaned,
)

# Arabic, Arabic Supplement, Extended-A/B, presentation forms A and B.
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u0870-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
RIGHT_TO_LEFT_LANGUAGES = frozenset({"ar"})

# A run of Latin letters or digits with what joins them inside a symbol, an address or a
# number ("BP/SOM/2026/GE/3", "fp.iraq@demo.example.org", "+964 770 123 4567", "7–9").
_LATIN_RUN = re.compile(
    r"[+]?[A-Za-z0-9\u00c0-\u024f](?:[A-Za-z0-9\u00c0-\u024f/@.\-_:–+]|[ ](?=[A-Za-z0-9+(]))*"
    r"(?<=[A-Za-z0-9\u00c0-\u024f])"
)

FONT_FACES = f"""
@font-face {{ font-family: "Dialogue Naskh"; src: url("{(FONT_DIR / "NotoNaskhArabic-Regular.ttf").as_uri()}"); font-weight: normal; }}
@font-face {{ font-family: "Dialogue Naskh"; src: url("{(FONT_DIR / "NotoNaskhArabic-Bold.ttf").as_uri()}"); font-weight: bold; }}
@font-face {{ font-family: "Dialogue Sans"; src: url("{(FONT_DIR / "DejaVuSans.ttf").as_uri()}"); font-weight: normal; }}
@font-face {{ font-family: "Dialogue Sans"; src: url("{(FONT_DIR / "DejaVuSans-Bold.ttf").as_uri()}"); font-weight: bold; }}
"""  # noqa: E501 - one @font-face a line reads better than wrapped URLs

_LETTER_CSS = """
@page {
  size: A4; margin: 20mm 20mm 22mm 25mm;
  @top-left { content: var(--running); font-family: "Dialogue Naskh", "Dialogue Sans";
              font-size: 8pt; color: #595959; }
  @bottom-left { content: var(--page-numbers); font-family: "Dialogue Sans"; font-size: 8pt;
                 color: #595959; }
}
@page :first { @top-left { content: none; } }
/* Common ligatures off: the Allah ligature of Naskh fonts maps one glyph to three letters, which
   PDFium (Chromium's viewer) then reads back reversed; the required lam-alef stays. */
body { font-family: "Dialogue Naskh", "Dialogue Sans"; font-size: 10.5pt; line-height: 1.55;
       font-variant-ligatures: no-common-ligatures; }
.dialogue { font-weight: bold; font-size: 18pt; line-height: 1.25; margin: 0; }
.secretariat { font-size: 8.5pt; color: #595959; margin: 0; }
hr { border: 0; border-top: 0.6pt solid #595959; margin: 3mm 0 8mm; }
.reference-row { display: flex; justify-content: space-between; gap: 5mm; margin-bottom: 8mm; }
.place-and-date { text-align: end; }
.addressee { margin: 0 0 10mm; }
h1 { font-size: 14pt; text-align: center; margin: 0 0 6mm; }
.body p { text-align: justify; margin: 0 0 7pt; }
.signature { margin-top: 10mm; }
.closing { break-inside: avoid; }
"""

_BADGE_CSS = """
@page { size: A4; margin: 12mm 10mm; }
body { font-family: "Dialogue Naskh", "Dialogue Sans"; margin: 0;
       font-variant-ligatures: no-common-ligatures; }
.sheet { display: grid; grid-template-columns: repeat(var(--columns), 1fr);
         grid-auto-rows: var(--row-height); break-after: page; }
.sheet:last-child { break-after: auto; }
.badge { border: 0.3pt solid #b3b3b3; padding: 4mm; display: flex; flex-direction: column;
         overflow: hidden; }
.meeting { font-size: 7.5pt; color: #595959; height: 9mm; overflow: hidden; margin: 0; }
.middle { flex: 1; display: flex; align-items: center; gap: 1mm; }
.who { flex: 1; }
.name { font-weight: bold; font-size: 17pt; line-height: 1.2; margin: 0 0 2mm; }
.affiliation { font-size: 10pt; margin: 0; }
.qr { width: 30mm; height: 30mm; flex: none; }
.category { background: #e0e0e0; font-weight: bold; font-size: 11pt; text-align: center;
            height: 9mm; line-height: 9mm; margin-top: 2mm; }
"""


def needs_shaping(language: str, *texts: str) -> bool:
    """Whether a document in ``language`` with ``texts`` must go through this renderer."""
    return language in RIGHT_TO_LEFT_LANGUAGES or any(_ARABIC.search(text) for text in texts)


def _direction(language: str) -> str:
    return "rtl" if language in RIGHT_TO_LEFT_LANGUAGES else "ltr"


def _text(value: str) -> str:
    """Plain text as HTML: escaped, Latin-script runs isolated left to right, line breaks kept."""
    lines = []
    for line in value.split("\n"):
        parts = []
        position = 0
        for match in _LATIN_RUN.finditer(line):
            parts.append(escape(line[position : match.start()]))
            parts.append(f'<bdi dir="ltr">{escape(match.group(0))}</bdi>')
            position = match.end()
        parts.append(escape(line[position:]))
        lines.append("".join(parts))
    return "<br>".join(lines)


def _pdf(html: str, css: str) -> bytes:
    fonts = FontConfiguration()
    stylesheet = CSS(string=FONT_FACES + css, font_config=fonts)
    document = HTML(string=html, base_url=str(FONT_DIR))
    rendered = document.write_pdf(
        stylesheets=[stylesheet], font_config=fonts, pdf_identifier=b"dialogue-platform"
    )
    assert rendered is not None  # noqa: S101 - write_pdf without a target returns the bytes
    return rendered


def render_letter(letter: Letter) -> bytes:
    """``letter`` as an A4 PDF, laid out in its language's direction (see ``pdf.render_letter``
    for what a letter holds and how it flows over pages)."""
    letter = _cleaned(letter, one_line_fields=("dialogue", "reference", "title"))
    direction = _direction(letter.language)
    paragraphs = [f"<p>{_text(text)}</p>" for text in letter.paragraphs]
    signature = f'<p class="signature">{_text(chr(10).join(letter.signature))}</p>'
    # The signature moves with the last paragraph (as in pdf.render_letter).
    closing = f'<div class="closing">{"".join(paragraphs[-1:])}{signature}</div>'
    running = _css_string(f"{letter.dialogue} · {letter.reference}")
    end = "left" if direction == "rtl" else "right"
    start = "right" if direction == "rtl" else "left"
    css = (
        _LETTER_CSS.replace("@bottom-left", f"@bottom-{end}")
        .replace("@top-left", f"@top-{start}")
        .replace(
            "content: var(--page-numbers);",
            'content: counter(page) " / " counter(pages);',
        )
        .replace("content: var(--running);", f"content: {running};")
        .replace("margin: 20mm 20mm 22mm 25mm;", _letter_margins(direction))
    )
    html = f"""<!DOCTYPE html>
<html lang="{escape(letter.language)}" dir="{direction}">
<head><meta charset="utf-8"><title>{escape(letter.title)}</title>
<meta name="author" content="{escape(letter.dialogue)}">
<meta name="description" content="{escape(letter.reference)}"></head>
<body>
<p class="dialogue">{_text(letter.dialogue)}</p>
<p class="secretariat">{_text(letter.secretariat)}</p>
<hr>
<div class="reference-row"><div class="reference">{_text(letter.reference)}</div>
<div class="place-and-date">{_text(letter.place_and_date)}</div></div>
<p class="addressee">{_text(chr(10).join(letter.addressee))}</p>
<h1>{_text(letter.title)}</h1>
<div class="body">{"".join(paragraphs[:-1])}{closing}</div>
</body></html>"""
    return _pdf(html, css)


def _css_string(value: str) -> str:
    """``value`` as a quoted CSS string (for a page's running header)."""
    escaped = "".join(c if c.isalnum() or c in " ·/.,-()" else f"\\{ord(c):x} " for c in value)
    return f'"{escaped}"'


def _letter_margins(direction: str) -> str:
    # The binding margin (25 mm) is on the side a page starts: the left in English, the right in
    # Arabic, so the mirrored letterhead sits as far from the edge as the English one.
    if direction == "rtl":
        return "margin: 20mm 25mm 22mm 20mm;"
    return "margin: 20mm 20mm 22mm 25mm;"


def _qr_svg(value: str) -> str:
    """A QR code of ``value`` as an SVG square with its quiet zone; dark modules as one path."""
    code = qrencoder.QRCode(None, QR_ERROR_CORRECTION)
    code.addData(value)
    code.make()
    count = code.getModuleCount()
    size = count + 2 * QR_QUIET_ZONE_MODULES
    runs = []
    for row_index in range(count):
        row = code.modules[row_index]
        column = 0
        while column < count:
            if row[column]:
                start = column
                while column < count and row[column]:
                    column += 1
                x = start + QR_QUIET_ZONE_MODULES
                y = row_index + QR_QUIET_ZONE_MODULES
                runs.append(f"M{x} {y}h{column - start}v1h{start - column}z")
            else:
                column += 1
    return (
        f'<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{"".join(runs)}" fill="#000"/></svg>'
    )


def render_badges(
    badges: Sequence[Badge], *, language: str, columns: int = 2, rows: int = 4
) -> bytes:
    """Badges on A4 sheets, ``columns`` × ``rows`` a page, mirrored for a right-to-left
    ``language`` (name on the right, QR code on the left); each badge's texts take their own
    direction, so a Latin name on an Arabic sheet still reads left to right."""
    if not badges:
        raise ValueError("There are no badges to print.")
    badges = [_cleaned(badge, one_line_fields=[f.name for f in fields(Badge)]) for badge in badges]
    per_page = columns * rows
    sheets = []
    for first in range(0, len(badges), per_page):
        cells = []
        for badge in badges[first : first + per_page]:
            cells.append(
                '<div class="badge">'
                f'<p class="meeting" dir="auto">{_text(badge.meeting)}</p>'
                '<div class="middle"><div class="who">'
                f'<p class="name" dir="auto">{_text(badge.name)}</p>'
                f'<p class="affiliation" dir="auto">{_text(badge.affiliation)}</p></div>'
                f"{_qr_svg(badge.token)}</div>"
                f'<p class="category" dir="auto">{_text(badge.category)}</p></div>'
            )
        sheets.append(f'<div class="sheet">{"".join(cells)}</div>')
    row_height = f"{(297 - 24) / rows:.2f}mm"
    css = _BADGE_CSS.replace("var(--columns)", str(columns)).replace(
        "var(--row-height)", row_height
    )
    direction = _direction(language)
    html = f"""<!DOCTYPE html>
<html lang="{escape(language)}" dir="{direction}"><head><meta charset="utf-8">
<title>{escape(badges[0].meeting)}</title></head>
<body>{"".join(sheets)}</body></html>"""
    return _pdf(html, css)
