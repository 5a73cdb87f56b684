"""The upload checks against a corpus of good and bad files."""

from __future__ import annotations

import io
import os
import socket
import struct
import tempfile
import threading
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


def test_a_zip_bomb_is_refused_without_unpacking(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "ZIP_MAX_UNCOMPRESSED", 1024 * 1024)
    bomb = _zip([("[Content_Types].xml", b"<Types/>"), ("zeros", b"\x00" * (4 * 1024 * 1024))])
    assert len(bomb) < 20_000
    with pytest.raises(UploadRefused, match="unpacks to far more"):
        _check(bomb)


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
    ],
)
def test_file_names_are_cleaned(name: str, cleaned: str) -> None:
    assert clean_filename(name) == cleaned


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
