"""Serving document files: after the permission check, every time.

Files are streamed through an asynchronous iterator that reads the storage in a thread a chunk
at a time: Django under ASGI turns a synchronous iterator (``FileResponse`` included) into a
list first, the whole file in memory. ``config.request_limits.PacedResponses`` makes Daphne
wait for the client before the next chunk is read, so a slow client does not fill the
server's memory either. With ``settings.DOCUMENTS_X_ACCEL_REDIRECT`` the reverse proxy sends
the bytes instead (``X-Accel-Redirect``), after the same check.

Every answer has a strong ``ETag`` (the SHA-256 of the file), ``X-Content-Type-Options:
nosniff``, ``Content-Security-Policy: default-src 'none'; sandbox`` and ``Content-Disposition:
attachment``, whatever the type: an uploaded file is never opened by the browser as part of the
site. The one exception is a preview asked for explicitly (``?preview=1``) of an image or plain
text, shown inline under the same sandbox (a PDF can carry scripts, and Chromium will not run
its viewer in a sandbox: PDFs are always downloaded). Single byte ranges are served (``206``);
``If-Range`` and ``If-None-Match`` are honoured.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import zipfile
from collections.abc import AsyncIterator, Generator, Iterator, Sequence
from typing import IO, Any, cast
from urllib.parse import quote

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils.http import content_disposition_header, http_date

from dialogue.uploads import INLINE_SAFE

from .models import Revision

CHUNK = 256 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def wants_preview(request: HttpRequest, revision: Revision) -> bool:
    """Shown in the browser only when asked for, and only what a browser shows without running
    anything (images, plain text)."""
    return request.GET.get("preview") == "1" and revision.content_type in INLINE_SAFE


def _common_headers(response: HttpResponseBase, revision: Revision, *, preview: bool) -> None:
    response["ETag"] = f'"{revision.sha256}"'
    response["Last-Modified"] = http_date(revision.uploaded_at.timestamp())
    # Restricted papers must not sit in shared caches; each use asks again (and gets a 304).
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Content-Disposition"] = (
        content_disposition_header(not preview, revision.download_name) or "attachment"
    )


def _not_modified(request: HttpRequest, revision: Revision) -> bool:
    wanted = request.headers.get("If-None-Match", "")
    tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
    return f'"{revision.sha256}"' in tags or "*" in tags


def _byte_range(request: HttpRequest, revision: Revision) -> tuple[int, int] | bool | None:
    """The single range asked for as (start, length); None for the whole file; False when
    it cannot be satisfied."""
    header = request.headers.get("Range", "")
    if not header:
        return None
    if_range = request.headers.get("If-Range")
    if if_range and if_range.strip() != f'"{revision.sha256}"':
        return None  # the file changed since the client's part: send it whole
    match = _RANGE.match(header.strip())
    if not match:
        return None  # several ranges or another unit: the whole file is a valid answer
    first, last = match.groups()
    size = revision.size
    if not first:
        if not last or int(last) == 0:
            return False
        length = min(int(last), size)
        return size - length, length
    start = int(first)
    if start >= size:
        return False
    end = min(int(last), size - 1) if last else size - 1
    if end < start:
        return False
    return start, end - start + 1


async def _read(file: IO[bytes], start: int, length: int) -> AsyncIterator[bytes]:
    try:
        if start:
            await asyncio.to_thread(file.seek, start)
        remaining = length
        while remaining > 0:
            chunk = await asyncio.to_thread(file.read, min(CHUNK, remaining))
            if not chunk:
                break
            remaining -= len(chunk)
            yield chunk
    finally:
        file.close()


def serve(request: HttpRequest, revision: Revision) -> HttpResponseBase:
    """The file of ``revision`` (the caller has checked the permission)."""
    preview = wants_preview(request, revision)
    if _not_modified(request, revision):
        response: HttpResponseBase = HttpResponse(status=304)
        _common_headers(response, revision, preview=preview)
        return response
    storage = revision.file.storage
    prefix = settings.DOCUMENTS_X_ACCEL_REDIRECT
    if prefix and isinstance(storage, FileSystemStorage):
        response = HttpResponse(content_type=revision.content_type)
        _common_headers(response, revision, preview=preview)
        response["X-Accel-Redirect"] = prefix.rstrip("/") + "/" + quote(revision.file.name)
        return response
    wanted = _byte_range(request, revision)
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{revision.size}"
        return response
    start, length = wanted if isinstance(wanted, tuple) else (0, revision.size)
    file = storage.open(revision.file.name, "rb")
    response = StreamingHttpResponse(
        _read(file, start, length),
        status=206 if isinstance(wanted, tuple) else 200,
        content_type=revision.content_type,
    )
    # Closed even if never streamed (Django's own FileResponse keeps its file the same way).
    response._resource_closers.append(file.close)  # type: ignore[attr-defined]  # Django's closers
    _common_headers(response, revision, preview=preview)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if isinstance(wanted, tuple):
        response["Content-Range"] = f"bytes {start}-{start + length - 1}/{revision.size}"
    return response


# --- The meeting's package ---------------------------------------------------------------------


class _Sink:
    """Where ``zipfile`` writes: a buffer emptied after every chunk (not seekable, so zipfile
    writes data descriptors and needs no going back)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def archive_name(revision: Revision) -> str:
    return f"{revision.document.symbol.replace('/', '-')}_{revision.language}.{revision.extension}"


def manifest(revisions: Sequence[Revision]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["symbol", "title", "language", "revision", "sha256", "bytes", "file"])
    for r in revisions:
        writer.writerow(
            [
                r.document.symbol,
                r.document.title_i18n.get(r.language) or r.document.title_i18n.pick(),
                r.language,
                r.number,
                r.sha256,
                r.size,
                archive_name(r),
            ]
        )
    return ("\ufeff" + out.getvalue()).encode()  # the BOM lets spreadsheets read it as UTF-8


def _zip_parts(revisions: Sequence[Revision]) -> Generator[bytes, None, None]:
    sink = _Sink()
    target_file = cast(IO[bytes], sink)  # write, tell and flush are all zipfile needs
    with zipfile.ZipFile(
        target_file, "w", compression=zipfile.ZIP_STORED, allowZip64=True
    ) as archive:
        archive.writestr("manifest.csv", manifest(revisions))
        yield sink.take()
        for revision in revisions:
            info = zipfile.ZipInfo(archive_name(revision), revision.uploaded_at.timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            with (
                revision.file.storage.open(revision.file.name, "rb") as source,
                archive.open(info, "w", force_zip64=revision.size >= 2**31) as target,
            ):
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()


async def _in_thread(parts: Iterator[bytes]) -> AsyncIterator[bytes]:
    while True:
        part: Any = await asyncio.to_thread(next, parts, None)
        if part is None:
            return
        if part:
            yield part


def serve_zip(revisions: Sequence[Revision], filename: str) -> StreamingHttpResponse:
    """A ZIP of ``revisions`` with ``manifest.csv`` first, streamed as it is written."""
    parts = _zip_parts(revisions)
    response = StreamingHttpResponse(_in_thread(parts), content_type="application/zip")
    response._resource_closers.append(parts.close)  # type: ignore[attr-defined]  # Django's closers
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
