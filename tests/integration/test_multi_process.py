"""Two Daphne processes sharing a Redis channel layer, as in production: an event published
through one reaches sockets held by the other; Redis killed and restarted, or a Daphne process
restarted, and every client still ends with every event exactly once."""

from __future__ import annotations

import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import World
from tests.integration.conftest import Poster, ResumingClient, connect
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
