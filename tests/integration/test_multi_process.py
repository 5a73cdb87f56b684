"""Two Daphne processes sharing a Redis channel layer, as in production: an event published
through one reaches sockets held by the other; Redis killed and restarted, or a Daphne process
restarted, and every client still ends with every event exactly once."""

from __future__ import annotations

import secrets
import signal
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from dialogue.models import User
from tests.conftest import World
from tests.integration.conftest import Poster, ResumingClient, connect, status_of
from tests.servers import AsgiServer, RedisServer, server_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def daphnes(redis_server: RedisServer, tmp_path: Path) -> Iterator[tuple[AsgiServer, AsgiServer]]:
    env = server_env(redis_url=redis_server.url, prefix=f"it-{uuid.uuid4().hex[:10]}")
    servers = (AsgiServer(env, tmp_path / "one.log"), AsgiServer(env, tmp_path / "two.log"))
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.stop()


def test_event_published_through_one_process_reaches_a_socket_on_the_other(
    world: World, daphnes: tuple[AsgiServer, AsgiServer], clients: list[ResumingClient]
) -> None:
    one, two = daphnes
    listener = connect(clients, two)
    poster = Poster(world.person("secretariat_staff"))
    started = time.monotonic()
    assert poster.post(one) == 302
    listener.wait_for(1, timeout=5)
    assert len(listener.received) == 1
    assert time.monotonic() - started < 2


def test_redis_killed_and_restarted_empty_loses_nothing(
    world: World,
    daphnes: tuple[AsgiServer, AsgiServer],
    redis_server: RedisServer,
    clients: list[ResumingClient],
) -> None:
    one, two = daphnes
    listeners = [connect(clients, one), connect(clients, two)]
    poster = Poster(world.person("secretariat_staff"))
    statuses = [poster.post(one if n % 2 else two) for n in range(3)]
    redis_server.kill()
    statuses += [poster.post(one if n % 2 else two) for n in range(3)]  # Redis is down
    time.sleep(5)
    redis_server.start()
    statuses += [poster.post(one if n % 2 else two) for n in range(3)]
    assert statuses == [302] * 9  # changes still succeed while Redis is down
    for listener in listeners:
        listener.wait_for(9)
        assert sorted(listener.received) == sorted(set(listener.received))  # none twice
        assert len(listener.received) == 9


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
def test_daphne_restart_loses_nothing(
    world: World,
    daphnes: tuple[AsgiServer, AsgiServer],
    clients: list[ResumingClient],
    sig: int,
) -> None:
    one, two = daphnes
    listener = connect(clients, two)
    poster = Poster(world.person("secretariat_staff"))
    assert poster.post(one) == 302
    listener.wait_for(1)
    two.stop(sig=sig)
    assert [poster.post(one) for _ in range(3)] == [302] * 3  # published while it is down
    two.start()
    assert poster.post(one) == 302
    listener.wait_for(5)
    assert listener.disconnects >= 1
    assert len(listener.received) == 5
    assert len(set(listener.received)) == 5


def _signed_in_status(server: AsgiServer, session: str) -> int:
    """The status of the inbox for a browser with only this session cookie (200 signed in,
    302 to the sign-in page otherwise)."""
    request = urllib.request.Request(  # noqa: S310 - a loopback URL built here
        f"{server.url}/inbox/", headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
    )
    return status_of(request)


def _sign_out(server: AsgiServer, session: str) -> int:
    csrf = secrets.token_hex(16)  # 32 characters: an unmasked CSRF secret
    request = urllib.request.Request(  # noqa: S310 - a loopback URL built here
        f"{server.url}/accounts/logout/",
        data=urllib.parse.urlencode({"csrfmiddlewaretoken": csrf}).encode(),
        headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; csrftoken={csrf}"},
    )
    return status_of(request)


def test_signing_out_through_one_process_ends_the_session_in_the_other(
    world: World, daphnes: tuple[AsgiServer, AsgiServer]
) -> None:
    one, two = daphnes
    session = Poster(world.person("delegate_a")).session
    assert [_signed_in_status(s, session) for s in (one, two, two)] == [200, 200, 200]
    assert _sign_out(one, session) == 302
    assert [_signed_in_status(s, session) for s in (two, one)] == [302, 302]


def test_signed_in_people_are_served_while_redis_is_down_and_changes_count_at_once(
    world: World, daphnes: tuple[AsgiServer, AsgiServer], redis_server: RedisServer
) -> None:
    one, two = daphnes
    person = world.person("delegate_a")
    session = Poster(person).session
    assert _signed_in_status(two, session) == 200
    redis_server.kill()
    assert [_signed_in_status(s, session) for s in (one, two)] == [200, 200]
    User.objects.filter(pk=person.pk).update(is_active=False)  # deactivated elsewhere
    assert [_signed_in_status(s, session) for s in (one, two)] == [302, 302]
    User.objects.filter(pk=person.pk).update(is_active=True)
    other = Poster(world.person("focal_point_a")).session
    assert _sign_out(two, other) == 302  # signing out needs no Redis either
    assert [_signed_in_status(s, other) for s in (one, two)] == [302, 302]
