"""The library's search inside documents, on the embedded SQLite (FTS5) and on PostgreSQL
(each language's text-search configuration): what a reader finds, in which order, with which
snippet, and that a document they may not see gives them nothing at all."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from dialogue.models import User
from documents import services
from documents.models import Document
from meetings.models import Meeting
from tests.conftest import ROLE_NAMES, World, client_for
from tests.documents.files import docx_file, text_file

pytestmark = pytest.mark.django_db

LIBRARY = "/dialogues/budapest-process/documents/"


@pytest.fixture
def add_text(
    add: Callable[..., Document], django_capture_on_commit_callbacks: Any
) -> Callable[..., Document]:
    """Adds a document whose file is ``text`` (plain text unless an upload is given), read as
    its upload commits."""

    def make(text: str, **fields: Any) -> Document:
        fields.setdefault("upload", text_file(text))
        with django_capture_on_commit_callbacks(execute=True):
            return add(**fields)

    return make


def _search(user: User | None, query: str, **params: Any) -> str:
    response = client_for(user).get(LIBRARY, {"q": query, **params})
    assert response.status_code == 200
    return response.content.decode()


def _listed(page: str) -> list[str]:
    return re.findall(r'<tr id="document-(\d+)"', page)


def test_a_word_inside_a_file_finds_the_document_with_a_highlighted_snippet(
    world: World, add_text: Callable[..., Document]
) -> None:
    add_text(
        "The working group discussed seasonal mobility and the Samarkand pilot in detail.",
        title={"en": "Report of the working group"},
    )
    page = _search(None, "samarkand")
    assert "Report of the working group" in page
    assert "1 document" in page
    assert "<mark>Samarkand</mark>" in page
    assert "seasonal mobility" in page


def test_a_title_hit_ranks_above_a_body_hit(
    world: World, add_text: Callable[..., Document]
) -> None:
    in_body = add_text(
        "Visa facilitation. " * 40 + "Visa facilitation again and again.",
        title={"en": "Annual report"},
    )
    in_title = add_text("Nothing about it here.", title={"en": "Visa facilitation"})
    assert _listed(_search(None, "visa facilitation")) == [str(in_title.pk), str(in_body.pk)]


def test_every_word_must_match_somewhere(world: World, add_text: Callable[..., Document]) -> None:
    both = add_text("Labour mobility partnerships", title={"en": "Pathways"})
    add_text("Labour inspections", title={"en": "Inspections"})
    assert _listed(_search(None, "labour mobility")) == [str(both.pk)]


def test_search_finds_texts_across_languages_with_the_snippet_in_the_reader_language(
    world: World,
    staff: User,
    add_text: Callable[..., Document],
    django_capture_on_commit_callbacks: Any,
) -> None:
    document = add_text(
        "Meeting in Tashkent on return", title={"en": "Return", "ru": "Возвращение"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.add_revision(
            by=staff, document=document, language="ru", upload=text_file("Встреча в Tashkent")
        )
    russian = add_text("Только по-русски: реадмиссия", title={"en": "Readmission"}, language="ru")
    assert str(russian.pk) in _listed(_search(None, "реадмиссия"))
    client = client_for(None)
    page = client.get(LIBRARY, {"q": "Tashkent"}, headers={"accept-language": "ru"})
    text = page.content.decode()
    assert _listed(text) == [str(document.pk)]
    if connection.vendor == "postgresql":  # a snippet per language version
        assert re.search(
            r'<p class="search-snippet" lang="ru"[^>]*>[^<]*Встреча в <mark>Tashkent', text
        )


def test_a_snippet_is_text_never_markup(world: World, add_text: Callable[..., Document]) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> marrakesh'
    add_text("", upload=docx_file(hostile))
    page = _search(None, "marrakesh")
    assert "<script>alert" not in page
    assert "<img src=x" not in page
    # Whatever of the file's text the snippet shows is escaped: no "<" before the mark.
    assert re.search(r'<p class="search-snippet"[^>]*>[^<]*&gt;[^<]*<mark>marrakesh</mark>', page)
    # and takes its own direction: an English text reads left to right in an Arabic page
    assert re.search(r'<p class="search-snippet"[^>]* dir="auto">', page)


def test_results_come_a_page_at_a_time_with_the_count_of_all(
    world: World, add_text: Callable[..., Document]
) -> None:
    for n in range(23):
        add_text(f"Rabat process note {n}", title={"en": f"Note {n}"})
    first = _search(None, "rabat")
    second = _search(None, "rabat", page=2)
    assert "23 documents" in first
    assert (len(_listed(first)), len(_listed(second))) == (20, 3)
    assert not set(_listed(first)) & set(_listed(second))


def test_title_hits_come_first_on_every_page_then_text_hits_best_first(
    world: World, add_text: Callable[..., Document]
) -> None:
    titled = [add_text("Nothing here.", title={"en": f"Tunis pilot {n}"}) for n in range(3)]
    # Text hits, each with the word more often than the one before: the last ranks first.
    in_text = [
        add_text("Tunis cooperation. " * (n + 1) + "Other words " * 40, title={"en": f"Note {n}"})
        for n in range(19)
    ]
    first, second = _search(None, "tunis"), _search(None, "tunis", page=2)
    assert "22 documents" in first
    assert set(_listed(first)[:3]) == {str(d.pk) for d in titled}
    assert _listed(first)[3:] + _listed(second) == [str(d.pk) for d in reversed(in_text)]


def test_a_word_deep_inside_a_long_text_gets_its_snippet(
    world: World, add_text: Callable[..., Document]
) -> None:
    filler = "The meeting reviewed the budget and the calendar of the next year. " * 150
    add_text(filler + "Delegations welcomed the new readmissions framework of Tbilisi. " + filler)
    page = _search(None, "readmission tbilisi")
    assert "1 document" in page
    assert re.search(r"<mark>readmissions</mark> framework of <mark>Tbilisi</mark>", page)


def test_filters_narrow_the_search(
    world: World, staff: User, meeting: Meeting, add_text: Callable[..., Document]
) -> None:
    in_meeting = add_text("Khartoum process cooperation", kind="report")
    general = add_text(
        "Khartoum process cooperation",
        meeting=None,
        kind="concept_note",
        title={"en": "General paper"},
    )
    assert set(_listed(_search(None, "khartoum"))) == {str(in_meeting.pk), str(general.pk)}
    assert _listed(_search(None, "khartoum", kind="report")) == [str(in_meeting.pk)]
    assert _listed(_search(None, "khartoum", body=meeting.body_id)) == [str(in_meeting.pk)]
    assert _listed(_search(None, "khartoum", series="gen")) == [str(general.pk)]
    assert _listed(_search(None, "khartoum", year=in_meeting.year)) == [str(in_meeting.pk)]
    assert _listed(_search(None, "khartoum", year=99999999999)) != []  # unreadable: no filter


def test_a_docx_is_searchable_once_read(world: World, add_text: Callable[..., Document]) -> None:
    add_text("", upload=docx_file("Valletta action plan follow-up"), title={"en": "Follow-up"})
    assert "Follow-up" in _search(None, "valletta")


# --- Nothing of what one may not see -----------------------------------------------------------

SECRET = "zephyrwordinternal"


@pytest.mark.parametrize("marking", ["internal", "participants", "delegations"])
def test_a_word_only_inside_a_restricted_document_gives_no_hit_no_count_no_snippet(
    world: World, add_text: Callable[..., Document], marking: str
) -> None:
    document = add_text(
        f"Confidential annex: {SECRET} negotiating position",
        title={"en": "Annex"},
        marking=marking,
        named_states=[world.state_b] if marking == "delegations" else [],
    )
    from dialogue import permissions

    for role in ROLE_NAMES:
        user = world.people.get(role)
        page = _search(user, SECRET)
        may_see = permissions.can_view_document(user, document)
        if may_see:
            assert f"<mark>{SECRET}</mark>" in page, role
            assert "1 document" in page, role
        else:
            assert _listed(page) == [], role
            assert "No document matches" in page, role
            assert "negotiating position" not in page, role
            typed = page.replace(f'value="{SECRET}"', "").replace(f"q={SECRET}", "")
            assert SECRET not in typed, role  # only where the query is echoed, as typed
