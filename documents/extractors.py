"""Read the text of an uploaded file: run as a child process by ``documents.extraction``.

    python documents/extractors.py <kind> <max characters> <memory bytes> <cpu seconds>

The file comes on standard input, its text goes to standard output (UTF-8); exit status 0 when
read, 3 when the text was cut at the maximum, 2 when the file could not be read (the reason on
standard error). The process limits itself before it reads a byte (address space, CPU time, no
file written), and the parent kills it at a wall-clock limit: a hostile file (a decompression
bomb, a PDF that loops, an XML entity expansion) costs at most those and never the worker.

Kept free of Django, so the child starts in a few milliseconds and imports nothing of the
platform. The containers (DOCX, XLSX, PPTX, ODF) were inspected member by member when they
were uploaded (``dialogue.uploads``); here they are read with the standard library's zipfile
and expat, refusing any document type declaration (no entity of any kind is expanded). PDFs
are read by PDFium (``pypdfium2``), Chromium's reader, which gives Arabic text in logical order.
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from collections.abc import Callable, Iterator
from xml.etree import ElementTree as ET

MEMBER_MAX_BYTES = 64 * 1024 * 1024
PDF_MAX_PAGES = 5_000

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
S = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE_NS = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"

# Control characters other than tab and line breaks: never kept (they mark the snippets).
CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


class Unreadable(Exception):
    """The file is damaged or not what its type says."""


class Enough(Exception):
    """The text reached the maximum: stop reading."""


class Collector:
    def __init__(self, max_chars: int) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.max_chars = max_chars

    def add(self, text: str) -> None:
        if not text:
            return
        text = CONTROLS.sub("", text)
        room = self.max_chars - self.size
        self.parts.append(text[:room])
        self.size += min(len(text), room)
        if self.size >= self.max_chars:
            raise Enough

    def text(self) -> str:
        return "".join(self.parts)


def _member(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        data = member.read(MEMBER_MAX_BYTES + 1)
    if len(data) > MEMBER_MAX_BYTES:
        raise Unreadable(f"{name} is too large")
    return data


def _xml(data: bytes) -> Iterator[tuple[str, ET.Element]]:
    """Parse events of an Office part; a document type declaration (where entities would be
    declared) is refused, as no Office or ODF part has one."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise Unreadable("a document type declaration")
    try:
        yield from ET.iterparse(io.BytesIO(data), events=("start", "end"))  # noqa: S314 - see above
    except ET.ParseError as error:
        raise Unreadable(str(error)) from None


def _open(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as error:
        raise Unreadable(str(error)) from None


def _docx(data: bytes, out: Collector) -> None:
    archive = _open(data)
    names = archive.namelist()
    notes = r"word/(footnotes|endnotes|header\d*|footer\d*)\.xml"
    parts = ["word/document.xml", *sorted(n for n in names if re.fullmatch(notes, n))]
    for name in parts:
        if name not in names:
            continue
        for event, element in _xml(_member(archive, name)):
            if event == "end" and element.tag == f"{W}t":
                out.add(element.text or "")
            elif event == "end" and element.tag in (f"{W}tab",):
                out.add("\t")
            elif event == "end" and element.tag in (f"{W}p", f"{W}br"):
                out.add("\n")
                element.clear()


def _xlsx(data: bytes, out: Collector) -> None:
    archive = _open(data)
    names = archive.namelist()
    if "xl/workbook.xml" in names:
        for event, element in _xml(_member(archive, "xl/workbook.xml")):
            if event == "end" and element.tag == f"{S}sheet":
                out.add((element.get("name") or "") + "\n")
    if "xl/sharedStrings.xml" in names:
        for event, element in _xml(_member(archive, "xl/sharedStrings.xml")):
            if event == "end" and element.tag == f"{S}si":
                out.add("".join(element.itertext()) + "\n")
                element.clear()
    sheets = sorted(n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
    for name in sheets:  # strings written in the cells themselves ("inline strings")
        for event, element in _xml(_member(archive, name)):
            if event == "end" and element.tag == f"{S}is":
                out.add("".join(element.itertext()) + "\n")
            elif event == "end" and element.tag == f"{S}row":
                element.clear()


def _pptx(data: bytes, out: Collector) -> None:
    archive = _open(data)

    def number(name: str) -> int:
        return int(re.sub(r"\D", "", name) or 0)

    slides = [n for n in archive.namelist() if re.fullmatch(r"ppt/slides/slide\d+\.xml", n)]
    for name in sorted(slides, key=number):
        for event, element in _xml(_member(archive, name)):
            if event == "end" and element.tag == f"{A}t":
                out.add(element.text or "")
            elif event == "end" and element.tag == f"{A}p":
                out.add("\n")
                element.clear()


def _odf(data: bytes, out: Collector) -> None:
    archive = _open(data)
    if "content.xml" not in archive.namelist():
        raise Unreadable("no content.xml")
    depth = 0  # paragraphs inside paragraphs (a note, a frame) are read with their outer one
    for event, element in _xml(_member(archive, "content.xml")):
        if element.tag not in (f"{TEXT_NS}p", f"{TEXT_NS}h"):
            continue
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if depth == 0:
            out.add(_odf_text(element) + "\n")
            element.clear()


def _odf_text(element: ET.Element) -> str:
    parts = [element.text or ""]
    for child in element:
        if child.tag == f"{TEXT_NS}s":
            parts.append(" " * int(child.get(f"{TEXT_NS}c", "1") or 1))
        elif child.tag == f"{TEXT_NS}tab":
            parts.append("\t")
        elif child.tag == f"{TEXT_NS}line-break":
            parts.append("\n")
        else:
            parts.append(_odf_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _pdf(data: bytes, out: Collector) -> None:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        raise Unreadable(str(error)) from None
    try:
        for index in range(min(len(document), PDF_MAX_PAGES)):
            page = document[index]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            page.close()
            out.add(text.replace("\r\n", "\n").replace("\r", "\n") + "\n\n")
    finally:
        document.close()


READERS: dict[str, Callable[[bytes, Collector], None]] = {
    "pdf": _pdf,
    "docx": _docx,
    "xlsx": _xlsx,
    "pptx": _pptx,
    "odf": _odf,
}


def read(kind: str, data: bytes, max_chars: int) -> tuple[str, bool]:
    """The text of ``data`` and whether it was cut at ``max_chars``. Raises ``Unreadable``."""
    out = Collector(max_chars)
    try:
        READERS[kind](data, out)
    except Enough:
        return out.text(), True
    except Unreadable:
        raise
    except Exception as error:  # a damaged file may fail anywhere in a reader
        raise Unreadable(f"{type(error).__name__}: {error}") from None
    return out.text(), False


def _limit_myself(memory: int, seconds: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def main(argv: list[str]) -> int:
    kind, max_chars, memory, seconds = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    _limit_myself(memory, seconds)
    data = sys.stdin.buffer.read()
    try:
        text, cut = read(kind, data, max_chars)
    except (Unreadable, MemoryError) as error:
        sys.stderr.write(str(error)[:500] or type(error).__name__)
        return 2
    sys.stdout.buffer.write(text.encode("utf-8", "replace"))
    return 3 if cut else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
