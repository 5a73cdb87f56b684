"""The fan-out worker (``NOTIFICATIONS_FAN_OUT_WORKER``, ``fan_out_events``): the inbox lines
and e-mails of an event written from the log after its commit, once per event and person."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from dialogue import announcements
from dialogue.models import Announcement
from notifications import publishing
from notifications.inbox import set_preferences
from notifications.mail import send_due
from notifications.models import Channel, Event, Notification, OutboxEmail
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_worker(settings: Any) -> None:
    settings.NOTIFICATIONS_FAN_OUT_WORKER = True


def _post(world: World, title: str) -> Announcement:
    return announcements.post_announcement(
        by=world.person("secretariat_staff"), dialogue=world.dialogue, title=title, body="Text"
    )


def _lines(title: str) -> list[int]:
    """Who has an inbox line about the announcement titled ``title``, one entry per line."""
    return sorted(
        Notification.objects.filter(event__data__title=title).values_list("user_id", flat=True)
    )


def test_worker_reaches_the_people_the_transaction_would_have(world: World, settings: Any) -> None:
    _post(world, "Written at once")
    settings.NOTIFICATIONS_FAN_OUT_WORKER = True
    _post(world, "Written by the worker")
    assert _lines("Written by the worker") == []  # nothing yet: the worker's to write
    assert publishing.fan_out_pending() == 1
    assert _lines("Written by the worker") == _lines("Written at once")
    assert world.person("secretariat_staff").pk not in _lines("Written by the worker")
    assert len(_lines("Written at once")) > 3


def test_worker_writes_each_line_once_however_often_it_runs(world: World, in_worker: None) -> None:
    for n in range(3):
        _post(world, f"News {n}")
    assert publishing.fan_out_backlog() == 3
    assert publishing.fan_out_pending() == 3
    written = Notification.objects.count()
    assert publishing.fan_out_pending() == 0
    call_command("fan_out_events", "--once")
    assert Notification.objects.count() == written
    delegate = world.person("delegate_a")
    assert Notification.objects.filter(user=delegate).count() == 3


def test_a_pass_that_dies_midway_leaves_its_whole_batch_to_the_next(
    world: World, in_worker: None, monkeypatch: Any
) -> None:
    for n in range(3):
        _post(world, f"News {n}")
    real_fan_out = publishing._fan_out
    calls: list[int] = []

    def dies_on_the_second_event(event: Event, hearers: Any) -> list[int]:
        calls.append(event.id)
        if len(calls) == 2:
            raise ConnectionError("the worker's process was killed")
        return real_fan_out(event, hearers)

    monkeypatch.setattr(publishing, "_fan_out", dies_on_the_second_event)
    with pytest.raises(ConnectionError):
        publishing.fan_out_pending()
    # The first event's lines went with the failed pass: nothing half done is left behind.
    assert Notification.objects.count() == 0
    assert publishing.fan_out_backlog() == 3
    monkeypatch.undo()  # the worker restarted
    assert publishing.fan_out_pending() == 3
    delegate = world.person("delegate_a")
    assert sorted(
        Notification.objects.filter(user=delegate).values_list("event__data__title", flat=True)
    ) == ["News 0", "News 1", "News 2"]


def test_a_line_already_there_is_kept_and_not_doubled(world: World, in_worker: None) -> None:
    _post(world, "News")
    event = Event.objects.get()
    delegate = world.person("delegate_a")
    Notification.objects.create(user=delegate, event=event)  # as if written before a restart
    assert publishing.fan_out_pending() == 1
    assert Notification.objects.filter(user=delegate, event=event).count() == 1
    assert len(_lines("News")) > 3  # and everyone else got theirs


def test_worker_emails_each_recipient_in_their_language(world: World, in_worker: None) -> None:
    readers = {"delegate_a": "ru", "focal_point_b": "ar", "observer": "en"}
    for role, language in readers.items():
        person = world.person(role)
        person.preferred_language = language
        person.save()
        set_preferences(user=person, channels={"announcements": Channel.EMAIL_NOW})
    _post(world, "Agenda out")
    assert OutboxEmail.objects.count() == 0
    publishing.fan_out_pending()
    assert send_due(now=timezone.now() + datetime.timedelta(minutes=3)) == 3
    bodies = {message.to[0].split("@")[0]: message.body for message in mail.outbox}
    assert set(bodies) == set(readers)
    assert "Вы получаете это письмо" in bodies["delegate_a"]
    assert "تتلقى هذه الرسالة لأنك تتابع هذه التحديثات" in bodies["focal_point_b"]
    assert all("Agenda out" in body for body in bodies.values())
    assert send_due(now=timezone.now() + datetime.timedelta(minutes=10)) == 0  # never twice


def test_worker_tells_the_open_pages_of_the_people_with_a_new_line(
    world: World, in_worker: None
) -> None:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(publishing.INBOX_GROUP, channel)
    _post(world, "News")
    publishing.fan_out_pending()
    message = async_to_sync(layer.receive)(channel)
    assert message["type"] == "live.inbox"
    assert message["id"] == Event.objects.get().id
    assert sorted(message["users"]) == _lines("News")


def test_an_event_whose_fan_out_always_fails_is_skipped_and_the_rest_go_on(
    world: World, in_worker: None, monkeypatch: Any
) -> None:
    for title in ("Before", "Poisoned", "After"):
        _post(world, title)
    real_fan_out = publishing._fan_out

    def fails_for_one_event(event: Event, hearers: Any) -> list[int]:
        if event.data["title"] == "Poisoned":
            raise ValueError("the policy cannot answer for this event")
        return real_fan_out(event, hearers)

    monkeypatch.setattr(publishing, "_fan_out", fails_for_one_event)
    call_command("fan_out_events", "--once", "--interval", "0")
    delegate = world.person("delegate_a")
    assert sorted(
        Notification.objects.filter(user=delegate).values_list("event__data__title", flat=True)
    ) == ["After", "Before"]
    assert publishing.fan_out_backlog() == 0
