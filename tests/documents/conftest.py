from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dialogue.models import User
from documents import services
from documents.models import Document
from meetings import registration
from meetings.models import Meeting
from tests.conftest import World
from tests.meetings.conftest import istanbul_meeting, open_registration

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(text: str = "", name: str = "paper.pdf") -> SimpleUploadedFile:
    """A small PDF whose bytes differ by ``text`` (a comment line)."""
    body = PDF_BYTES.replace(b"%%EOF", f"% {text}\n%%EOF".encode()) if text else PDF_BYTES
    return SimpleUploadedFile(name, body)


def docx(name: str = "paper.docx") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def staff(world: World) -> User:
    return world.person("secretariat_staff")


@pytest.fixture
def meeting(world: World, staff: User) -> Meeting:
    """The Istanbul meeting (``istanbul_meeting``) in English and Russian, registration open:
    delegate A approved for Georgia (a registered participant)."""
    opened = open_registration(istanbul_meeting(world, languages=["en", "ru"]), staff)
    nomination = registration.nominate(
        by=world.person("focal_point_a"),
        meeting=opened,
        member=world.state_a,
        email="delegate_a@example.org",
        category="head_of_delegation",
        full_name="Delegate A",
    )
    registration.approve(by=staff, nomination=nomination)
    return Meeting.objects.select_related("dialogue", "body").get(pk=opened.pk)


@pytest.fixture
def add(world: World, staff: User, meeting: Meeting) -> Callable[..., Document]:
    """Adds a document to the meeting (English PDF, public unless told)."""
    counter = iter(range(1, 10_000))

    def make(**fields: Any) -> Document:
        n = next(counter)
        values: dict[str, Any] = {
            "by": staff,
            "dialogue": world.dialogue,
            "meeting": meeting,
            "kind": "background_paper",
            "title": {"en": f"Paper {n}"},
            "marking": "public",
            "language": "en",
            "upload": pdf(f"paper {n}"),
        }
        values.update(fields)
        return services.add_document(**values)

    return make
