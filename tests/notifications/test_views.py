from __future__ import annotations

import pytest

from notifications.models import Event, Notification
from tests.conftest import World, client_for
from tests.notifications.conftest import post_announcement

pytestmark = pytest.mark.django_db


def test_events_api_returns_missed_events_the_user_may_see(world: World) -> None:
    post_announcement(world, "members")
    post_announcement(world, "public", audience="public")
    first = Event.objects.order_by("id").first()
    assert first is not None
    member = (
        client_for(world.people["delegate_a"])
        .get(
            "/api/events/",
            {"stream": "dialogue:budapest-process", "since": first.id - 1, "wait": 0},
        )
        .json()
    )
    anonymous = (
        client_for(None)
        .get(
            "/api/events/",
            {"stream": "dialogue:budapest-process", "since": first.id - 1, "wait": 0},
        )
        .json()
    )
    assert [e["data"]["title"] for e in member["events"]] == ["members", "public"]
    assert [e["data"]["title"] for e in anonymous["events"]] == ["public"]
    assert member["last_id"] == Event.objects.order_by("id").last().id  # type: ignore[union-attr]


def test_events_api_refuses_someone_elses_stream_as_missing(world: World) -> None:
    other = world.person("focal_point_a")
    response = client_for(world.people["delegate_a"]).get(
        "/api/events/", {"stream": f"user:{other.pk}", "wait": 0}
    )
    assert response.status_code == 404


def test_inbox_lists_and_marks_read(world: World) -> None:
    post_announcement(world, "Agenda released")
    client = client_for(world.people["delegate_a"])
    page = client.get("/inbox/").content.decode()
    assert "Agenda released" in page
    assert client.get("/inbox/count/").json() == {"unread": 1}
    client.post("/inbox/read/", {"next": "/inbox/"})
    assert client.get("/inbox/count/").json() == {"unread": 0}


def test_inbox_filter_by_dialogue(world: World) -> None:
    post_announcement(world, "In Budapest")
    client = client_for(world.people["secretariat_admin"])
    assert (
        "In Budapest"
        in client.get("/inbox/", {"stream": "dialogue:budapest-process"}).content.decode()
    )
    assert (
        "In Budapest"
        not in client.get("/inbox/", {"stream": "dialogue:prague-process"}).content.decode()
    )


def test_preferences_are_saved(world: World) -> None:
    client = client_for(world.people["delegate_a"])
    client.post("/notifications/settings/", {"category-announcements": "email_now"})
    assert 'value="email_now" checked' in client.get("/notifications/settings/").content.decode()


def test_preferences_refuse_an_unknown_channel(world: World) -> None:
    client = client_for(world.people["delegate_a"])
    response = client.post(
        "/notifications/settings/", {"category-announcements": "carrier_pigeon"}, follow=True
    )
    assert "Choose one of the offered ways" in response.content.decode()


def test_secretariat_posts_from_the_dialogue_page_once_despite_a_double_click(world: World) -> None:
    client = client_for(world.people["secretariat_staff"])
    form = {
        "title_en": "Venue confirmed",
        "body_en": "Istanbul",
        "audience": "members",
        "idempotency_key": "abc123",
    }
    client.post("/dialogues/budapest-process/announcements/", form)
    client.post("/dialogues/budapest-process/announcements/", form)
    assert Notification.objects.filter(user=world.people["delegate_a"]).count() == 1
    assert (
        "Venue confirmed"
        in client_for(world.people["delegate_a"])
        .get("/dialogues/budapest-process/announcements/")
        .content.decode()
    )


def test_delegate_cannot_post_an_announcement(world: World) -> None:
    client = client_for(world.people["delegate_a"])
    response = client.post(
        "/dialogues/budapest-process/announcements/",
        {"title_en": "x", "body_en": "y", "audience": "members", "idempotency_key": "k"},
    )
    assert response.status_code == 404


def test_unfollowing_from_the_dialogue_page_keeps_the_inbox_quiet(world: World) -> None:
    client = client_for(world.people["delegate_a"])
    assert "Stop following" in client.get("/dialogues/budapest-process/").content.decode()
    client.post(
        "/notifications/follow/",
        {
            "stream": "dialogue:budapest-process",
            "following": "0",
            "next": "/dialogues/budapest-process/",
        },
    )
    assert "Follow this dialogue" in client.get("/dialogues/budapest-process/").content.decode()
    post_announcement(world, "Quiet please")
    assert client.get("/inbox/count/").json() == {"unread": 0}
