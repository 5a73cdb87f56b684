"""Delivering the log to webhook subscriptions: at least once, in order per subscription.

Each subscription holds a cursor (``delivered_through``). A worker claims a due subscription
for a while (several workers may run), reads the events after its cursor, and for each one asks
the live policy, as it is now, whether the owner may see it: an owner who lost a role stops
receiving at once, and an event not for them is passed over. A delivery that fails (an answer
other than 2xx, a time-out, a refused connection) is retried with back-off, the later events
waiting behind it; after ``WEBHOOK_RETRY_HOURS`` of failures the subscription is paused and its
owner told by e-mail. The cursor moves after each delivery, so a worker that dies repeats at
most the delivery it was making: receivers de-duplicate by the ``Webhook-Id`` header.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ..mail import queue_message
from ..models import Event, PruneMark
from ..policy import get_policy
from .models import WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

CLAIM_FOR = datetime.timedelta(minutes=2)
TIMEOUT_SECONDS = 10
BATCH = 100


@dataclass(frozen=True)
class Answer:
    status: int | None
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


Post = Callable[[str, bytes, dict[str, str]], Answer]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Webhook-Signature`` header: HMAC-SHA256 of ``"{timestamp}.{body}"`` in hex."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={digest.hexdigest()}"


def body_of(event: Event) -> bytes:
    return json.dumps(
        {
            "id": event.id,
            "type": event.type,
            "stream": event.stream,
            "at": event.at,
            "data": event.data,
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def check_endpoint(url: str) -> None:
    """Refuse an endpoint the platform must not call: not HTTPS, or an address inside the
    network it runs in (loopback, private, link-local), unless ``WEBHOOKS_ALLOW_PRIVATE`` (for a
    receiver on the same machine in development and tests). Asked when a subscription is saved
    and again before every delivery (a name may resolve elsewhere later)."""
    parts = urllib.parse.urlsplit(url)
    allow_private = settings.WEBHOOKS_ALLOW_PRIVATE
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise ValidationError(_("The endpoint must be an https:// address."), code="scheme")
    if not parts.hostname:
        raise ValidationError(_("The endpoint has no host name."), code="host")
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise ValidationError(
            _("The endpoint's host name could not be resolved."), code="resolve"
        ) from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ValidationError(
                _("The endpoint points inside the platform's own network, which is not allowed."),
                code="private",
            )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer like any other non-2xx: retried, never followed


_opener = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    # check_endpoint allowed only http(s) for this address
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return Answer(response.status)
    except urllib.error.HTTPError as error:
        return Answer(error.code, f"HTTP {error.code}")
    except (OSError, ValueError) as error:
        return Answer(None, str(error)[:500] or error.__class__.__name__)


def newest_event_id() -> int:
    return Event.objects.aggregate(newest=Max("id"))["newest"] or 0


def pruned_through() -> int:
    return PruneMark.objects.filter(pk=1).values_list("pruned_through", flat=True).first() or 0


def deliver_due(*, now: datetime.datetime | None = None, post: Post = post_json) -> int:
    """One pass: every due subscription gets what is waiting for it. Returns the deliveries
    made (successful ones)."""
    now = now or timezone.now()
    newest = newest_event_id()
    due = (
        WebhookSubscription.objects.filter(
            status=WebhookSubscription.Status.ACTIVE, delivered_through__lt=newest
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .values_list("pk", flat=True)
    )
    delivered = 0
    for pk in list(due[:50]):
        claimed = (
            WebhookSubscription.objects.filter(pk=pk)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .update(claimed_until=now + CLAIM_FOR)
        )
        if not claimed:
            continue  # another worker has it
        subscription = WebhookSubscription.objects.get(pk=pk)
        try:
            delivered += _deliver(subscription, now, post)
        finally:
            WebhookSubscription.objects.filter(pk=pk).update(claimed_until=None)
    return delivered


def _wanted(subscription: WebhookSubscription, event: Event) -> bool:
    if subscription.event_types and event.type not in subscription.event_types:
        return False
    if subscription.streams:
        return event.stream in subscription.streams or event.parent_stream in subscription.streams
    return True


def _deliver(subscription: WebhookSubscription, now: datetime.datetime, post: Post) -> int:
    policy = get_policy()
    owner = policy.reload([subscription.owner_id]).get(subscription.owner_id)
    if owner is None:
        pause(subscription, _("The owner's account is no longer active."))
        return 0
    mark = pruned_through()
    if subscription.delivered_through < mark:
        pause(
            subscription,
            _(
                "Events up to #%(id)d were removed from the log before they could be delivered: "
                "replay from a later event to go on."
            )
            % {"id": mark},
        )
        return 0
    delivered = 0
    handled = subscription.delivered_through
    events = Event.objects.filter(id__gt=handled).order_by("id")[:BATCH]
    for event in events:
        if not (
            _wanted(subscription, event)
            and policy.can_follow(owner, event.stream)
            and policy.receivers(event.audience, [owner])
        ):
            handled = event.id
            continue
        if not _attempt(subscription, event, post):
            _advance(subscription, handled)
            _schedule_retry(subscription, now)
            return delivered
        handled = event.id
        delivered += 1
        _advance(subscription, handled, succeeded=True)
    _advance(subscription, handled)
    return delivered


def _attempt(subscription: WebhookSubscription, event: Event, post: Post) -> bool:
    body = body_of(event)
    timestamp = int(time.time())
    try:
        check_endpoint(subscription.url)
    except ValidationError as refused:
        answer = Answer(None, " ".join(refused.messages))
        started = time.monotonic()
    else:
        started = time.monotonic()
        answer = post(
            subscription.url,
            body,
            {
                "Content-Type": "application/json",
                "User-Agent": "dialogue-webhooks/1",
                "Webhook-Id": str(event.id),
                "Webhook-Timestamp": str(timestamp),
                "Webhook-Signature": sign(subscription.secret, timestamp, body),
            },
        )
    WebhookDelivery.objects.create(
        subscription=subscription,
        event_id=event.id,
        event_type=event.type,
        attempt=subscription.attempts + 1,
        status_code=answer.status,
        error=answer.error[:500],
        duration_ms=int((time.monotonic() - started) * 1000),
        succeeded=answer.ok,
    )
    if not answer.ok:
        logger.info("webhook %s: event %s not delivered (%s)", subscription.pk, event.id, answer)
    return answer.ok


def _advance(subscription: WebhookSubscription, handled: int, *, succeeded: bool = False) -> None:
    if handled == subscription.delivered_through and not succeeded:
        return
    changes: dict[str, Any] = {"delivered_through": handled}
    if succeeded:
        changes.update(attempts=0, failing_since=None, next_attempt_at=None)
    WebhookSubscription.objects.filter(pk=subscription.pk).update(**changes)
    for name, value in changes.items():
        setattr(subscription, name, value)


def retry_delay(attempts: int) -> datetime.timedelta:
    """10 s, 20 s, 40 s, … at most an hour between attempts."""
    return datetime.timedelta(seconds=min(10 * 2 ** max(attempts - 1, 0), 3600))


def _schedule_retry(subscription: WebhookSubscription, now: datetime.datetime) -> None:
    attempts = subscription.attempts + 1
    failing_since = subscription.failing_since or now
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        attempts=attempts, failing_since=failing_since, next_attempt_at=now + retry_delay(attempts)
    )
    subscription.attempts, subscription.failing_since = attempts, failing_since
    budget = datetime.timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    if now - failing_since >= budget:
        pause(
            subscription,
            _("Deliveries failed for %(hours)d hours: the endpoint did not accept them.")
            % {"hours": settings.WEBHOOK_RETRY_HOURS},
        )


def pause(subscription: WebhookSubscription, reason: str) -> None:
    """Stop delivering, say why, and tell the owner by e-mail in their language."""
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        status=WebhookSubscription.Status.PAUSED, paused_reason=reason[:300], next_attempt_at=None
    )
    subscription.status = WebhookSubscription.Status.PAUSED
    owner = subscription.owner
    if not owner.is_active or not owner.email:
        return
    language = getattr(owner, "preferred_language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        queue_message(
            to=owner.email,
            subject=_("Your webhook to %(url)s is paused") % {"url": subscription.url},
            body=_(
                "Deliveries to %(url)s are paused: %(reason)s\n\n"
                "Nothing more is sent until it is resumed. Resume it, or replay from an event, "
                "on the subscription's page: %(link)s"
            )
            % {
                "url": subscription.url,
                "reason": reason,
                "link": settings.SITE_URL.rstrip("/")
                + f"/admin/notifications/webhooksubscription/{subscription.pk}/change/",
            },
        )


def replay_from(subscription: WebhookSubscription, event_id: int) -> None:
    """Deliver again from event ``event_id`` on (it included), and resume if paused. An id the
    log no longer holds is refused."""
    mark = pruned_through()
    if event_id <= mark:
        raise ValidationError(
            _("The log no longer holds events before #%(id)d.") % {"id": mark + 1}, code="pruned"
        )
    if event_id < 1:
        raise ValidationError(_("Event numbers start at 1."), code="invalid")
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        delivered_through=event_id - 1,
        status=WebhookSubscription.Status.ACTIVE,
        paused_reason="",
        attempts=0,
        failing_since=None,
        next_attempt_at=None,
    )


def resume(subscription: WebhookSubscription) -> None:
    """Go on from where the deliveries stopped."""
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        status=WebhookSubscription.Status.ACTIVE,
        paused_reason="",
        attempts=0,
        failing_since=None,
        next_attempt_at=None,
    )
