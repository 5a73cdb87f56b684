"""Two browser contexts (secretariat and delegate); the secretariat posts; the delegate's page
shows it without reload; the delegate goes offline, more are posted, comes back, and sees them
all once.

Driven through Debian's Chromium against Daphne (the ASGI server: WebSockets), started on the
test database by the ``asgi_server`` fixture. Going offline is a real disconnect: the browser
context is taken offline *and* the server process is stopped, so the socket drops for certain
(Chromium's offline emulation alone may leave an open WebSocket alone); the server comes back
on the same port.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dialogue.announcements import post_announcement
from dialogue.models import Announcement, Dialogue, RoleKind, User
from notifications.inbox import unread_count
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import LIVE, budapest_with_georgia

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/live-{}.png"  # noqa: S108 - a fixed place to look at the pages
RECONNECT_MS = 20_000


@dataclass
class Scene:
    dialogue: Dialogue
    secretariat: User
    delegate: User


@pytest.fixture
def scene() -> Scene:
    budapest = budapest_with_georgia()
    secretariat = budapest.person(
        "anna@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Anna Secretariat"
    )
    delegate = budapest.person(
        "giorgi@example.org", RoleKind.DELEGATE, georgian=True, full_name="Giorgi Delegate"
    )
    return Scene(budapest.dialogue, secretariat, delegate)


def open_dialogue(
    open_page: Callable[[User], Page], user: User, slug: str, errors: list[str]
) -> Page:
    """The dialogue page, live, with a mark that a reload would erase and a record of every
    announcement event handed to the page's handlers; uncaught errors go to ``errors``."""
    page = open_page(user)
    page.on("pageerror", lambda error: errors.append(f"{user.email}: {error}"))
    page.goto(f"/dialogues/{slug}/")
    page.wait_for_function(LIVE)
    page.evaluate(
        """() => {
            window.__loadedAt = performance.timeOrigin;
            window.__handled = [];
            window.dialogueLive.on("announcement.posted", (data, frame) => {
                window.__handled.push(frame.id);
            });
        }"""
    )
    return page


def test_delegate_sees_announcements_live_and_after_a_disconnect_each_once(
    scene: Scene, signed_in_page: Callable[[User], Page], asgi_server: Any
) -> None:
    slug = scene.dialogue.slug
    errors: list[str] = []
    delegate = open_dialogue(signed_in_page, scene.delegate, slug, errors)
    secretariat = open_dialogue(signed_in_page, scene.secretariat, slug, errors)
    loaded_at = delegate.evaluate("window.__loadedAt")
    badge = delegate.locator("#unread-count")
    expect(badge).to_have_attribute("data-count", "0")

    # 1. The secretariat posts through the form on the dialogue page.
    secretariat.get_by_text("Post an announcement").click()
    secretariat.get_by_label("Title (English)").fill("Ministerial conference moved to 14 May")
    secretariat.get_by_label("Text (English)").fill("The venue stays the same: Hofburg, Vienna.")
    secretariat.get_by_role("button", name="Post", exact=True).click()
    expect(secretariat.locator("main")).to_contain_text("The announcement was posted.")
    first = Announcement.objects.get(title_i18n__en="Ministerial conference moved to 14 May")

    # 2. The delegate's page shows it without a reload: highlighted, announced, counted.
    item = delegate.locator(f"#announcement-{first.pk}")
    expect(item).to_contain_text("Ministerial conference moved to 14 May")
    expect(item).to_have_class(re.compile(r"\blive-changed\b"))
    expect(delegate.locator("#live-announcer")).to_have_text(
        "Updated: Ministerial conference moved to 14 May"
    )
    expect(badge).to_have_attribute("data-count", "1")
    expect(badge).to_have_text("1")
    delegate.screenshot(path=SCREENSHOTS.format("1-delegate-live"), full_page=True)

    # 3. The delegate drops off the network, and the server goes away with the socket.
    delegate.context.set_offline(True)
    asgi_server.stop()
    delegate.wait_for_function("() => window.dialogueLive.state !== 'live'")
    status = delegate.locator("#live-status")
    expect(status).to_be_visible()
    expect(status).to_have_text("Offline, reconnecting…")
    delegate.screenshot(path=SCREENSHOTS.format("2-delegate-offline"))

    # 4. Meanwhile three more are posted (on the server side, as another request would).
    titles = ["Agenda of the senior officials' meeting", "Call for experts", "Room change"]
    missed = [
        in_own_thread(
            lambda title=title: post_announcement(
                by=scene.secretariat, dialogue=scene.dialogue, title=title, body=f"{title}."
            )
        )
        for title in titles
    ]

    # 5. The server is back on the same port, then the delegate's network.
    asgi_server.start()
    delegate.context.set_offline(False)
    for announcement in missed:
        expect(delegate.locator(f"#announcement-{announcement.pk}")).to_be_visible(
            timeout=RECONNECT_MS
        )
    delegate.wait_for_function(LIVE, timeout=RECONNECT_MS)
    assert delegate.evaluate("window.dialogueLive.transport") == "socket"
    expect(status).to_be_hidden()

    # Each appears exactly once, on the same page (no reload), after the first one.
    for announcement in missed:
        expect(delegate.locator(f"#announcement-{announcement.pk}")).to_have_count(1)
        expect(delegate.get_by_role("heading", name=announcement.title, exact=True)).to_have_count(
            1
        )
    expect(delegate.locator("#announcements li.announcement")).to_have_count(4)
    assert delegate.evaluate("window.__loadedAt") == loaded_at, "the page was reloaded"
    handled = delegate.evaluate("window.__handled")
    assert len(handled) == len(set(handled)) == 4, f"each event handled once: {handled}"
    # The inbox frames of the missed posts were never sent; the badge asks the server again.
    expected_unread = unread_count(scene.delegate)
    assert expected_unread == 4
    expect(badge).to_have_attribute("data-count", str(expected_unread))
    delegate.screenshot(path=SCREENSHOTS.format("3-delegate-back"), full_page=True)

    # The secretariat's page only lost its server: it finds it again by itself.
    secretariat.wait_for_function(LIVE, timeout=RECONNECT_MS)
    expect(secretariat.locator("#announcements li.announcement")).to_have_count(4)
    expect(secretariat.locator("#live-status")).to_be_hidden()
    secretariat.screenshot(path=SCREENSHOTS.format("4-secretariat"), full_page=True)

    assert errors == [], errors


# Every close the page's sockets see, in order (a failed connect closes with 1006).
RECORD_CLOSES = """
window.__closes = [];
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("close", (event) => window.__closes.push(event.code));
  }
};
"""


def test_page_is_told_the_server_goes_away_and_is_back_at_once_after_the_restart(
    scene: Scene, signed_in_page: Callable[[User], Page], asgi_server: Any
) -> None:
    page = signed_in_page(scene.delegate)
    page.add_init_script(RECORD_CLOSES)
    page.goto(f"/dialogues/{scene.dialogue.slug}/")
    page.wait_for_function(LIVE)

    asgi_server.stop()  # SIGTERM, as a deploy or a restart does
    page.wait_for_function("() => window.__closes.length > 0")
    asgi_server.start()  # answers its health check: ready for the page
    back = time.monotonic()
    page.wait_for_function(LIVE, timeout=RECONNECT_MS)
    back_after = time.monotonic() - back

    assert page.evaluate("window.__closes[0]") == 1001
    # Failed connects while the server restarted did not send the page to the long poll.
    assert page.evaluate("window.dialogueLive.transport") == "socket"
    assert back_after < 2.0  # at most a second of jitter, then the socket opens


def test_without_websockets_the_page_follows_by_long_polling(
    scene: Scene, signed_in_page: Callable[[User], Page]
) -> None:
    """A network that blocks WebSockets: the same page, live through ``/api/events/``."""
    errors: list[str] = []
    page = signed_in_page(scene.delegate)
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Init scripts run through the DevTools protocol, outside the page's CSP.
    page.add_init_script("delete window.WebSocket")
    page.goto(f"/dialogues/{scene.dialogue.slug}/")
    page.wait_for_function("() => window.dialogueLive?.state === 'fallback'")
    expect(page.locator("#live-status")).to_have_text(
        "Live updates through the slower fallback connection."
    )
    page.evaluate("window.__loadedAt = performance.timeOrigin")

    posted = in_own_thread(
        lambda: post_announcement(
            by=scene.secretariat, dialogue=scene.dialogue, title="Polled", body="Through HTTP."
        )
    )

    item = page.locator(f"#announcement-{posted.pk}")
    expect(item).to_contain_text("Polled")
    expect(item).to_have_class(re.compile(r"\blive-changed\b"))
    expect(page.locator("#unread-count")).to_have_attribute("data-count", "1")
    assert page.evaluate("window.__loadedAt") is not None, "the page was reloaded"
    assert page.evaluate("window.dialogueLive.transport") == "poll"
    page.screenshot(path=SCREENSHOTS.format("5-fallback"))
    assert errors == [], errors
