"""Every page fits a phone: at 390 px wide no page scrolls sideways as a whole.

The pages of each role (the secretariat, a focal point, a delegate and a visitor) are opened in
Chromium at the width of a common phone (390 CSS px) with a scene full of what makes pages wide:
long names and ministries, long addresses, wide tables (the review queue, receipts, lists of
participants, statistics, the library). A table may scroll inside its own box; the page may not.
The secretariat's admin pages are left out: they are a desk tool.
"""

from __future__ import annotations

import datetime
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
