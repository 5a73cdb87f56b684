from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import health, inbox, registry
from .models import Channel
from .policy import get_policy
from .publishing import encode_frame
from .replay import missed

LONG_POLL_SECONDS = 25
POLL_INTERVAL = 1.0


@never_cache
async def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database and the channel layer answer, 503 otherwise."""
    database = await sync_to_async(health.database_ok)()
    channel_layer = await health.channel_layer_ok()
    ok = database and channel_layer
    return JsonResponse(
        {
            "status": "ok" if ok else "unavailable",
            "database": "ok" if database else "down",
            "channel_layer": "ok" if channel_layer else "down",
        },
        status=200 if ok else 503,
    )


@never_cache
async def live_events(request: HttpRequest) -> JsonResponse:
    """The HTTP fallback of the live socket: the same events, the same permission filter,
    as a long poll (``docs/live-protocol.md``)."""
    streams = request.GET.getlist("stream")[:20]
    try:
        since = int(request.GET["since"]) if request.GET.get("since") else None
        wait = max(0, min(int(request.GET.get("wait", LONG_POLL_SECONDS)), LONG_POLL_SECONDS))
    except ValueError:
        return JsonResponse({"error": "since and wait are whole numbers"}, status=400)
    if not streams:
        return JsonResponse({"error": "name at least one stream"}, status=400)
    user = await _current_user(request)
    policy = get_policy()
    for stream in streams:
        if not await sync_to_async(policy.can_follow)(user, stream):
            raise Http404
    deadline = time.monotonic() + wait
    while True:
        replays = [await sync_to_async(missed)(stream, since, user) for stream in streams]
        events = sorted((e for r in replays for e in r.events), key=lambda e: e.id)
        reset = [s for s, r in zip(streams, replays, strict=True) if r.reset]
        last_id = max([r.last_id for r in replays] + [since or 0])
        if events or reset or since is None or time.monotonic() >= deadline:
            return JsonResponse(
                {
                    "events": [json.loads(encode_frame(e)) for e in events],
                    "last_id": last_id,
                    "reset": bool(reset),
                    "reset_streams": reset,
                }
            )
        await asyncio.sleep(POLL_INTERVAL)


async def _current_user(request: HttpRequest) -> Any:
    user = await request.auser()
    if not user.is_authenticated:
        return user
    # Read for this request with its session: the policy adds what it needs (as the socket).
    prepared = await sync_to_async(get_policy().prepare)(user)
    return prepared or AnonymousUser()


@login_required
def inbox_list(request: HttpRequest) -> HttpResponse:
    stream = request.GET.get("stream", "")
    page = Paginator(inbox.inbox_of(request.user, stream=stream), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/inbox.html",
        {
            "page": page,
            "lines": inbox.describe(list(page.object_list)),
            "stream": stream,
            "stream_label": registry.stream_label(stream) if stream else "",
            "filters": registry.stream_filters(request.user),
        },
    )


@login_required
@require_POST
def inbox_read(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("notification") if i.isdigit()]
    inbox.mark_read(user=request.user, notification_ids=ids if ids else None)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "inbox"
    return redirect(next_url)


@never_cache
def inbox_count(request: HttpRequest) -> JsonResponse:
    if not request.user.is_authenticated:
        return JsonResponse({"unread": 0})
    return JsonResponse({"unread": inbox.unread_count(request.user)})


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    categories = registry.categories()
    if request.method == "POST":
        chosen = {
            c.key: request.POST[f"category-{c.key}"]
            for c in categories
            if f"category-{c.key}" in request.POST
        }
        try:
            inbox.set_preferences(user=request.user, channels=chosen)
        except ValueError:
            messages.error(request, _("Choose one of the offered ways for every kind of event."))
        else:
            messages.success(request, _("Your notification settings were saved."))
            return redirect("notification_preferences")
    current = inbox.preferences_of(request.user)
    rows = [(c, current[c.key]) for c in categories]
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "channels": Channel.choices},
    )


@login_required
@require_POST
def follow(request: HttpRequest) -> HttpResponse:
    """Follow or stop following a stream the person may follow (a meeting, a dialogue)."""
    stream = request.POST.get("stream", "")
    if not get_policy().can_follow(request.user, stream):
        raise Http404
    following = request.POST.get("following") == "1"
    inbox.set_follow(user=request.user, stream=stream, following=following)
    messages.success(
        request,
        _("You follow this now.") if following else _("You no longer follow this."),
    )
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return redirect(next_url)
