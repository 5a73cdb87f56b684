"""One fan-out point per process: the hub subscribes to the channel layer once per stream and
writes each event, encoded once, to every local socket entitled to it.

Out-of-the-box Channels costs one consumer task and one channel-layer message per socket; the
hub costs one message per process. It also keeps delivery complete when the fast path loses a
message (a full channel, Redis restarted): every second it reads the log past the last id it
has seen and delivers what is missing, and it re-reads the standing of connected people so a
revoked role or an ended session stops the flow within two seconds. When a receive fails (Redis
restarted, its groups lost) it rejoins every group as soon as the layer answers again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from typing import Any

from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.sessions.models import Session
from django.db.models import Max
from django.utils import timezone

from .admission import Admissions
from .models import Event
from .policy import get_policy
from .publishing import INBOX_GROUP, encode_frame, group_for
from .sockets import LiveSocket

logger = logging.getLogger(__name__)

BACKSTOP_INTERVAL = 1.0
REFRESH_INTERVAL = 1.0
GROUP_RENEW_INTERVAL = 30.0
REJOIN_INTERVAL = 0.2
SEEN_MEMORY = 10_000
STOP_TIMEOUT = 2.0
# How long a server going away waits for its clients to answer the close (then exits anyway).
GOING_AWAY_GRACE = 1.0


class LiveHub:
    def __init__(self) -> None:
        self.layer = get_channel_layer()
        self.channel: str | None = None
        self.streams: dict[str, set[LiveSocket]] = {}
        self.sockets: set[LiveSocket] = set()
        # The backstop's place in the log, and the ids already fanned out (either path).
        self.log_mark = 0
        self._seen: set[int] = set()
        self._seen_order: deque[int] = deque()
        self.loop: asyncio.AbstractEventLoop | None = None
        self._start_lock = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []
        self.going_away = False
        self.admissions = Admissions()

    # --- life cycle ---------------------------------------------------------------------

    async def start(self) -> None:
        async with self._start_lock:
            if self._tasks:
                return
            self.log_mark = await database_sync_to_async(_newest_id)()
            if self.layer is not None:
                try:
                    self.channel = await self.layer.new_channel("live-hub.")
                    await self.layer.group_add(INBOX_GROUP, self.channel)
                except Exception:
                    logger.warning(
                        "channel layer unavailable; the log backstop delivers", exc_info=True
                    )
                self._tasks.append(asyncio.create_task(self._receive_loop()))
                self._tasks.append(asyncio.create_task(self._renew_groups_loop()))
            self._tasks.append(asyncio.create_task(self._backstop_loop()))
            self._tasks.append(asyncio.create_task(self._refresh_loop()))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        # The tasks were cancelled: waiting lets them unwind, but a layer that shields its
        # blocking read (channels_redis does) is not waited for beyond a moment.
        await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
        self._tasks.clear()

    async def go_away(self, grace: float = GOING_AWAY_GRACE) -> int:
        """Close every local socket with 1001 "going away" and newcomers likewise: the server
        is shutting down, and clients reconnect at once (to another process, or this one
        restarted) instead of backing off as after a failure. Waits until the clients have
        answered the close, at most ``grace`` seconds, so the frames are out before the process
        exits. Returns how many sockets were told."""
        self.going_away = True
        told = list(self.sockets)
        await asyncio.gather(*(consumer.go_away() for consumer in told), return_exceptions=True)
        answered = [asyncio.ensure_future(consumer.finished.wait()) for consumer in told]
        if answered:
            _, late = await asyncio.wait(answered, timeout=grace)
            for waiting in late:
                waiting.cancel()
        return len(told)

    async def attach(self, consumer: LiveSocket) -> None:
        await self.start()
        self.sockets.add(consumer)

    async def detach(self, consumer: LiveSocket) -> None:
        self.sockets.discard(consumer)
        for stream in list(consumer.streams):
            await self.leave(consumer, stream)

    def forget(self, consumer: LiveSocket) -> None:
        """Drop a consumer at once, from synchronous cleanup; emptied groups are left in the
        layer in the background."""
        self.sockets.discard(consumer)
        for stream in list(getattr(consumer, "streams", ())):
            members = self.streams.get(stream)
            if members is not None:
                members.discard(consumer)
                if not members:
                    del self.streams[stream]
                    asyncio.get_running_loop().create_task(self._discard(stream))

    async def _discard(self, stream: str) -> None:
        if stream in self.streams or self.layer is None or self.channel is None:
            return
        try:
            await self.layer.group_discard(group_for(stream), self.channel)
        except Exception:
            logger.warning("group_discard failed", exc_info=True)

    async def join(self, consumer: LiveSocket, stream: str) -> None:
        members = self.streams.get(stream)
        if members is None:
            members = self.streams[stream] = set()
            await self._group_add(stream)
        members.add(consumer)

    async def leave(self, consumer: LiveSocket, stream: str) -> None:
        members = self.streams.get(stream)
        if members is None:
            return
        members.discard(consumer)
        if not members:
            del self.streams[stream]
            if self.layer is not None and self.channel is not None:
                try:
                    await self.layer.group_discard(group_for(stream), self.channel)
                except Exception:
                    logger.warning("group_discard failed", exc_info=True)

    async def _group_add(self, stream: str) -> None:
        if self.layer is None or self.channel is None:
            return
        try:
            await self.layer.group_add(group_for(stream), self.channel)
        except Exception:
            logger.warning("group_add failed; the log backstop delivers", exc_info=True)

    # --- fan-out ------------------------------------------------------------------------

    async def dispatch(
        self, event_id: int, stream: str, audience: dict[str, Any], frame: str
    ) -> None:
        """Write one encoded frame to every local socket on the stream that may see it."""
        if event_id in self._seen:
            return
        self._seen.add(event_id)
        self._seen_order.append(event_id)
        if len(self._seen_order) > SEEN_MEMORY:
            self._seen.discard(self._seen_order.popleft())
        members = self.streams.get(stream)
        if not members:
            return
        policy = get_policy()
        decisions: dict[Any, bool] = {}
        for consumer in list(members):
            key = consumer.user_key
            allowed = decisions.get(key)
            if allowed is None:
                allowed = decisions[key] = bool(policy.receivers(audience, [consumer.user]))
            if allowed:
                await consumer.deliver(event_id, stream, frame)

    async def _receive_loop(self) -> None:
        assert self.layer is not None  # noqa: S101 - started only with a layer
        while True:
            if self.channel is None:
                await asyncio.sleep(1)
                try:
                    self.channel = await self.layer.new_channel("live-hub.")
                    await self._renew_groups()
                except Exception:
                    self.channel = None
                continue
            try:
                message = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning(
                    "channel layer receive failed; rejoining the groups when it answers",
                    exc_info=True,
                )
                await self._rejoin()
                continue
            try:
                if message["type"] == "live.event":
                    await self.dispatch(
                        message["id"], message["stream"], message["audience"], message["frame"]
                    )
                elif message["type"] == "live.inbox":
                    wanted = set(message["users"])
                    for consumer in list(self.sockets):
                        if consumer.user_key in wanted:
                            await consumer.inbox_changed(message["id"])
            except Exception:
                logger.exception("dispatching a live message failed")

    async def _renew_groups(self) -> None:
        """Groups expire in the layer and vanish when Redis restarts empty: add them again."""
        if self.layer is None or self.channel is None:
            return
        await self.layer.group_add(INBOX_GROUP, self.channel)
        for stream in list(self.streams):
            await self.layer.group_add(group_for(stream), self.channel)

    async def _rejoin(self) -> None:
        """After a failed receive (Redis restarted, likely empty): renew the groups as soon as
        the layer answers, so the fast path is back within ``REJOIN_INTERVAL`` of Redis rather
        than at the next periodic renewal (the log backstop delivers meanwhile)."""
        while True:
            await asyncio.sleep(REJOIN_INTERVAL)
            try:
                await self._renew_groups()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: S112 - still down: the failure was logged once
                continue
            logger.info("channel layer back: %d stream groups rejoined", len(self.streams))
            return

    async def _renew_groups_loop(self) -> None:
        while True:
            await asyncio.sleep(GROUP_RENEW_INTERVAL)
            try:
                await self._renew_groups()
            except Exception:
                logger.warning("renewing channel-layer groups failed", exc_info=True)

    async def _backstop_loop(self) -> None:
        """Deliver from the log what the fast path lost (sockets skip ids they already sent)."""
        while True:
            await asyncio.sleep(BACKSTOP_INTERVAL)
            if not self.streams:
                continue
            try:
                newest, events = await database_sync_to_async(_events_after)(
                    self.log_mark, list(self.streams)
                )
                for event in events:
                    await self.dispatch(event.id, event.stream, event.audience, encode_frame(event))
                self.log_mark = newest
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("log backstop failed", exc_info=True)

    async def _refresh_loop(self) -> None:
        """Re-read who the connected people are now: revoked roles, deactivation, logout."""
        while True:
            await asyncio.sleep(REFRESH_INTERVAL)
            signed_in = [c for c in self.sockets if c.user_key is not None]
            if not signed_in:
                continue
            try:
                users, live_sessions = await database_sync_to_async(_standing_of)(
                    {c.user_key for c in signed_in},
                    {c.session_key for c in signed_in if c.session_key},
                )
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.warning("refreshing connected users failed", exc_info=True)
                continue
            for consumer in signed_in:
                user = users.get(consumer.user_key)
                if user is None or (
                    consumer.session_key and consumer.session_key not in live_sessions
                ):
                    await consumer.end_session()
                else:
                    await consumer.refresh(user)


def _newest_id() -> int:
    return Event.objects.aggregate(newest=Max("id"))["newest"] or 0


def _events_after(event_id: int, streams: list[str]) -> tuple[int, list[Event]]:
    """The newest id, and the events of ``streams`` after ``event_id`` up to it. Ids become
    visible in increasing order (see ``publish``), so nothing below the newest is still to come."""
    newest = _newest_id()
    events = Event.objects.filter(id__gt=event_id, id__lte=newest, stream__in=streams)
    return newest, list(events.order_by("id"))


def _standing_of(user_ids: set[Any], session_keys: set[str]) -> tuple[dict[int, Any], set[str]]:
    users = get_policy().reload(user_ids)
    live = set(
        Session.objects.filter(
            session_key__in=session_keys, expire_date__gt=timezone.now()
        ).values_list("session_key", flat=True)
    )
    return users, live


_hubs: dict[int, LiveHub] = {}


async def stop_hub() -> None:
    """Stop the running loop's hub (tests, and a clean shutdown)."""
    hub = _hubs.pop(id(asyncio.get_running_loop()), None)
    if hub is not None:
        await hub.stop()


def current_hub() -> LiveHub | None:
    """The hub of the event loop running in this thread, if it has one (from a signal handler,
    which runs between the loop's steps)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    hub = _hubs.get(id(loop))
    return hub if hub is not None and hub.loop is loop else None


def get_hub() -> LiveHub:
    """The hub of the running event loop (one per process in production; tests make loops)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(id(loop))
    if hub is None or hub.loop is not loop:
        hub = _hubs[id(loop)] = LiveHub()
        hub.loop = loop
    return hub
