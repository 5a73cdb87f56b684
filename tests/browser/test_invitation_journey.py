"""A focal point accepts an invitation, verifies the e-mail (read from the test mail outbox),
logs in, switches the interface to Russian, and sees their state's page.

Driven through Debian's Chromium against pytest-django's live server. Links are taken from the
e-mails the platform sent (``django.core.mail.outbox``), never from the service's return value:
reading the mail is part of the journey.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import Page, expect

from dialogue import services
from dialogue.models import Dialogue, Invitation, Role, RoleKind, State, User
from tests.factories import (
    DialogueFactory,
    MembershipFactory,
    RoleFactory,
    StateFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INVITEE = "nino@example.org"
INVITEE_NAME = "Nino Beridze"
PASSWORD = "Tbilisi-Spring-2025!"
SCREENSHOT = "/tmp/journey.png"  # noqa: S108 - a fixed place to look at the last page

INVITATION_LINK = re.compile(r"https?://\S+/invite/\S+/")
CONFIRMATION_LINK = re.compile(r"https?://\S+/accounts/confirm-email/\S+/")


# --- Helpers --------------------------------------------------------------------------------


def link_from_mail(to: str, pattern: re.Pattern[str], *, timeout: float = 5.0) -> str:
    """The link matching ``pattern`` in the newest e-mail sent to ``to``.

    The live server sends from its own thread; wait a little for the message to arrive.
    """
    deadline = time.monotonic() + timeout
    while True:
        for message in reversed(mail.outbox):
            if to in message.to:
                found = pattern.search(str(message.body))
                if found:
                    return found.group(0)
        if time.monotonic() > deadline:
            sent = [(m.to, m.subject) for m in mail.outbox]
            raise AssertionError(f"No e-mail to {to} with a link like {pattern.pattern}: {sent}")
        time.sleep(0.05)


def fill_signup_form(page: Page, *, email: str | None = None) -> None:
    """Fill allauth's sign-up form (our extra fields included) and submit it.

    ``email=None`` keeps the address the invitation link filled in.
    """
    form = page.locator("form[action$='/accounts/signup/']")
    if email is not None:
        form.locator("input[name=email]").fill(email)
    form.locator("input[name=full_name]").fill(INVITEE_NAME)
    form.locator("input[name=password1]").fill(PASSWORD)
    form.locator("input[name=password2]").fill(PASSWORD)
    form.locator("input[name=title]").fill("Head of Division")
    form.locator("input[name=affiliation]").fill("Ministry of Internal Affairs of Georgia")
    form.locator("button[type=submit]").click()


def open_invitation_and_start_signup(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_contain_text("You are invited to")
    expect(page.locator("main")).to_contain_text(INVITEE)
    page.get_by_role("link", name="Create your account").click()
    expect(page).to_have_url(re.compile(r"/accounts/signup/"))
    expect(page.locator("input[name=email]")).to_have_value(INVITEE)


@dataclass
class Scene:
    dialogue: Dialogue
    georgia: State
    staff: User


@pytest.fixture
def scene(live_server: Any) -> Scene:
    """A dialogue with Georgia as a member, its secretariat, and the invitation e-mail sent to
    Nino, Georgia's future focal point."""
    dialogue = DialogueFactory.create(
        slug="budapest-process", name_i18n={"en": "Budapest Process", "ru": "Будапештский процесс"}
    )
    georgia = StateFactory.create(code="GE", name_i18n={"en": "Georgia", "ru": "Грузия"})
    MembershipFactory.create(dialogue=dialogue, state=georgia)
    staff = UserFactory.create(email="secretariat@example.org", full_name="Anna Secretariat")
    RoleFactory.create(user=staff, dialogue=dialogue, kind=RoleKind.SECRETARIAT_STAFF)
    services.invite(
        by=staff,
        dialogue=dialogue,
        email=INVITEE,
        kind=RoleKind.FOCAL_POINT,
        state=georgia,
        full_name=INVITEE_NAME,
        base_url=live_server.url,
    )
    return Scene(dialogue=dialogue, georgia=georgia, staff=staff)


# --- Tests ----------------------------------------------------------------------------------


def test_signing_up_with_another_address_than_the_invited_one_is_refused(
    scene: Scene, new_page: Any
) -> None:
    link = link_from_mail(INVITEE, INVITATION_LINK)
    people_before = User.objects.count()
    mails_before = len(mail.outbox)

    page = new_page()
    open_invitation_and_start_signup(page, link)
    fill_signup_form(page, email="somebody.else@example.org")

    expect(page).to_have_url(re.compile(r"/accounts/signup/"))
    expect(page.locator("form[action$='/accounts/signup/']")).to_contain_text(
        f"This invitation is for {INVITEE}; sign up with that address."
    )
    assert not User.objects.filter(email__iexact="somebody.else@example.org").exists()
    assert User.objects.count() == people_before
    assert len(mail.outbox) == mails_before, "no confirmation e-mail for a refused sign-up"
    invitation = Invitation.objects.get(email=INVITEE)
    assert invitation.accepted_at is None, "a refused attempt must not use up the invitation"


def test_signup_form_offers_the_name_the_secretariat_invited(scene: Scene, new_page: Any) -> None:
    page = new_page()
    open_invitation_and_start_signup(page, link_from_mail(INVITEE, INVITATION_LINK))
    expect(page.locator("input[name=full_name]")).to_have_value(INVITEE_NAME, timeout=1_000)


def test_focal_point_joins_by_invitation_and_reads_their_state_in_russian(
    scene: Scene, new_page: Any, live_server: Any
) -> None:
    # 1. The invitation arrives by e-mail.
    invitation_link = link_from_mail(INVITEE, INVITATION_LINK)
    assert invitation_link.startswith(f"{live_server.url}/invite/")

    # 2. Nino opens it and creates her account with the invited address.
    page = new_page()
    open_invitation_and_start_signup(page, invitation_link)
    fill_signup_form(page)
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/"))
    nino = User.objects.get(email=INVITEE)
    assert not EmailAddress.objects.get(user=nino).verified
    assert (
        Role.objects.active()
        .filter(user=nino, dialogue=scene.dialogue, kind=RoleKind.FOCAL_POINT, state=scene.georgia)
        .exists()
    ), "signing up through the link grants the invited role"

    # ... confirms her address from the e-mail allauth sent ...
    page.goto(link_from_mail(INVITEE, CONFIRMATION_LINK))
    page.get_by_role("button", name="Confirm").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/confirm-email/"))
    assert EmailAddress.objects.get(user=nino, email=INVITEE).verified

    # ... and signs in (unless confirming the address already did).
    if page.get_by_role("button", name="Sign out").count() == 0:
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(INVITEE)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("form[action$='/accounts/login/'] button[type=submit]").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()

    # 3. She switches the interface to Russian.
    page.goto("/")
    page.locator("#language-select").select_option("ru")
    page.locator("form.language-switch button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("#language-select")).to_have_value("ru")
    nino.refresh_from_db()
    assert nino.preferred_language == "ru", "a signed-in person's switch is saved"

    # 4. Her home page leads to her state's page, in Russian.
    own_state = page.locator("section[aria-labelledby=own-heading]")
    expect(own_state).to_contain_text("Грузия")
    own_state.get_by_role("link", name="Грузия").click()
    expect(page).to_have_url(re.compile(r"/dialogues/budapest-process/states/GE/$"))
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Грузия")
    expect(page.locator("main")).to_contain_text("Будапештский процесс")
    # The membership date is formatted by Django's own Russian catalogue, not the project's.
    expect(page.locator("main table").first).to_contain_text("апреля 2009")
    # The focal points are the page's only list under a heading (the scene has no offices).
    focal_points = page.locator("main h2 + ul")
    expect(focal_points).to_contain_text(INVITEE_NAME)
    page.screenshot(path=SCREENSHOT, full_page=True)

    # 5. The used link does nothing for anyone else.
    stranger = new_page()
    response = stranger.goto(invitation_link)
    assert response is not None
    assert response.status == 404
    expect(stranger.get_by_role("heading", level=1)).to_have_text("This invitation cannot be used")
    assert User.objects.filter(email__iexact=INVITEE).count() == 1
