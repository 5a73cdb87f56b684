"""What only PostgreSQL shows: full-text search of the library, and symbols taken by
uploads at the same moment."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connections

from dialogue.models import User
from documents import services
from documents.models import Document
from meetings.models import Meeting
from tests.conftest import World, client_for
from tests.documents.conftest import pdf

pytestmark = pytest.mark.services


@pytest.mark.django_db
def test_library_search_is_full_text_by_word_prefixes_in_both_languages(
    world: World, add: Callable[..., Document]
) -> None:
    add(title={"en": "Return and reintegration of migrants", "ru": "Возвращение и реинтеграция"})
    add(title={"en": "Labour migration pathways", "ru": "Пути трудовой миграции"})
    add(title={"en": "Secret plans"}, marking="internal")
    client = client_for(world.people["focal_point_b"])

    def found(query: str) -> str:
        return client.get("/dialogues/budapest-process/documents/", {"q": query}).content.decode()

    assert "Return and reintegration" in found("reintegr")
    assert "Labour migration" not in found("reintegr")
    assert "Labour migration" in found("трудов")  # a Russian word's prefix
    assert "Return and reintegration" in found("migra return")
    assert "Labour migration" not in found("migra return")  # every word must match
    assert "Secret plans" not in found("secret")  # never a hit for who may not see it
    assert "Labour migration" in found("BP/SOM/2027/2")
    assert "No document matches" in found("BP/SOM/2027/3")


@pytest.mark.django_db(transaction=True)
def test_uploads_at_the_same_moment_get_distinct_symbols(
    world: World, meeting: Meeting, staff: User
) -> None:
    symbols: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def upload(n: int) -> None:
        try:
            start.wait()
            document = services.add_document(
                by=staff,
                dialogue=world.dialogue,
                meeting=meeting,
                kind="report",
                title={"en": f"Concurrent {n}"},
                marking="public",
                language="en",
                upload=pdf(f"concurrent {n}"),
            )
            symbols.append(document.symbol)
        except BaseException as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(symbols) == [f"BP/SOM/2027/{n}" for n in range(1, 7)]
