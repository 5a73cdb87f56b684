"""Every page fits a phone: at 390 px wide no page scrolls sideways as a whole.

The pages of each role (the secretariat, a focal point, a delegate and a visitor) are opened in
Chromium at the width of a common phone (390 CSS px) with a scene full of what makes pages wide:
long names and ministries, long addresses, wide tables (the review queue, receipts, lists of
participants, statistics, the library). A table may scroll inside its own box; the page may not.
The secretariat's admin pages are left out: they are a desk tool.
"""

from __future__ import annotations

import datetime
import itertools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import Page

from dialogue.models import RoleKind, User
from documents import services as documents
from meetings import agenda, registration
from meetings.models import Meeting
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import START, budapest_with_georgia, open_registration
from tests.documents.conftest import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SHOTS = os.environ.get("PHONE_SCREENSHOTS", "")
LONG_MINISTRY = "Ministry of Internal Affairs, Department of Migration and Border Management"

# The element that sticks out furthest (for the message when a page is too wide).
WIDEST = """() => {
  const limit = window.innerWidth;
  // Inside a box that scrolls by itself (its containing block chain), an element is fine.
  const clipped = (el) => {
    for (let up = el.offsetParent ? el.parentElement : null; up && up !== document.body;
         up = up.parentElement) {
      if (getComputedStyle(up).overflowX !== "visible") return true;
    }
    return false;
  };
  let worst = null, right = limit;
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.right > right + 0.5 && !clipped(el)) { right = box.right; worst = el; }
  }
  if (!worst) return "";
  const classes = typeof worst.className === "string" ? worst.className.trim() : "";
  const name = worst.tagName.toLowerCase() + (worst.id ? "#" + worst.id : "")
    + (classes ? "." + classes.split(/\\s+/).join(".") : "");
  return `${name} reaches ${Math.round(right)}px: ${worst.textContent.trim().slice(0, 60)}`;
}"""


@dataclass
class Scene:
    staff: User
    focal_point: User
    delegate: User
    meeting: Meeting
    nomination: int
    document: int
    circulation: int


def _scene() -> Scene:
    budapest = budapest_with_georgia(acronym="BP")
    staff = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Anna Weber")
    focal_point = budapest.person(
        "nino.beridze-kvaratskhelia@mfa.gov.ge",
        RoleKind.FOCAL_POINT,
        georgian=True,
        full_name="Nino Beridze-Kvaratskhelia",
    )
    delegate = budapest.person(
        "giorgi.tsereteli-abashidze@migration.gov.ge",
        RoleKind.DELEGATE,
        georgian=True,
        full_name="Giorgi Tsereteli-Abashidze",
    )
    meeting = budapest.istanbul_som(
        by=staff,
        title={"en": "Senior Officials' Meeting on Return, Readmission and Reintegration"},
        venue_name="Conference Centre of the Ministry of Interior",
        city={"en": "Istanbul"},
    )
    for hour, title in enumerate(
        ["Opening and adoption of the agenda", "Readmission cooperation: state of play", "Lunch"]
    ):
        agenda.add_item(
            by=staff,
            meeting=meeting,
            title={"en": title},
            starts_at=START + datetime.timedelta(hours=hour),
            duration_minutes=50,
            presenter_name="Ambassador Extraordinary and Plenipotentiary",
        )
    agenda.release_agenda(by=staff, meeting=meeting, note="First version")
    meeting = open_registration(meeting, by=staff, funded_seats=2)
    nomination = registration.nominate(
        by=focal_point,
        meeting=meeting,
        member=budapest.georgia,
        email="giorgi.tsereteli-abashidze@migration.gov.ge",
        category="head_of_delegation",
        full_name="Giorgi Tsereteli-Abashidze",
        title="Deputy Head of the Migration Department",
        affiliation=LONG_MINISTRY,
    )
    registration.approve(by=staff, nomination=nomination)
    registration.nominate(
        by=focal_point,
        meeting=meeting,
        member=budapest.georgia,
        email="ekaterine.kobakhidze-chkheidze@mia.gov.ge",
        category="delegate",
        full_name="Ekaterine Kobakhidze-Chkheidze",
        affiliation=LONG_MINISTRY,
    )
    document = documents.add_document(
        by=staff,
        dialogue=budapest.dialogue,
        meeting=meeting,
        kind="background_paper",
        title={
            "en": "Background paper on the implementation of readmission agreements in the region"
        },
        marking="participants",
        language="en",
        upload=SimpleUploadedFile("paper.pdf", PDF_BYTES),
    )
    circulation = documents.circulate(
        by=staff,
        documents=[document],
        audience="participants",
        message="Please read before the meeting.",
        comments_until=START - datetime.timedelta(days=3),
    )
    return Scene(staff, focal_point, delegate, meeting, nomination.pk, document.pk, circulation.pk)


def _pages(scene: Scene, delegation: str) -> dict[str, list[str]]:
    m = scene.meeting.pk
    dialogue = "/dialogues/budapest-process"
    return {
        "secretariat": [
            "/",
            f"{dialogue}/",
            f"{dialogue}/meetings/",
            "/meetings/",
            f"/meetings/{m}/",
            f"/meetings/{m}/agenda/",
            f"/meetings/{m}/agenda/draft/",
            f"/meetings/{m}/agenda/changelog/",
            f"/meetings/{m}/nominations/",
            f"/nominations/{scene.nomination}/",
            delegation,
            f"/meetings/{m}/registration/",
            f"/meetings/{m}/participants/",
            f"/meetings/{m}/statistics/",
            f"{dialogue}/statistics/",
            f"/meetings/{m}/check-in/",
            f"/documents/{scene.document}/",
            f"{dialogue}/documents/",
            f"/circulations/{scene.circulation}/",
            f"/meetings/{m}/circulations/",
            "/inbox/",
            "/invitations/",
            "/profile/",
        ],
        "focal point": [
            "/",
            f"{dialogue}/",
            f"/meetings/{m}/",
            delegation,
            f"/nominations/{scene.nomination}/",
            f"/meetings/{m}/participants/",
            f"{dialogue}/documents/",
            f"/documents/{scene.document}/",
            "/registrations/",
            "/inbox/",
            "/calendar/",
            "/profile/",
        ],
        "delegate": [
            "/",
            f"{dialogue}/",
            f"/meetings/{m}/",
            f"/meetings/{m}/agenda/",
            "/registrations/",
            f"{dialogue}/documents/",
            f"/documents/{scene.document}/",
            "/inbox/",
            "/profile/",
        ],
        "visitor": ["/", f"{dialogue}/", "/meetings/", f"/meetings/{m}/", "/accounts/login/"],
    }


def _too_wide(page: Page, path: str, role: str) -> str:
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    if SHOTS:  # PHONE_SCREENSHOTS=<folder>: a full-page picture of each, to look at
        name = f"{role}{path}".replace(" ", "-").strip("/").replace("/", "_") or "home"
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)
    width, inner = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    if width <= inner:
        return ""
    return f"{path}: {width}px wide in {inner}px ({page.evaluate(WIDEST)})"


def test_every_roles_pages_fit_a_phone(
    browser: Any, signed_in_page: Callable[..., Page], asgi_server: Any
) -> None:
    scene = in_own_thread(_scene)
    people = {
        "secretariat": scene.staff,
        "focal point": scene.focal_point,
        "delegate": scene.delegate,
    }
    pages = {role: signed_in_page(user, viewport=PHONE) for role, user in people.items()}
    visitor = browser.new_context(base_url=asgi_server.url, locale="en-GB", viewport=PHONE)
    pages["visitor"] = visitor.new_page()
    pages["focal point"].goto(f"/meetings/{scene.meeting.pk}/delegations/mine/")
    delegation = pages["focal point"].url.removeprefix(asgi_server.url)
    assert "/delegations/" in delegation
    assert "mine" not in delegation

    problems = []
    for role, paths in _pages(scene, delegation).items():
        for path in paths:
            problem = _too_wide(pages[role], path, role)
            if problem:
                problems.append(f"{role} {problem}")
    visitor.close()
    assert problems == []


# --- Tables: stacked on a phone, words whole on a desktop ----------------------------------------

DESKTOP = {"width": 1280, "height": 900}
LONG_ACTION = (
    "Share national data on return, readmission and reintegration for the annual report, "
    "broken down by country of origin, age group and type of return, with the sources used "
    "and the contact of the responsible unit in the ministry, before the next meeting of the "
    "senior officials; the secretariat compiles the replies into one overview for the donors"
)

# Each stacked cell: where its label (the ``::before``) and its first element stand.
STACKED_CELLS = """(table) => [...table.querySelectorAll("tbody tr")].map((row) =>
  [...row.children].map((cell) => {
    const box = cell.getBoundingClientRect();
    const first = cell.firstElementChild ? cell.firstElementChild.getBoundingClientRect() : null;
    return {
      label: cell.dataset.label,
      shown: getComputedStyle(cell, "::before").content,
      top: box.top, bottom: box.bottom, left: box.left, right: box.right,
      firstLeft: first ? first.left : null, firstRight: first ? first.right : null,
    };
  }))"""

# The ordinary words (letters only, outside addresses and symbols) of the table's cells that
# the browser split across lines.
SPLIT_WORDS = """(table) => {
  const split = [];
  for (const cell of table.querySelectorAll("td")) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      // addresses and symbols are tokens: they may break anywhere
      if (node.parentElement.closest('bdi[dir="ltr"], a[href^="mailto:"]')) continue;
      for (const match of node.textContent.matchAll(/\\p{L}{3,}/gu)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
        if (tops.size > 1) split.push(match[0]);
      }
    }
  }
  return split;
}"""

# Cells whose content sticks out of them, and how far the table reaches past its box.
OVERFLOW = """(table) => {
  const box = table.parentElement.getBoundingClientRect();
  const cells = [...table.querySelectorAll("td")]
    .filter((cell) => cell.scrollWidth > cell.clientWidth + 1)
    .map((cell) => cell.textContent.trim().slice(0, 40));
  return {cells, past: Math.round(table.getBoundingClientRect().right - box.right)};
}"""


@dataclass
class TableScene:
    staff: User
    readers: dict[str, User]  # a focal point of Georgia reading in each language
    meeting: Meeting


def _table_scene() -> TableScene:
    from dialogue.models import State
    from meetings import outcomes

    budapest = budapest_with_georgia(acronym="ECE", languages=["en", "ru", "ar"])
    staff = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Anna Weber")
    readers = {
        language: budapest.person(
            f"focal.point.{language}@mfa.gov.ge",
            RoleKind.FOCAL_POINT,
            georgian=True,
            full_name=f"Focal Point {language}",
            preferred_language=language,
        )
        for language in ("en", "ru", "ar")
    }
    meeting = budapest.istanbul_som(
        by=staff,
        title={"en": "Senior Officials' Meeting on Return, Readmission and Reintegration"},
        languages=["en", "ru", "ar"],
    )
    meeting = open_registration(meeting, by=staff)
    for series, title in (("TRANS", "Background paper on readmission"), ("INF", "Logistics")):
        documents.add_document(
            by=staff,
            dialogue=budapest.dialogue,
            meeting=meeting,
            series=series,
            kind="background_paper",
            title={"en": title},
            marking="public",
            language="en",
            upload=SimpleUploadedFile("paper.pdf", PDF_BYTES),
        )
    for email, name in (
        ("giorgi.tsereteli-abashidze@migration-department.mia.gov.ge", "Giorgi Tsereteli"),
        ("ekaterine.kobakhidze-chkheidze@internal-affairs.mia.gov.ge", "Ekaterine Kobakhidze"),
    ):
        nominated = registration.nominate(
            by=readers["en"],
            meeting=meeting,
            member=budapest.georgia,
            email=email,
            category="delegate",
            full_name=name,
            affiliation=LONG_MINISTRY,
        )
        registration.approve(by=staff, nomination=nominated)
    georgia = State.objects.get(code="GE")
    for text in (LONG_ACTION, "Host a study visit on legal migration pathways"):
        outcomes.add_action_point(
            by=staff,
            meeting=meeting,
            text={"en": text},
            owner_state=georgia,
            due_on=(START + datetime.timedelta(days=60)).date(),
        )
    return TableScene(staff, readers, meeting)


def test_meeting_page_tables_stack_on_a_phone_in_each_language(
    signed_in_page: Callable[..., Page],
) -> None:
    """At 390 px the documents and the action points stand row by row, each value after its
    column's name (right of it in Arabic), with nothing to scroll sideways; a screen reader
    still has a table with its column headers, and reads each value without the name again."""
    scene = in_own_thread(_table_scene)
    headers = {
        "en": ["Symbol", "Title", "Type", "Distribution", "Languages"],
        "ru": ["Обозначение", "Заголовок", "Тип", "Рассылка", "Языки"],
        "ar": ["الرمز", "العنوان", "النوع", "التوزيع", "اللغات"],
    }
    for language, reader in scene.readers.items():
        page = signed_in_page(reader, viewport=PHONE)
        page.goto(f"/meetings/{scene.meeting.pk}/")
        assert page.evaluate("() => document.documentElement.lang") == language
        problem = _too_wide(page, f"/meetings/{scene.meeting.pk}/", language)
        assert problem == ""
        documents_table = page.locator("#documents table")
        points_table = page.locator("#outcomes table")
        for table in (documents_table, points_table):
            assert table.evaluate("(t) => t.scrollWidth <= t.clientWidth")
            rows = table.evaluate(STACKED_CELLS)
            assert len(rows) == 2
            for cells in rows:
                # one below the other, each with its column's name before it
                assert all(a["bottom"] <= b["top"] + 1 for a, b in itertools.pairwise(cells))
                assert all(cell["shown"].startswith(f'"{cell["label"]}"') for cell in cells)
        symbol = documents_table.evaluate(STACKED_CELLS)[0][0]
        assert symbol["label"] == headers[language][0]
        if language == "ar":  # the name on the right, the value to its left
            assert symbol["firstRight"] < symbol["right"] - 20
        else:
            assert symbol["firstLeft"] > symbol["left"] + 20
        # What a screen reader gets (Chromium's own accessibility tree): still a table, its
        # column headers in the reader's language, each cell's value without the name.
        tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")["nodes"]

        def named(role: str, tree: list[dict[str, Any]] = tree) -> list[str]:
            return [
                n.get("name", {}).get("value", "")
                for n in tree
                if n.get("role", {}).get("value") == role
            ]

        assert len(named("table")) == 2
        assert set(headers[language]) <= set(named("columnheader"))
        assert "Host a study visit on legal migration pathways" in named("cell")


def test_table_words_stay_whole_and_tokens_fit_on_a_desktop(
    signed_in_page: Callable[..., Page],
) -> None:
    """At 1280 px a narrow column (the action point's owner beside a long action) keeps its
    words whole, in each language; the long e-mail addresses of the list of participants and
    the document symbols stay inside their cells and the table inside its box."""
    scene = in_own_thread(_table_scene)
    for language, reader in scene.readers.items():
        page = signed_in_page(reader, viewport=DESKTOP)
        page.goto(f"/meetings/{scene.meeting.pk}/")
        for selector in ("#documents table", "#outcomes table"):
            table = page.locator(selector)
            assert table.evaluate(SPLIT_WORDS) == [], (language, selector)
            overflow = table.evaluate(OVERFLOW)
            assert overflow["cells"] == [], (language, selector)
            assert overflow["past"] <= 0, (language, selector)
    staff = signed_in_page(scene.staff, viewport=DESKTOP)
    staff.goto(f"/meetings/{scene.meeting.pk}/participants/?full=1")
    assert staff.get_by_text("ekaterine.kobakhidze-chkheidze@internal-affairs.mia.gov.ge").count()
    for table in staff.locator("main table").all():
        overflow = table.evaluate(OVERFLOW)
        assert overflow["cells"] == []
        assert overflow["past"] <= 0
        assert table.evaluate(SPLIT_WORDS) == []


def test_delegation_and_participant_tables_stack_on_a_phone(
    signed_in_page: Callable[..., Page],
) -> None:
    """The delegation's quota and nominees, and the participant list that the focal point reads
    their own delegation's entries in full (eleven columns): on a phone each row stands as a
    block, each value after its column's name, with nothing to scroll sideways, in a left to
    right and a right to left language."""
    scene = in_own_thread(_table_scene)
    labels = {"en": ("Seats", "E-mail"), "ar": ("المقاعد", "البريد الإلكتروني")}
    for language in ("en", "ar"):
        page = signed_in_page(scene.readers[language], viewport=PHONE)
        page.goto(f"/meetings/{scene.meeting.pk}/delegations/mine/")
        delegation = page.url.split("://", 1)[1].split("/", 1)[1]
        participants = f"/meetings/{scene.meeting.pk}/participants/"
        for path, selector, expected_rows in (
            (f"/{delegation}", "#quota table", 1),
            (f"/{delegation}", "#nominations table", 2),
            (participants, "table.participants", 2),
        ):
            assert _too_wide(page, path, language) == ""
            table = page.locator(selector)
            assert table.evaluate("(t) => t.scrollWidth <= t.clientWidth"), (path, selector)
            rows = table.evaluate(STACKED_CELLS)
            assert len(rows) == expected_rows, (path, selector)
            for cells in rows:
                shown = [c for c in cells if c["bottom"] > c["top"]]
                assert all(a["bottom"] <= b["top"] + 1 for a, b in itertools.pairwise(shown))
                labelled = [c for c in shown if c["label"]]
                assert labelled, (path, selector)
                assert all(c["shown"].startswith(f'"{c["label"]}"') for c in labelled)
        assert labels[language][0] in page.goto(f"/{delegation}").text()
        assert labels[language][1] in page.goto(participants).text()
