"""Django's ASGI handler, with a request for a sync view served in one hop to a thread.

Django under ASGI runs its middleware chain in async mode: every sync-only middleware (ours,
WhiteNoise's) and the sync view itself are wrapped in ``sync_to_async``/``async_to_sync``, and
the started and finished signals each take a trip of their own, so one request hops between the
event loop and its thread four to eight times. Measured in-process (bench/pages.py --profile):
that costs 1-2.5 ms of CPU per request, about as much as a ``304`` of a calendar feed itself.

Here a request whose view is a plain function runs, from ``request_started`` to the response
(and ``request_finished`` when the body is not streamed), in one call in the request's thread
(the same thread-sensitive thread Django would use), through the middleware loaded in sync
mode: as under WSGI. A view that is a coroutine (the long poll, the health check) takes
Django's own path, unchanged. Streamed responses are sent as Django sends them, watching for
the client going away, and closed in the request's thread.

A ``GET`` of a view named in ``SESSIONLESS_VIEWS`` (the calendar feeds: calendar clients send
no cookies) that brings no session cookie goes through the chain without the middleware of
sessions, users, CSRF, messages and the two-factor wall: the request is an anonymous visitor's
(``Visitor``), which is what those middleware would have found, at a fraction of their cost.
With a session cookie it takes the full chain, so a signed-in person gets their own feed.

Each request's thread-sensitive code runs in a thread of its own for the request's time, as in
Django's handler, but the thread is kept for the next request (``_Lanes``): Django's handler
starts a thread per request and another to join it, and each new thread opens its own database
connection wrapper, about 1.5 ms of CPU per request (bench/pages.py --profile).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module
from typing import Any

from asgiref.sync import AsyncToSync, ThreadSensitiveContext, iscoroutinefunction, sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpRequest, HttpResponseBadRequest, HttpResponseBase
from django.urls import Resolver404, get_resolver, set_script_prefix
from django.utils.cache import patch_vary_headers

# Middleware a request without a session does not need: it would only find there is none.
SESSION_MIDDLEWARE = frozenset(
    {
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "dialogue.middleware.PersonMiddleware",
        "dialogue.middleware.UserPreferencesMiddleware",
        "dialogue.middleware.SecretariatTwoFactorMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
        "allauth.account.middleware.AccountMiddleware",
    }
)


class Visitor:
    """In the chain without sessions: the request is an anonymous visitor's (it brought no
    session cookie), with an empty session, and its response varies on cookies as the full
    chain's does."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self.session_store = import_module(settings.SESSION_ENGINE).SessionStore

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        request.session = self.session_store(None)
        request.user = AnonymousUser()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        return response


class _SyncChain(BaseHandler):
    def __init__(self, *, sessionless: bool = False) -> None:
        super().__init__()
        if not sessionless:
            self.load_middleware(is_async=False)
            return
        full = list(settings.MIDDLEWARE)
        light = [m for m in full if m not in SESSION_MIDDLEWARE]
        light.insert(light.index("django.middleware.locale.LocaleMiddleware") + 1, VISITOR)
        # load_middleware reads the setting; this runs once, when the process starts.
        settings.MIDDLEWARE = light
        try:
            self.load_middleware(is_async=False)
        finally:
            settings.MIDDLEWARE = full


VISITOR = f"{__name__}.Visitor"


@functools.lru_cache(maxsize=4096)
def _route(path: str) -> tuple[bool, str]:
    """Whether the view is a coroutine, and its URL name."""
    try:
        match = get_resolver().resolve(path)
    except Resolver404:
        return False, ""
    return iscoroutinefunction(match.func), match.url_name or ""


def _has_session_cookie(scope: Any) -> bool:
    name = settings.SESSION_COOKIE_NAME.encode() + b"="
    return any(key == b"cookie" and name in value for key, value in scope.get("headers", ()))


class _Lanes:
    """Single threads kept for requests, each serving one request at a time (a request's
    thread-sensitive code, its database connection included, stays in one thread, as Django
    requires). Used from the event loop's thread only; the most recently used thread first.
    At most ``keep`` idle threads are kept: a burst's extra threads end after it."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        self.idle: list[ThreadPoolExecutor] = []

    def take(self) -> ThreadPoolExecutor:
        if self.idle:
            return self.idle.pop()
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")

    def give_back(self, lane: ThreadPoolExecutor, *, finished: bool) -> None:
        """``finished``: the request's code is done (not so when the client went away while a
        view still ran: that thread is not lent again)."""
        if finished and len(self.idle) < self.keep:
            self.idle.append(lane)
        else:
            lane.shutdown(wait=False)


class OneHopASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self._sync = _SyncChain()
        self._sessionless = _SyncChain(sessionless=True)
        self._lanes = _Lanes(keep=64)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or getattr(AsyncToSync.executors, "current", None):
            # Not HTTP: Django's own refusal. Called from sync code (a test's client): its
            # thread-sensitive code runs in that caller's thread, as in Django's handler.
            await super().__call__(scope, receive, send)
            return
        lane = self._lanes.take()
        finished = False
        try:
            async with ThreadSensitiveContext(executor=lane):
                await self.handle(scope, receive, send)
            finished = True
        finally:
            self._lanes.give_back(lane, finished=finished)

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        is_async, name = _route(path)
        if is_async:
            await super().handle(scope, receive, send)
            return
        chain = self._sync
        if (
            name in settings.SESSIONLESS_VIEWS
            and scope.get("method") in ("GET", "HEAD")
            and not _has_session_cookie(scope)
        ):
            chain = self._sessionless
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await sync_to_async(self._respond, thread_sensitive=True)(
                scope, body_file, chain
            )
            if not response.streaming:
                await self.send_response(response, send)
                return
            await self._stream(response, receive, send)
        finally:
            body_file.close()

    def _respond(self, scope: Any, body_file: Any, chain: _SyncChain) -> HttpResponseBase:
        """From ``request_started`` to the response, in the request's thread."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            response: HttpResponseBase = error_response or HttpResponseBadRequest()
        else:
            response = chain.get_response(request)
            response._handler_class = self.__class__  # type: ignore[attr-defined]  # as Django's own handler marks it
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()  # request_finished: the body is bytes already
        return response

    async def _stream(self, response: HttpResponseBase, receive: Any, send: Any) -> None:
        """Send a streamed body as Django does: stop when the client goes away."""
        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(self.send_response(response, send)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in tasks:
                if not task.done():
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError, RequestAborted):
                    await task
        finally:
            await sync_to_async(response.close, thread_sensitive=True)()
