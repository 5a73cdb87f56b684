"""Passkeys (WebAuthn) in Chromium, with a virtual authenticator from the DevTools protocol: a
secretariat account held at the two-factor wall adds a passkey instead of TOTP, goes on, and
later signs in with the passkey alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import Page, expect

from tests.conftest import World

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _with_authenticator(page: Page) -> None:
    """A platform authenticator that verifies its user and answers at once."""
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def _held_at_the_wall(page: Page) -> bool:
    page.goto("/")
    return page.url.endswith("/accounts/2fa/")


def test_a_passkey_passes_the_secretariats_two_factor_rule_and_signs_in(
    world: World, new_page: Callable[[], Page], settings: Any
) -> None:
    settings.SECRETARIAT_REQUIRES_2FA = True
    staff = world.person("secretariat_without_2fa")
    page = new_page()
    _with_authenticator(page)

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(staff.email)
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Sign In", exact=True).click()
    assert _held_at_the_wall(page)

    page.goto("/accounts/2fa/webauthn/add/")
    # allauth asks for the password again before any change to the account's factors
    page.get_by_label("Password").fill("password")
    page.get_by_role("button", name="Confirm").click()
    page.get_by_label("Name").fill("Work laptop")
    page.get_by_label("Passwordless").check()
    page.get_by_role("button", name="Add").click()
    page.wait_for_url(lambda url: "/webauthn/add/" not in url)
    assert Authenticator.objects.filter(user=staff, type=Authenticator.Type.WEBAUTHN).exists()
    assert not _held_at_the_wall(page)

    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_load_state()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    assert not _held_at_the_wall(page)
    expect(page.get_by_role("link", name="My profile")).to_be_visible()
