"""Charts, maps and the live desk in Chromium.

- The statistics pages draw their charts and the dialogue's page and the public list of
  participants their maps; axe-core finds no serious or critical violation on any of them; the
  map's states are reached with the Tab key and named under the map when focused; at 390 px no
  page scrolls sideways. Screenshots of each page at desktop and phone width in English,
  Russian and Arabic are written to /tmp/h19-shots/ to be looked at.
- The live desk: a focal point nominates, the secretariat approves and checks the delegate in,
  and the desk's counters follow without a reload, also across a drop of the network.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from dialogue.models import Membership, RoleKind, User
from meetings import registration
from meetings.models import Meeting, Nomination
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import LIVE, budapest_with_georgia, open_registration
from tests.factories import MembershipFactory, StateFactory
from tests.node_tools import node_module

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]
SHOTS = Path("/tmp/h19-shots")  # noqa: S108 - a place to look at the screenshots


def _scene() -> tuple[User, User, Meeting, list[Nomination]]:
    budapest = budapest_with_georgia(languages=["en", "ru", "ar"])
    for code, en, ru, ar, kind in (
        ("RS", "Serbia", "Сербия", "صربيا", Membership.Kind.PARTICIPATING),
        ("XK", "Kosovo", "Косово", "كوسوفو", Membership.Kind.PARTICIPATING),
        ("IQ", "Iraq", "Ирак", "العراق", Membership.Kind.PARTICIPATING),
        ("TR", "Türkiye", "Турция", "تركيا", Membership.Kind.OBSERVER),
    ):
        state = StateFactory.create(code=code, name_i18n={"en": en, "ru": ru, "ar": ar})
        MembershipFactory.create(dialogue=budapest.dialogue, state=state, kind=kind)
    staff = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Anna Weber")
    focal_point = budapest.person(
        "fp@gov.ge", RoleKind.FOCAL_POINT, georgian=True, full_name="Levan Focal"
    )
    today = timezone.now().replace(microsecond=0)
    meeting = open_registration(
        budapest.istanbul_som(
            by=staff,
            starts_at=today - datetime.timedelta(hours=1),
            ends_at=today + datetime.timedelta(hours=8),
            languages=["en", "ru", "ar"],
        ),
        by=staff,
        funded_seats=1,
    )
    iraq = budapest.dialogue.memberships.get(state__code="IQ").state
    nominations = []
    for member, email, name, category in (
        (budapest.georgia, "nino@gov.ge", "Nino Beridze", "head_of_delegation"),
        (budapest.georgia, "giorgi@gov.ge", "Giorgi Kapanadze", "delegate"),
        (iraq, "ali@gov.iq", "Ali Hassan", "head_of_delegation"),
    ):
        nomination = registration.nominate(
            by=staff,
            meeting=meeting,
            member=member,
            email=email,
            category=category,
            full_name=name,
            gender="female" if name.startswith("Nino") else "male",
            listed_publicly=True,
        )
        nominations.append(registration.approve(by=staff, nomination=nomination))
    registration.check_in(by=staff, meeting=meeting, token=nominations[0].checkin_token)
    return staff, focal_point, meeting, nominations


def _axe(page: Page, axe: str) -> list[str]:
    page.evaluate(f"() => {{ {axe} }}")
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
                .filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3)
                    .map((n) => n.target.join(" ")).join(", ")}`);
        }"""
    )
    return [f"{page.url}: {v}" for v in found]


def _set_language(user: User, language: str) -> None:
    User.objects.filter(pk=user.pk).update(preferred_language=language)


def test_charts_and_maps_render_pass_axe_and_the_map_is_keyboard_reachable(
    signed_in_page: Callable[..., Page],
) -> None:
    staff, _fp, meeting, _nominations = in_own_thread(_scene)
    axe = (node_module("axe-core") / "axe.min.js").read_text()
    year = meeting.starts_at.astimezone(meeting.zone).year
    pages = {
        "statistics": f"/meetings/{meeting.pk}/statistics/",
        "dialogue-statistics": f"/dialogues/budapest-process/statistics/?year={year}",
        "dialogue": "/dialogues/budapest-process/",
        "participants": f"/meetings/{meeting.pk}/participants/",
        "desk": f"/meetings/{meeting.pk}/desk/",
    }
    page = signed_in_page(staff, bypass_csp=True)
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems: list[str] = []
    SHOTS.mkdir(exist_ok=True)
    for language in ("en", "ru", "ar"):
        in_own_thread(lambda language=language: _set_language(staff, language))
        for width, height in ((1280, 900), (390, 844)):
            page.set_viewport_size({"width": width, "height": height})
            for name, path in pages.items():
                page.goto(path)
                page.wait_for_load_state("networkidle")
                assert page.evaluate("() => document.documentElement.lang") == language
                if name.endswith("statistics"):
                    chart = page.locator("svg.chart").first
                    expect(chart).to_be_visible()
                    assert chart.bounding_box()["width"] > 200
                    assert (
                        page.locator("table.chart-data").count()
                        == page.locator("svg.chart").count()
                    )
                if name in ("dialogue", "participants"):
                    expect(page.locator("svg.world-map")).to_be_visible()
                    assert page.locator("svg.world-map a.map-state").count() >= 2
                wide = page.evaluate(
                    "() => document.documentElement.scrollWidth"
                    " - document.documentElement.clientWidth"
                )
                if wide > 0:
                    problems.append(f"{language} {width}px {path}: scrolls sideways by {wide}px")
                if width == 1280:
                    problems += _axe(page, axe)
                page.screenshot(path=str(SHOTS / f"{name}-{language}-{width}.png"), full_page=True)

    # The keyboard reaches each state of the map, which is named under the map when focused.
    in_own_thread(lambda: _set_language(staff, "en"))
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/dialogues/budapest-process/")
    page.locator("svg.world-map").scroll_into_view_if_needed()
    reached: list[str] = []
    for _ in range(80):
        page.keyboard.press("Tab")
        code = page.evaluate("() => document.activeElement?.dataset?.code || ''")
        if code:
            reached.append(code)
            if len(reached) == 1:
                expect(page.locator("[data-map-name]")).to_have_text(
                    page.evaluate("() => document.activeElement.dataset.name")
                )
        elif reached:
            break
    assert sorted(reached) == ["GE", "IQ", "RS", "TR", "XK"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/states/*/")
    assert problems == []
    assert errors == []


def test_live_desk_counters_follow_a_nomination_a_decision_and_an_arrival(
    signed_in_page: Callable[..., Page],
) -> None:
    staff, fp, meeting, nominations = in_own_thread(_scene)
    desk = signed_in_page(staff)
    errors: list[str] = []
    desk.on("pageerror", lambda error: errors.append(str(error)))
    desk.goto(f"/meetings/{meeting.pk}/desk/")
    desk.wait_for_function(LIVE)
    desk.evaluate("() => { window.__loadedAt = performance.timeOrigin; }")
    nominated = desk.locator("#desk-status-nominated .desk-value")
    approved = desk.locator("#desk-status-approved .desk-value")
    arrived_today = desk.locator("#desk-arrived-today .desk-value")
    expect(nominated).to_have_text("0")
    expect(approved).to_have_text("3")
    expect(arrived_today).to_have_text("1")

    # The focal point of Georgia nominates a third member of the delegation.
    def nominate() -> Nomination:
        return registration.nominate(
            by=fp,
            meeting=meeting,
            member=nominations[0].delegation.member,
            email="tamar@gov.ge",
            category="delegate",
            full_name="Tamar Lomidze",
        )

    tamar = in_own_thread(nominate)
    expect(nominated).to_have_text("1", timeout=5_000)
    expect(desk.locator("#desk-status-nominated")).to_have_class("desk-figure live-changed")

    in_own_thread(lambda: registration.approve(by=staff, nomination=tamar))
    expect(approved).to_have_text("4", timeout=5_000)
    expect(nominated).to_have_text("0")

    # The network drops; meanwhile a delegate is checked in. Back online, the desk has it.
    desk.context.set_offline(True)
    desk.wait_for_function("() => window.dialogueLive?.state !== 'live'")
    in_own_thread(
        lambda: registration.check_in(
            by=staff, meeting=meeting, token=Nomination.objects.get(pk=tamar.pk).checkin_token
        )
    )
    desk.context.set_offline(False)
    desk.wait_for_function(LIVE, timeout=15_000)
    expect(arrived_today).to_have_text("2", timeout=5_000)
    assert desk.evaluate("() => window.__loadedAt") is not None, "the page was reloaded"
    desk.screenshot(path=str(SHOTS / "desk-after-live.png"), full_page=True)
    assert errors == []
