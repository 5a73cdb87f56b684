"""publish(): the event row, inbox lines, outbox e-mails, relay and the sweeper."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.utils import timezone

from dialogue import announcements
from dialogue.models import Announcement
from notifications import publishing
from notifications.inbox import set_follow, set_preferences, unread_count
from notifications.mail import send_due
from notifications.models import Channel, Event, Notification, OutboxEmail
from tests.conftest import WORLD_TOTP_SECRET, World

pytestmark = pytest.mark.django_db


def _post(
    world: World, title: str = "News", audience: str = Announcement.Audience.MEMBERS
) -> Announcement:
    return announcements.post_announcement(
        by=world.people["secretariat_staff"],
        dialogue=world.dialogue,
        title=title,
        body="Text",
        audience=audience,
    )


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        publishing.publish(
            stream="dialogue:x", type="announcement.posted", audience={"kind": "public"}, data={}
        )


def test_announcement_reaches_the_inbox_of_every_active_member(world: World) -> None:
    _post(world)
    event = Event.objects.get()
    assert (event.stream, event.type, event.audience) == (
        "dialogue:budapest-process",
        "announcement.posted",
        {"kind": "dialogue_members", "dialogue": world.dialogue.pk},
    )
    members = {
        "delegate_a",
        "focal_point_a",
        "focal_point_b",
        "observer",
        "chair",
        "secretariat_admin",
        "secretariat_without_2fa",  # two-factor is not required here
    }  # the author, secretariat_staff, gets no line about their own post
    got = set(Notification.objects.values_list("user__email", flat=True))
    assert got == {f"{name}@example.org" for name in members}


def test_secretariat_without_totp_gets_no_inbox_line_until_it_is_set_up(
    world: World, settings: Any
) -> None:
    settings.SECRETARIAT_REQUIRES_2FA = True
    held = world.people["secretariat_without_2fa"]
    assert held is not None
    _post(world)
    assert Notification.objects.filter(user=held).count() == 0
    TOTP.activate(held, WORLD_TOTP_SECRET)
    _post(world)
    assert Notification.objects.filter(user=held).count() == 1


def test_unfollowing_a_dialogue_keeps_announcements_out_of_the_inbox(world: World) -> None:
    set_follow(user=world.people["delegate_a"], stream="dialogue:budapest-process", following=False)
    _post(world)
    assert unread_count(world.people["delegate_a"]) == 0
    assert unread_count(world.people["focal_point_a"]) == 1


def test_following_by_choice_adds_an_entitled_outsider_only(world: World) -> None:
    outsider = world.people["secretariat_staff_other"]
    set_follow(user=outsider, stream="dialogue:budapest-process", following=True)
    _post(world, audience=Announcement.Audience.PUBLIC)
    _post(world, audience=Announcement.Audience.MEMBERS)
    assert unread_count(outsider) == 1  # the public one, not the members' one


def test_ten_changes_in_the_window_make_one_email_in_the_recipients_language(world: World) -> None:
    delegate = world.people["delegate_a"]
    delegate.preferred_language = "ru"
    delegate.save()
    set_preferences(user=delegate, channels={"announcements": Channel.EMAIL_NOW})
    for n in range(10):
        _post(world, title=f"Change {n}")
    assert OutboxEmail.objects.filter(user=delegate).count() == 1
    assert send_due() == 0  # still inside the coalescing window
    assert send_due(now=timezone.now() + datetime.timedelta(minutes=3)) == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["delegate_a@example.org"]
    assert all(f"Change {n}" in message.body for n in range(10))
    assert "Вы получаете это письмо" in message.body
    assert send_due(now=timezone.now() + datetime.timedelta(minutes=10)) == 0  # never twice


def test_failed_email_is_retried_with_back_off_then_sent_once(
    world: World, monkeypatch: Any
) -> None:
    delegate = world.people["delegate_a"]
    set_preferences(user=delegate, channels={"announcements": Channel.EMAIL_NOW})
    _post(world)
    later = timezone.now() + datetime.timedelta(minutes=3)
    calls = {"n": 0}
    original = mail.EmailMessage.send

    def flaky(self: Any, *args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("smtp down")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(mail.EmailMessage, "send", flaky)
    assert send_due(now=later) == 0
    email = OutboxEmail.objects.get(user=delegate)
    assert (email.attempts, email.sent_at) == (1, None)
    assert send_due(now=later) == 0  # backing off
    assert send_due(now=later + datetime.timedelta(minutes=5)) == 1
    assert len(mail.outbox) == 1


def test_digest_waits_for_the_digest_hour_in_the_persons_zone(world: World) -> None:
    delegate = world.people["delegate_a"]
    delegate.time_zone = "Asia/Tbilisi"
    delegate.save()
    set_preferences(user=delegate, channels={"announcements": Channel.EMAIL_DIGEST})
    _post(world)
    email = OutboxEmail.objects.get(user=delegate)
    local = email.send_after.astimezone(datetime.timezone(datetime.timedelta(hours=4)))
    assert (local.hour, local.minute) == (7, 0)
    assert email.coalesce_key == "digest"


def test_relay_hands_the_event_to_the_channel_layer_after_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(publishing.group_for("dialogue:budapest-process"), channel)
    with django_capture_on_commit_callbacks(execute=True):
        _post(world, title="Relayed")
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "live.event"
    assert '"title":"Relayed"' in message["frame"]
    assert Event.objects.get().relayed_at is not None


def test_sweeper_relays_what_the_layer_refused(
    world: World, django_capture_on_commit_callbacks: Any, monkeypatch: Any
) -> None:
    class DownLayer:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            raise ConnectionError("redis is down")

    monkeypatch.setattr(publishing, "get_channel_layer", lambda: DownLayer())
    with django_capture_on_commit_callbacks(execute=True):
        _post(world)
    assert Event.objects.get().relayed_at is None
    monkeypatch.undo()
    assert publishing.relay_pending(older_than=datetime.timedelta(0)) == 1
    assert Event.objects.get().relayed_at is not None


def test_prune_events_resets_resumes_from_before_the_cut(world: World) -> None:
    from notifications.replay import missed
    from notifications.retention import prune_events

    _post(world)
    old = Event.objects.get()
    Event.objects.update(at=timezone.now() - datetime.timedelta(days=31))
    _post(world, title="recent")
    assert prune_events(older_than=datetime.timedelta(days=30)) == 1
    assert missed("dialogue:budapest-process", old.id - 1, world.people["delegate_a"]).reset
    assert not missed("dialogue:budapest-process", old.id, world.people["delegate_a"]).reset


def test_idempotency_key_makes_a_retried_post_one_announcement(world: World) -> None:
    for _ in range(3):
        announcements.post_announcement(
            by=world.people["secretariat_staff"],
            dialogue=world.dialogue,
            title="Once",
            body="Text",
            idempotency_key="k1",
        )
    assert Announcement.objects.count() == 1
    assert Event.objects.count() == 1


def test_an_event_stored_with_a_line_break_in_its_title_is_still_e_mailed(world: World) -> None:
    """Before one-line fields were folded, a title could carry a line break into the event log;
    a subject line cannot hold one (Django refuses the header), so it is folded when sent."""
    delegate = world.people["delegate_a"]
    set_preferences(user=delegate, channels={"announcements": Channel.EMAIL_NOW})
    _post(world, title="Registration")
    event = Event.objects.get()
    # Stored as events were before texts per language: the title alone, no ``title_i18n``.
    old = {key: value for key, value in event.data.items() if key != "title_i18n"}
    Event.objects.filter(pk=event.pk).update(data={**old, "title": "Registration\r\nopens"})
    assert send_due(now=timezone.now() + datetime.timedelta(minutes=3)) == 1
    (message,) = mail.outbox
    assert "Registration opens" in message.subject
    assert "\n" not in message.message()["Subject"]
