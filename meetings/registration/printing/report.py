"""The statistics for donor reporting as a PDF with its charts, through WeasyPrint.

The charts are the pages' (``dialogue.charts``, the same data, palette and order), their bars
inline SVG so the PDF holds them as vector graphics, sharp at any zoom and in print; their
words are HTML text (``render_bar_chart_for_print``: WeasyPrint would draw SVG text a letter at
a time, unjoined in Arabic), which a reader can search and copy (the chart titles extract).
Each chart is followed by its figures, then the full table of the statistics comes as in the
other downloads. WeasyPrint rather than ReportLab (which draws the other tables) because it lays
out SVG and shapes Arabic: one renderer for every language, mirrored for right to left.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from dialogue.charts import BarChart, render_bar_chart_for_print

from .pdf import _printable
from .shaped import _pdf

_REPORT_CSS = """
@page { size: A4; margin: 16mm 15mm 18mm;
  @bottom-center { content: counter(page) " / " counter(pages); font-family: "Dialogue Sans";
                   font-size: 8pt; color: #595959; } }
body { font-family: "Dialogue Naskh", "Dialogue Sans"; font-size: 9.5pt; line-height: 1.4;
       font-variant-ligatures: no-common-ligatures; }
h1 { font-size: 16pt; margin: 0 0 2mm; }
.subtitle { color: #404040; margin: 0 0 6mm; white-space: pre-line; }
h2 { font-size: 12pt; margin: 6mm 0 2mm; break-after: avoid; }
figure { margin: 0 0 4mm; break-inside: avoid; }
.print-legend { margin: 0 0 2mm; }
.print-legend svg { vertical-align: middle; margin-inline-start: 3mm; }
table.print-bars { width: auto; margin: 0 0 2mm; }
table.print-bars th { font-weight: normal; background: none; border: 0; text-align: end;
                      vertical-align: middle; padding: 0.6mm 2mm; max-width: 55mm; }
table.print-bars td { border: 0; padding: 0.6mm 0; border-inline-start: 0.6pt solid #8a96a3; }
table.print-bars svg { display: block; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; }
th, td { border-bottom: 0.4pt solid #9aa3ab; padding: 1mm 1.5mm; text-align: start;
         vertical-align: top; }
thead th { background: #e0e0e0; }
td.number, th.number { text-align: end; }
tr.group th { background: #f0f0f0; }
@page wide { size: A4 landscape; }
section.wide { page: wide; }
table.full { font-size: 8.5pt; }
"""


def _row(cells: Sequence[str], *, header: bool = False, numbers: Sequence[bool] = ()) -> str:
    tag = "th" if header else "td"
    out = []
    for index, cell in enumerate(cells):
        number = index < len(numbers) and numbers[index]
        attributes = ' class="number"' if number else ""
        if header:
            attributes += ' scope="col"'
        out.append(f"<{tag}{attributes}>{escape(_printable(cell))}</{tag}>")
    return "<tr>" + "".join(out) + "</tr>"


def render_report(
    *,
    title: str,
    subtitle: str,
    charts: Sequence[BarChart],
    chart_heading: str,
    columns: Sequence[str],
    groups: Sequence[tuple[str, Sequence[Sequence[str]]]],
    right_aligned: Sequence[bool],
    language: str,
    right_to_left: bool,
    label_column: str,
) -> bytes:
    """The report as an A4 PDF: the title, the subtitle, each chart with its figures, then the
    table (``groups`` of rows already formatted as text, under their headings)."""
    parts = [
        f'<!DOCTYPE html><html lang="{escape(language)}" dir="{"rtl" if right_to_left else "ltr"}">'
        f"<head><meta charset='utf-8'><title>{escape(_printable(title))}</title></head><body>",
        f"<h1>{escape(_printable(title))}</h1>",
        f'<p class="subtitle">{escape(_printable(subtitle))}</p>',
    ]
    for chart in charts:
        if not chart.bars:
            continue
        parts.append(f"<figure><h2>{escape(_printable(chart.title))}</h2>")
        parts.append(render_bar_chart_for_print(chart, right_to_left=right_to_left))
        parts.append("<table><thead>")
        parts.append(
            _row([label_column, *chart.series], header=True, numbers=[False, True, True, True])
        )
        parts.append("</thead><tbody>")
        for bar in chart.bars:
            parts.append(
                _row([bar.label, *map(str, bar.values)], numbers=[False, True, True, True])
            )
        parts.append("</tbody></table></figure>")
    # Every figure in one table, on pages of their own in landscape: its ten columns fit the
    # width in every language (Russian headers are long).
    parts.append(
        f'<section class="wide"><h2>{escape(_printable(chart_heading))}</h2>'
        '<table class="full"><thead>'
    )
    parts.append(_row(columns, header=True, numbers=right_aligned))
    parts.append("</thead><tbody>")
    for heading, rows in groups:
        if heading:
            cell = escape(_printable(heading))
            parts.append(f'<tr class="group"><th colspan="{len(columns)}">{cell}</th></tr>')
        for row in rows:
            parts.append(_row(row, numbers=right_aligned))
    parts.append("</tbody></table></section></body></html>")
    return _pdf("".join(parts), _REPORT_CSS)
