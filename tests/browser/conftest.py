"""Playwright fixtures for the browser tests: Debian's Chromium, one fresh context per page.

The tests drive the live server of pytest-django (a thread in this process), so the test code
reads what the server sent from ``django.core.mail.outbox`` and the database directly.

Live (WebSocket) tests need the ASGI server instead: ``asgi_server`` runs Daphne as a separate
process on the test database, and ``signed_in_page`` opens a page already signed in there.
"""

from __future__ import annotations

import copy
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tests.servers import AsgiServer, server_env

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TIMEOUT_MS = 10_000
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
T = TypeVar("T")


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
    # Uploaded files go where this process (which checks them) finds them too.
    env = server_env(
        redis_url=settings.REDIS_URL, prefix=prefix, MEDIA_ROOT=str(settings.MEDIA_ROOT)
    )
    server = AsgiServer(env, tmp_path / "daphne.log")
    server.start()
    yield server
    server.stop()


def in_own_thread(function: Callable[[], T]) -> T:
    """Run server-side code outside this thread, where Playwright keeps an event loop marked
    as running: there the relay to the channel layer (``async_to_sync``) works as it does in
    a web request, instead of leaving the event to the server's log backstop."""
    from django.db import connections

    def run() -> T:
        try:
            return function()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result(timeout=30)


@pytest.fixture
def signed_in_page(browser: Any, asgi_server: AsgiServer) -> Iterator[Callable[..., Any]]:
    """Opens a page on the ASGI server in a new context, signed in as ``user``.

    The session is made on the server side (``force_login``) and its cookie handed to the
    browser: the sign-in form is not what these tests are about.
    """
    from django.conf import settings
    from django.test import Client

    contexts: list[Any] = []

    def open_page(user: Any, **options: Any) -> Any:
        """``options`` go to the browser context (``bypass_csp=True``, say)."""
        client = Client()
        client.force_login(user)
        context = browser.new_context(base_url=asgi_server.url, locale="en-GB", **options)
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
