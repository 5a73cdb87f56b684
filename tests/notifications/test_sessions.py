"""A session that signing out, a password change or signing in (with its two-factor step)
ended is refused at both doors that read the cookie, the pages (``config/sessions.py`` and
``dialogue/signed_in.py``) and the live socket (``notifications/socket_auth.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from config.asgi import application
from dialogue.models import User
from tests.conftest import World
from tests.notifications.conftest import ORIGIN, subscribe

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hub_cleanup")]

PASSWORD = "password"  # the test world's people have it
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _fresh_rate_limits() -> None:
    cache.clear()


def _key(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _signed_in(user: User) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _page_signs_in(key: str) -> bool:
    """Whether a browser with only this session cookie is signed in (the inbox is theirs)."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client.get("/inbox/").status_code == 200


async def _socket_signs_in(key: str, user: User) -> bool:
    """Whether a socket with only this session cookie may follow the person's own stream."""
    cookie = (b"cookie", f"{settings.SESSION_COOKIE_NAME}={key}".encode())
    ws = WebsocketCommunicator(application, "/ws/live/", headers=[ORIGIN, cookie])
    assert (await ws.connect())[0]
    frames = await subscribe(ws, f"user:{user.pk}")
    await ws.disconnect()
    return frames[-1]["type"] == "subscribed"


async def _both_doors(key: str, user: User) -> tuple[bool, bool]:
    return await sync_to_async(_page_signs_in)(key), await _socket_signs_in(key, user)


async def test_a_signed_out_sessions_cookie_no_longer_signs_in(world: World) -> None:
    person = world.people["delegate_a"]
    client = await sync_to_async(_signed_in)(person)
    key = _key(client)
    assert await _both_doors(key, person) == (True, True)
    assert (await sync_to_async(client.post)("/accounts/logout/")).status_code == 302
    assert await _both_doors(key, person) == (False, False)


async def test_a_password_change_ends_the_other_sessions_and_rotates_its_own(
    world: World,
) -> None:
    person = world.people["delegate_a"]
    changing, elsewhere = [await sync_to_async(_signed_in)(person) for _ in range(2)]
    before, other = _key(changing), _key(elsewhere)
    new = "another long and unusual passphrase"
    response = await sync_to_async(changing.post)(
        "/accounts/password/change/",
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert response.status_code == 302
    assert _key(changing) != before
    assert await _both_doors(before, person) == (False, False)
    assert await _both_doors(other, person) == (False, False)
    assert await _both_doors(_key(changing), person) == (True, True)


async def test_signing_in_with_a_second_factor_rotates_the_session(
    world: World, settings: Any
) -> None:
    settings.SECRETARIAT_REQUIRES_2FA = True
    staff = world.people["secretariat_without_2fa"]
    await sync_to_async(TOTP.activate)(staff, SECRET)
    client = await sync_to_async(_signed_in)(staff)  # the password: now the second factor
    halfway = _key(client)
    assert await _both_doors(halfway, staff) == (False, False)
    code = format_hotp_value(hotp_value(SECRET, next(yield_hotp_counters_from_time())))
    response = await sync_to_async(client.post)("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302
    assert _key(client) != halfway
    assert await _both_doors(halfway, staff) == (False, False)
    assert await _both_doors(_key(client), staff) == (True, True)
