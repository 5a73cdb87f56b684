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
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from typing import Any

from asgiref.sync import iscoroutinefunction, sync_to_async
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpResponseBadRequest, HttpResponseBase
from django.urls import Resolver404, get_resolver, set_script_prefix


class _SyncChain(BaseHandler):
    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)


@functools.lru_cache(maxsize=4096)
def _view_is_async(path: str) -> bool:
    try:
        match = get_resolver().resolve(path)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


class OneHopASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self._sync = _SyncChain()

    async def handle(self, scope: Any, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root) :] or "/"
        if _view_is_async(path):
            await super().handle(scope, receive, send)
            return
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            response = await sync_to_async(self._respond, thread_sensitive=True)(scope, body_file)
            if not response.streaming:
                await self.send_response(response, send)
                return
            await self._stream(response, receive, send)
        finally:
            body_file.close()

    def _respond(self, scope: Any, body_file: Any) -> HttpResponseBase:
        """From ``request_started`` to the response, in the request's thread."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, error_response = self.create_request(scope, body_file)
        if request is None:
            response: HttpResponseBase = error_response or HttpResponseBadRequest()
        else:
            response = self._sync.get_response(request)
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
