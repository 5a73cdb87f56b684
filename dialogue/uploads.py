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
notes verbales as ``.doc``; one that holds a VBA project (macros) is refused. Before such a
container is accepted, each member is read from its own bytes (``inspect_container``): zip
bombs (by size, ratio or overlapping members, whatever the table of contents claims), names
that point outside the file or hold control characters, and archives inside are refused.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import socket
import struct
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

CHUNK = 64 * 1024
HEAD = 4096
TAIL = 64 * 1024
MiB = 1024 * 1024
# Office and ODF files are ZIP containers, inspected member by member before they are accepted
# (``inspect_container``). A real document stays far inside these; a zip bomb does not.
ARCHIVE_MAX_MEMBERS = 10_000  # all members, those of embedded containers included
ARCHIVE_MAX_INFLATED = 1024 * MiB  # all members together, inflated
ARCHIVE_MAX_MEMBER_INFLATED = 256 * MiB
ARCHIVE_MAX_RATIO = 100  # inflated : compressed past ARCHIVE_RATIO_FROM (as Apache POI)
ARCHIVE_RATIO_FROM = 1 * MiB


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
# What a browser shows without running anything: the only types a download may preview inline
# (sandboxed, when asked); everything is otherwise an attachment.
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


NAME_MAX_BYTES = 255  # what file systems take for one name, in UTF-8
# Names Windows keeps for devices, with any extension ("nul.txt" too), in any case.
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)


def clean_filename(name: str, *, fallback: str = "file") -> str:
    """The last path part of ``name`` without control, reserved or direction-changing
    characters, never empty nor a dot-name, nor a name Windows keeps for a device (``CON``,
    ``nul.txt``: those get ``_`` after the device's name), cut to ``NAME_MAX_BYTES`` of UTF-8
    at a character boundary, keeping the extension."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("", name).strip().strip(".")
    device, dot, rest = name.partition(".")
    if device.rstrip(" ").upper() in _WINDOWS_DEVICES:
        name = f"{device.rstrip(' ')}_{dot}{rest}"
    if len(name.encode()) > NAME_MAX_BYTES:
        stem, dot, extension = name.rpartition(".")
        if not dot or len(extension.encode()) > 16:
            stem, dot, extension = name, "", ""
        room = NAME_MAX_BYTES - len((dot + extension).encode())
        stem = stem.encode()[:room].decode("utf-8", "ignore").rstrip(" .")
        name = stem + dot + extension
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
            _refuse_declared(entries)
            file_type = _office_type(archive, entries)
            if file_type is not None:
                inspect_container(upload, archive)
            return file_type
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, RuntimeError):
        return None
    finally:
        upload.seek(0)


def _office_type(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> FileType | None:
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
    return None


def _is_office_container(archive: zipfile.ZipFile) -> bool:
    entries = archive.infolist()
    return bool(entries) and (
        entries[0].filename == "mimetype"
        or any(e.filename == "[Content_Types].xml" for e in entries)
    )


def _read_member(archive: zipfile.ZipFile, name: str, limit: int = 1024 * 1024) -> bytes:
    with archive.open(name) as member:
        return member.read(limit)


# --- Containers, member by member ----------------------------------------------------------------

# Members that are themselves compressed archives. A ZIP may only be an Office or ODF file
# embedded in the document (the workbook behind a chart), one level deep, and is inspected
# like the outer one; anything else is refused.
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_ARCHIVE_MAGIC = (
    b"\x1f\x8b",  # gzip
    b"BZh",  # bzip2
    b"\xfd7zXZ\x00",  # xz
    b"7z\xbc\xaf\x27\x1c",  # 7-Zip
    b"Rar!\x1a\x07",  # RAR
    b"MSCF",  # Windows cabinet
    b"\x28\xb5\x2f\xfd",  # zstd
    b"LZIP",
)
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature, (fixed fields), name and extra lengths
_DRIVE = re.compile(r"^[A-Za-z]:")
_BIDI = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


@dataclass
class _Budget:
    """What the inspection of one upload has counted so far, embedded containers included."""

    members: int = 0
    inflated: int = 0


def _bomb() -> UploadRefused:
    return UploadRefused(
        _("This archive unpacks to far more than it weighs (a compression bomb): not accepted.")
    )


def _damaged() -> UploadRefused:
    return UploadRefused(
        _(
            "This file's parts do not match its table of contents (damaged or tampered "
            "with): not accepted."
        )
    )


def _too_many() -> UploadRefused:
    return UploadRefused(
        _("This file has too many parts (more than %(count)s): not accepted.")
        % {"count": ARCHIVE_MAX_MEMBERS}
    )


def _refuse_declared(entries: list[zipfile.ZipInfo]) -> None:
    """What the table of contents itself admits, before anything is inflated."""
    if len(entries) > ARCHIVE_MAX_MEMBERS:
        raise _too_many()
    if sum(e.file_size for e in entries) > ARCHIVE_MAX_INFLATED or any(
        _too_inflated(e.file_size, e.compress_size) for e in entries
    ):
        raise _bomb()


def _too_inflated(inflated: int, compressed: int) -> bool:
    return inflated > ARCHIVE_MAX_MEMBER_INFLATED or (
        inflated > ARCHIVE_RATIO_FROM and inflated > ARCHIVE_MAX_RATIO * max(compressed, 1)
    )


def _refuse_unsafe_name(info: zipfile.ZipInfo) -> None:
    name = info.orig_filename  # before zipfile cuts it at a NUL
    parts = name.replace("\\", "/").split("/")
    if (
        not name
        or "\\" in name
        or name.startswith("/")
        or _DRIVE.match(name)
        or ".." in parts
        or any(unicodedata.category(c) == "Cc" or c in _BIDI for c in name)
    ):
        shown = "".join("?" if unicodedata.category(c) == "Cc" else c for c in name)[:80]
        raise UploadRefused(
            _(
                "This file contains a part named “%(name)s”, which points outside the file or "
                "holds control characters: not accepted."
            )
            % {"name": shown}
        )


def inspect_container(
    source: IO[bytes], archive: zipfile.ZipFile, *, budget: _Budget | None = None, depth: int = 0
) -> None:
    """Read every member of ``archive`` (a ZIP in ``source``) from its own bytes, not from what
    the table of contents says: names without traversal, absolute paths, backslashes, drive
    letters or control characters; no two members with one name or sharing bytes; the count,
    the inflated size of each and of all (stopped as soon as a bound is passed), the ratio; no
    archive inside, but an embedded Office file, itself inspected. Raises ``UploadRefused``."""
    budget = budget or _Budget()
    entries = archive.infolist()
    budget.members += len(entries)
    if budget.members > ARCHIVE_MAX_MEMBERS:
        raise _too_many()
    _refuse_declared(entries)
    seen: set[str] = set()
    for info in entries:
        _refuse_unsafe_name(info)
        if info.orig_filename in seen or info.flag_bits & 0x1:  # twice, or encrypted
            raise _damaged()
        seen.add(info.orig_filename)
    starts = {info.orig_filename: _data_start(source, info) for info in entries}
    _refuse_overlaps(entries, starts, getattr(archive, "start_dir", None))
    for info in entries:
        if not info.is_dir():
            _inspect_member(source, info, starts[info.orig_filename], budget, depth)


def _data_start(source: IO[bytes], info: zipfile.ZipInfo) -> int:
    """Where the member's compressed bytes start, from its local header (whose name must be
    the one in the table of contents)."""
    source.seek(info.header_offset)
    header = source.read(_LOCAL_HEADER.size)
    if len(header) != _LOCAL_HEADER.size:
        raise _damaged()
    signature, name_length, extra_length = _LOCAL_HEADER.unpack(header)
    encoding = "utf-8" if info.flag_bits & 0x800 else "cp437"
    if signature != b"PK\x03\x04" or source.read(name_length) != info.orig_filename.encode(
        encoding
    ):
        raise _damaged()
    return info.header_offset + _LOCAL_HEADER.size + name_length + extra_length


def _refuse_overlaps(
    entries: list[zipfile.ZipInfo], starts: dict[str, int], directory: int | None
) -> None:
    """Members whose bytes overlap are how the largest zip bombs inflate one kernel many
    times over."""
    end = 0
    for info in sorted(entries, key=lambda e: e.header_offset):
        if info.header_offset < end:
            raise _bomb()
        end = starts[info.orig_filename] + info.compress_size
        if directory is not None and end > directory:
            raise _damaged()


def _inflate(source: IO[bytes], info: zipfile.ZipInfo, start: int) -> Iterator[bytes]:
    """The member's bytes, inflated a chunk at a time (never more than ``CHUNK`` at once,
    whatever the compressed bytes hold)."""
    source.seek(start)
    left = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        while left:
            data = source.read(min(CHUNK, left))
            if not data:
                raise _damaged()
            left -= len(data)
            yield data
        return
    if info.compress_type != zipfile.ZIP_DEFLATED:
        raise _damaged()  # Office and ODF files are stored or deflated
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        while left:
            data = source.read(min(CHUNK, left))
            if not data:
                raise _damaged()
            left -= len(data)
            while data:
                yield inflater.decompress(data, CHUNK)
                data = inflater.unconsumed_tail
        yield inflater.flush()
    except zlib.error:
        raise _damaged() from None
    if not inflater.eof or inflater.unused_data:
        raise _damaged()


def _inspect_member(
    source: IO[bytes], info: zipfile.ZipInfo, start: int, budget: _Budget, depth: int
) -> None:
    size = crc = 0
    first: list[bytes] = []  # the member's start, until it says whether it is an archive
    nested: IO[bytes] | None = None
    decided = False
    try:
        for data in _inflate(source, info, start):
            size += len(data)
            budget.inflated += len(data)
            if (
                size > info.file_size
                or budget.inflated > ARCHIVE_MAX_INFLATED
                or _too_inflated(size, info.compress_size)
            ):
                raise _bomb()
            crc = zlib.crc32(data, crc)
            if decided:
                if nested is not None:
                    nested.write(data)
                continue
            first.append(data)
            if size >= _NESTED_HEAD:
                decided, nested = True, _nested_spool(first, depth)
        if size != info.file_size or crc != info.CRC:
            raise _damaged()
        if not decided:
            nested = _nested_spool(first, depth)
        if nested is not None:
            _inspect_nested(nested, budget, depth)
    finally:
        if nested is not None:
            nested.close()


_NESTED_HEAD = 512  # enough for every archive's signature (a tar's is at 257)


def _nested_spool(first: list[bytes], depth: int) -> IO[bytes] | None:
    """Somewhere to keep a member that is an embedded ZIP, holding its ``first`` bytes (to
    inspect it whole after); refuses any other archive, and any archive inside an embedded
    one."""
    head = b"".join(first)
    is_zip = head.startswith(_ZIP_MAGIC)
    if not is_zip and not head.startswith(_ARCHIVE_MAGIC) and head[257:262] != b"ustar":
        return None
    if not is_zip or depth > 0:
        raise _nested()
    spool: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=MiB)  # noqa: SIM115 - the caller closes it
    spool.write(head)
    return spool


def _nested() -> UploadRefused:
    return UploadRefused(
        _(
            "This file contains another archive inside it: not accepted. Upload the documents "
            "one by one."
        )
    )


def _inspect_nested(spool: IO[bytes], budget: _Budget, depth: int) -> None:
    spool.seek(0)
    try:
        with zipfile.ZipFile(spool) as inner:
            if not _is_office_container(inner):
                raise _nested()
            inspect_container(spool, inner, budget=budget, depth=depth + 1)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, RuntimeError):
        raise _nested() from None


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
    name = clean_filename(upload.name or "", fallback=f"file.{file_type.extension}")
    return CheckedUpload(
        # Once more: the right extension may have made the name longer.
        name=clean_filename(_with_extension(name, file_type)),
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
