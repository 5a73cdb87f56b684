"""What every app's views share (``dialogue/http.py``): telling the page's own script, showing a
service's refusal, reading a list's filters from the query string."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, QueryDict
from django.test import RequestFactory

from dialogue.http import (
    QueryFilters,
    choice,
    flag,
    is_fetch,
    iso_date,
    next_or,
    search_text,
    show_refusal,
    whole_number,
)
from dialogue.models import RoleKind
from tests.conftest import World, client_for


@dataclass(frozen=True)
class Sample(QueryFilters):
    words: str = search_text(max_length=8, parameter="q")
    kind: str = choice(["agenda", "report"])
    meeting: int | None = whole_number()
    since: datetime.date | None = iso_date()
    full: bool = flag()


def _read(query: str) -> Sample:
    return Sample.from_query(QueryDict(query))


def test_filters_read_each_parameter_as_declared() -> None:
    read = _read("q=+Istanbul+2027&kind=report&meeting=42&since=2027-03-10&full=1")
    assert read == Sample(
        words="Istanbul",
        kind="report",
        meeting=42,
        since=datetime.date(2027, 3, 10),
        full=True,
    )


@pytest.mark.parametrize(
    "query",
    ["kind=memo", "meeting=4a", "meeting=%C2%B2", "meeting=-1", "since=10.03.2027", "full=yes"],
)
def test_filters_read_an_unreadable_value_as_no_filter(query: str) -> None:
    assert _read(query) == Sample()


def test_filters_as_query_keep_what_is_in_force_under_its_parameter() -> None:
    filters = Sample(words="SOM", meeting=0, since=datetime.date(2027, 3, 10), full=True)
    assert filters.as_query() == "q=SOM&meeting=0&since=2027-03-10&full=1"
    assert _read(filters.as_query()) == filters
    assert Sample().as_query() == ""


def _request(**headers: str) -> HttpRequest:
    request = RequestFactory().post("/", headers=headers)
    request._messages = CookieStorage(request)  # type: ignore[attr-defined]  # as MessageMiddleware does
    return request


def _messages(request: HttpRequest) -> list[str]:
    return [str(message) for message in get_messages(request)]


@pytest.mark.parametrize(
    ("posted", "back"),
    [
        ("/outcomes/7/", "/outcomes/7/"),
        ("https://evil.example/", "/meetings/1/"),
        ("//evil.example/", "/meetings/1/"),
        ("", "/meetings/1/"),
    ],
)
def test_next_or_goes_back_only_to_this_site(posted: str, back: str) -> None:
    request = RequestFactory().post("/", {"next": posted})
    assert next_or(request, "/meetings/1/") == back


def test_is_fetch_only_for_the_pages_own_script() -> None:
    assert is_fetch(_request(**{"X-Requested-With": "fetch"}))
    assert not is_fetch(_request(**{"X-Requested-With": "XMLHttpRequest"}))
    assert not is_fetch(_request())


def test_refusal_without_a_form_is_one_message() -> None:
    request = _request()
    show_refusal(request, ValidationError(["The agenda has no items yet.", "Try again."]))
    assert _messages(request) == ["The agenda has no items yet. Try again."]


def test_refusal_with_a_form_stands_above_its_fields() -> None:
    request = _request()
    form = forms.Form(data={})
    form.is_valid()
    show_refusal(request, ValidationError("A session cannot be nested in another session."), form)
    assert form.non_field_errors() == ["A session cannot be nested in another session."]
    assert _messages(request) == []


def test_denial_shown_says_what_the_view_says_or_not_allowed() -> None:
    request = _request()
    form = forms.Form(data={})
    form.is_valid()
    show_refusal(request, PermissionDenied(), form, denied="You may not invite to this role.")
    show_refusal(request, PermissionDenied())
    assert form.non_field_errors() == ["You may not invite to this role."]
    assert _messages(request) == ["Not allowed."]


@pytest.mark.django_db
def test_invitation_to_a_role_one_may_not_give_is_refused_beside_the_form(world: World) -> None:
    response = client_for(world.person("focal_point_a")).post(
        "/invitations/new/",
        {
            "dialogue": world.dialogue.pk,
            "kind": RoleKind.DELEGATE,
            "email": "stateless@example.org",
        },
    )
    assert response.status_code == 200
    assert "You may not invite to this role." in response.content.decode()
