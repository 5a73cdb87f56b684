"""Recovery after a fault, measured from outside (QUALITY.md): a Daphne stopped with SIGTERM
tells its sockets it is going away (close 1001, not a dropped connection: 1006), and a Redis
restarted empty has the hub's groups back within a second, so live delivery is on the fast
path again instead of the one-second log backstop."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import websockets

from notifications.publishing import group_for
from tests.conftest import World
from tests.integration.conftest import STREAM, Poster, ResumingClient, connect
from tests.servers import AsgiServer, RedisServer, server_env

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def prefix() -> str:
    return f"it-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def daphne(redis_server: RedisServer, prefix: str, tmp_path: Path) -> Iterator[AsgiServer]:
    server = AsgiServer(server_env(redis_url=redis_server.url, prefix=prefix), tmp_path / "d.log")
    server.start()
    yield server
    server.stop()


async def _subscribed(server: AsgiServer) -> websockets.ClientConnection:
    ws = await websockets.connect(
        f"ws://127.0.0.1:{server.port}/ws/live/", origin=websockets.Origin(server.url)
    )
    await ws.send(json.dumps({"type": "subscribe", "streams": [STREAM]}))
    while json.loads(await asyncio.wait_for(ws.recv(), 5))["type"] != "subscribed":
        pass
    return ws


async def _close_codes_after_sigterm(server: AsgiServer, clients: int) -> list[int | None]:
    sockets = [await _subscribed(server) for _ in range(clients)]
    assert server.process is not None
    server.process.send_signal(signal.SIGTERM)
    codes: list[int | None] = []
    for ws in sockets:
        try:
            while True:
                await asyncio.wait_for(ws.recv(), 5)
        except websockets.ConnectionClosed as closed:
            codes.append(closed.rcvd.code if closed.rcvd is not None else None)
    return codes


def test_sigterm_closes_every_live_socket_with_going_away(world: World, daphne: AsgiServer) -> None:
    process = daphne.process
    assert process is not None
    started = time.monotonic()
    codes = asyncio.run(_close_codes_after_sigterm(daphne, clients=20))
    process.wait(timeout=10)
    assert codes == [1001] * 20
    assert time.monotonic() - started < 5  # the server still exits promptly


def _silent_client(server: AsgiServer) -> socket.socket:
    """A WebSocket client that completes the handshake and then never answers: a server going
    away waits for it (its grace period)."""
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    key = base64.b64encode(os.urandom(16)).decode()
    raw.sendall(
        (
            f"GET /ws/live/ HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            f"Origin: {server.url}\r\n\r\n"
        ).encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += raw.recv(1024)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    # One ping answered: the consumer has finished connecting (messages are handled after
    # connect), so it is attached to the hub, which has started.
    raw.sendall(_masked_text_frame(b'{"type":"ping"}'))
    answer = answer.split(b"\r\n\r\n", 1)[1]
    while b"pong" not in answer:
        answer += raw.recv(1024)
    return raw


def _masked_text_frame(payload: bytes) -> bytes:
    mask = os.urandom(4)
    masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


def test_socket_reaching_a_server_that_is_going_away_is_told_so(
    world: World, redis_server: RedisServer, prefix: str, tmp_path: Path
) -> None:
    """A client that reconnects in the moment between the signal and the exit is sent on. (The
    server waits ten seconds for the silent client here, not one: on a loaded machine the late
    client's connect can come after a second.)"""
    env = server_env(redis_url=redis_server.url, prefix=prefix, LIVE_GOING_AWAY_GRACE_SECONDS="10")
    daphne = AsgiServer(env, tmp_path / "d.log")
    daphne.start()
    silent = _silent_client(daphne)

    async def late_client() -> int | None:
        assert daphne.process is not None
        daphne.process.send_signal(signal.SIGTERM)
        # Connected before the signal is handled, it is told with the others; after, at once.
        await asyncio.sleep(0.05)
        async with websockets.connect(
            f"ws://127.0.0.1:{daphne.port}/ws/live/", origin=websockets.Origin(daphne.url)
        ) as late:
            try:
                await asyncio.wait_for(late.recv(), 5)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd is not None else None
        return None

    try:
        assert asyncio.run(late_client()) == 1001
    finally:
        silent.close()
        daphne.stop()


def test_redis_restarted_empty_has_the_hubs_groups_back_within_a_second(
    world: World,
    daphne: AsgiServer,
    redis_server: RedisServer,
    prefix: str,
    clients: list[ResumingClient],
) -> None:
    listener = connect(clients, daphne)
    group = f"{prefix}:group:{group_for(STREAM)}"
    redis_server.kill()
    time.sleep(2)
    redis_server.start()  # empty: every group membership is gone
    back = time.monotonic()
    store = redis.Redis.from_url(redis_server.url)
    while not store.exists(group) and time.monotonic() - back < 5:
        time.sleep(0.02)
    rejoined_after = time.monotonic() - back
    store.close()
    assert rejoined_after < 1.0

    poster = Poster(world.person("secretariat_staff"))
    assert poster.post(daphne) == 302
    listener.wait_for(1, timeout=5)
    assert len(listener.received) == 1
