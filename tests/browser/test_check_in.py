"""Two desks at the door have the check-in page open. At the first, a handheld scanner types a
badge's code and presses Enter: the desk welcomes the participant and is ready for the next
badge; the second desk's arrivals count goes up at once, highlighted, without a reload. And a
phone at the door: "Use the camera" reads the printed badge's QR code (Chromium's fake camera
plays the rendered badge; Chromium on Linux has no BarcodeDetector, so the vendored jsQR
decodes it under the page's Content-Security-Policy)."""

from __future__ import annotations

import datetime
import io
import re
import zoneinfo
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Page, expect

from dialogue.models import RoleKind, User
from meetings import registration
from meetings.models import Meeting, Nomination
from meetings.registration.printing import letters
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, in_own_thread
from tests.browser.scenes import LIVE, budapest_with_georgia, open_registration
from tests.servers import AsgiServer

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _scene() -> tuple[User, User, Meeting, Nomination]:
    budapest = budapest_with_georgia()
    georgia = budapest.georgia
    anna = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Anna Weber")
    karl = budapest.person("karl@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Karl Huber")
    # held today: the desk records arrivals on the meeting's days only
    today = timezone.now().replace(microsecond=0)
    meeting = open_registration(
        budapest.istanbul_som(
            by=anna,
            starts_at=today - datetime.timedelta(hours=1),
            ends_at=today + datetime.timedelta(hours=8),
        ),
        by=anna,
    )
    nominees = [
        ("nino.beridze@gov.ge", "Nino Beridze", "head_of_delegation"),
        ("giorgi.kapanadze@gov.ge", "Giorgi Kapanadze", "delegate"),
    ]
    approved = [
        registration.approve(
            by=anna,
            nomination=registration.nominate(
                by=anna,
                meeting=meeting,
                member=georgia,
                email=email,
                category=category,
                full_name=name,
            ),
        )
        for email, name, category in nominees
    ]
    return anna, karl, meeting, approved[0]


def test_a_scanned_badge_is_welcomed_and_counted_at_every_desk(
    signed_in_page: Callable[[User], Page], asgi_server: Any
) -> None:
    anna, karl, meeting, nino = in_own_thread(_scene)
    errors: list[str] = []
    desks = []
    for person in (anna, karl):
        desk = signed_in_page(person)
        desk.on("pageerror", lambda error: errors.append(str(error)))
        desk.goto(f"/meetings/{meeting.pk}/check-in/")
        desk.wait_for_function(LIVE)
        desk.evaluate("() => { window.__loadedAt = performance.timeOrigin; }")
        desks.append(desk)
    door, office = desks
    expect(office.locator("#arrivals-total")).to_have_text(
        "0 of 2 approved participants have arrived"
    )

    field = door.get_by_label("Badge code")
    expect(field).to_be_focused()  # a scanner types into the page as soon as it opens
    door.keyboard.type(nino.checkin_token, delay=5)
    door.keyboard.press("Enter")

    result = door.locator("#check-in-result")
    expect(result).to_have_text("Welcome, Nino Beridze (Georgia, Head of delegation)")
    expect(result).to_have_class("check-in-result result-welcome")
    expect(field).to_have_value("")
    expect(field).to_be_focused()

    expect(office.locator("#arrivals-total")).to_have_text(
        "1 of 2 approved participants have arrived", timeout=5_000
    )
    expect(office.locator("#arrivals-GE")).to_have_class(re.compile(r"\blive-changed\b"))
    expect(office.locator("#arrivals-GE td summary").first).to_have_text("1")

    door.keyboard.type(nino.checkin_token, delay=5)
    door.keyboard.press("Enter")
    expect(result).to_have_text(
        f"Already arrived at {_local_time(nino)}: Nino Beridze (Georgia, Head of delegation)"
    )
    door.keyboard.type("not-a-badge")
    door.keyboard.press("Enter")
    expect(result).to_have_text("This badge is not known.")
    expect(door.locator("#check-in-history li")).to_have_count(3)

    for desk in desks:
        assert desk.evaluate("() => window.__loadedAt") is not None, "the page was reloaded"
    door.screenshot(path="/tmp/check-in-desk.png", full_page=True)  # noqa: S108 - a place to look
    assert errors == []


def _local_time(nomination: Nomination) -> str:
    arrived = in_own_thread(lambda: Nomination.objects.get(pk=nomination.pk).checked_in_at)
    assert arrived is not None
    return f"{arrived.astimezone(zoneinfo.ZoneInfo('Europe/Istanbul')):%H:%M}"


# --- The camera --------------------------------------------------------------------------------


def _camera_video(badge_pdf: bytes, path: Path) -> None:
    """The first badge of the sheet as Chromium's fake camera plays it: one 640 × 480 frame of
    YUV 4:2:0 in a Y4M file (looped by the browser), about what a phone held at a badge sees."""
    document = pdfium.PdfDocument(badge_pdf)
    try:
        page = document[0].render(scale=2).to_pil().convert("RGB")
    finally:
        document.close()
    frame = page.crop((0, 0, 640, 480))
    luma, blue, red = frame.convert("YCbCr").split()
    planes = [luma, blue.resize((320, 240)), red.resize((320, 240))]
    with io.BytesIO() as video:
        video.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\nFRAME\n")
        for plane in planes:
            video.write(plane.tobytes())
        path.write_bytes(video.getvalue())


def test_the_camera_reads_a_printed_badge(
    browser: Any, asgi_server: AsgiServer, tmp_path: Path
) -> None:
    anna, _karl, meeting, nino = in_own_thread(_scene)
    badges = in_own_thread(
        lambda: letters.badges_for(
            meeting,
            Nomination.objects.filter(pk=nino.pk).select_related("delegation__state"),
        )
    )
    video = tmp_path / "badge.y4m"
    _camera_video(badges, video)
    camera = browser.browser_type.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-ui-for-media-stream",  # the permission prompt answered "allow"
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        client = Client()
        client.force_login(anna)
        context = camera.new_context(base_url=asgi_server.url, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": asgi_server.url,
                }
            ]
        )
        phone = context.new_page()
        errors: list[str] = []
        phone.on("pageerror", lambda error: errors.append(str(error)))
        phone.goto(f"/meetings/{meeting.pk}/check-in/")
        phone.get_by_role("button", name="Use the camera").click()
        expect(phone.locator("#check-in-result")).to_have_text(
            "Welcome, Nino Beridze (Georgia, Head of delegation)"
        )
        expect(phone.locator("#arrivals-total")).to_have_text(
            "1 of 2 approved participants have arrived"
        )
        decoder = phone.evaluate("() => ('BarcodeDetector' in window) ? 'native' : typeof jsQR")
        assert decoder in {"native", "function"}
        # The badge stays in view: one arrival, not one per frame.
        phone.wait_for_timeout(1500)
        expect(phone.locator("#check-in-history li")).to_have_count(1)
        phone.get_by_role("button", name="Stop the camera").click()
        expect(phone.locator("#camera-video")).to_be_hidden()
        assert errors == []
        context.close()
    finally:
        camera.close()
    assert in_own_thread(lambda: Nomination.objects.get(pk=nino.pk).checked_in_at) is not None
