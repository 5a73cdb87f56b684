"""Bar charts as SVG, drawn on the server: the same markup in a page and in a PDF.

A chart is plain data (``BarChart``: a title, a description, the series, one ``Bar`` a row),
already in the reader's language; ``render_bar_chart`` lays it out. Why hand-written SVG rather
than pygal is in ``docs/architecture.md`` ("Charts and maps"). What it promises:

- **Accessible**: ``role="img"`` named by its ``<title>`` and described by its ``<desc>`` (which
  says what is counted and the largest values); the page puts the data table beside it.
- **Right to left**: ``direction="rtl"`` on the root and logical anchors (``start``/``end``), with
  the bars growing from the right; Arabic labels are shaped by the browser or WeasyPrint.
- **Colour-blind safe and printable**: the Okabe–Ito palette, ordered so that neighbouring
  series differ in lightness as well as hue (they stay apart in grey print), and every bar
  carries its number, so no value is read from a colour alone.
- **Under the CSP**: presentation attributes only (``fill``, ``font-size``), no ``style``
  attribute, no ``<style>`` element, no script.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

# Okabe & Ito (2008), "Color Universal Design": blue, orange, bluish green, vermillion, sky blue,
# reddish purple. Blue (dark) and orange (light) first: apart in every kind of colour blindness
# and in grey.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7")
INK = "#1b2733"
MUTED = "#55606b"
LINE = "#8a96a3"

WIDTH = 440
LABEL_WIDTH = 150
VALUE_SPACE = 36
BAR_HEIGHT = 16
BAR_GAP = 2
ROW_GAP = 10
FONT_SIZE = 13
LEGEND_HEIGHT = 26
# A label longer than this is cut with an ellipsis in the drawing (the table has it whole).
LABEL_CHARACTERS = 20


@dataclass(frozen=True)
class Bar:
    """One row of the chart: its label and a value per series."""

    label: str
    values: tuple[int, ...]


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart. ``key`` makes its element ids unique in a page."""

    key: str
    title: str
    description: str
    series: tuple[str, ...]
    bars: tuple[Bar, ...]

    def __post_init__(self) -> None:
        for bar in self.bars:
            if len(bar.values) != len(self.series):
                raise ValueError(
                    f"{bar.label!r} has {len(bar.values)} values, not {len(self.series)}"
                )

    @property
    def largest(self) -> int:
        return max((value for bar in self.bars for value in bar.values), default=0)

    @property
    def is_empty(self) -> bool:
        return self.largest == 0


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[: LABEL_CHARACTERS - 1].rstrip() + "…"


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def render_bar_chart(
    chart: BarChart, *, right_to_left: bool = False, font_family: str = ""
) -> SafeString:
    """The chart as an ``<svg>`` element (safe to put in a page as it is): rows from the top,
    the label in the first column, a bar per series, its number after it; a legend on top when
    there is more than one series. ``font_family`` for a PDF (a page's SVG inherits the page's
    font)."""
    series_count = len(chart.series)
    row_height = series_count * BAR_HEIGHT + (series_count - 1) * BAR_GAP + ROW_GAP
    top = LEGEND_HEIGHT if series_count > 1 else 6
    height = top + max(len(chart.bars), 1) * row_height + 4
    bars_start = LABEL_WIDTH + 8
    bars_width = WIDTH - bars_start - VALUE_SPACE
    scale = bars_width / max(chart.largest, 1)

    def x(logical: float) -> float:
        """A position measured from the start edge (the left, or the right in RTL)."""
        return WIDTH - logical if right_to_left else logical

    def rect(start: float, y: float, width: float, height: float, fill: str) -> str:
        left = x(start + width) if right_to_left else x(start)
        return (
            f'<rect x="{_number(left)}" y="{_number(y)}" width="{_number(width)}" '
            f'height="{_number(height)}" fill="{fill}"/>'
        )

    title_id, desc_id = f"{chart.key}-title", f"{chart.key}-desc"
    root = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart.key)}" '
        f'viewBox="0 0 {WIDTH} {_number(height)}" width="{WIDTH}" height="{_number(height)}" '
        f'role="img" aria-labelledby="{title_id} {desc_id}" '
        f'direction="{"rtl" if right_to_left else "ltr"}" font-size="{FONT_SIZE}"'
        + (f' font-family="{escape(font_family)}"' if font_family else "")
        + ">",
        f'<title id="{title_id}">{escape(chart.title)}</title>',
        f'<desc id="{desc_id}">{escape(chart.description)}</desc>',
    ]
    if series_count > 1:
        position = 0.0
        for index, name in enumerate(chart.series):
            root.append(rect(position, 6, 12, 12, PALETTE[index % len(PALETTE)]))
            root.append(
                f'<text x="{_number(x(position + 18))}" y="16" fill="{INK}" '
                f'text-anchor="start">{escape(name)}</text>'
            )
            position += 30 + 8.5 * len(name)
    for row, bar in enumerate(chart.bars):
        y = top + row * row_height
        middle = y + (row_height - ROW_GAP) / 2
        root.append("<g>")
        root.append(f"<title>{escape(bar.label)}</title>")
        root.append(
            f'<text x="{_number(x(LABEL_WIDTH))}" y="{_number(middle + FONT_SIZE * 0.35)}" '
            f'fill="{INK}" text-anchor="end">{escape(_short(bar.label))}</text>'
        )
        for index, value in enumerate(bar.values):
            bar_y = y + index * (BAR_HEIGHT + BAR_GAP)
            width = value * scale
            colour = PALETTE[index % len(PALETTE)]
            if width:
                root.append(rect(bars_start, bar_y, width, BAR_HEIGHT, colour))
            root.append(
                f'<text x="{_number(x(bars_start + width + 4))}" '
                f'y="{_number(bar_y + BAR_HEIGHT * 0.78)}" fill="{INK}" '
                f'text-anchor="start">{value}</text>'
            )
        root.append("</g>")
    # The baseline the bars grow from.
    root.append(
        f'<line x1="{_number(x(bars_start))}" x2="{_number(x(bars_start))}" y1="{top - 2}" '
        f'y2="{_number(height - 2)}" stroke="{LINE}" stroke-width="1"/>'
    )
    root.append("</svg>")
    return mark_safe("".join(root))  # noqa: S308 - every text above is escaped


def describe(
    what: str, bars: Sequence[Bar], series: Sequence[str], *, none: str, listing: str
) -> str:
    """A description for screen readers: what is counted, then the rows in order of the
    first series (at most five), e.g. "Participants … Georgia: 3 approved, 2 arrived; …"."""
    if not any(value for bar in bars for value in bar.values):
        return f"{what} {none}"
    ranked = sorted(bars, key=lambda bar: -bar.values[0])[:5]
    parts = [
        f"{bar.label}: "
        + ", ".join(f"{value} {name}" for value, name in zip(bar.values, series, strict=True))
        for bar in ranked
    ]
    return f"{what} {listing} " + "; ".join(parts) + "."


def render_bar_chart_for_print(chart: BarChart, *, right_to_left: bool = False) -> SafeString:
    """The chart for a PDF made by WeasyPrint: the legend and the labels as HTML text, the
    bars with their numbers as one small SVG a row.

    WeasyPrint draws SVG text a letter at a time, so Arabic inside an SVG would print with its
    letters unjoined and in reverse; text laid out as HTML is shaped by HarfBuzz and ordered by
    the bidi algorithm. The bars stay vector graphics. Only digits are drawn inside the SVG,
    with anchors set for the page's direction (no ``direction`` attribute to interpret)."""
    largest = max(chart.largest, 1)
    row_height = len(chart.series) * (BAR_HEIGHT + BAR_GAP)
    width = 300.0
    scale = (width - VALUE_SPACE) / largest
    parts = ['<div class="print-chart">']
    if len(chart.series) > 1:
        parts.append('<p class="print-legend">')
        for index, name in enumerate(chart.series):
            parts.append(
                f'<svg width="10" height="10" viewBox="0 0 10 10" aria-hidden="true">'
                f'<rect width="10" height="10" fill="{PALETTE[index % len(PALETTE)]}"/></svg> '
                f"<span>{escape(name)}</span> "
            )
        parts.append("</p>")
    parts.append('<table class="print-bars">')
    for bar in chart.bars:
        parts.append(f'<tr><th scope="row">{escape(bar.label)}</th><td>')
        parts.append(
            f'<svg viewBox="0 0 {_number(width)} {row_height}" width="{_number(width)}" '
            f'height="{row_height}" font-size="11" font-family="Dialogue Sans">'
        )
        for index, value in enumerate(bar.values):
            y = index * (BAR_HEIGHT + BAR_GAP)
            length = value * scale
            left = width - length if right_to_left else 0.0
            if length:
                parts.append(
                    f'<rect x="{_number(left)}" y="{y}" width="{_number(length)}" '
                    f'height="{BAR_HEIGHT}" fill="{PALETTE[index % len(PALETTE)]}"/>'
                )
            number_x = width - length - 3 if right_to_left else length + 3
            anchor = "end" if right_to_left else "start"
            parts.append(
                f'<text x="{_number(number_x)}" y="{_number(y + BAR_HEIGHT * 0.78)}" '
                f'fill="{INK}" text-anchor="{anchor}">{value}</text>'
            )
        parts.append("</svg></td></tr>")
    parts.append("</table></div>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
