from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.core import mail
from django.core.cache import cache
from django.test import Client

from dialogue import permissions, services
from dialogue.models import Role, RoleKind, User
from tests.conftest import World, client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = {
    "password1": "a long and unusual passphrase",
    "password2": "a long and unusual passphrase",
    "full_name": "Nino Beridze",
    "title": "Head of Division",
    "affiliation": "Ministry of Internal Affairs",
}


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def _invited_client(world: World, email: str = "nino@example.org") -> Client:
    sent = services.invite(
        by=world.people["secretariat_staff"],
        dialogue=world.dialogue,
        email=email,
        kind=RoleKind.FOCAL_POINT,
        state=world.state_a,
        full_name="Nino Beridze",
    )
    client = Client()
    assert client.get(sent.path).status_code == 200
    return client


def test_signup_without_invitation_is_closed(world: World) -> None:
    response = Client().post("/accounts/signup/", {"email": "walk.in@example.org", **SIGNUP})
    assert "closed" in response.content.decode().lower()
    assert not User.objects.filter(email="walk.in@example.org").exists()


def test_signup_with_invitation_grants_the_role_after_verification(world: World) -> None:
    client = _invited_client(world)
    response = client.post("/accounts/signup/", {"email": "nino@example.org", **SIGNUP})
    assert response.status_code == 302
    user = User.objects.get(email="nino@example.org")
    assert Role.objects.active().get(user=user).kind == RoleKind.FOCAL_POINT
    assert (user.full_name, user.affiliation) == ("Nino Beridze", "Ministry of Internal Affairs")
    # Not signed in until the address is confirmed.
    assert (
        Client()
        .post("/accounts/login/", {"login": "nino@example.org", "password": SIGNUP["password1"]})
        .status_code
        == 302
    )
    assert "_auth_user_id" not in client.session
    confirmation = [m for m in mail.outbox if m.to == ["nino@example.org"]][-1]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", confirmation.body)
    assert link is not None
    path = link.group(0).split("testserver", 1)[1]
    response = client.post(path)
    assert response.status_code == 302
    assert client.get("/profile/").status_code == 200


def test_signup_with_another_address_is_refused(world: World) -> None:
    client = _invited_client(world)
    response = client.post("/accounts/signup/", {"email": "someone.else@example.org", **SIGNUP})
    assert "This invitation is for nino@example.org" in response.content.decode()
    assert not User.objects.filter(email="someone.else@example.org").exists()


def test_password_reset_does_not_reveal_whether_an_address_exists(world: World) -> None:
    known = Client().post("/accounts/password/reset/", {"email": "delegate_a@example.org"})
    unknown = Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])


def test_login_is_refused_after_repeated_failures_even_with_the_right_password(
    world: World,
) -> None:
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"login": "delegate_a@example.org", "password": "wrong"})
    response = client.post(
        "/accounts/login/", {"login": "delegate_a@example.org", "password": "password"}
    )
    assert "Too many failed login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_secretariat_without_totp_is_sent_to_set_it_up(world: World, settings: Any) -> None:
    settings.SECRETARIAT_REQUIRES_2FA = True
    staff = world.people["secretariat_without_2fa"]
    response = client_for(staff).get("/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/2fa/")
    assert client_for(world.people["delegate_a"]).get("/").status_code == 200


def test_secretariat_with_totp_goes_on(world: World, settings: Any) -> None:
    settings.SECRETARIAT_REQUIRES_2FA = True
    staff = world.people["secretariat_without_2fa"]
    TOTP.activate(staff, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert Authenticator.objects.filter(user=staff).exists()
    assert client_for(staff).get("/").status_code == 200


def test_the_two_factor_page_offers_an_authenticator_app_and_a_passkey(
    world: World, settings: Any
) -> None:
    settings.SECRETARIAT_REQUIRES_2FA = True
    page = client_for(world.person("secretariat_without_2fa")).get("/accounts/2fa/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "/accounts/2fa/totp/activate/" in html
    assert "/accounts/2fa/webauthn/add/" in html


def test_secretariat_with_a_passkey_instead_of_totp_goes_on(world: World, settings: Any) -> None:
    settings.SECRETARIAT_REQUIRES_2FA = True
    staff = world.person("secretariat_without_2fa")
    Authenticator.objects.create(
        user=staff, type=Authenticator.Type.WEBAUTHN, data={"name": "Laptop", "credential": {}}
    )
    assert client_for(staff).get("/").status_code == 200
    assert permissions.serves_any_dialogue(User.objects.get(pk=staff.pk)) is True


def test_superuser_without_totp_is_sent_to_set_it_up(settings: Any, db: None) -> None:
    settings.SECRETARIAT_REQUIRES_2FA = True
    root = UserFactory(email="root@example.org", is_superuser=True)
    response = client_for(root).get("/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/2fa/")
    assert permissions.standing(User.objects.get(pk=root.pk)).superuser is False


def test_secretariat_without_totp_may_use_the_platform_when_2fa_is_not_required(
    world: World,
) -> None:
    staff = world.people["secretariat_without_2fa"]
    assert client_for(staff).get("/").status_code == 200
    assert permissions.serves_any_dialogue(User.objects.get(pk=staff.pk)) is True


def test_sign_in_page_says_accounts_are_made_by_invitation() -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert "Accounts are made by invitation" in page
    assert "sign up" not in page  # sign-up is closed without an invitation in hand
