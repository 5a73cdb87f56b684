"""``publish``: record an event in the log, in the caller's transaction; after commit, relay it
to the channel layer (the fast path). Its inbox lines and e-mails are written either in the same
transaction or, with ``NOTIFICATIONS_FAN_OUT_WORKER``, by the fan-out worker from the log
(``fan_out_pending``, ``python manage.py fan_out_events``): once per event and person.

Events committed but not relayed (a crash, Redis down) are relayed by the sweeper
(``python manage.py relay_events``): delivery is at least once, and clients de-duplicate by id.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from . import registry
from .models import (
    Channel,
    DeliveryPreference,
    Event,
    FanOutMark,
    Follow,
    Notification,
    OutboxEmail,
)
from .policy import Audience, get_policy

logger = logging.getLogger(__name__)

INBOX_GROUP = "live.inbox"
RELAY_TIMEOUT = 2.0
# Any constant: the advisory lock that makes event ids increase in commit order.
_PUBLISH_LOCK = 7_042_001


def group_for(stream: str) -> str:
    """The channel-layer group of a stream (group names allow no colon)."""
    return "live." + stream.replace(":", ".")


def encode_frame(event: Event) -> str:
    """The wire frame of an event, encoded once for every recipient."""
    return json.dumps(
        {
            "type": "event",
            "id": event.id,
            "stream": event.stream,
            "event": event.type,
            "data": event.data,
            "at": event.at.isoformat(),
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def publish(
    *,
    stream: str,
    type: str,
    audience: Audience,
    data: Mapping[str, Any],
    parent_stream: str = "",
    actor_id: int | None = None,
) -> Event:
    """Append an event to the log inside the caller's transaction.

    Writes the inbox notifications and outbox e-mails of the people who should hear of it in
    the same transaction, or leaves them to the fan-out worker (``NOTIFICATIONS_FAN_OUT_WORKER``),
    and relays the event to live sockets once the transaction commits. The person who made the
    change (``actor_id``) gets no inbox line about it. Raises ``RuntimeError`` outside a
    transaction: an event must never exist without its change.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("publish() must be called inside the service's transaction")
    kind = registry.event_type(type)
    in_worker = kind.in_inbox and settings.NOTIFICATIONS_FAN_OUT_WORKER
    # Who hears of it is read before the log's lock: the lock (held until commit) covers only
    # what orders the log, the event's row and the rows that point at it.
    hearers = (
        _who_hears(stream, parent_stream, audience, kind, actor_id)
        if kind.in_inbox and not in_worker
        else {}
    )
    if connection.vendor == "postgresql":
        # Serialise publishers until commit, so ids become visible in increasing order and a
        # client resuming after id N can never miss an event numbered below N.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PUBLISH_LOCK])
    event = Event.objects.create(
        stream=stream,
        parent_stream=parent_stream,
        type=type,
        audience=dict(audience),
        data=dict(data),
        actor_id=actor_id,
        fan_out_in_worker=in_worker,
    )
    recipients = _fan_out(event, hearers) if hearers else []
    transaction.on_commit(lambda: relay([event], recipients={event.id: recipients}))
    return event


def _who_hears(
    stream: str,
    parent_stream: str,
    audience: Audience,
    kind: registry.EventType,
    actor_id: int | None,
) -> dict[int, str]:
    """Everyone who follows the stream and may see the event, with the way each wants to hear
    of its category (``Channel``): reads only, so no lock is needed."""
    policy = get_policy()
    streams = [s for s in (stream, parent_stream) if s]
    choices = dict(Follow.objects.filter(stream__in=streams).values_list("user_id", "following"))
    user_ids = {uid for uid in policy.recipients(stream, audience) if choices.get(uid, True)}
    extra = {uid for uid, following in choices.items() if following and uid not in user_ids}
    if extra:
        fresh = policy.reload(extra)
        user_ids |= {user.pk for user in policy.receivers(audience, fresh.values())}
    user_ids.discard(actor_id)  # type: ignore[arg-type]  # discarding None is harmless
    if not user_ids:
        return {}
    chosen = dict(
        DeliveryPreference.objects.filter(
            user_id__in=user_ids, category=kind.category.key
        ).values_list("user_id", "channel")
    )
    return {uid: chosen.get(uid, kind.category.default_channel) for uid in sorted(user_ids)}


def _fan_out(event: Event, hearers: Mapping[int, str]) -> list[int]:
    """The inbox lines and e-mails of ``hearers`` for ``event``: one statement for the lines
    whatever their number (in ``publish`` this runs under the log's lock). A person who already
    has the event's line keeps it (the unique person-and-event constraint); returns who got a
    new line (on PostgreSQL; elsewhere everyone)."""
    emails = _outbox_emails(event, hearers)
    user_ids = list(hearers)
    now = timezone.now()
    if connection.vendor != "postgresql":
        # Without RETURNING for the rows an ignored conflict skipped: everyone is told (a page
        # that re-reads its unread count once more is the whole cost).
        Notification.objects.bulk_create(
            [
                Notification(user_id=uid, event=event, email=emails.get(uid), created_at=now)
                for uid in user_ids
            ],
            ignore_conflicts=True,
        )
        return user_ids
    meta, q = Notification._meta, connection.ops.quote_name
    column = {field.name: field.column for field in meta.concrete_fields}
    columns = ", ".join(q(column[name]) for name in ("user", "event", "created_at", "email"))
    sql = f"INSERT INTO {q(meta.db_table)} ({columns}) "
    sql += "SELECT u, %s, %s, e FROM unnest(%s::bigint[], %s::bigint[]) AS t(u, e) "
    sql += f"ON CONFLICT ({q(column['user'])}, {q(column['event'])}) DO NOTHING "
    sql += f"RETURNING {q(column['user'])}"
    email_ids = [emails[uid].pk if uid in emails else None for uid in user_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, [event.pk, now, user_ids, email_ids])
        return [row[0] for row in cursor.fetchall()]


def fan_out_pending(*, limit: int = 500) -> int:
    """The fan-out worker's pass: write the inbox lines and e-mails of the events published
    with ``NOTIFICATIONS_FAN_OUT_WORKER`` above the mark, oldest first, in one transaction that
    moves the mark past them; then tell the live sockets of the new lines. Returns how many
    events were fanned out.

    Who hears of an event is asked when the worker reaches it (the policy as it is then), once
    for all the events of a batch that share a stream, audience and type. Exactly once per
    event and person: the lines and the mark's move commit together, so a pass that dies leaves
    its batch to the next, and a line already there is kept (the unique (person, event)
    constraint, ``ON CONFLICT DO NOTHING``). The mark's row lock lets one pass run at a time:
    two would race to open the same coalescing e-mail. The log's rows are only read: the relay
    marking them relayed never waits for a pass."""
    if not fan_out_backlog():
        return 0  # idle passes only read: no lock, no write, nothing for the disk
    new_lines: dict[int, list[int]] = {}
    with transaction.atomic():
        mark = _locked_mark()
        events = list(
            Event.objects.filter(fan_out_in_worker=True, id__gt=mark.through).order_by("id")[:limit]
        )
        if not events:
            return 0
        asked: dict[tuple[str, str, str, str], dict[int, str]] = {}
        for event in events:
            try:
                kind = registry.event_type(event.type)
            except KeyError:  # a type no longer registered: nobody to tell
                continue
            key = (
                event.stream,
                event.parent_stream,
                json.dumps(event.audience, sort_keys=True),
                event.type,
            )
            if key not in asked:
                asked[key] = _who_hears(
                    event.stream, event.parent_stream, event.audience, kind, None
                )
            hearers = {u: c for u, c in asked[key].items() if u != event.actor_id}
            if hearers:
                new_lines[event.id] = _fan_out(event, hearers)
        mark.through = events[-1].id
        mark.save(update_fields=["through"])
    if any(new_lines.values()):
        _tell_inboxes(new_lines)
    return len(events)


def _locked_mark() -> FanOutMark:
    FanOutMark.objects.bulk_create([FanOutMark()], ignore_conflicts=True)
    return FanOutMark.objects.select_for_update().get()


def skip_next_fan_out() -> int | None:
    """Move the mark past the next event waiting for the worker, its lines unwritten: the
    worker's last resort for an event whose fan-out fails at every attempt, so that it does not
    hold up every inbox after it. Returns the event's id (None when nothing waits)."""
    with transaction.atomic():
        mark = _locked_mark()
        event_id = (
            Event.objects.filter(fan_out_in_worker=True, id__gt=mark.through)
            .order_by("id")
            .values_list("id", flat=True)
            .first()
        )
        if event_id is not None:
            mark.through = event_id
            mark.save(update_fields=["through"])
        return event_id


def fan_out_backlog() -> int:
    """How many events wait for the fan-out worker."""
    through = FanOutMark.objects.values_list("through", flat=True).first()
    return Event.objects.filter(fan_out_in_worker=True, id__gt=through or 0).count()


def _tell_inboxes(new_lines: Mapping[int, list[int]]) -> None:
    """The fast path for lines written after the event was relayed: each person's open pages
    update their unread count (a failure only delays that until the next page)."""
    layer = get_channel_layer()
    if layer is None:
        return

    async def send() -> None:
        async with asyncio.timeout(RELAY_TIMEOUT):
            for event_id, users in new_lines.items():
                if users:
                    await layer.group_send(
                        INBOX_GROUP, {"type": "live.inbox", "id": event_id, "users": users}
                    )

    try:
        async_to_sync(send)()
    except Exception:
        logger.warning("telling the inboxes failed; they catch up on the next page", exc_info=True)


def _outbox_emails(event: Event, hearers: Mapping[int, str]) -> dict[int, OutboxEmail]:
    by_key: dict[str, list[int]] = {}
    for uid, channel in hearers.items():
        if channel == Channel.EMAIL_NOW:
            by_key.setdefault(f"now:{event.stream}", []).append(uid)
        elif channel == Channel.EMAIL_DIGEST:
            by_key.setdefault("digest", []).append(uid)
    result: dict[int, OutboxEmail] = {}
    now = timezone.now()
    for key, uids in by_key.items():
        open_emails: dict[int, OutboxEmail] = {
            e.user_id: e
            for e in OutboxEmail.objects.select_for_update().filter(
                user_id__in=uids, coalesce_key=key, sent_at__isnull=True, claimed_at__isnull=True
            )
            if e.user_id is not None  # always: filtered by person; says so to the type checker
        }
        missing = [uid for uid in uids if uid not in open_emails]
        zones = _time_zones(missing) if key == "digest" else {}
        created = OutboxEmail.objects.bulk_create(
            [
                OutboxEmail(
                    user_id=uid,
                    coalesce_key=key,
                    send_after=_digest_time(now, zones.get(uid))
                    if key == "digest"
                    else now + datetime.timedelta(seconds=settings.EMAIL_COALESCE_SECONDS),
                )
                for uid in missing
            ]
        )
        result.update(open_emails)
        result.update(zip(missing, created, strict=True))
    return result


def _time_zones(user_ids: Iterable[int]) -> dict[int, str]:
    user_model = get_user_model()
    if not hasattr(user_model, "time_zone"):
        return {}
    return dict(user_model.objects.filter(pk__in=list(user_ids)).values_list("pk", "time_zone"))


def _digest_time(now: datetime.datetime, zone_name: str | None) -> datetime.datetime:
    """The next digest hour in the person's own time zone."""
    try:
        zone = zoneinfo.ZoneInfo(zone_name or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = now.astimezone(zone)
    target = local.replace(hour=settings.EMAIL_DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if target <= local:
        target += datetime.timedelta(days=1)
    return target


def relay(events: Iterable[Event], *, recipients: Mapping[int, list[int]] | None = None) -> int:
    """Hand committed events to the channel layer and mark them relayed. Returns how many
    went out; a failure (Redis down) leaves the rest for the sweeper."""
    layer = get_channel_layer()
    if layer is None:
        return 0
    relayed: list[int] = []
    try:
        for event in events:
            async_to_sync(_send)(layer, event, (recipients or {}).get(event.id))
            relayed.append(event.id)
    except Exception:
        logger.warning("relay to the channel layer failed; the sweeper will retry", exc_info=True)
    if relayed:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # The mark only spares the sweeper a second relay: losing it in a crash costs a
                # duplicate (clients de-duplicate), so its commit need not wait for the disk.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            Event.objects.filter(pk__in=relayed).update(relayed_at=timezone.now())
    return len(relayed)


async def _send(layer: Any, event: Event, inbox_users: list[int] | None) -> None:
    async with asyncio.timeout(RELAY_TIMEOUT):
        await layer.group_send(
            group_for(event.stream),
            {
                "type": "live.event",
                "id": event.id,
                "stream": event.stream,
                "audience": event.audience,
                "frame": encode_frame(event),
            },
        )
        if inbox_users:
            await layer.group_send(
                INBOX_GROUP, {"type": "live.inbox", "id": event.id, "users": inbox_users}
            )


def relay_pending(
    *, older_than: datetime.timedelta = datetime.timedelta(seconds=2), limit: int = 500
) -> int:
    """The sweeper's pass: relay events committed but never relayed."""
    cutoff = timezone.now() - older_than
    events = list(
        Event.objects.filter(relayed_at__isnull=True, at__lt=cutoff).order_by("id")[:limit]
    )
    if not events:
        return 0
    inbox: dict[int, list[int]] = {}
    for event_id, user_id in Notification.objects.filter(event__in=events).values_list(
        "event_id", "user_id"
    ):
        inbox.setdefault(event_id, []).append(user_id)
    return relay(events, recipients=inbox)
