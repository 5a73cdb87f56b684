"""The lists a dialogue's website embeds (dialogue/embed.py): public data only, in the language
asked, framable by other sites, and answered 304 while nothing changed."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import timezone

from documents import services
from documents.models import Document
from meetings.models import Meeting
from tests.conftest import World, client_for
from tests.meetings.conftest import istanbul_meeting

pytestmark = pytest.mark.django_db

MEETINGS = "/dialogues/budapest-process/embed/meetings/"
DOCUMENTS = "/dialogues/budapest-process/embed/documents/"


def test_upcoming_public_meetings_only_in_the_language_asked(world: World) -> None:
    istanbul_meeting(world, title={"ru": "СДЛ Стамбул"})
    istanbul_meeting(world, title={"en": "Members-only working group"}, is_public=False)
    istanbul_meeting(world, title={"en": "Draft not announced"}, announce=False)
    over = istanbul_meeting(world, title={"en": "Last year's conference"})
    Meeting.objects.filter(pk=over.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=400),
        ends_at=timezone.now() - datetime.timedelta(days=399),
    )
    english = Client().get(MEETINGS, {"lang": "en"}).content.decode()
    assert "SOM Istanbul" in english
    assert "Stamb" not in english
    for hidden in ("Members-only", "Draft not announced", "Last year"):
        assert hidden not in english
    russian = Client().get(MEETINGS, {"lang": "ru"}).content.decode()
    assert "СДЛ Стамбул" in russian
    assert 'lang="ru"' in russian
    # a member's browser gets the public list too
    assert (
        "Members-only" not in client_for(world.person("delegate_a")).get(MEETINGS).content.decode()
    )


def test_public_documents_only(world: World, add: Callable[..., Document]) -> None:
    add(title={"en": "Istanbul Declaration"})
    add(title={"en": "Internal note"}, marking="internal")
    withdrawn = add(title={"en": "Withdrawn paper"})
    services.withdraw_document(
        by=world.person("secretariat_staff"), document=withdrawn, reason="Replaced"
    )
    page = Client().get(DOCUMENTS).content.decode()
    assert "Istanbul Declaration" in page
    assert "Internal note" not in page
    assert "Withdrawn paper" not in page


def test_framable_by_other_sites_and_cached_by_etag(world: World, meeting: Meeting) -> None:
    first = Client().get(MEETINGS)
    assert "X-Frame-Options" not in first
    assert "frame-ancestors *" in first["Content-Security-Policy"]
    assert "max-age=300" in first["Cache-Control"]
    assert Client().get(MEETINGS, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    istanbul_meeting(world, title={"en": "A new meeting"})
    changed = Client().get(MEETINGS, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert "A new meeting" in changed.content.decode()
    # the platform's own pages stay unframable
    assert Client().get("/dialogues/budapest-process/")["X-Frame-Options"] == "DENY"


def test_rows_are_bounded_and_unknown_dialogues_are_not_found(
    world: World, add: Callable[..., Document]
) -> None:
    for _ in range(22):
        add()
    assert Client().get(DOCUMENTS, {"rows": "100"}).content.decode().count("<li>") == 20
    assert Client().get(DOCUMENTS, {"rows": "x"}).content.decode().count("<li>") == 5
    assert Client().get("/dialogues/nowhere/embed/documents/").status_code == 404
    assert Client().post(DOCUMENTS).status_code == 405


def test_the_secretariat_finds_the_snippets_from_the_dialogue_page(world: World) -> None:
    staff = client_for(world.person("secretariat_staff"))
    page = staff.get("/dialogues/budapest-process/").content.decode()
    assert "/dialogues/budapest-process/embed/" in page
    snippets = staff.get("/dialogues/budapest-process/embed/").content.decode()
    assert "/dialogues/budapest-process/embed/meetings/?lang=ru&amp;rows=5" in snippets
    member_page = client_for(world.person("delegate_a")).get("/dialogues/budapest-process/")
    assert "/dialogues/budapest-process/embed/" not in member_page.content.decode()
