"""Reading the text of each uploaded revision, for the library's search.

Every revision gets a ``RevisionText`` row, pending, in the transaction that stores it. A file
up to ``TEXT_EXTRACTION_INLINE_BYTES`` is read as soon as that transaction commits; a larger
one (and any left pending) by the worker, ``manage.py extract_document_texts``, whose pass is
``read_pending``. Plain text is decoded here; every other type is read by a child process
(``documents/extractors.py``) that limits its own memory and CPU time and is killed at
``TEXT_EXTRACTION_SECONDS`` of wall-clock time: a hostile file ends as "could not be read" and
never stalls the worker or the request. A file above ``TEXT_EXTRACTION_MAX_BYTES`` is not read
at all. Each result goes into the search index of its document (``documents.search``).
"""

from __future__ import annotations

import datetime
import logging
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from dialogue.uploads import DOCX, ODP, ODS, ODT, PDF, PPTX, TEXT, XLSX

from . import search
from .models import Revision, RevisionText, TextStatus

logger = logging.getLogger(__name__)

EXTRACTOR = Path(__file__).with_name("extractors.py")
# How each type is read by the child; plain text is decoded here.
KINDS = {
    PDF.content_type: "pdf",
    DOCX.content_type: "docx",
    XLSX.content_type: "xlsx",
    PPTX.content_type: "pptx",
    ODT.content_type: "odf",
    ODS.content_type: "odf",
    ODP.content_type: "odf",
}
CLAIM_TIMEOUT = datetime.timedelta(minutes=10)


@dataclass(frozen=True)
class Extracted:
    status: str
    text: str = ""
    cut: bool = False
    reason: str = ""


def read_text(data: bytes, content_type: str) -> Extracted:
    """The text of a file's bytes, within the limits of the settings."""
    if len(data) > settings.TEXT_EXTRACTION_MAX_BYTES:
        return Extracted(TextStatus.TOO_LARGE)
    max_chars = settings.TEXT_EXTRACTION_MAX_CHARS
    if content_type == TEXT.content_type:
        return _found(_decode(data)[:max_chars], cut=len(data) > max_chars * 4)
    kind = KINDS.get(content_type)
    if kind is None:
        return Extracted(TextStatus.UNSUPPORTED)
    seconds = settings.TEXT_EXTRACTION_SECONDS
    command = [
        sys.executable,
        "-I",  # isolated: no user site, no environment variables, not the working directory
        str(EXTRACTOR),
        kind,
        str(max_chars),
        str(settings.TEXT_EXTRACTION_MEMORY_BYTES),
        str(seconds),
    ]
    try:
        done = subprocess.run(  # noqa: S603 - a fixed command; the file only on standard input
            command, input=data, capture_output=True, timeout=seconds + 2, check=False
        )
    except subprocess.TimeoutExpired:  # run() has killed it
        return Extracted(TextStatus.FAILED, reason="took too long")
    if done.returncode in (0, 3):
        text = done.stdout.decode("utf-8", "replace")
        return _found(text[:max_chars], cut=done.returncode == 3)
    reason = done.stderr.decode("utf-8", "replace").strip()[-300:]
    if done.returncode < 0:  # killed by a signal: over its CPU time or memory
        reason = f"stopped at a limit (signal {-done.returncode})"
    return Extracted(TextStatus.FAILED, reason=reason or f"exit status {done.returncode}")


def _found(text: str, *, cut: bool) -> Extracted:
    text = text.replace("\x00", "")
    if not text.strip():
        return Extracted(TextStatus.EMPTY)
    return Extracted(TextStatus.DONE, text=text, cut=cut)


def _decode(data: bytes) -> str:
    """Plain text as uploaded (``dialogue.uploads`` accepts UTF-8, with or without a BOM)."""
    from .extractors import CONTROLS

    return CONTROLS.sub("", data.decode("utf-8-sig", "replace"))


# --- The revisions' texts ---------------------------------------------------------------------


def expect_text(revision: Revision) -> None:
    """Record that ``revision``'s text is to be read (in the caller's transaction); a small file
    is read right after the commit, a large one by the worker."""
    RevisionText.objects.create(revision=revision)
    if revision.size <= settings.TEXT_EXTRACTION_INLINE_BYTES:
        transaction.on_commit(lambda: _read_after_commit(revision.pk))


def _read_after_commit(revision_id: int) -> None:
    try:
        read_pending(revision_ids=[revision_id])
    except Exception:  # the upload has succeeded; the worker will try again
        logger.exception("reading the text of revision %s failed", revision_id)


def read_pending(*, revision_ids: list[int] | None = None, batch: int = 20) -> int:
    """Read the pending texts (only ``revision_ids`` when given), each once even with several
    workers; returns how many were read."""
    done = 0
    while True:
        claimed = _claim(revision_ids, batch)
        if not claimed:
            return done
        for revision_id in claimed:
            _read_one(revision_id)
            done += 1
        if revision_ids is not None:
            return done


def _claim(revision_ids: list[int] | None, batch: int) -> list[int]:
    now = timezone.now()
    with transaction.atomic():
        pending = RevisionText.objects.select_for_update(skip_locked=True).filter(
            Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT),
            status=TextStatus.PENDING,
        )
        if revision_ids is not None:
            pending = pending.filter(revision_id__in=revision_ids)
        ids = list(pending.order_by("revision_id").values_list("revision_id", flat=True)[:batch])
        RevisionText.objects.filter(revision_id__in=ids).update(claimed_at=now)
    return ids


def _read_one(revision_id: int) -> None:
    revision = Revision.objects.get(pk=revision_id)
    if revision.size > settings.TEXT_EXTRACTION_MAX_BYTES:
        extracted = Extracted(TextStatus.TOO_LARGE)
    elif revision.content_type not in KINDS and revision.content_type != TEXT.content_type:
        extracted = Extracted(TextStatus.UNSUPPORTED)
    else:
        try:
            with revision.file.open("rb") as stored:
                data = stored.read(settings.TEXT_EXTRACTION_MAX_BYTES + 1)
        except OSError as error:
            extracted = Extracted(TextStatus.FAILED, reason=f"the file: {error}"[:300])
        else:
            extracted = read_text(data, revision.content_type)
    store_text(revision=revision, extracted=extracted)


def store_text(*, revision: Revision, extracted: Extracted) -> None:
    """Keep what was read of ``revision`` and bring its document's search index up to date."""
    with transaction.atomic():
        RevisionText.objects.update_or_create(
            revision=revision,
            defaults={
                "status": extracted.status,
                "text": extracted.text,
                "cut": extracted.cut,
                "reason": extracted.reason[:300],
                "read_at": timezone.now(),
                "claimed_at": None,
            },
        )
        search.reindex([revision.document_id])
    if extracted.status == TextStatus.FAILED:
        logger.warning("the text of revision %s was not read: %s", revision.pk, extracted.reason)
