"""Checks every uploaded file passes before it is stored, whichever app takes it.

The type is decided by the content, never by the name or the browser's word, against the
caller's allow-list; the name is cleaned of path parts and control characters; the SHA-256 and
size are recorded. Refusals are ``UploadRefused`` (a ``ValidationError``) with a message the
uploader can act on.

What is refused whatever the allow-list says: programs (Windows, Linux, macOS executables and
scripts), web pages and SVG images (they carry scripts a browser runs), polyglots (a file that
is also a web page, or a PDF with a ZIP archive or a web page appended), office files with
macros, PDFs with JavaScript or launch actions, and, when ``settings.CLAMD_URL`` is set,
anything the virus scanner does not call clean (including when it cannot be reached: the
scan fails closed).

Office files are ZIP containers recognised by their ``[Content_Types].xml`` (DOCX, XLSX,
PPTX) or their ``mimetype`` entry (ODT, ODS, ODP). Legacy Word, Excel and PowerPoint files
(OLE compound files) are accepted, recognised by their streams, because ministries still send
notes verbales as ``.doc``; one that holds a VBA project (macros) is refused.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import socket
import struct
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

CHUNK = 64 * 1024
HEAD = 4096
TAIL = 64 * 1024
# Beyond this an archive's declared content is a zip bomb, whatever it claims to be.
ZIP_MAX_UNCOMPRESSED = 2 * 1024 * 1024 * 1024
ZIP_MAX_ENTRIES = 20_000


class UploadRefused(ValidationError):
    pass


@dataclass(frozen=True)
class FileType:
    content_type: str
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
PNG = FileType("image/png", "png", "PNG")
JPEG = FileType("image/jpeg", "jpg", "JPEG")
GIF = FileType("image/gif", "gif", "GIF")
WEBP = FileType("image/webp", "webp", "WebP")
TEXT = FileType("text/plain; charset=utf-8", "txt", "Text (UTF-8)")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "DOCX"
)
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "XLSX")
PPTX = FileType(
    "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx", "PPTX"
)
ODT = FileType("application/vnd.oasis.opendocument.text", "odt", "ODT")
ODS = FileType("application/vnd.oasis.opendocument.spreadsheet", "ods", "ODS")
ODP = FileType("application/vnd.oasis.opendocument.presentation", "odp", "ODP")
DOC = FileType("application/msword", "doc", "DOC")
XLS = FileType("application/vnd.ms-excel", "xls", "XLS")
PPT = FileType("application/vnd.ms-powerpoint", "ppt", "PPT")

IMAGES = (PNG, JPEG, GIF, WEBP)
# What a browser shows without running anything: served inline, everything else as attachment.
INLINE_SAFE = frozenset(t.content_type for t in (*IMAGES, TEXT))
DOCUMENT_TYPES = (PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, DOC, XLS, PPT, TEXT, *IMAGES)

_OOXML_MAIN = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
_OOXML_MACROS = (b"macroenabled", b"vbaproject", b"application/vnd.ms-office.vbaproject")
_ODF = {t.content_type.encode(): t for t in (ODT, ODS, ODP)}
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_STREAMS = (
    ("WordDocument", DOC),
    ("Workbook", XLS),
    ("Book", XLS),
    ("PowerPoint Document", PPT),
)
_OLE_MACROS = ("_VBA_PROJECT", "Macros", "VBA")


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    file_type: FileType
    size: int
    sha256: str


def sniff(head: bytes) -> FileType | None:
    """The type the first bytes of a file announce, among the simple ones (no container)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    return None


_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean_filename(name: str, *, fallback: str = "file") -> str:
    """The last path part of ``name`` without control, reserved or direction-changing
    characters, at most 150 characters, never empty nor a dot-name."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("", name).strip().strip(".")
    if len(name) > 150:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 150 - len(extension) - 1] + dot + extension) if dot else name[:150]
    return name or fallback


# --- What is never accepted --------------------------------------------------------------------

_PROGRAMS = (
    b"MZ",  # Windows executables and DLLs
    b"\x7fELF",  # Linux
    b"\xfe\xed\xfa\xce",  # macOS (Mach-O)
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",  # universal binaries, Java classes
    b"#!",  # scripts
)
# Markup a browser would run if it ever took the file for a web page: at the start of a file,
# and anywhere in a text file.
_MARKUP = re.compile(
    rb"<\s*(?:script|html|svg|iframe|object|embed|body|frameset|meta\s+http-equiv)\b"
    rb"|<!doctype\s+html|javascript:"
)
# The same inside binary files (PDFs, images): longer markers only, so that the bytes of a
# large compressed file do not match by chance (a 4-byte "<svg" would, about once in 500 MB).
_MARKUP_IN_BINARY = re.compile(
    rb"<(?:script|html|iframe|object|embed|body)[\s>/]|<!doctype\s+html|javascript:"
)
# Active content in a PDF's dictionaries: scripts and actions that launch programs.
_PDF_ACTIVE = re.compile(rb"/(?:JavaScript|JS|Launch)(?![A-Za-z0-9])")
_PDF_STREAM = re.compile(rb"(?<!end)stream\r?\n")


class _PdfScanner:
    """Looks for active content in a PDF's dictionaries, skipping the data of its streams
    (compressed bytes, where any short sequence occurs by chance in a large file). Names written
    with escapes (``/J#61vaScript``) or inside compressed object streams are not seen: the
    scan is a filter, not a PDF parser."""

    def __init__(self) -> None:
        self.in_stream = False
        self.carry = b""
        self.found = False

    def feed(self, chunk: bytes) -> None:
        data, position = self.carry + chunk, 0
        while True:
            if self.in_stream:
                end = data.find(b"endstream", position)
                if end < 0:
                    self.carry = data[max(len(data) - 8, position) :]
                    return
                position, self.in_stream = end + 9, False
                continue
            start = _PDF_STREAM.search(data, position)
            text = data[position : start.start() if start else len(data)]
            self.found = self.found or bool(_PDF_ACTIVE.search(text))
            if start is None:
                self.carry = data[max(len(data) - 16, position) :]
                return
            position, self.in_stream = start.end(), True


@dataclass
class _Facts:
    """What one pass over the file learned."""

    head: bytes = b""
    tail: bytes = b""
    size: int = 0
    markup: bool = False  # anywhere, by the broad markers (said of text files)
    markup_in_binary: bool = False  # anywhere, by the long markers (said of binary files)
    pdf_active: bool = False
    utf8: bool = True
    nul: bool = False


def _read(upload: UploadedFile, max_bytes: int) -> tuple[_Facts, str]:
    facts = _Facts()
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    carry = b""
    pdf = _PdfScanner()
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        facts.size += len(chunk)
        if facts.size > max_bytes:
            raise _too_big(max_bytes)
        digest.update(chunk)
        if len(facts.head) < HEAD:
            facts.head += chunk[: HEAD - len(facts.head)]
        facts.tail = (facts.tail + chunk)[-TAIL:]
        window = (carry + chunk).lower()
        facts.markup = facts.markup or bool(_MARKUP.search(window))
        facts.markup_in_binary = facts.markup_in_binary or bool(_MARKUP_IN_BINARY.search(window))
        if facts.head.startswith(b"%PDF-"):
            pdf.feed(chunk)
        carry = chunk[-64:]
        if facts.utf8:
            facts.nul = facts.nul or b"\x00" in chunk
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                facts.utf8 = False
    facts.pdf_active = pdf.found
    if facts.utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            facts.utf8 = False
    upload.seek(0)
    return facts, digest.hexdigest()


def _refuse_never_accepted(facts: _Facts) -> None:
    head = facts.head
    if head.startswith(_PROGRAMS):
        raise UploadRefused(
            _("This kind of file is not accepted here: it is a program, not a document.")
        )
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    # A file that starts as a known type and hides markup later is a polyglot (said below).
    known = sniff(head) is not None or head.startswith((b"PK\x03\x04", _OLE_MAGIC))
    if start.startswith(b"<") or (not known and _MARKUP.search(head.lower())):
        raise UploadRefused(_("Web pages and SVG images are not accepted: they can carry scripts."))


def _identify(upload: UploadedFile, facts: _Facts) -> FileType | None:
    head = facts.head
    simple = sniff(head)
    if simple is not None:
        return simple
    if head.startswith(b"PK\x03\x04"):
        return _identify_zip(upload)
    if head.startswith(_OLE_MAGIC):
        return _identify_ole(upload)
    if facts.utf8 and not facts.nul:
        return TEXT
    return None


def _identify_zip(upload: UploadedFile) -> FileType | None:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if not entries or entries[0].header_offset != 0:
                return None  # something was put before the archive: a polyglot
            if len(entries) > ZIP_MAX_ENTRIES or (
                sum(e.file_size for e in entries) > ZIP_MAX_UNCOMPRESSED
            ):
                raise UploadRefused(_("This archive unpacks to far more than it weighs."))
            names = {e.filename for e in entries}
            if "[Content_Types].xml" in names:
                types = _read_member(archive, "[Content_Types].xml").lower()
                if any(marker in types for marker in _OOXML_MACROS) or any(
                    n.lower().endswith("vbaproject.bin") for n in names
                ):
                    raise _macros()
                for main, file_type in _OOXML_MAIN.items():
                    if main in types:
                        return file_type
                return None
            if entries[0].filename == "mimetype":
                mimetype = _read_member(archive, "mimetype").strip()
                odf = _ODF.get(mimetype)
                if odf is not None and any(n.startswith(("Basic/", "Scripts/")) for n in names):
                    raise _macros()
                return odf
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError):
        return None
    finally:
        upload.seek(0)
    return None


def _read_member(archive: zipfile.ZipFile, name: str, limit: int = 1024 * 1024) -> bytes:
    with archive.open(name) as member:
        return member.read(limit)


def _identify_ole(upload: UploadedFile) -> FileType | None:
    """A legacy Office file by the names of its streams (stored as UTF-16 in the directory)."""
    upload.seek(0)
    found: FileType | None = None
    macros = False
    carry = b""
    for chunk in upload.chunks(CHUNK):
        window = carry + chunk
        for stream, file_type in _OLE_STREAMS:
            if found is None and _utf16_name(stream) in window:
                found = file_type
        macros = macros or any(_utf16_name(name) in window for name in _OLE_MACROS)
        carry = chunk[-128:]
    upload.seek(0)
    if macros:
        raise _macros()
    return found


def _utf16_name(name: str) -> bytes:
    # A directory entry's name, NUL-terminated so "VBA" does not match inside other names.
    return name.encode("utf-16-le") + b"\x00\x00"


def _macros() -> UploadRefused:
    return UploadRefused(
        _("Office files with macros are not accepted: save it without macros and upload again.")
    )


def _refuse_polyglot(file_type: FileType, facts: _Facts) -> None:
    if (file_type == TEXT and facts.markup) or (
        file_type in (PDF, *IMAGES) and facts.markup_in_binary
    ):
        raise UploadRefused(
            _(
                "This file also contains a web page or a script (a polyglot file): "
                "it is not accepted."
            )
        )
    if file_type == PDF:
        if facts.pdf_active:
            raise UploadRefused(
                _(
                    "This PDF contains JavaScript or actions that start programs: "
                    "print it to a new PDF and upload that."
                )
            )
        end = facts.tail.rfind(b"%%EOF")
        if (
            end < 0
            or b"PK\x05\x06" in facts.tail  # a ZIP archive's directory: a PDF/ZIP polyglot
            or facts.tail[end + 5 :].strip(b"\r\n\t \x00")
        ):
            raise UploadRefused(
                _("This PDF is damaged or has something appended after its end: not accepted.")
            )


def check_upload(
    upload: UploadedFile, *, allowed: Iterable[FileType], max_bytes: int
) -> CheckedUpload:
    """Read ``upload``: its size against ``max_bytes``, its type by content against
    ``allowed``, the refusals above, its SHA-256, and the virus scan when one is configured.
    Raises ``UploadRefused``."""
    allowed = tuple(allowed)
    if upload.size is not None and upload.size > max_bytes:
        raise _too_big(max_bytes)
    facts, sha256 = _read(upload, max_bytes)
    if facts.size == 0:
        raise UploadRefused(_("The file is empty."))
    _refuse_never_accepted(facts)
    file_type = _identify(upload, facts)
    if file_type is None or file_type not in allowed:
        raise UploadRefused(
            _("This kind of file is not accepted here; accepted: %(types)s.")
            % {"types": ", ".join(t.label for t in allowed)}
        )
    _refuse_polyglot(file_type, facts)
    scan(upload)
    return CheckedUpload(
        name=_with_extension(
            clean_filename(upload.name or "", fallback=f"file.{file_type.extension}"), file_type
        ),
        file_type=file_type,
        size=facts.size,
        sha256=sha256,
    )


def _with_extension(name: str, file_type: FileType) -> str:
    """The name ends with the extension of what the file is, not what it was called."""
    stem, dot, extension = name.rpartition(".")
    if dot and extension.lower() == file_type.extension:
        return name
    return f"{stem if dot else name}.{file_type.extension}"


def _too_big(max_bytes: int) -> UploadRefused:
    return UploadRefused(
        _("The file is too large: at most %(size)s.") % {"size": filesizeformat(max_bytes)}
    )


# --- Virus scan (clamd) ------------------------------------------------------------------------


class ScannerUnavailable(Exception):
    pass


def scan(upload: UploadedFile) -> None:
    """Stream ``upload`` to clamd (``INSTREAM``) when ``settings.CLAMD_URL`` is set. Refuses
    what clamd reports, and anything it could not check (the scan fails closed)."""
    url = getattr(settings, "CLAMD_URL", "")
    if not url:
        return
    try:
        verdict = _instream(url, upload, timeout=getattr(settings, "CLAMD_TIMEOUT", 30.0))
    except (OSError, ScannerUnavailable):
        raise UploadRefused(
            _("The virus scanner could not check this file; nothing was stored. Try again later.")
        ) from None
    finally:
        upload.seek(0)
    if verdict.endswith("FOUND"):
        name = verdict.removeprefix("stream:").removesuffix("FOUND").strip()
        raise UploadRefused(
            _("The virus scanner found %(name)s in this file: it was not stored.") % {"name": name}
        )
    if verdict != "stream: OK":
        raise UploadRefused(
            _("The virus scanner could not check this file; nothing was stored. Try again later.")
        )


def _instream(url: str, upload: UploadedFile, *, timeout: float) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        address: str | tuple[str, int] = parts.path
    elif parts.scheme == "tcp":
        connection = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        address = (parts.hostname or "127.0.0.1", parts.port or 3310)
    else:
        raise ScannerUnavailable(f"unknown CLAMD_URL scheme: {parts.scheme!r}")
    with connection:
        connection.settimeout(timeout)
        connection.connect(address)
        connection.sendall(b"zINSTREAM\x00")
        upload.seek(0)
        for chunk in upload.chunks(CHUNK):
            connection.sendall(struct.pack("!I", len(chunk)) + chunk)
        connection.sendall(struct.pack("!I", 0))
        reply = b""
        while not reply.endswith(b"\x00"):
            part = connection.recv(4096)
            if not part:
                break
            reply += part
    return reply.rstrip(b"\x00").decode("utf-8", "replace").strip()
