"""Webhooks from the event log, against a receiver on loopback started by each test: signed,
in order, retried, paused, replayed, and never more than the owner may see at delivery time."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dialogue import announcements
from dialogue.models import Announcement, Role, RoleKind
from dialogue.services import revoke_role
from notifications.models import Event, OutboxEmail, PruneMark
from notifications.webhooks import delivery
from notifications.webhooks.models import WebhookSubscription
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


@dataclass
class Receiver:
    """An HTTP endpoint on 127.0.0.1 that records what it is sent and answers ``statuses`` in
    turn (then 204), waiting ``delay`` seconds before each answer."""

    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def ids(self) -> list[int]:
        return [r["body"]["id"] for r in self.received]


@pytest.fixture
def receiver(settings: Any) -> Iterator[Receiver]:
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(state.delay)
            status = state.statuses.pop(0) if state.statuses else 204
            state.received.append(
                {
                    "headers": dict(self.headers),
                    "raw": raw,
                    "body": json.loads(raw),
                    "status": status,
                }
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield state
    server.shutdown()
    server.server_close()


def _post(world: World, title: str, audience: str = Announcement.Audience.MEMBERS) -> int:
    announcements.post_announcement(
        by=world.person("secretariat_staff"),
        dialogue=world.dialogue,
        title=title,
        body="Text",
        audience=audience,
    )
    return Event.objects.latest("id").id


def _subscribe(
    world: World, receiver: Receiver, owner: str = "secretariat_admin", **kw: Any
) -> WebhookSubscription:
    return WebhookSubscription.objects.create(
        owner=world.person(owner),
        url=receiver.url,
        delivered_through=delivery.newest_event_id(),
        **kw,
    )


def test_each_event_arrives_once_in_order_signed_with_the_subscriptions_secret(
    world: World, receiver: Receiver
) -> None:
    subscription = _subscribe(world, receiver)
    ids = [_post(world, f"News {n}") for n in range(3)]
    assert delivery.deliver_due() == 3
    assert delivery.deliver_due() == 0  # nothing twice
    assert receiver.ids() == ids
    first = receiver.received[0]
    assert first["body"]["type"] == "announcement.posted"
    assert first["body"]["stream"] == "dialogue:budapest-process"
    assert first["body"]["data"]["title"] == "News 0"
    headers = first["headers"]
    assert headers["Webhook-Id"] == str(ids[0])
    expected = hmac.new(
        subscription.secret.encode(),
        headers["Webhook-Timestamp"].encode() + b"." + first["raw"],
        hashlib.sha256,
    ).hexdigest()
    assert headers["Webhook-Signature"] == f"v1={expected}"
    assert abs(int(headers["Webhook-Timestamp"]) - time.time()) < 60


@pytest.mark.parametrize(
    ("owner", "members_news_arrives"),
    [
        ("secretariat_admin", True),
        ("focal_point_b", True),
        ("observer", True),
        ("secretariat_staff_other", False),  # another dialogue's secretariat
        ("revoked", False),
        ("deactivated", False),
    ],
)
def test_only_what_the_owner_may_see_is_delivered(
    world: World, receiver: Receiver, owner: str, members_news_arrives: bool
) -> None:
    _subscribe(world, receiver, owner=owner)
    members = _post(world, "For members")
    public = _post(world, "For everyone", Announcement.Audience.PUBLIC)
    delivery.deliver_due()
    if owner == "deactivated":
        assert receiver.ids() == []
        assert WebhookSubscription.objects.get().status == WebhookSubscription.Status.PAUSED
        return
    assert receiver.ids() == ([members, public] if members_news_arrives else [public])


def test_a_demoted_owner_stops_receiving_at_the_next_delivery(
    world: World, receiver: Receiver
) -> None:
    _subscribe(world, receiver, owner="focal_point_a")
    before = _post(world, "Before")
    delivery.deliver_due()
    role = Role.objects.get(user=world.person("focal_point_a"), kind=RoleKind.FOCAL_POINT)
    revoke_role(by=world.person("secretariat_admin"), role=role)
    _post(world, "After")
    delivery.deliver_due()
    assert receiver.ids() == [before]


def test_event_types_and_streams_narrow_the_subscription(world: World, receiver: Receiver) -> None:
    _subscribe(world, receiver, event_types=["agenda.released"])
    _post(world, "Not an agenda")
    delivery.deliver_due()
    assert receiver.ids() == []
    WebhookSubscription.objects.update(event_types=[], streams=["dialogue:prague-process"])
    _post(world, "Budapest news")
    delivery.deliver_due()
    assert receiver.ids() == []
    WebhookSubscription.objects.update(streams=["dialogue:budapest-process"])
    wanted = _post(world, "Budapest news again")
    delivery.deliver_due()
    assert receiver.ids() == [wanted]


def test_a_failure_is_retried_with_back_off_and_later_events_wait_behind_it(
    world: World, receiver: Receiver
) -> None:
    subscription = _subscribe(world, receiver)
    receiver.statuses = [500]
    first, second = _post(world, "One"), _post(world, "Two")
    assert delivery.deliver_due() == 0
    assert receiver.ids() == [first]
    subscription.refresh_from_db()
    assert subscription.attempts == 1
    assert subscription.next_attempt_at is not None
    assert delivery.deliver_due() == 0  # not due yet: nothing sent
    assert receiver.ids() == [first]
    later = subscription.next_attempt_at + datetime.timedelta(seconds=1)
    assert delivery.deliver_due(now=later) == 2
    assert receiver.ids() == [first, first, second]
    assert [r.succeeded for r in subscription.deliveries.order_by("id")] == [False, True, True]
    subscription.refresh_from_db()
    assert (subscription.attempts, subscription.failing_since) == (0, None)


def test_a_receiver_that_does_not_answer_in_time_is_a_failure(
    world: World, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(delivery, "TIMEOUT_SECONDS", 0.3)
    subscription = _subscribe(world, receiver)
    receiver.delay = 1.0
    _post(world, "Slow")
    assert delivery.deliver_due() == 0
    attempt = subscription.deliveries.get()
    assert not attempt.succeeded
    assert "timed out" in attempt.error


def test_after_a_day_of_failures_the_subscription_pauses_and_its_owner_is_told(
    world: World, receiver: Receiver
) -> None:
    subscription = _subscribe(world, receiver)
    receiver.statuses = [503] * 10
    _post(world, "Never accepted")
    now = timezone.now()
    delivery.deliver_due(now=now)
    delivery.deliver_due(now=now + datetime.timedelta(hours=25))
    subscription.refresh_from_db()
    assert subscription.status == WebhookSubscription.Status.PAUSED
    assert "24 hours" in subscription.paused_reason
    told = OutboxEmail.objects.get(to_address="secretariat_admin@example.org")
    assert subscription.url in told.subject
    assert subscription.url in told.body
    sent = len(receiver.received)
    delivery.deliver_due(now=now + datetime.timedelta(hours=30))
    assert len(receiver.received) == sent  # paused: nothing more


def test_replay_from_an_id_delivers_again_and_resumes(world: World, receiver: Receiver) -> None:
    subscription = _subscribe(world, receiver)
    ids = [_post(world, f"News {n}") for n in range(3)]
    delivery.deliver_due()
    delivery.pause(subscription, "testing")
    delivery.replay_from(subscription, ids[1])
    delivery.deliver_due()
    assert receiver.ids() == ids + ids[1:]


def test_replay_from_before_the_log_begins_is_refused(world: World, receiver: Receiver) -> None:
    subscription = _subscribe(world, receiver)
    PruneMark.objects.create(pk=1, pruned_through=40)
    with pytest.raises(ValidationError, match="#41"):
        delivery.replay_from(subscription, 12)


def test_a_worker_that_dies_mid_batch_repeats_at_most_the_delivery_it_was_making(
    world: World, receiver: Receiver
) -> None:
    _subscribe(world, receiver)
    ids = [_post(world, f"News {n}") for n in range(3)]
    calls = []

    def dying(url: str, body: bytes, headers: dict[str, str]) -> delivery.Answer:
        calls.append(headers["Webhook-Id"])
        if len(calls) == 2:
            raise KeyboardInterrupt  # the process is stopped during the second delivery
        return delivery.post_json(url, body, headers)

    with pytest.raises(KeyboardInterrupt):
        delivery.deliver_due(post=dying)
    delivery.deliver_due()  # the next worker (the claim was handed back on the way out)
    assert receiver.ids() == ids


def test_endpoints_inside_the_network_or_without_https_are_refused(settings: Any) -> None:
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    for url, words in [
        ("http://example.org/hook", "https://"),
        ("https://127.0.0.1/hook", "own network"),
        ("https://10.1.2.3/hook", "own network"),
        ("https://[::1]/hook", "own network"),
    ]:
        with pytest.raises(ValidationError, match=words):
            delivery.check_endpoint(url)


def test_the_secretariat_registers_a_webhook_in_the_admin_from_now_on(
    world: World, receiver: Receiver
) -> None:
    old = _post(world, "Before the subscription")
    admin = client_for(world.person("secretariat_admin"))
    answer = admin.post(
        "/admin/notifications/webhooksubscription/add/",
        {"url": receiver.url, "streams": "dialogue:budapest-process\n"},
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    subscription = WebhookSubscription.objects.get()
    assert subscription.owner == world.person("secretariat_admin")
    assert subscription.streams == ["dialogue:budapest-process"]
    assert subscription.delivered_through == old  # the past is not sent
    new = _post(world, "After")
    delivery.deliver_due()
    assert receiver.ids() == [new]
    page = admin.get(f"/admin/notifications/webhooksubscription/{subscription.pk}/change/")
    assert f"#{new} announcement.posted" in page.content.decode()
    assert client_for(world.person("focal_point_a")).get(
        "/admin/notifications/webhooksubscription/"
    ).status_code in (302, 404)
