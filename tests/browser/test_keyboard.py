"""Registration with the keyboard alone: the focal point reaches their delegation, nominates a
head of delegation and uploads the nomination letter; the secretariat finds the nomination in
its queue and approves it. Nothing is clicked or filled: Tab moves the focus, keys do the
rest (a file chooser opened with the space bar), as for someone who cannot use a mouse."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from dialogue.models import RoleKind, User
from meetings.models import Meeting
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import budapest_with_georgia, nomination_letter, open_registration

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def _scene() -> tuple[User, User, Meeting]:
    budapest = budapest_with_georgia()
    staff = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF, full_name="Anna Weber")
    focal_point = budapest.person(
        "nino@example.org", RoleKind.FOCAL_POINT, georgian=True, full_name="Nino Beridze"
    )
    return staff, focal_point, open_registration(budapest.istanbul_som(by=staff), by=staff)


def tab_to(page: Page, target: Locator, limit: int = 120) -> None:
    """Press Tab until ``target`` has the focus, as a keyboard user moves through the page."""
    element = target.element_handle()
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(element) => document.activeElement === element", element):
            return
    raise AssertionError(f"Tab never reaches {target}")


def test_nominate_upload_and_approve_with_the_keyboard_alone(
    signed_in_page: Callable[[User], Page], asgi_server: Any, tmp_path: Any
) -> None:
    staff, focal_point, meeting = in_own_thread(_scene)
    fp = signed_in_page(focal_point)
    fp.goto(f"/meetings/{meeting.pk}/")
    tab_to(fp, fp.get_by_role("link", name="Your delegation: nominate and follow"))
    fp.keyboard.press("Enter")
    expect(fp.get_by_role("heading", level=1)).to_have_text("Delegation of Georgia")

    tab_to(fp, fp.get_by_label("E-mail address"))
    fp.keyboard.type("tamar@gov.ge")
    tab_to(fp, fp.get_by_role("textbox", name="Full name:", exact=True))
    fp.keyboard.type("Tamar Lomidze")
    tab_to(fp, fp.get_by_label("Category"))
    expect(fp.get_by_label("Category")).to_have_value("head_of_delegation")
    tab_to(fp, fp.get_by_role("button", name="Nominate", exact=True))
    fp.keyboard.press("Enter")
    expect(fp.locator(".message-success")).to_contain_text("Tamar Lomidze is nominated")

    letter = tmp_path / "note-verbale.pdf"
    letter.write_bytes(nomination_letter())
    tab_to(fp, fp.get_by_label("Upload the nomination letter"))
    with fp.expect_file_chooser() as chooser:
        fp.keyboard.press("Space")
    chooser.value.set_files(str(letter))
    tab_to(fp, fp.get_by_role("button", name="Upload", exact=True))
    fp.keyboard.press("Enter")
    expect(fp.locator("#letter-v1")).to_contain_text("note-verbale.pdf")

    secretariat = signed_in_page(staff)
    secretariat.goto(f"/meetings/{meeting.pk}/nominations/")
    tab_to(secretariat, secretariat.get_by_role("link", name="Tamar Lomidze"))
    secretariat.keyboard.press("Enter")
    tab_to(secretariat, secretariat.get_by_role("button", name="Approve", exact=True))
    secretariat.keyboard.press("Enter")
    expect(secretariat.locator(".message-success")).to_have_text("Tamar Lomidze: Approved.")
