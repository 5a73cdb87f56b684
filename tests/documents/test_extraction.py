"""Reading the text of uploaded files: real files made here, in English, Russian and Arabic;
large files left to the worker; hostile files stopped at the limits."""

from __future__ import annotations

import io
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from dialogue.models import User
from documents import extraction, services
from documents.models import Document, RevisionText, TextStatus
from tests.documents.conftest import pdf
from tests.documents.files import MAKERS, docx_file, text_file

pytestmark = pytest.mark.django_db

TEXTS = {
    "en": "Return and readmission\nThe partnership facility funds pilot projects",
    "ru": "Возвращение и реадмиссия\nПартнёрство финансирует пилотные проекты",
    "ar": "العودة وإعادة القبول\nالشراكة تمول مشاريع تجريبية",
}


@pytest.mark.parametrize("kind", sorted(MAKERS))
@pytest.mark.parametrize("language", sorted(TEXTS))
def test_text_of_each_type_and_language_is_read_on_upload(
    add: Callable[..., Document],
    django_capture_on_commit_callbacks: Any,
    kind: str,
    language: str,
) -> None:
    text = TEXTS[language]
    make = MAKERS[kind]
    upload = make(text, language=language) if kind == "pdf" else make(text)
    with django_capture_on_commit_callbacks(execute=True):
        document = add(language=language, upload=upload)
    stored = RevisionText.objects.get(revision__document=document)
    assert stored.status == TextStatus.DONE
    for line in text.split("\n"):
        assert line in stored.text


def test_text_is_kept_per_language_version_and_revision(
    staff: User, add: Callable[..., Document], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        document = add(upload=text_file("First English text"))
        services.add_revision(
            by=staff, document=document, language="ru", upload=text_file("Русский текст")
        )
        services.add_revision(
            by=staff, document=document, language="en", upload=text_file("Second English text")
        )
    texts = {
        (t.revision.language, t.revision.number): t.text
        for t in RevisionText.objects.filter(revision__document=document).select_related("revision")
    }
    assert texts == {
        ("en", 1): "First English text",
        ("ru", 1): "Русский текст",
        ("en", 2): "Second English text",
    }


def test_large_file_is_read_by_the_worker_not_the_upload(
    add: Callable[..., Document], django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.TEXT_EXTRACTION_INLINE_BYTES = 10
    with django_capture_on_commit_callbacks(execute=True):
        document = add(upload=docx_file("Seasonal workers and circular migration"))
    stored = RevisionText.objects.get(revision__document=document)
    assert stored.status == TextStatus.PENDING
    call_command("extract_document_texts", "--once", stdout=io.StringIO())
    stored.refresh_from_db()
    assert stored.status == TextStatus.DONE
    assert "circular migration" in stored.text


def test_unreadable_and_unsupported_files_are_labelled_not_errors(
    add: Callable[..., Document], django_capture_on_commit_callbacks: Any
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    from django.core.files.uploadedfile import SimpleUploadedFile

    with django_capture_on_commit_callbacks(execute=True):
        damaged = add(upload=pdf("not really a PDF"))
        image = add(upload=SimpleUploadedFile("map.png", png))
    assert RevisionText.objects.get(revision__document=damaged).status in (
        TextStatus.FAILED,
        TextStatus.EMPTY,
    )
    assert RevisionText.objects.get(revision__document=image).status == TextStatus.UNSUPPORTED


def test_file_above_the_size_limit_is_not_read(settings: Any) -> None:
    settings.TEXT_EXTRACTION_MAX_BYTES = 100
    data = docx_file("x " * 500).read()
    assert extraction.read_text(data, MAKERS_TYPES["docx"]).status == TextStatus.TOO_LARGE


def test_text_stops_at_the_maximum(settings: Any) -> None:
    settings.TEXT_EXTRACTION_MAX_CHARS = 50
    read = extraction.read_text(docx_file("word " * 1000).read(), MAKERS_TYPES["docx"])
    assert (read.status, len(read.text), read.cut) == (TextStatus.DONE, 50, True)


# --- Hostile files ------------------------------------------------------------------------------

MAKERS_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _docx_with(document_xml: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def test_entity_expansion_is_refused() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(
            f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">'.encode()
            for i in range(1, 10)
        )
        + b']><w:document xmlns:w="x"><w:t>&lol9;</w:t></w:document>'
    )
    read = extraction.read_text(_docx_with(laughs), MAKERS_TYPES["docx"])
    assert (read.status, read.reason) == (TextStatus.FAILED, "a document type declaration")


def test_file_that_needs_too_much_memory_is_stopped(settings: Any) -> None:
    settings.TEXT_EXTRACTION_MEMORY_BYTES = 100 * 1024 * 1024
    namespace = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    huge = (
        b'<w:document xmlns:w="'
        + namespace
        + b'"><w:t>'
        + b"a" * (60 * 1024 * 1024)
        + b"</w:t></w:document>"
    )
    read = extraction.read_text(_docx_with(huge), MAKERS_TYPES["docx"])
    assert read.status == TextStatus.FAILED


def test_reader_that_hangs_is_killed_at_the_time_limit(
    settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TEXT_EXTRACTION_SECONDS = 1
    hanging = tmp_path / "hang.py"
    hanging.write_text("import time\ntime.sleep(60)\n")
    monkeypatch.setattr(extraction, "EXTRACTOR", hanging)
    started = time.monotonic()
    read = extraction.read_text(_docx_with(b"<w:document/>"), MAKERS_TYPES["docx"])
    assert (read.status, read.reason) == (TextStatus.FAILED, "took too long")
    assert time.monotonic() - started < 10


def test_reader_over_its_cpu_time_is_stopped(settings: Any) -> None:
    """The child limits its own CPU time: a run over it ends with a signal, not a result."""
    import subprocess

    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.argv=['x','docx','10','1073741824','1'];"
            "import documents.extractors as e; e._limit_myself(1073741824, 1)\nwhile True: pass",
        ],
        capture_output=True,
        timeout=20,
        check=False,
        cwd=Path(extraction.__file__).parent.parent,
    )
    assert done.returncode < 0
