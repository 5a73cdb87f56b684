"""The Iraqi focal point in Arabic, right to left, in Chromium: signs in, reads the meeting page,
nominates, downloads the Arabic invitation letter; the pages fit a phone (390 px, no sideways
scroll), pass axe-core, start their navigation on the right, and keep a document symbol in its
order inside Arabic text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dialogue.models import RoleKind, User
from documents import services as documents
from documents.models import Document
from meetings import registration
from meetings.models import Meeting, Nomination
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import budapest_with_georgia, open_registration
from tests.documents.conftest import pdf
from tests.factories import MembershipFactory, RoleFactory, StateFactory, UserFactory
from tests.meetings.test_pdf import page_texts
from tests.node_tools import node_module

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


@dataclass
class Scene:
    staff: User
    focal_point: User
    meeting: Meeting
    document: Document


def _scene() -> Scene:
    budapest = budapest_with_georgia(languages=["en", "ru", "ar"])
    iraq = StateFactory.create(code="IQ", name_i18n={"en": "Iraq", "ru": "Ирак", "ar": "العراق"})
    MembershipFactory.create(dialogue=budapest.dialogue, state=iraq)
    staff = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Anna Weber")
    focal_point = UserFactory.create(
        email="fp.iraq@example.org", full_name="Ahmed Al-Hasani", preferred_language="ar"
    )
    RoleFactory.create(
        user=focal_point, dialogue=budapest.dialogue, kind=RoleKind.FOCAL_POINT, state=iraq
    )
    meeting = budapest.istanbul_som(by=staff, languages=["en", "ru", "ar"])
    meeting = open_registration(meeting, by=staff)
    document = documents.add_document(
        by=staff,
        dialogue=budapest.dialogue,
        meeting=meeting,
        kind="background_paper",
        title={"en": "Legal migration pathways"},
        marking="public",
        language="en",
        upload=pdf("paper"),
    )
    return Scene(staff, focal_point, meeting, document)


def _approve(email: str, staff: User) -> Nomination:
    nomination = Nomination.objects.get(email=email)
    return registration.approve(by=staff, nomination=nomination)


def _sideways(page: Page) -> list[str]:
    """Nothing when the page fits its width; else the elements that stick out of it."""
    return list(
        page.evaluate(
            """() => {
                const root = document.documentElement;
                if (root.scrollWidth <= root.clientWidth) return [];
                return [...document.querySelectorAll("body *")]
                    .filter((e) => {
                        const box = e.getBoundingClientRect();
                        return box.width && (box.left < 0 || box.right > root.clientWidth);
                    })
                    .slice(0, 5)
                    .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${e.id}`);
            }"""
        )
    )


def _axe_problems(page: Page, axe: str) -> list[str]:
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
    assert found["checked"] > 10
    return [str(v) for v in found["violations"]]


def test_iraqi_focal_point_nominates_and_gets_an_arabic_letter_right_to_left(
    signed_in_page: Callable[..., Page], asgi_server: Any
) -> None:
    scene = in_own_thread(_scene)
    errors: list[str] = []
    page = signed_in_page(scene.focal_point, bypass_csp=True)
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto("/")
    assert page.evaluate("() => document.documentElement.lang") == "ar"
    assert page.evaluate("() => document.documentElement.dir") == "rtl"
    # The header starts on the right: the platform's name is the rightmost item, and the
    # first link of the main navigation lies to the right of the last one.
    width = page.viewport_size["width"] if page.viewport_size else 1280
    brand = page.locator(".site-header .brand").bounding_box()
    links = page.locator("nav .nav > li")
    first = links.first.bounding_box()
    last = links.last.bounding_box()
    assert brand is not None
    assert first is not None
    assert last is not None
    assert brand["x"] + brand["width"] > width * 0.8
    assert first["x"] > last["x"]
    expect(page.locator("#language-select option[value=ar]")).to_have_text("العربية")

    page.goto(f"/meetings/{scene.meeting.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("SOM Istanbul")
    page.goto(f"/meetings/{scene.meeting.pk}/delegations/mine/")
    page.locator("#id_email").fill("ahmed@gov.iq")
    page.locator("#id_full_name").fill("Ahmed Al-Hasani")
    page.locator("#id_full_name__ar").fill("أحمد الحسني")
    page.locator("#id_category").select_option("head_of_delegation")
    assert page.locator("#id_language").input_value() == "ar"  # the interface's language
    page.locator(".nominee-form button[type=submit]").click()
    expect(page.locator(".message-success")).to_be_visible()

    nomination = in_own_thread(lambda: _approve("ahmed@gov.iq", scene.staff))
    response = page.request.get(f"/nominations/{nomination.pk}/letters/invitation.pdf")
    assert response.status == 200
    lines = [line.strip() for text in page_texts(response.body()) for line in text.splitlines()]
    assert "رسالة دعوة" in lines
    assert "أحمد الحسني" in lines
    assert errors == []


def test_arabic_pages_fit_a_phone_pass_axe_and_keep_symbols_in_order(
    signed_in_page: Callable[..., Page], asgi_server: Any
) -> None:
    scene = in_own_thread(_scene)
    axe = (node_module("axe-core") / "axe.min.js").read_text()
    page = signed_in_page(scene.focal_point, bypass_csp=True)
    paths = [
        "/",
        "/meetings/",
        f"/meetings/{scene.meeting.pk}/",
        f"/meetings/{scene.meeting.pk}/delegations/mine/",
        "/dialogues/budapest-process/documents/",
        f"/documents/{scene.document.pk}/",
        "/profile/",
    ]
    problems: list[str] = []
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 844})
        for path in paths:
            response = page.goto(path)
            assert response is not None
            assert response.status == 200, path
            assert page.evaluate("() => document.documentElement.dir") == "rtl", path
            if sticking_out := _sideways(page):
                problems.append(f"{path} scrolls sideways at {width} px: {sticking_out}")
            if width == 1280:
                problems += [f"{path}: {p}" for p in _axe_problems(page, axe)]
    assert problems == []

    # The symbol inside the Arabic page reads left to right, character by character.
    page.set_viewport_size({"width": 1280, "height": 844})
    page.goto(f"/documents/{scene.document.pk}/")
    symbol = scene.document.symbol
    lefts = page.evaluate(
        """() => {
            const node = document.querySelector("h1 .symbol bdi").firstChild;
            const lefts = [];
            for (let i = 0; i < node.length; i++) {
                const range = document.createRange();
                range.setStart(node, i);
                range.setEnd(node, i + 1);
                lefts.push(range.getBoundingClientRect().left);
            }
            return lefts;
        }"""
    )
    assert len(lefts) == len(symbol)
    assert lefts == sorted(lefts), f"{symbol} is not drawn left to right"
