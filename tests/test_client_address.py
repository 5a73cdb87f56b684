"""The client's address behind proxies (config/client_address.py): forwarded headers believed
only from TRUSTED_PROXIES, the right-most untrusted address taken; and, through a real Daphne,
the sign-in limit counted per real client whatever the client writes in X-Forwarded-For."""

from __future__ import annotations

import asyncio
import http.cookiejar
import re
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from config.client_address import ClientAddress, client_address, parse_networks
from tests.servers import AsgiServer, server_env

LOCAL = parse_networks(["127.0.0.1"])
PROXIES = parse_networks(["10.0.0.0/8", "127.0.0.1", "::1"])


def test_client_address_without_trusted_proxies_is_the_peer() -> None:
    assert client_address("203.0.113.7", ["198.51.100.1"], ()) == "203.0.113.7"


def test_client_address_from_an_untrusted_peer_ignores_the_header() -> None:
    assert client_address("203.0.113.7", ["198.51.100.1"], PROXIES) == "203.0.113.7"


def test_client_address_behind_a_trusted_proxy_is_the_rightmost_untrusted() -> None:
    # The client wrote 198.51.100.1; nginx appended what it saw; a second proxy its peer.
    header = ["198.51.100.1, 203.0.113.7, 10.1.2.3"]
    assert client_address("127.0.0.1", header, PROXIES) == "203.0.113.7"


def test_client_address_reads_every_forwarded_header_line() -> None:
    assert client_address("::1", ["198.51.100.1", "203.0.113.7"], PROXIES) == "203.0.113.7"


def test_client_address_when_every_hop_is_a_proxy_is_the_leftmost() -> None:
    assert client_address("127.0.0.1", ["10.0.0.5, 10.0.0.6"], PROXIES) == "10.0.0.5"


def test_client_address_with_garbage_stops_at_the_nearest_trusted_hop() -> None:
    assert client_address("127.0.0.1", ["203.0.113.7, unknown"], PROXIES) == "127.0.0.1"
    assert client_address("127.0.0.1", ["unknown, 10.0.0.9"], PROXIES) == "10.0.0.9"


def test_client_address_reads_ports_and_brackets() -> None:
    assert client_address("127.0.0.1", ["203.0.113.7:4711"], LOCAL) == "203.0.113.7"
    assert client_address("127.0.0.1", ["[2001:db8::1]:443"], LOCAL) == "2001:db8::1"
    assert client_address("::ffff:127.0.0.1", ["203.0.113.7"], LOCAL) == "203.0.113.7"


def _scope_below(proxies: list[str], scope: dict[str, Any]) -> dict[str, Any]:
    """The scope the application under ``ClientAddress`` receives."""
    below: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        below.update(scope)

    async def nothing(*args: Any) -> Any:
        return None

    asyncio.run(ClientAddress(app, proxies)(scope, nothing, nothing))
    return below


@pytest.mark.parametrize("kind", ["http", "websocket"])
def test_client_address_middleware_sets_the_scope_for_every_door(kind: str) -> None:
    headers = [(b"host", b"x"), (b"x-forwarded-for", b"198.51.100.1, 203.0.113.7")]
    scope = {"type": kind, "client": ["127.0.0.1", 5000], "headers": headers}
    trusted = _scope_below(["127.0.0.1"], scope)
    untrusted = _scope_below([], scope)
    assert trusted["client"][0] == "203.0.113.7"
    assert untrusted["client"] == ("127.0.0.1", 5000)
    # Nothing below can read the header by mistake.
    assert trusted["headers"] == untrusted["headers"] == [(b"host", b"x")]


def test_trusted_proxies_setting_refuses_a_bad_entry() -> None:
    import os
    import subprocess
    import sys

    from tests.servers import PROJECT_ROOT

    env = {**os.environ, "TRUSTED_PROXIES": "127.0.0.1,nginx.internal"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXIES: 'nginx.internal' is not an address or network" in result.stderr


# --- Through Daphne, as the attacker tries it ---------------------------------------------------

LOGIN_LIMIT = 30  # ACCOUNT_RATE_LIMITS["login"]: 30 a minute per address


@pytest.fixture
def start_server(
    transactional_db: None, settings: Any, tmp_path: Path
) -> Iterator[Callable[..., AsgiServer]]:
    servers: list[AsgiServer] = []

    def start(**extra: str) -> AsgiServer:
        env = server_env(
            redis_url=settings.REDIS_URL, prefix=f"xff-{uuid.uuid4().hex[:12]}", **extra
        )
        server = AsgiServer(env, tmp_path / f"daphne-{len(servers)}.log")
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


class _SignIn:
    """Posts the sign-in form through the server, as a browser would (with its CSRF token)."""

    def __init__(self, server: AsgiServer) -> None:
        self.url = f"{server.url}/accounts/login/"
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = self.opener.open(self.url, timeout=10).read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        assert token is not None
        self.token = token.group(1)

    def post(self, forwarded_for: str | None = None) -> int:
        data = f"csrfmiddlewaretoken={self.token}&login=nobody%40example.org&password=x".encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": self.url}
        if forwarded_for is not None:
            headers["X-Forwarded-For"] = forwarded_for
        request = urllib.request.Request(self.url, data=data, headers=headers)  # noqa: S310 - the test's own server
        try:
            with self.opener.open(request, timeout=30) as answer:
                return int(answer.status)
        except urllib.error.HTTPError as error:
            return int(error.code)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_sign_in_limit_is_not_reset_by_a_spoofed_forwarded_header(
    start_server: Callable[..., AsgiServer],
) -> None:
    sign_in = _SignIn(start_server())  # make run: no trusted proxies
    answers = [sign_in.post() for _ in range(LOGIN_LIMIT)]
    assert set(answers) == {200}  # refused credentials, the form again
    assert sign_in.post() == 429
    assert sign_in.post(forwarded_for="198.51.100.23") == 429
    assert sign_in.post(forwarded_for="198.51.100.24, 198.51.100.25") == 429


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_sign_in_limit_behind_a_trusted_proxy_counts_the_rightmost_untrusted_address(
    start_server: Callable[..., AsgiServer],
) -> None:
    # The test is the proxy (127.0.0.1), appending the address it saw as nginx would.
    sign_in = _SignIn(start_server(TRUSTED_PROXIES="127.0.0.1"))
    answers = [sign_in.post(forwarded_for="203.0.113.7") for _ in range(LOGIN_LIMIT)]
    assert set(answers) == {200}
    assert sign_in.post(forwarded_for="203.0.113.7") == 429
    # The client at 203.0.113.7 writes another address first: the proxy's entry still counts.
    assert sign_in.post(forwarded_for="198.51.100.23, 203.0.113.7") == 429
    assert sign_in.post(forwarded_for="198.51.100.23, 203.0.113.7, 127.0.0.1") == 429
    # Another client behind the same proxy has its own count.
    assert sign_in.post(forwarded_for="203.0.113.8") == 200
