"""Checks every uploaded file passes before it is stored, whichever app takes it.

The type is decided by the content, never by the name or the browser's word, against the
caller's allow-list; the name is cleaned of path parts and control characters; the SHA-256 and
size are recorded. Refusals are ``UploadRefused`` (a ``ValidationError``) with a message the
uploader can act on.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

CHUNK = 64 * 1024


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


@dataclass(frozen=True)
class CheckedUpload:
    name: str
    file_type: FileType
    size: int
    sha256: str


def sniff(head: bytes) -> FileType | None:
    """The type the first bytes of a file announce, among those we know."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    return None


_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"/\\|?*]")


def clean_filename(name: str, *, fallback: str = "file") -> str:
    """The last path part of ``name`` without control or reserved characters, at most 150
    characters, never empty nor a dot-name."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = _UNSAFE.sub("", name).strip().strip(".")
    if len(name) > 150:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 150 - len(extension) - 1] + dot + extension) if dot else name[:150]
    return name or fallback


def check_upload(
    upload: UploadedFile, *, allowed: Iterable[FileType], max_bytes: int
) -> CheckedUpload:
    """Read ``upload`` once: its size against ``max_bytes``, its type by content against
    ``allowed``, its SHA-256. Raises ``UploadRefused``."""
    allowed = tuple(allowed)
    if upload.size is not None and upload.size > max_bytes:
        raise _too_big(max_bytes)
    digest = hashlib.sha256()
    size = 0
    head = b""
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        if not head:
            head = chunk[:16]
        size += len(chunk)
        if size > max_bytes:
            raise _too_big(max_bytes)
        digest.update(chunk)
    upload.seek(0)
    if size == 0:
        raise UploadRefused(_("The file is empty."))
    file_type = sniff(head)
    if file_type not in allowed:
        raise UploadRefused(
            _("This kind of file is not accepted here; accepted: %(types)s.")
            % {"types": ", ".join(t.label for t in allowed)}
        )
    return CheckedUpload(
        name=clean_filename(upload.name or "", fallback=f"file.{file_type.extension}"),
        file_type=file_type,
        size=size,
        sha256=digest.hexdigest(),
    )


def _too_big(max_bytes: int) -> UploadRefused:
    return UploadRefused(
        _("The file is too large: at most %(size)s.") % {"size": filesizeformat(max_bytes)}
    )
