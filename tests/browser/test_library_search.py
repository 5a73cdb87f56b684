"""In Chromium: the secretariat uploads a Word file through the form; a delegate searches the
library for a word inside it and reads the highlighted snippet; a word only inside an internal
paper finds nothing for them. The knowledge page at desktop and phone width, in English,
Russian and Arabic (screenshots in /tmp/library-search-*.png)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dialogue.models import RoleKind, User
from documents import services
from meetings.models import Meeting
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import budapest_with_georgia
from tests.documents.files import docx_file, text_file

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/library-search-{}.png"  # noqa: S108 - a fixed place to look at the pages


def _scene() -> tuple[User, User, Meeting]:
    budapest = budapest_with_georgia(acronym="BP")
    staff = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Anna Weber")
    delegate = budapest.person(
        "giorgi@example.org", RoleKind.DELEGATE, georgian=True, full_name="Giorgi Kapanadze"
    )
    meeting = budapest.istanbul_som(by=staff, languages=["en", "ru"])
    meeting.announced_at = meeting.created_at
    meeting.save(update_fields=["announced_at"])
    # An internal paper whose text alone holds a word (read as its upload commits).
    services.add_document(
        by=staff,
        dialogue=meeting.dialogue,
        meeting=meeting,
        kind="report",
        title={"en": "Internal report"},
        marking="internal",
        language="en",
        upload=text_file("The zephyrclause stays between us."),
    )
    services.add_document(
        by=staff,
        dialogue=meeting.dialogue,
        meeting=meeting,
        kind="conclusions",
        title={"en": "Istanbul conclusions", "ru": "Стамбульские выводы"},
        marking="public",
        language="ru",
        upload=text_file("Участники одобрили пилотный проект по круговой мобильности."),
    )
    return staff, delegate, meeting


def _fits(page: Page) -> bool:
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    return bool(width <= inner)


def test_upload_a_word_file_then_find_a_word_inside_it_with_its_snippet(
    signed_in_page: Callable[..., Page], browser: Any, asgi_server: Any, tmp_path: Path
) -> None:
    staff, delegate, meeting = in_own_thread(_scene)
    errors: list[str] = []

    editor = signed_in_page(staff)
    editor.goto(f"/meetings/{meeting.pk}/documents/new/")
    editor.get_by_label("Type").select_option("background_paper")
    editor.get_by_label("Title (English)").fill("Pilot projects")
    editor.get_by_label("Public").check()
    editor.get_by_label("Language of the file").select_option("en")
    word_file = tmp_path / "pilots.docx"
    word_file.write_bytes(
        docx_file("The Samarkand pilot on circular mobility\nwas evaluated in 2026.").read()
    )
    editor.locator("input[type=file]").set_input_files(str(word_file))
    editor.get_by_role("button", name="Upload").click()
    expect(editor.locator("h1")).to_contain_text("BP/SOM/2027/3")

    reader = signed_in_page(delegate)
    reader.on("pageerror", lambda error: errors.append(str(error)))
    reader.goto(f"/dialogues/{meeting.dialogue.slug}/documents/")
    reader.get_by_label("Words, title or symbol").fill("samarkand")
    reader.get_by_role("button", name="Search").click()
    row = reader.locator("tr", has_text="Pilot projects")
    expect(row.locator(".search-snippet mark")).to_have_text("Samarkand")
    expect(row.locator(".search-snippet")).to_contain_text("pilot on circular mobility")
    expect(reader.get_by_role("status")).to_have_text("1 document")
    reader.screenshot(path=SCREENSHOTS.format("desktop-en"), full_page=True)
    reader.set_viewport_size({"width": 390, "height": 844})
    assert _fits(reader)
    reader.screenshot(path=SCREENSHOTS.format("phone-en"), full_page=True)

    reader.get_by_label("Words, title or symbol").fill("zephyrclause")
    reader.get_by_role("button", name="Search").click()
    expect(reader.get_by_role("status")).to_have_text("No document matches.")
    expect(reader.locator(".search-snippet")).to_have_count(0)
    assert errors == []

    # The same search in Russian finds the Russian text, the snippet in Russian.
    russian = browser.new_context(base_url=asgi_server.url, locale="ru-RU")
    page = russian.new_page()
    page.goto(f"/dialogues/{meeting.dialogue.slug}/documents/?q=мобильности")
    expect(page.locator(".search-snippet[lang=ru] mark")).to_have_text("мобильности")
    page.screenshot(path=SCREENSHOTS.format("desktop-ru"), full_page=True)
    russian.close()


@pytest.mark.parametrize("locale", ["en-GB", "ru-RU", "ar"])
def test_knowledge_page_reads_at_desktop_and_phone_width(
    browser: Any, asgi_server: Any, locale: str
) -> None:
    _, _, meeting = in_own_thread(_scene)
    context = browser.new_context(base_url=asgi_server.url, locale=locale)
    page = context.new_page()
    page.goto(f"/dialogues/{meeting.dialogue.slug}/knowledge/")
    expect(page.locator("#year-2027 li")).to_have_count(1)
    expect(page.locator("#year-2027 li a[hreflang=ru]")).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text("Internal report")
    language = locale[:2]
    page.screenshot(path=SCREENSHOTS.format(f"knowledge-desktop-{language}"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert _fits(page)
    page.screenshot(path=SCREENSHOTS.format(f"knowledge-phone-{language}"), full_page=True)
    if language == "ar":
        assert page.evaluate("() => document.documentElement.dir") == "rtl"
        page.goto(f"/dialogues/{meeting.dialogue.slug}/documents/?q=conclusions")
        assert _fits(page)
        page.screenshot(path=SCREENSHOTS.format("phone-ar"), full_page=True)
    context.close()
