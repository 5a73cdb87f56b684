"""The upload checks against a corpus of good and bad files."""

from __future__ import annotations

import gzip
import io
import os
import socket
import struct
import tempfile
import threading
import warnings
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dialogue import uploads
from dialogue.uploads import DOCUMENT_TYPES, UploadRefused, check_upload, clean_filename

PDF = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32 + b"\xff\xd9"
GIF = b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8 " + b"\x00" * 16
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _zip(entries: list[tuple[str, bytes]], *, prefix: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return prefix + buffer.getvalue()


def _ooxml(main: str) -> bytes:
    return _zip(
        [
            (
                "[Content_Types].xml",
                f'<Types><Override PartName="/x" ContentType="{main}"/></Types>'.encode(),
            ),
            ("x", b"<x/>"),
        ]
    )


DOCX = _ooxml("application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
XLSX = _ooxml("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")
PPTX = _ooxml("application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml")
DOCM = _ooxml("application/vnd.ms-word.document.macroEnabled.main+xml")


def _odf(mimetype: str, *extra: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype)  # stored, first
        archive.writestr("content.xml", b"<office:document-content/>")
        for name, data in extra:
            archive.writestr(name, data)
    return buffer.getvalue()


def _ole(*streams: str) -> bytes:
    directory = b"".join(name.encode("utf-16-le") + b"\x00\x00" + b"\x00" * 40 for name in streams)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + directory


def _check(data: bytes, name: str = "paper.pdf", max_bytes: int = 10**6) -> uploads.CheckedUpload:
    return check_upload(SimpleUploadedFile(name, data), allowed=DOCUMENT_TYPES, max_bytes=max_bytes)


@pytest.mark.parametrize(
    ("data", "name", "extension"),
    [
        (PDF, "note.pdf", "pdf"),
        (DOCX, "note.docx", "docx"),
        (XLSX, "budget.xlsx", "xlsx"),
        (PPTX, "slides.pptx", "pptx"),
        (_odf("application/vnd.oasis.opendocument.text"), "note.odt", "odt"),
        (_odf("application/vnd.oasis.opendocument.spreadsheet"), "t.ods", "ods"),
        (_odf("application/vnd.oasis.opendocument.presentation"), "s.odp", "odp"),
        (_ole("Root Entry", "WordDocument"), "note.doc", "doc"),
        (_ole("Root Entry", "Workbook"), "t.xls", "xls"),
        (_ole("Root Entry", "PowerPoint Document"), "s.ppt", "ppt"),
        ("Повестка дня\nAgenda\n".encode(), "agenda.txt", "txt"),
        (PNG, "map.png", "png"),
        (JPEG, "photo.jpg", "jpg"),
        (GIF, "chart.gif", "gif"),
        (WEBP, "chart.webp", "webp"),
    ],
)
def test_accepted_documents_are_recognised_by_content(
    data: bytes, name: str, extension: str
) -> None:
    checked = _check(data, name="renamed.bin")
    assert checked.file_type.extension == extension
    assert checked.name == f"renamed.{extension}"  # the extension says what it is
    assert len(checked.sha256) == 64
    assert checked.size == len(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64, "it is a program"),  # Windows .exe
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 64, "it is a program"),  # Linux
        (b"\xcf\xfa\xed\xfe\x07\x00\x00\x01" + b"\x00" * 64, "it is a program"),  # macOS
        (b"#!/bin/sh\nrm -rf ~\n", "it is a program"),  # a script
        (b"<html><body><script>alert(document.cookie)</script>", "Web pages and SVG"),
        (b"\xef\xbb\xbf  <!DOCTYPE html><p>hi", "Web pages and SVG"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "Web pages and SVG"),
        (b'<?xml version="1.0"?><svg><script>alert(1)</script></svg>', "Web pages and SVG"),
        (b"Notes\n<script>fetch('//evil')</script>\n", "Web pages"),  # "plain text"
        (b"Notes\n" * 1000 + b"<script>fetch('//evil')</script>\n", "polyglot"),
        (PDF.replace(b"%%EOF", b"<html><script>alert(1)</script>\n%%EOF"), "polyglot"),
        (JPEG[:-2] + b"<script>alert(1)</script>" + b"\xff\xd9", "polyglot"),  # GIFAR-like
        (GIF + b"<iframe src=javascript:alert(1)>", "polyglot"),
        (PDF + _zip([("evil.html", b"x")]), "appended"),  # PDF + ZIP polyglot
        (
            PDF.replace(b"<</Type/Catalog>>", b"<</OpenAction<</S/JavaScript/JS(app.alert(1))>>>>"),
            "JavaScript",
        ),
        (PDF.replace(b"<</Type/Catalog>>", b"<</S/Launch/F(cmd.exe)>>"), "JavaScript or actions"),
        (_zip([("[Content_Types].xml", b"<Types/>")], prefix=b"<html>"), "Web pages"),
        (_zip([("a.txt", b"x")], prefix=b"junk" * 8), "not accepted here"),  # stuff before PK
        (DOCM, "macros"),
        (
            _ooxml(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
            )[:0]
            + _zip(
                [
                    ("[Content_Types].xml", b"wordprocessingml.document.main+xml"),
                    ("word/vbaProject.bin", b"x"),
                ]
            ),
            "macros",
        ),
        (_ole("Root Entry", "WordDocument", "Macros", "VBA"), "macros"),
        (
            _odf("application/vnd.oasis.opendocument.text", ("Basic/Standard/Module1.xml", b"x")),
            "macros",
        ),
        (_zip([("a.txt", b"just an archive")]), "not accepted here"),
        (b"\x00\x01\x02\x03binary junk", "not accepted here"),
        (b"", "empty"),
    ],
)
def test_bad_files_are_refused_with_a_clear_message(data: bytes, message: str) -> None:
    with pytest.raises(UploadRefused, match=message):
        _check(data)


def test_binary_content_that_only_looks_like_markers_is_accepted() -> None:
    stream = b"stream\n" + b"x/JS(<svg/Launch" + os.urandom(256) + b"\nendstream\n"
    pdf = PDF.replace(b"trailer", b"2 0 obj<</Length 300>>" + stream + b"endobj\ntrailer")
    assert _check(pdf).file_type.extension == "pdf"
    assert _check(GIF[:-1] + b"<svg " + GIF[-1:]).file_type.extension == "gif"


# --- Hostile containers, built as an attacker would -------------------------------------------

DOCX_TYPES = (
    "[Content_Types].xml",
    b'<Types><Override PartName="/word/document.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
)
XLSX_TYPES = (
    "[Content_Types].xml",
    b'<Types><Override PartName="/xl/workbook.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>',
)


def _docx_with(*extra: tuple[str, bytes]) -> bytes:
    return _zip([DOCX_TYPES, ("word/document.xml", b"<w:document/>"), *extra])


def _zeros(megabytes: int) -> bytes:
    return b"\x00" * (megabytes * 1024 * 1024)


def _record(data: bytes, signature: bytes, name_at: int, name: bytes) -> int:
    """Where the header with ``signature`` (local or central) of the member ``name`` starts."""
    position = 0
    while True:
        position = data.index(signature, position)
        name_length = struct.unpack_from("<H", data, position + name_at)[0]
        start = position + (30 if signature == b"PK\x03\x04" else 46)
        if data[start : start + name_length] == name:
            return position
        position += 4


def _lie_about_sizes(data: bytes, name: bytes, size: int) -> bytes:
    """The member ``name`` claims ``size`` inflated bytes in both its headers."""
    lying = bytearray(data)
    struct.pack_into("<L", lying, _record(data, b"PK\x03\x04", 26, name) + 22, size)
    struct.pack_into("<L", lying, _record(data, b"PK\x01\x02", 28, name) + 24, size)
    return bytes(lying)


def _quoted_overlap() -> bytes:
    """A document whose member ``a.bin`` holds, inside its own bytes, the whole of a second
    member ``b.bin`` that the table of contents lists too: members sharing bytes are how the
    largest zip bombs inflate one kernel many times over."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("word/media/b.bin", b"x" * 5000)
    inner_bytes = inner.getvalue()
    central_b = _record(inner_bytes, b"PK\x01\x02", 28, b"word/media/b.bin")
    local_b = inner_bytes[:central_b]
    record_b = bytearray(inner_bytes[central_b : central_b + 46 + len(b"word/media/b.bin")])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in (DOCX_TYPES, ("word/document.xml", b"<w:document/>")):
            archive.writestr(name, data)
        archive.writestr("word/media/a.bin", local_b)
    data = buffer.getvalue()
    local_a = _record(data, b"PK\x03\x04", 26, b"word/media/a.bin")
    struct.pack_into("<L", record_b, 42, local_a + 30 + len(b"word/media/a.bin"))
    end = data.rindex(b"PK\x05\x06")
    fields = list(struct.unpack("<4s4H2LH", data[end : end + 22]))
    fields[3] += 1  # members on this disk
    fields[4] += 1  # members
    fields[5] += len(record_b)  # the table's length
    return data[:end] + bytes(record_b) + struct.pack("<4s4H2LH", *fields)


@pytest.fixture
def inflated(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The sizes of the chunks the inspection inflates."""
    chunks: list[int] = []
    inflate = uploads._inflate
    monkeypatch.setattr(
        uploads, "_inflate", lambda *a: (chunks.append(len(c)) or c for c in inflate(*a))
    )
    return chunks


def test_a_zip_bomb_by_ratio_is_refused_without_unpacking(inflated: list[int]) -> None:
    bomb = _docx_with(("word/media/image1.png", _zeros(40)))
    assert len(bomb) < 100_000  # 40 MB inside, about 1000:1
    with pytest.raises(UploadRefused, match="unpacks to far more than it weighs"):
        _check(bomb, name="report.docx")
    assert inflated == []  # its table of contents said enough


def test_a_zip_bomb_that_lies_about_its_size_is_stopped_while_inflating(
    inflated: list[int],
) -> None:
    bomb = _lie_about_sizes(
        _docx_with(("word/media/image1.png", _zeros(64))), b"word/media/image1.png", 1000
    )
    with pytest.raises(UploadRefused, match="unpacks to far more than it weighs"):
        _check(bomb, name="report.docx")
    assert sum(inflated) < 256 * 1024  # stopped soon after the claimed 1,000 bytes, not 64 MB


def test_a_container_with_too_many_parts_is_refused() -> None:
    crowd = _docx_with(*((f"word/p{i}.xml", b"") for i in range(uploads.ARCHIVE_MAX_MEMBERS)))
    with pytest.raises(UploadRefused, match="too many parts"):
        _check(crowd, name="report.docx", max_bytes=10**7)


def test_members_sharing_their_bytes_are_refused() -> None:
    with pytest.raises(UploadRefused, match="compression bomb"):
        _check(_quoted_overlap(), name="report.docx")


def test_two_members_with_one_name_are_refused() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate it writes
        twice = _docx_with(("word/document.xml", b"<w:document>other</w:document>"))
    with pytest.raises(UploadRefused, match="do not match its table of contents"):
        _check(twice, name="report.docx")


@pytest.mark.parametrize(
    "name",
    [
        "../../evil",
        "word/../../evil.xml",
        "/etc/cron.d/evil",
        "C:/Windows/evil.dll",
        "word\\..\\..\\evil",
        "word/evil\x01.xml",
        "word/evil\n.xml",
        "word/\u202elmx.exe",
    ],
)
def test_a_member_named_outside_the_file_is_refused(name: str) -> None:
    with pytest.raises(UploadRefused, match="points outside the file or holds control"):
        _check(_docx_with((name, b"<x/>")), name="report.docx")


def test_an_archive_inside_a_document_is_refused() -> None:
    inner = _zip([("payload.txt", b"hello")])
    gzipped = gzip.compress(b"hello" * 100)
    for member in (("word/embeddings/package.zip", inner), ("word/media/x.emz", gzipped)):
        with pytest.raises(UploadRefused, match="another archive inside it"):
            _check(_docx_with(member), name="report.docx")


def test_a_bomb_inside_an_embedded_workbook_is_refused() -> None:
    workbook = _zip([XLSX_TYPES, ("xl/workbook.xml", b"<w/>"), ("xl/data.bin", _zeros(40))])
    bomb = _docx_with(("word/embeddings/Microsoft_Excel_Worksheet.xlsx", workbook))
    with pytest.raises(UploadRefused, match="compression bomb"):
        _check(bomb, name="report.docx")


def test_an_archive_inside_an_embedded_workbook_is_refused() -> None:
    workbook = _zip([XLSX_TYPES, ("xl/workbook.xml", b"<w/>"), ("xl/x.zip", _zip([("a", b"b")]))])
    nested = _docx_with(("word/embeddings/Microsoft_Excel_Worksheet.xlsx", workbook))
    with pytest.raises(UploadRefused, match="another archive inside it"):
        _check(nested, name="report.docx")


def test_a_document_with_an_embedded_workbook_is_accepted() -> None:
    import openpyxl

    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(["Year", "Arrivals"])
    workbook.save(buffer)
    chart = _docx_with(("word/embeddings/Microsoft_Excel_Worksheet.xlsx", buffer.getvalue()))
    assert _check(chart, name="report.docx").file_type.extension == "docx"


def test_a_damaged_member_is_refused() -> None:
    data = bytearray(_docx_with(("word/styles.xml", b"<w:styles>" + b"a" * 4000 + b"</w:styles>")))
    start = data.index(b"word/styles.xml") + len(b"word/styles.xml")
    data[start + 8] ^= 0xFF  # a flipped byte in the member's compressed data
    with pytest.raises(UploadRefused, match="do not match its table of contents"):
        _check(bytes(data), name="report.docx")


def test_the_size_cap_counts_the_bytes_not_the_declared_size() -> None:
    upload = SimpleUploadedFile("big.pdf", PDF + b"%" * 2000)
    upload.size = 10  # a lie about the size is no way around the cap
    with pytest.raises(UploadRefused, match="too large"):
        check_upload(upload, allowed=DOCUMENT_TYPES, max_bytes=1000)


@pytest.mark.parametrize(
    ("name", "cleaned"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\evil.pdf", "evil.pdf"),
        ("/abs/path/note.pdf", "note.pdf"),
        ("note\x00.pdf", "note.pdf"),
        ("line\r\nbreak.pdf", "linebreak.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # right-to-left override
        ("...", "file"),
        ("Справка МОМ.pdf", "Справка МОМ.pdf"),
        ("CON", "CON_"),
        ("nul.txt", "nul_.txt"),
        ("Aux.tar.gz", "Aux_.tar.gz"),
        ("com1 .pdf", "com1_.pdf"),
        ("LPT9.docx", "LPT9_.docx"),
        ("COM¹.pdf", "COM¹_.pdf"),
        ("Console.pdf", "Console.pdf"),
        ("COM10.pdf", "COM10.pdf"),
        ("../../prn.pdf", "prn_.pdf"),
    ],
)
def test_file_names_are_cleaned(name: str, cleaned: str) -> None:
    assert clean_filename(name) == cleaned


@pytest.mark.parametrize(
    ("stem", "extension"),
    [("a", ".pdf"), ("Я", ".docx"), ("文", ".pdf"), ("😀", ".xlsx"), ("Ё", "")],
)
def test_long_file_names_are_cut_to_255_bytes_at_a_character_boundary(
    stem: str, extension: str
) -> None:
    name = clean_filename(stem * 300 + extension)
    assert len(name.encode()) <= 255
    assert len(name.encode()) > 255 - len(stem.encode())  # no more cut than needed
    assert name == stem * len(name.removesuffix(extension)) + extension


def test_the_stored_name_fits_once_the_right_extension_is_added() -> None:
    checked = _check(PDF, name="Доклад " * 60)  # no extension: ".pdf" is added
    assert len(checked.name.encode()) <= 255
    assert checked.name.startswith("Доклад Доклад")
    assert checked.name.endswith(".pdf")


def test_registration_types_still_work() -> None:
    for data in (PDF, PNG, JPEG):
        check_upload(
            SimpleUploadedFile("letter", data),
            allowed=(uploads.PDF, uploads.PNG, uploads.JPEG),
            max_bytes=10**6,
        )
    with pytest.raises(UploadRefused, match="not accepted here"):
        check_upload(SimpleUploadedFile("letter", DOCX), allowed=(uploads.PDF,), max_bytes=10**6)


# --- Virus scan ----------


class FakeClamd:
    """A clamd that speaks INSTREAM: FOUND for the EICAR test string, OK otherwise; or broken."""

    def __init__(self, listener: socket.socket, *, broken: bool = False) -> None:
        self.listener = listener
        self.broken = broken
        self.scanned: list[bytes] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            with connection:
                self._one(connection)

    def _one(self, connection: socket.socket) -> None:
        reader = connection.makefile("rb")
        command = b""
        while not command.endswith(b"\x00"):
            command += reader.read(1)
        assert command == b"zINSTREAM\x00"
        data = b""
        while True:
            (length,) = struct.unpack("!I", reader.read(4))
            if length == 0:
                break
            data += reader.read(length)
        self.scanned.append(data)
        if self.broken:
            connection.sendall(b"INSTREAM size limit exceeded. ERROR\x00")
        elif EICAR in data:
            connection.sendall(b"stream: Eicar-Test-Signature FOUND\x00")
        else:
            connection.sendall(b"stream: OK\x00")


@pytest.fixture
def clamd_tcp(settings: Any) -> Iterator[FakeClamd]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    settings.CLAMD_URL = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    yield FakeClamd(listener)
    listener.close()


def test_clamd_refuses_the_eicar_test_file_and_passes_a_clean_one(clamd_tcp: FakeClamd) -> None:
    with pytest.raises(UploadRefused, match="found Eicar-Test-Signature"):
        _check(EICAR, name="eicar.txt")
    assert _check(b"A clean note.\n", name="note.txt").file_type.extension == "txt"
    assert clamd_tcp.scanned == [EICAR, b"A clean note.\n"]


def test_clamd_over_a_unix_socket(settings: Any) -> None:
    path = os.path.join(tempfile.mkdtemp(), "clamd.sock")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen()
    settings.CLAMD_URL = f"unix://{path}"
    FakeClamd(listener)
    try:
        with pytest.raises(UploadRefused, match="Eicar"):
            _check(EICAR, name="eicar.txt")
    finally:
        listener.close()


def test_the_scan_fails_closed_when_clamd_is_down_or_errs(settings: Any) -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # nothing listens there now
    settings.CLAMD_URL = f"tcp://127.0.0.1:{port}"
    with pytest.raises(UploadRefused, match="could not check"):
        _check(b"A clean note.\n", name="note.txt")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    settings.CLAMD_URL = f"tcp://127.0.0.1:{listener.getsockname()[1]}"
    FakeClamd(listener, broken=True)
    try:
        with pytest.raises(UploadRefused, match="could not check"):
            _check(PDF)
    finally:
        listener.close()


def test_without_clamd_configured_nothing_is_scanned(settings: Any) -> None:
    settings.CLAMD_URL = ""
    assert _check(EICAR, name="eicar.txt").file_type.extension == "txt"


def test_real_files_made_by_office_libraries_are_accepted() -> None:
    import openpyxl
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(["State", "Returns"])
    workbook.save(buffer)
    assert _check(buffer.getvalue(), name="returns.xlsx").file_type.extension == "xlsx"
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.drawString(72, 720, "Conclusions of the Senior Officials' Meeting")
    page.save()
    assert _check(buffer.getvalue(), name="conclusions.pdf").file_type.extension == "pdf"
