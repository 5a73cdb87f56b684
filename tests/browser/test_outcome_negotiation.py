"""Negotiating conclusions in Chromium: the secretariat releases Rev.1; Georgia and Moldova
comment on paragraphs (the secretariat's open page shows each comment live); the secretariat
releases Rev.2 taking up Georgia's comment and reads the diff; puts Rev.2 under silence; Georgia
objects and the secretariat's page shows it live; the silence is withdrawn, Rev.3 goes under
silence and is adopted when its time passes (the worker runs a few seconds later)."""

from __future__ import annotations

import datetime
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dialogue.models import RoleKind, User
from meetings.models import Outcome
from meetings.outcomes import negotiation, silence
from meetings.outcomes import services as outcomes
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import LIVE, budapest_with_georgia
from tests.factories import MembershipFactory, RoleFactory, StateFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

TEXT_1 = (
    "The participants met in Istanbul.\n\n"
    "They agree to exchange data on routes.\n\n"
    "They will meet again in 2028."
)
TEXT_2 = (
    "The participants met in Istanbul.\n\n"
    "They will meet again in 2028.\n\n"
    "They agree to exchange data on migration routes."
)


def _scene() -> tuple[User, User, User, Outcome]:
    budapest = budapest_with_georgia()
    staff = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF)
    georgia = budapest.person("nino@example.org", RoleKind.FOCAL_POINT, georgian=True)
    moldova = StateFactory.create(code="MD", name_i18n={"en": "Republic of Moldova"})
    MembershipFactory.create(dialogue=budapest.dialogue, state=moldova)
    moldovan = UserFactory.create(email="ion@example.org")
    RoleFactory.create(
        user=moldovan, dialogue=budapest.dialogue, kind=RoleKind.FOCAL_POINT, state=moldova
    )
    meeting = budapest.istanbul_som(by=staff)
    outcome = outcomes.draft_outcome(
        by=staff,
        meeting=meeting,
        kind="conclusions",
        title={"en": "Istanbul conclusions"},
        text={"en": TEXT_1},
    )
    return staff, georgia, moldovan, outcome


def _comment(page: Page, url: str, paragraph: str, text: str) -> None:
    page.goto(url)
    page.get_by_label("On paragraph").fill(paragraph)
    page.locator("#id_text").fill(text)
    page.get_by_role("button", name="Send to the secretariat").click()
    expect(page.locator(".message-success")).to_contain_text("Your comment was sent")


def test_secretariat_negotiates_conclusions_to_adoption_by_silence(
    signed_in_page: Callable[[User], Page], asgi_server: Any
) -> None:
    staff, georgia, moldovan, outcome = in_own_thread(_scene)
    url = f"/outcomes/{outcome.pk}/"
    errors: list[str] = []
    desk = signed_in_page(staff)
    desk.on("pageerror", lambda error: errors.append(str(error)))
    desk.goto(url)
    desk.get_by_label("What changed (the changelog)").fill("Zero draft")
    desk.get_by_role("button", name="Release the revision").click()
    expect(desk.locator(".message-success")).to_contain_text("Rev.1 was released.")
    desk.wait_for_function(LIVE)

    # Two focal points comment on paragraphs; the secretariat's page shows each one live.
    georgian = signed_in_page(georgia)
    _comment(georgian, url, "2", "Say migration routes.")
    expect(desk.locator("#comments-GE")).to_contain_text("Say migration routes.")
    expect(desk.locator("#comments-GE")).to_contain_text("Rev.1, paragraph 2")
    _comment(signed_in_page(moldovan), url, "3", "2028 is late.")
    expect(desk.locator("#comments-MD")).to_contain_text("2028 is late.")
    assert desk.evaluate("() => document.querySelector('#outcome-comments-section') !== null")

    # Rev.2 takes up Georgia's comment; the diff shows the move and the word added.
    in_own_thread(lambda: outcomes.change_outcome(by=staff, outcome=outcome, text={"en": TEXT_2}))
    desk.goto(url)
    desk.get_by_label("Georgia · Rev.1, paragraph 2").check()
    desk.get_by_label("What changed (the changelog)").fill("Georgia's wording; meeting moved up")
    desk.get_by_role("button", name="Release the revision").click()
    expect(desk.locator(".message-success")).to_contain_text("Rev.2 was released.")
    expect(desk.locator("#rev-2")).to_contain_text("Takes up: Georgia")
    desk.get_by_role("link", name="compare with Rev.1").click()
    expect(desk.locator("#diff")).to_contain_text("Paragraph 3: moved from 2")
    expect(desk.locator("#diff ins")).to_have_text("migration ")
    desk.screenshot(path="/tmp/outcome-diff.png", full_page=True)  # noqa: S108 - to look at

    # Rev.2 under silence until tomorrow (Istanbul time); Georgia objects; the desk sees it live.
    tomorrow = (timezone.now() + datetime.timedelta(days=1)).astimezone(
        datetime.timezone(datetime.timedelta(hours=3))
    )
    desk.goto(url)
    desk.get_by_label("Silence until (local time of the meeting)").fill(
        tomorrow.strftime("%Y-%m-%dT%H:%M")
    )
    desk.get_by_role("button", name="Put Rev.2 under silence").click()
    expect(desk.locator(".message-success")).to_contain_text("Rev.2 is under silence until")
    desk.wait_for_function(LIVE)
    georgian.goto(url)
    georgian.locator("#id_objection-text").fill("Paragraph 3 is not agreed.")
    georgian.get_by_role("button", name="Object").click()
    expect(georgian.locator(".message-success")).to_contain_text("the silence is broken")
    expect(desk.locator("#silence")).to_contain_text("Silence broken by: Georgia", timeout=5_000)
    expect(desk.locator("#silence")).to_contain_text("Paragraph 3 is not agreed.")

    # Withdrawn with a reason; Rev.3 under silence a few seconds; adopted when the time passes.
    desk.locator("#id_withdraw-reason").fill("Rev.3 answers Georgia")
    desk.get_by_role("button", name="Withdraw the silence").click()
    expect(desk.locator(".message-success")).to_contain_text("The silence was withdrawn.")
    in_own_thread(
        lambda: outcomes.change_outcome(
            by=staff, outcome=outcome, text={"en": TEXT_2 + "\n\nParagraph 3 is agreed."}
        )
    )
    desk.goto(url)
    desk.get_by_role("button", name="Release the revision").click()
    expect(desk.locator(".message-success")).to_contain_text("Rev.3 was released.")
    desk.wait_for_function(LIVE)
    deadline = timezone.now() + datetime.timedelta(seconds=3)
    in_own_thread(lambda: silence.start(by=staff, outcome=outcome, deadline=deadline))
    expect(desk.locator("#silence")).to_contain_text("Under silence", timeout=5_000)
    desk.wait_for_function(LIVE)
    time.sleep(max(0.0, (deadline - timezone.now()).total_seconds()) + 0.2)
    assert in_own_thread(silence.conclude_due) == 1
    expect(desk.locator("#outcome-status")).to_have_text("Adopted", timeout=5_000)
    expect(desk.locator("#silence")).to_contain_text("Adopted by silence")
    desk.screenshot(path="/tmp/outcome-adopted.png", full_page=True)  # noqa: S108 - to look at
    assert errors == []


@pytest.mark.parametrize("language", ["ru", "ar"])
def test_outcome_pages_fit_a_phone_in_russian_and_arabic(
    signed_in_page: Callable[..., Page], asgi_server: Any, language: str
) -> None:
    def scene() -> tuple[User, User, Outcome]:
        staff, georgia, _moldovan, outcome = _scene()
        for person in (staff, georgia):
            person.preferred_language = language
            person.save(update_fields=["preferred_language"])
        negotiation.release_revision(by=staff, outcome=outcome, note="Zero draft")
        outcomes.comment(
            by=georgia, outcome=outcome, state=georgia.roles.get().state, text="Ok", paragraph=2
        )
        outcomes.change_outcome(by=staff, outcome=outcome, text={"en": TEXT_2})
        negotiation.release_revision(by=staff, outcome=outcome)
        silence.start(
            by=staff, outcome=outcome, deadline=timezone.now() + datetime.timedelta(days=1)
        )
        return staff, georgia, outcome

    staff, georgia, outcome = in_own_thread(scene)
    for who, path, name in (
        (staff, f"/outcomes/{outcome.pk}/", "desk"),
        (georgia, f"/outcomes/{outcome.pk}/", "focal-point"),
        (georgia, f"/outcomes/{outcome.pk}/diff/", "diff"),
    ):
        page = signed_in_page(who, viewport={"width": 390, "height": 800})
        page.goto(path)
        assert page.evaluate("() => document.documentElement.lang") == language
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"), (
            f"{name} scrolls sideways at 390 px in {language}"
        )
        page.screenshot(path=f"/tmp/outcome-{name}-{language}-390.png", full_page=True)  # noqa: S108
