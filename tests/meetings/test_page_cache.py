"""The meeting page's cached body (meetings/page_cache.py): every role of the permission table
gets from the cache exactly the page made for them, and every change the page shows is there
on the next view."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dialogue.models import User
from documents import services as documents
from meetings import agenda, outcomes, page_cache, services
from meetings.models import Meeting
from notifications.inbox import mark_read
from tests.conftest import ROLE_NAMES, World, at, client_for
from tests.meetings.conftest import NOMINATIONS_CLOSE, START, open_registration
from tests.policy import scene

_PER_REQUEST = [
    (re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"'), 'name="csrfmiddlewaretoken"'),
    (re.compile(r'nonce="[^"]*"'), 'nonce=""'),
]


def _page(client: Client, path: str) -> tuple[int, str]:
    """Status and page, less what differs between two requests of one person (the masked CSRF
    token, the CSP nonce)."""
    response = client.get(path)
    text = (
        response.content.decode() if response.status_code == 200 else response.get("Location", "")
    )
    for pattern, same in _PER_REQUEST:
        text = pattern.sub(same, text)
    return response.status_code, text


def _forget() -> None:
    """Nothing cached anywhere: the shared cache and this process's recent bodies."""
    cache.clear()
    page_cache.RECENT.clear()


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        client.get(path)
    return len(ctx.captured_queries)


@pytest.fixture(autouse=True)
def _fresh_cache(settings: Any) -> None:
    settings.SECRETARIAT_REQUIRES_2FA = True  # as in the permission table
    _forget()


@pytest.mark.parametrize("meeting_name", ["public", "members"])
def test_cached_meeting_page_gives_every_role_only_its_own_page(
    world: World, meeting_name: str
) -> None:
    built = scene.build(world)
    scene.build_documents(world, built)  # every marking, a registered delegate of state A
    scene.build_outcomes(world, built)  # drafts shared and not, adopted, an action point
    path = f"/meetings/{built.meetings[meeting_name].pk}/"
    clients = {role: client_for(world.people[role]) for role in ROLE_NAMES}
    made_for: dict[str, tuple[int, str]] = {}
    for role in ROLE_NAMES:
        _forget()
        made_for[role] = _page(clients[role], path)
    _forget()
    # Those who may see most look first, so that each later viewer finds their pages cached.
    for role in reversed(ROLE_NAMES):
        _page(clients[role], path)
    for role in ROLE_NAMES:
        assert _page(clients[role], path) == made_for[role], role
    # The cache is really used: a repeat view costs fewer queries for those it serves.
    cached = [role for role in ROLE_NAMES if made_for[role][0] == 200]
    assert "delegate_a" in cached
    assert ("anonymous" in cached) == (meeting_name == "public")
    _forget()
    first = _queries(clients["delegate_a"], path)
    assert _queries(clients["delegate_a"], path) < first


def test_cached_meeting_page_differs_where_the_roles_see_differently(world: World) -> None:
    """A sanity check of the test above: the pages it compares are not all alike."""
    built = scene.build(world)
    scene.build_documents(world, built)
    scene.build_outcomes(world, built)
    path = f"/meetings/{built.meetings['public'].pk}/"
    pages = {role: _page(client_for(world.people[role]), path)[1] for role in ROLE_NAMES}
    assert "Draft for the chair" in pages["chair"]
    assert "Draft for the chair" not in pages["delegate_a"]
    assert "Draft for the chair" not in pages["anonymous"]
    assert pages["delegate_a"] != pages["focal_point_b"]


def _release(meeting: Meeting, staff: User) -> None:
    agenda.add_item(by=staff, meeting=meeting, title={"en": "Newly added item"}, starts_at=START)
    agenda.release_agenda(by=staff, meeting=meeting, note="One more")


def _reschedule(meeting: Meeting, staff: User) -> None:
    services.change_meeting(
        by=staff,
        meeting=Meeting.objects.get(pk=meeting.pk),
        starts_at=START + datetime.timedelta(days=1),
        ends_at=START + datetime.timedelta(days=1, hours=8),
    )


def _document(meeting: Meeting, staff: User) -> None:
    documents.add_document(
        by=staff,
        dialogue=meeting.dialogue,
        meeting=meeting,
        kind="background_paper",
        title={"en": "Newly added paper"},
        marking="public",
        language="en",
        upload=SimpleUploadedFile("paper.pdf", b"%PDF-1.4\n%%EOF\n"),
    )


def _outcome(meeting: Meeting, staff: User) -> None:
    draft = outcomes.draft_outcome(
        by=staff,
        meeting=meeting,
        kind="conclusions",
        title={"en": "Newly adopted conclusions"},
        text={"en": "The text."},
    )
    outcomes.adopt(by=staff, outcome=draft)


def _action_point(meeting: Meeting, staff: User) -> None:
    outcomes.add_action_point(by=staff, meeting=meeting, text={"en": "A new action point"})


def _status(meeting: Meeting, staff: User) -> None:
    services.transition(
        by=staff, meeting=meeting, to="postponed", reason="Venue unavailable", confirm=True
    )


CHANGES: dict[str, Callable[[Meeting, User], None]] = {
    "agenda released": _release,
    "rescheduled": _reschedule,
    "document added": _document,
    "outcome adopted": _outcome,
    "action point added (no event)": _action_point,
    "status changed": _status,
}


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("role", ["anonymous", "delegate_a"])
def test_meeting_page_shows_each_change_on_the_next_view(
    world: World, meeting: Meeting, staff: User, change: str, role: str
) -> None:
    client = client_for(world.people[role])
    path = f"/meetings/{meeting.pk}/"
    before = _page(client, path)
    assert _page(client, path) == before  # cached now
    CHANGES[change](meeting, staff)
    after = _page(client, path)
    _forget()
    assert after == _page(client, path)
    assert after != before


def test_meeting_page_shows_a_draft_shared_with_the_chair(
    world: World, meeting: Meeting, staff: User
) -> None:
    """Sharing a draft with the chair publishes nothing: the chair sees it all the same."""
    chair = client_for(world.person("chair"))
    path = f"/meetings/{meeting.pk}/"
    draft = outcomes.draft_outcome(
        by=staff,
        meeting=meeting,
        kind="conclusions",
        title={"en": "For the chair's eyes"},
        text={"en": "The text."},
    )
    assert "For the chair&#x27;s eyes" not in _page(chair, path)[1]
    outcomes.share_with_chair(by=staff, outcome=draft)
    assert "For the chair&#x27;s eyes" in _page(chair, path)[1]


def test_meeting_page_shows_registration_changes_and_deadlines(
    world: World, meeting: Meeting, staff: User, settings: Any
) -> None:
    # The clock moves past the deadline, months ahead: the focal point's session must still be
    # valid then, or the page after ``_forget`` (which empties the cached sessions too) is an
    # anonymous visitor's.
    settings.SESSION_COOKIE_AGE = 365 * 24 * 3600
    client = client_for(world.person("focal_point_a"))
    path = f"/meetings/{meeting.pk}/"
    before = _page(client, path)
    open_registration(meeting, staff)
    opened = _page(client, path)
    assert opened != before
    with at(NOMINATIONS_CLOSE + datetime.timedelta(hours=1)):
        closed = _page(client, path)
        _forget()
        assert closed == _page(client, path)

    # Past the deadline the focal point's registration section says nominations are closed,
    # and no longer invites them to nominate.
    def section(page: tuple[int, str]) -> str:
        return page[1].split('id="registration"', 1)[1].split("</section>", 1)[0]

    assert "Registration open" in section(opened)
    assert "nominate and follow" in section(opened)
    assert "Nominations closed" in section(closed)
    assert "Registration open" not in section(closed)
    assert "nominate and follow" not in section(closed)


def test_meeting_page_is_not_cached_for_the_secretariat(
    world: World, meeting: Meeting, staff: User
) -> None:
    """The draft agenda changes without an event: the secretariat's page is made each time."""
    client = client_for(staff)
    path = f"/meetings/{meeting.pk}/"
    _page(client, path)
    agenda.add_item(by=staff, meeting=meeting, title={"en": "Drafted, not released"})
    assert "Drafted, not released" in _page(client, path)[1]


def test_signed_in_pages_are_served_while_the_cache_is_down(world: World, settings: Any) -> None:
    """Sessions and people come from the database: a cache that cannot be reached (Redis
    down) costs the meeting page its cached body, never the person their session."""
    meeting = scene.build(world).meetings["members"]
    browser = client_for(world.person("focal_point_a"))
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.SharedRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    inbox = browser.get("/inbox/")
    assert inbox.status_code == 200
    assert inbox.context["user"].pk == world.person("focal_point_a").pk
    page = browser.get(f"/meetings/{meeting.pk}/")
    assert page.status_code == 200
    assert page.context["user"].is_authenticated


def _unread(page: tuple[int, str]) -> str:
    found = re.search(r'id="unread-count" data-count="(\d+)"', page[1])
    assert found is not None
    return found.group(1)


def test_cached_page_shows_the_header_as_it_is_now(
    world: World, meeting: Meeting, staff: User
) -> None:
    """The page is kept whole, header and heading included: what they show that changes
    without an event on the meeting's dialogue is on the next view all the same (a line read
    in the inbox, a message waiting after a form, the body or the dialogue renamed)."""
    person = world.person("focal_point_a")
    client = client_for(person)
    path = f"/meetings/{meeting.pk}/"
    first = _page(client, path)
    assert _unread(first) != "0"  # the meeting's announcement
    assert _page(client, path) == first  # kept
    mark_read(user=person)
    assert _unread(_page(client, path)) == "0"

    # A message left by a form the person sent is shown once, on the next page.
    saved = "Your notification settings were saved."
    assert client.post("/notifications/settings/", {}).status_code == 302
    assert saved in _page(client, path)[1]
    assert saved not in _page(client, path)[1]

    meeting.body.name_i18n = {"en": "Senior Officials, renamed"}
    meeting.body.save()
    assert "Senior Officials, renamed" in _page(client, path)[1]
    world.dialogue.name_i18n = {"en": "Budapest Process, renamed"}
    world.dialogue.save()
    assert "Budapest Process, renamed" in _page(client, path)[1]


@pytest.mark.parametrize("role", ["anonymous", "delegate_a"])
def test_forms_of_a_kept_page_carry_the_requests_own_token(
    world: World, meeting: Meeting, role: str
) -> None:
    """The header's forms (language, sign out) come from the kept page too: each response
    carries a token its form is accepted with."""
    client = client_for(world.people[role])
    client.handler.enforce_csrf_checks = True
    path = f"/meetings/{meeting.pk}/"
    client.get(path)
    kept = client.get(path).content.decode()  # from the cache
    assert page_cache.TOKEN_PLACEHOLDER not in kept
    token = re.search(r'action="/language/"[^>]*>\s*<input[^>]*value="([^"]+)"', kept)
    assert token is not None
    switched = client.post(
        "/language/",
        {"csrfmiddlewaretoken": token.group(1), "language": "ru", "next": path},
    )
    assert switched.status_code == 302
    assert "СДЛ Стамбул" in client.get(path).content.decode()
