"""Every field a person types comes back as text, and the pages can be used without sight.

The scene is filled through the services with markup that runs script when a page fails to
escape it: the meeting's title, an agenda item, a nominee's name, title and ministry, a
rejection's reason, a document's title and a circulation's message. The secretariat's, the
focal point's and (in Russian) the public's pages are opened in Chromium with the
Content-Security-Policy *bypassed*, so escaping alone must keep the markup inert: no handler
runs, no element is made from it, and the reader sees the characters they typed. On each page,
axe-core (the accessibility engine, from ``tests/js``) finds no serious or critical violation.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
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
from tests.node_tools import node_module

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Each runs script if it reaches the page as markup: it counts on window.__ran.
RUNS = "window.__ran=(window.__ran||0)+1"
PAYLOAD = (
    f"<img src=x onerror={RUNS}><svg onload={RUNS}><script>{RUNS}</script>"
    "\"'><b class=made-from-a-field>bold</b>"
)
# What the reader must see where the field is shown: the characters as typed.
SEEN = "<img src=x onerror="


@dataclass
class Scene:
    staff: User
    focal_point: User
    meeting: Meeting
    nomination: int
    document: int
    circulation: int


def _scene() -> Scene:
    budapest = budapest_with_georgia(acronym="BP")
    staff = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Anna Weber")
    focal_point = budapest.person(
        "nino@example.org", RoleKind.FOCAL_POINT, georgian=True, full_name="Nino Beridze"
    )
    budapest.person("giorgi@example.org", RoleKind.DELEGATE, georgian=True, full_name="Giorgi")
    meeting = budapest.istanbul_som(by=staff, title={"en": f"SOM {PAYLOAD}"})
    agenda.add_item(
        by=staff,
        meeting=meeting,
        title={"en": f"Item {PAYLOAD}"},
        starts_at=START,
        duration_minutes=30,
    )
    agenda.release_agenda(by=staff, meeting=meeting, note=f"First {PAYLOAD}")
    meeting = open_registration(meeting, by=staff)
    nomination = registration.nominate(
        by=focal_point,
        meeting=meeting,
        member=budapest.georgia,
        email="giorgi@example.org",
        category="head_of_delegation",
        full_name=f"Giorgi {PAYLOAD}",
        title=f"Head {PAYLOAD}",
        affiliation=f"Ministry {PAYLOAD}",
    )
    registration.approve(by=staff, nomination=nomination)
    refused = registration.nominate(
        by=focal_point,
        meeting=meeting,
        member=budapest.georgia,
        email="eka@gov.ge",
        category="delegate",
        full_name="Eka Member",
    )
    registration.reject(by=staff, nomination=refused, reason=f"Not eligible {PAYLOAD}")
    document = documents.add_document(
        by=staff,
        dialogue=budapest.dialogue,
        meeting=meeting,
        kind="background_paper",
        title={"en": f"Paper {PAYLOAD}"},
        marking="participants",
        language="en",
        upload=SimpleUploadedFile("paper.pdf", PDF_BYTES),
    )
    circulation = documents.circulate(
        by=staff,
        documents=[document],
        audience="participants",
        message=f"Please read {PAYLOAD}",
        comments_until=START - datetime.timedelta(days=3),
    )
    return Scene(staff, focal_point, meeting, nomination.pk, document.pk, circulation.pk)


def _pages(scene: Scene, delegation: str) -> dict[str, list[str]]:
    m = scene.meeting.pk
    return {
        "staff": [
            f"/meetings/{m}/",
            f"/meetings/{m}/nominations/",
            f"/nominations/{scene.nomination}/",
            delegation,
            f"/meetings/{m}/registration/",
            f"/meetings/{m}/participants/",
            f"/meetings/{m}/statistics/",
            f"/meetings/{m}/check-in/",
            f"/meetings/{m}/agenda/changelog/",
            f"/documents/{scene.document}/",
            "/dialogues/budapest-process/documents/",
            f"/circulations/{scene.circulation}/",
            f"/meetings/{m}/circulations/",
        ],
        "focal_point": [
            f"/meetings/{m}/",
            delegation,
            f"/nominations/{scene.nomination}/",
            "/registrations/",
            "/inbox/",
        ],
        "anonymous (Russian)": ["/", "/meetings/", f"/meetings/{m}/"],
    }


def _check(page: Page, path: str, axe: str) -> list[str]:
    """What is wrong with ``path``: script that ran, elements made of the payload, the payload
    not shown as text where a field is, serious or critical accessibility violations."""
    response = page.goto(path)
    assert response is not None
    assert response.status == 200, path
    page.wait_for_load_state("networkidle")
    problems = []
    ran = page.evaluate("() => window.__ran || 0")
    if ran:
        problems.append(f"{path}: script from a field ran {ran} time(s)")
    made = page.evaluate(
        "() => document.querySelectorAll('img[src=\"x\"], svg[onload], .made-from-a-field').length"
    )
    if made:
        problems.append(f"{path}: {made} element(s) made from a field")
    if SEEN not in page.locator("body").inner_text():
        problems.append(f"{path}: the typed characters are not shown")
    page.evaluate(f"() => {{ {axe} }}")
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return {
                checked: result.passes.length + result.violations.length,
                violations: result.violations
                    .filter((v) => v.impact === "serious" || v.impact === "critical")
                    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3)
                        .map((n) => n.target.join(" ")).join(", ")}`),
            };
        }"""
    )
    assert found["checked"] > 10, f"{path}: axe checked {found['checked']} rules"
    violations = found["violations"]
    problems += [f"{path}: {v}" for v in violations]
    return problems


def test_typed_markup_stays_text_and_pages_pass_axe(
    browser: Any, signed_in_page: Callable[..., Page], asgi_server: Any
) -> None:
    axe = (node_module("axe-core") / "axe.min.js").read_text()
    scene = in_own_thread(_scene)
    people = {"staff": scene.staff, "focal_point": scene.focal_point}
    pages = {role: signed_in_page(user, bypass_csp=True) for role, user in people.items()}
    anonymous = browser.new_context(base_url=asgi_server.url, locale="ru-RU", bypass_csp=True)
    pages["anonymous (Russian)"] = anonymous.new_page()
    errors: list[str] = []
    for page in pages.values():
        page.on("pageerror", lambda error: errors.append(str(error)))
    pages["focal_point"].goto(f"/meetings/{scene.meeting.pk}/delegations/mine/")
    delegation = pages["focal_point"].url.removeprefix(asgi_server.url)

    problems = []
    for role, paths in _pages(scene, delegation).items():
        for path in paths:
            problems += [f"{role} {p}" for p in _check(pages[role], path, axe)]
    assert pages["anonymous (Russian)"].evaluate("() => document.documentElement.lang") == "ru"
    anonymous.close()
    assert problems == []
    assert errors == []
