"""The secretariat uploads an English and a Russian version (with the progress bar, the upload
slowed to 2 MB/s so it is seen moving), circulates them to the registered participants; a
delegate with the meeting page open sees the document appear live, opens it, and the
secretariat's receipts table shows Georgia's delegation as opened without a reload."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from dialogue.models import RoleKind, User
from documents.models import Document, Receipt
from meetings import registration
from meetings.models import Meeting
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import LIVE, budapest_with_georgia, open_registration

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = "/tmp/documents-{}.png"  # noqa: S108 - a fixed place to look at the pages


def _scene() -> tuple[User, User, Meeting, int]:
    budapest = budapest_with_georgia(acronym="BP")
    staff = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Anna Weber")
    delegate = budapest.person(
        "giorgi@example.org", RoleKind.DELEGATE, georgian=True, full_name="Giorgi Kapanadze"
    )
    meeting = budapest.istanbul_som(by=staff, languages=["en", "ru"])
    meeting = open_registration(meeting, by=staff)
    nomination = registration.nominate(
        by=staff,
        meeting=meeting,
        member=budapest.georgia,
        email=delegate.email,
        category="head_of_delegation",
        full_name="Giorgi Kapanadze",
    )
    registration.approve(by=staff, nomination=nomination)
    return staff, delegate, meeting, budapest.georgia.pk


def _pdf(path: Path, megabytes: int) -> Path:
    with path.open("wb") as out:
        out.write(b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\n")
        line = b"% annex: figures of the year, by route and by month\n"
        out.write(line * (megabytes * 1024 * 1024 // len(line)))
        out.write(b"trailer<<>>\n%%EOF\n")
    return path


def _slow_uploads(page: Page) -> None:
    """2 MB/s up: the progress bar has time to move (Chromium's network emulation)."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": 2 * 1024 * 1024,
        },
    )


def _upload(page: Page, path: Path) -> list[int]:
    """Submit the form; returns the values the progress bar showed on the way."""
    # Kept in the tab's session storage: the page is replaced when the upload is through.
    page.evaluate(
        """() => {
            sessionStorage.setItem("progress", "[]");
            const bar = document.getElementById("upload-progress-bar");
            const own = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, "value");
            Object.defineProperty(bar, "value", {
                get() { return own.get.call(this); },
                set(v) {
                    own.set.call(this, v);
                    const seen = JSON.parse(sessionStorage.getItem("progress"));
                    sessionStorage.setItem("progress", JSON.stringify([...seen, Number(v)]));
                },
            });
        }"""
    )
    page.locator("#id_file").set_input_files(str(path))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".upload-progress")).to_be_visible()
    page.wait_for_url(re.compile(r"/documents/\d+/$"))
    return [int(v) for v in page.evaluate("() => JSON.parse(sessionStorage.getItem('progress'))")]


def test_secretariat_uploads_circulates_and_sees_the_delegate_open_it_live(
    signed_in_page: Callable[[User], Page], asgi_server: Any, tmp_path: Path
) -> None:
    staff, delegate, meeting, georgia_id = in_own_thread(_scene)
    errors: list[str] = []

    viewer = signed_in_page(delegate)
    viewer.on("pageerror", lambda error: errors.append(str(error)))
    viewer.goto(f"/meetings/{meeting.pk}/")
    viewer.wait_for_function(LIVE)
    expect(viewer.locator("#documents")).to_contain_text("No document yet.")
    viewer.evaluate("() => { window.__loadedAt = performance.timeOrigin; }")

    editor = signed_in_page(staff)
    editor.on("pageerror", lambda error: errors.append(str(error)))
    _slow_uploads(editor)
    editor.goto(f"/meetings/{meeting.pk}/documents/new/")
    editor.get_by_label("Type").select_option("annotated_agenda")
    editor.get_by_label("Title (English)").fill("Annotated agenda")
    editor.get_by_label("Title (Russian)").fill("Аннотированная повестка дня")
    editor.get_by_label("Participants of the meeting").check()
    editor.get_by_label("Language of the file").select_option("en")
    english = _upload(editor, _pdf(tmp_path / "agenda-en.pdf", 6))
    assert any(0 < value < 100 for value in english), english  # it moved, not just jumped
    assert english[-1] == 100
    expect(editor.locator("h1")).to_contain_text("BP/SOM/2027/1")
    expect(editor.locator("#version-ru")).to_contain_text("Translation pending")

    # The delegate's page shows it: a registered participant may see a participants' paper.
    row = viewer.locator("#documents tr", has_text="BP/SOM/2027/1")
    expect(row).to_contain_text("Annotated agenda")
    expect(row).to_contain_text("translation pending")

    editor.get_by_role("link", name="Add this language").click()
    expect(editor.get_by_label("Language of the file")).to_have_value("ru")
    russian = _upload(editor, _pdf(tmp_path / "agenda-ru.pdf", 2))
    assert russian[-1] == 100
    expect(editor.locator("#version-ru")).to_contain_text("Download")
    editor.screenshot(path=SCREENSHOTS.format("document"), full_page=True)

    editor.get_by_role("link", name="Circulate").click()
    expect(editor.get_by_label("BP/SOM/2027/1", exact=False)).to_be_checked()
    editor.get_by_label("Message").fill("Please find the annotated agenda in English and Russian.")
    editor.get_by_role("button", name="Preview who it reaches").click()
    expect(editor.locator("#reached")).to_contain_text("on the platform")
    editor.screenshot(path=SCREENSHOTS.format("reach-preview"), full_page=True)
    editor.get_by_role("button", name="Send to this 1 person").click()
    expect(editor.locator(".message-success")).to_contain_text("Sent to 1 person.")
    receipt_row = editor.locator(f"#receipt-state-{georgia_id}")
    expect(receipt_row).to_contain_text("not opened")
    editor.wait_for_function(LIVE)

    expect(row).to_contain_text("RU")
    expect(row).not_to_contain_text("translation pending")
    with viewer.expect_download() as download:
        row.get_by_role("link", name="EN").click()
    assert download.value.suggested_filename == "BP-SOM-2027-1_en_r1.pdf"

    expect(receipt_row).to_contain_text("opened", timeout=5_000)
    expect(receipt_row).not_to_contain_text("not opened")
    expect(receipt_row).to_have_class("receipt-opened live-changed")
    editor.screenshot(path=SCREENSHOTS.format("receipts"), full_page=True)
    viewer.screenshot(path=SCREENSHOTS.format("meeting"), full_page=True)

    assert viewer.evaluate("() => window.__loadedAt") is not None, "the page was reloaded"
    document = in_own_thread(lambda: Document.objects.get())
    assert in_own_thread(lambda: Receipt.objects.get(recipient=delegate).opened_at) is not None
    assert document.symbol == "BP/SOM/2027/1"
    assert errors == []
