"""Playwright fixtures for the browser tests: Debian's Chromium, one fresh context per page.

The tests drive the live server of pytest-django (a thread in this process), so the test code
reads what the server sent from ``django.core.mail.outbox`` and the database directly.

Live (WebSocket) tests need the ASGI server instead: ``asgi_server`` runs Daphne as a separate
process on the test database, and ``signed_in_page`` opens a page already signed in there.
"""

from __future__ import annotations

import copy
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 10_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one test module.

    Playwright's sync API leaves its event loop marked as running in this thread for as long
    as it is started. Django refuses ORM calls under a running loop unless told otherwise, and
    pytest-asyncio cannot start its own loop: so Playwright lives only as long as the module,
    and ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set only meanwhile, leaving the async tests of the rest
    of the suite as they were.
    """
    from playwright.sync_api import sync_playwright

    previous = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop(ASYNC_UNSAFE, None)
        else:
            os.environ[ASYNC_UNSAFE] = previous


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[[], Any]]:
    """Opens a page in a new, isolated browser context (its own cookies: a separate person)."""
    contexts: list[Any] = []

    def open_page() -> Any:
        context = browser.new_context(base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture(autouse=True)
def _own_cache_namespace(settings: Any) -> None:
    """allauth's rate limits (sign-ups per IP, one confirmation mail per address per three
    minutes) count in the cache; with Redis that count outlives the test run and the second
    run within three minutes gets no confirmation mail. A fresh key prefix per test keeps runs
    independent without flushing a shared Redis."""
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"browser-test-{uuid.uuid4().hex}"
    settings.CACHES = caches


# --- An ASGI server (Daphne) for the live tests -------------------------------------------------

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DAPHNE = Path(sys.executable).with_name("daphne")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _database_url() -> str:
    """The URL of the test database pytest-django created (not the one in ``DATABASE_URL``)."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("the ASGI server needs the PostgreSQL test database")
    user = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        user += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class AsgiServer:
    """Daphne serving ``config.asgi`` in a subprocess, on a fixed port across restarts (so a
    page can lose its server and find it again at the same address)."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = _free_port()
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        assert self.process is None, "already running"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(DAPHNE), "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"daphne exited at start:\n{self.log()}")
            if self._healthy():
                return
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"daphne did not answer /healthz in {timeout}s:\n{self.log()}")
            time.sleep(0.1)

    def _healthy(self) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", "/healthz")
            return connection.getresponse().status == 200
        except OSError:
            return False
        finally:
            connection.close()

    def stop(self, grace: float = 3.0) -> None:
        """Stop the server; its open connections drop as they would in a restart. Daphne waits
        for running requests (a long poll holds one for 25 s): after ``grace`` it is killed."""
        process, self.process = self.process, None
        if process is None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""


@pytest.fixture
def asgi_server(transactional_db: None, settings: Any, tmp_path: Path) -> Iterator[AsgiServer]:
    """Daphne on the test database and Redis, with WebSockets.

    pytest-django's ``live_server`` is a WSGI thread without WebSockets. Daphne runs in its own
    process, so the data a test creates must be committed (``transaction=True``). A channel
    layer prefix of its own keeps this run's events away from anyone else using the same Redis;
    this process publishes with the same prefix, so its events reach the server's sockets.
    """
    prefix = f"browser-test-{uuid.uuid4().hex[:12]}"
    layers = copy.deepcopy(settings.CHANNEL_LAYERS)
    if "CONFIG" in layers["default"]:
        layers["default"]["CONFIG"]["prefix"] = prefix
    settings.CHANNEL_LAYERS = layers
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {ASYNC_UNSAFE, "DATABASE_URL", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=_database_url(),
        REDIS_URL=settings.REDIS_URL,
        CHANNEL_LAYER_PREFIX=prefix,
        CACHE_KEY_PREFIX=prefix,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SECRETARIAT_REQUIRES_2FA="0",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
    )
    server = AsgiServer(env, tmp_path / "daphne.log")
    server.start()
    yield server
    server.stop()


@pytest.fixture
def signed_in_page(browser: Any, asgi_server: AsgiServer) -> Iterator[Callable[[Any], Any]]:
    """Opens a page on the ASGI server in a new context, signed in as ``user``.

    The session is made on the server side (``force_login``) and its cookie handed to the
    browser: the sign-in form is not what these tests are about.
    """
    from django.conf import settings
    from django.test import Client

    contexts: list[Any] = []

    def open_page(user: Any) -> Any:
        client = Client()
        client.force_login(user)
        context = browser.new_context(base_url=asgi_server.url, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": asgi_server.url,
                    "httpOnly": True,
                    "sameSite": "Lax",
                }
            ]
        )
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
