"""The live WebSocket endpoint (``/ws/live/``); the protocol is in ``docs/live-protocol.md``.

A socket subscribes to streams; the process's hub (``notifications.hub``) writes the frames.
The consumer replays what the client missed, holds back live frames meanwhile so order is
kept, and protects the server: message size and rate limits, and a cap on frames the client
has not acknowledged (a client that stops reading is cut off, and later resumes).
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer

from .database import in_database
from .hub import get_hub
from .policy import get_policy
from .publishing import encode_frame

MAX_MESSAGE_BYTES = 4096
MAX_STREAMS = 20
RATE_PER_SECOND = 20.0
RATE_BURST = 40.0
MAX_UNACKED_FRAMES = 1000
MAX_UNACKED_BYTES = 1_000_000


class CloseCode:
    GOING_AWAY = 1001  # the server is shutting down: reconnect at once (with jitter)
    UNKNOWN_MESSAGE = 4400
    UNAUTHENTICATED = 4401
    FORBIDDEN = 4403
    TOO_SLOW = 4408
    TOO_LARGE = 4413
    TOO_FAST = 4429


class Subscription:
    """One stream of a socket. While its replay is read and written, live frames are held back.
    Afterwards the ids the replay wrote are kept, as the hub hands each id to a socket once but
    an event the replay wrote may still come by the fast path or the log backstop: until it
    came, or the backstop has read the log past them since (a relay later still brings a
    duplicate, which clients drop by id). Nothing is allocated for a stream without a replay."""

    __slots__ = ("held", "replayed", "replayed_mark", "replayed_through", "replaying")

    def __init__(self) -> None:
        self.replaying = True
        self.held: list[tuple[int, str]] | None = None
        self.replayed: set[int] | None = None
        self.replayed_through = 0  # the highest id the replay wrote
        self.replayed_mark = 0  # where the hub's backstop stood when the replay was written

    def replay_written(self, ids: set[int], log_mark: int) -> None:
        if ids:
            self.replayed, self.replayed_through, self.replayed_mark = ids, max(ids), log_mark

    def hold(self, event_id: int, frame: str) -> None:
        if self.held is None:
            self.held = []
        self.held.append((event_id, frame))

    def already_sent(self, event_id: int, log_mark: int) -> bool:
        """Whether the replay wrote ``event_id`` (the hub's backstop now at ``log_mark``)."""
        replayed = self.replayed
        if replayed is None:
            return False
        found = event_id in replayed
        if found:
            replayed.discard(event_id)  # the hub hands an id to a socket once
        if not replayed or self.replayed_mark < log_mark >= self.replayed_through:
            self.replayed = None
        return found


class LiveConsumer(AsyncWebsocketConsumer):
    # The hub fans out for the whole process; a channel per socket would only cost.
    channel_layer_alias = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        """As Channels' own without a channel layer, minus its task and ``asyncio.wait`` per
        message received: the one source of messages is the client, awaited directly (a
        kilobyte and a half less for every idle socket)."""
        self.scope = scope
        self.channel_layer = None
        self.base_send = send
        self._finished: asyncio.Event | None = None
        self._over = False
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass
        finally:
            # Also when the server cancels the consumer (a close that took too long) and
            # disconnect() never runs: the hub must not keep writing to a dead socket.
            self.closing = True
            self._over = True
            if self._finished is not None:
                self._finished.set()
            get_hub().forget(self)

    @property
    def finished(self) -> asyncio.Event:
        """Set once the connection is over (the hub waits for it when the server goes away);
        made when first asked for."""
        if self._finished is None:
            self._finished = asyncio.Event()
            if self._over:
                self._finished.set()
        return self._finished

    async def dispatch(self, message: dict[str, Any]) -> None:
        """As Channels' own, without its trip to the database thread before every message to
        close stale connections: every database call here goes through
        ``database_sync_to_async``, which closes them itself, and a reconnect storm would pay
        the trip on each connect, subscribe and disconnect of a thousand sockets."""
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    async def websocket_disconnect(self, message: dict[str, Any]) -> None:
        # No groups of its own to leave (the hub holds them), and no trip to close connections.
        await self.disconnect(message["code"])
        raise StopConsumer

    async def connect(self) -> None:
        self.user: Any = self.scope.get("user")
        self.user_key: int | None = (
            self.user.pk if self.user and self.user.is_authenticated else None
        )
        session = self.scope.get("session")
        self.session_key: str | None = (
            session.session_key if session is not None and self.user_key else None
        )
        self.streams: dict[str, Subscription] = {}
        self.unacked_frames = 0
        self.unacked_bytes = 0
        self.tokens = RATE_BURST
        self.last_refill = time.monotonic()
        self.closing = False
        # The person came prepared by the policy (``socket_auth``): filtering frames never
        # touches the database.
        await self.accept()
        if get_hub().going_away:  # reached this process as it shuts down: try the next one
            await self._close(CloseCode.GOING_AWAY)
            return
        await get_hub().attach(self)

    async def disconnect(self, code: int) -> None:
        self.closing = True
        await get_hub().detach(self)

    # --- from the client ----------------------------------------------------------------

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if self.closing:
            return
        if (
            text_data is None
            or len(text_data) > MAX_MESSAGE_BYTES
            or len(text_data.encode()) > MAX_MESSAGE_BYTES
        ):
            await self._close(CloseCode.TOO_LARGE)
            return
        if not self._take_token():
            await self._close(CloseCode.TOO_FAST)
            return
        try:
            message: Any = json.loads(text_data)
        except ValueError:
            message = None
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            await self.send(text_data='{"type":"pong"}')
        elif kind == "ack" and isinstance(message.get("id"), int):
            self.unacked_frames = 0
            self.unacked_bytes = 0
        elif kind in ("subscribe", "unsubscribe") and self._valid_streams(message.get("streams")):
            since = message.get("since")
            if kind == "subscribe" and (since is None or (isinstance(since, int) and since >= 0)):
                for stream in message["streams"]:
                    await self._subscribe(stream, since)
            elif kind == "unsubscribe":
                for stream in message["streams"]:
                    self.streams.pop(stream, None)
                    await get_hub().leave(self, stream)
            else:
                await self._close(CloseCode.UNKNOWN_MESSAGE)
        else:
            await self._close(CloseCode.UNKNOWN_MESSAGE)

    def _valid_streams(self, streams: Any) -> bool:
        return (
            isinstance(streams, list)
            and 0 < len(streams) <= MAX_STREAMS
            and all(isinstance(s, str) and 0 < len(s) <= 100 for s in streams)
        )

    def _take_token(self) -> bool:
        now = time.monotonic()
        self.tokens = min(RATE_BURST, self.tokens + (now - self.last_refill) * RATE_PER_SECOND)
        self.last_refill = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True

    async def _subscribe(self, stream: str, since: int | None) -> None:
        if stream in self.streams:
            return
        if len(self.streams) >= MAX_STREAMS:
            await self.send(text_data=json.dumps({"type": "refused", "stream": stream}))
            return
        subscription = self.streams[stream] = Subscription()
        # Join before reading the log, so nothing committed in between is missed; what
        # arrives live meanwhile is held back and sent after the replay (or dropped if the
        # stream is refused). One trip to the database answers both questions, shared with the
        # sockets subscribing at the same time (``notifications.admission``).
        hub = get_hub()
        await hub.join(self, stream)
        replay = await hub.admissions.admit(self.user, stream, since)
        if replay is None:
            self.streams.pop(stream, None)
            await get_hub().leave(self, stream)
            await self.send(text_data=json.dumps({"type": "refused", "stream": stream}))
            return
        if replay.reset:
            await self.send(
                text_data=json.dumps({"type": "reset", "stream": stream, "last_id": replay.last_id})
            )
        replayed: set[int] = set()
        for event in replay.events:
            await self._write(event.id, encode_frame(event))
            replayed.add(event.id)
        subscription.replaying = False
        last_id = replay.last_id
        if subscription.held:
            for event_id, frame in sorted(subscription.held):
                if event_id not in replayed:
                    await self._write(event_id, frame)
                    last_id = max(last_id, event_id)
        subscription.held = None
        subscription.replay_written(replayed, hub.log_mark)
        await self.send(
            text_data=json.dumps({"type": "subscribed", "stream": stream, "last_id": last_id})
        )

    # --- from the hub -------------------------------------------------------------------

    async def deliver(self, event_id: int, stream: str, frame: str) -> None:
        subscription = self.streams.get(stream)
        if subscription is None or self.closing:
            return
        if subscription.replaying:
            subscription.hold(event_id, frame)
            return
        if subscription.replayed is not None and subscription.already_sent(
            event_id, get_hub().log_mark
        ):
            return
        await self._write(event_id, frame)

    async def inbox_changed(self, event_id: int) -> None:
        if not self.closing:
            await self.send(text_data=json.dumps({"type": "inbox", "id": event_id}))

    async def refresh(self, user: Any) -> None:
        """The person as they are now: streams they may no longer follow are dropped."""
        policy = get_policy()
        unchanged = policy.fingerprint(user) == policy.fingerprint(self.user)
        self.user = user
        if unchanged:
            return
        for stream in list(self.streams):
            if not await in_database(policy.can_follow)(user, stream):
                self.streams.pop(stream, None)
                await get_hub().leave(self, stream)
                await self.send(text_data=json.dumps({"type": "refused", "stream": stream}))

    async def end_session(self) -> None:
        await self._close(CloseCode.UNAUTHENTICATED)

    async def go_away(self) -> None:
        await self._close(CloseCode.GOING_AWAY)

    async def _write(self, event_id: int, frame: str) -> None:
        if self.closing:
            return
        self.unacked_frames += 1
        self.unacked_bytes += len(frame)
        if self.unacked_frames > MAX_UNACKED_FRAMES or self.unacked_bytes > MAX_UNACKED_BYTES:
            await self._close(CloseCode.TOO_SLOW)
            return
        await self.base_send({"type": "websocket.send", "text": frame})

    async def _close(self, code: int) -> None:
        if not self.closing:
            self.closing = True
            await self.close(code=code)
            await get_hub().detach(self)
