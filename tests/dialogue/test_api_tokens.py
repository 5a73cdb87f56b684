"""API tokens (dialogue/api/tokens.py, views.py, admin.py) and how a request is read
(dialogue/api/reading.py, config/api.py): authentication, problem details, the rate limit."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from dialogue.api import tokens
from dialogue.models import ApiToken
from tests.conftest import World, api_headers, client_for

DIALOGUES = "/api/v1/dialogues/"
IN_A_MONTH = datetime.timedelta(days=30)


def _get(path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return Client().get(path, params, headers=headers or {})


def test_create_token_keeps_only_the_hash_and_reads_with_the_secret(world: World) -> None:
    person = world.person("focal_point_a")
    token, secret = tokens.create_token(
        by=person,
        name="Intranet",
        scopes=["delegation", "public"],
        expires_on=timezone.localdate() + IN_A_MONTH,
    )
    assert secret.startswith("dlg_")
    assert token.token_hash == tokens.hash_secret(secret)
    assert secret not in str(ApiToken.objects.filter(pk=token.pk).values().get())
    assert token.scopes == ["delegation", "public"]
    response = _get(DIALOGUES, {"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("name", "scopes", "days", "field"),
    [
        ("", ["public"], 30, "name"),
        ("Intranet", [], 30, "scopes"),
        ("Intranet", ["everything"], 30, "scopes"),
        ("Intranet", ["public"], 0, "expires_on"),
        ("Intranet", ["public"], 400, "expires_on"),
    ],
)
def test_create_token_refuses_bad_fields_with_a_sentence(
    world: World, name: str, scopes: list[str], days: int, field: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        tokens.create_token(
            by=world.person("delegate_a"),
            name=name,
            scopes=scopes,
            expires_on=timezone.localdate() + datetime.timedelta(days=days),
        )
    assert list(refused.value.message_dict) == [field]
    assert ApiToken.objects.count() == 0


def test_service_token_only_by_the_dialogues_secretariat_admin(world: World) -> None:
    expiry = timezone.localdate() + IN_A_MONTH
    with pytest.raises(PermissionDenied):
        tokens.create_token(
            by=world.person("secretariat_staff"),
            name="Website",
            scopes=["public"],
            expires_on=expiry,
            dialogue=world.dialogue,
        )
    token, _secret = tokens.create_token(
        by=world.person("secretariat_admin"),
        name="Website",
        scopes=["public"],
        expires_on=expiry,
        dialogue=world.dialogue,
    )
    assert token.is_service


@pytest.mark.parametrize("how", ["revoked", "expired", "deactivated", "unknown", "basic"])
def test_unusable_token_gets_401_problem_not_the_anonymous_answer(world: World, how: str) -> None:
    person = world.person("deactivated" if how == "deactivated" else "delegate_a")
    headers = api_headers(person)
    token = ApiToken.objects.get()
    if how == "revoked":
        tokens.revoke_token(by=person, token=token)
    if how == "expired":
        ApiToken.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    if how == "unknown":
        headers = {"Authorization": "Bearer dlg_not-a-token"}
    if how == "basic":
        headers = {"Authorization": "Basic Zm9vOmJhcg=="}
    response = _get(DIALOGUES, headers)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    problem = response.json()
    assert problem["status"] == 401
    assert problem["instance"] == DIALOGUES
    assert problem["title"] == "Not authenticated"


def test_problem_details_are_in_the_readers_language(world: World) -> None:
    response = _get("/api/v1/meetings/999999/", {"Accept-Language": "ru"})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Не найдено"


def test_unknown_api_address_is_a_problem_not_the_html_page(db: None) -> None:
    response = _get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_rate_limit_answers_429_with_retry_after(world: World, settings: Any) -> None:
    settings.API_RATE_LIMIT = "3/m"
    headers = api_headers(world.person("delegate_a"))
    statuses = [_get(DIALOGUES, headers).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = _get(DIALOGUES, headers)
    assert refused["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused["Retry-After"]) <= 60
    # Another token has its own count.
    assert _get(DIALOGUES, api_headers(world.person("focal_point_a"))).status_code == 200


def test_rate_limit_without_a_token_counts_per_address(db: None, settings: Any) -> None:
    settings.API_ANONYMOUS_RATE_LIMIT = "2/h"
    cache.clear()
    first = Client(REMOTE_ADDR="192.0.2.1")
    assert [first.get(DIALOGUES).status_code for _ in range(3)] == [200, 200, 429]
    assert Client(REMOTE_ADDR="192.0.2.2").get(DIALOGUES).status_code == 200


def test_profile_page_makes_a_token_shown_once_and_revokes_it(world: World) -> None:
    person = world.person("focal_point_a")
    client = client_for(person)
    expiry = (timezone.localdate() + IN_A_MONTH).isoformat()
    made = client.post(
        "/profile/api-tokens/",
        {"name": "Intranet", "scopes": ["public", "delegation"], "expires_on": expiry},
    )
    assert made.status_code == 200
    secret = re.search(r'value="(dlg_[^"]+)"', made.content.decode())
    assert secret is not None
    assert "no-store" in made["Cache-Control"] or "no-cache" in made["Cache-Control"]
    again = client.get("/profile/api-tokens/").content.decode()
    assert secret.group(1) not in again
    assert "Intranet" in again
    headers = {"Authorization": f"Bearer {secret.group(1)}"}
    assert _get(DIALOGUES, headers).status_code == 200
    token = ApiToken.objects.get(user=person)
    assert client.post(f"/profile/api-tokens/{token.pk}/revoke/").status_code == 302
    assert _get(DIALOGUES, headers).status_code == 401


def test_profile_page_keeps_the_input_and_says_why(world: World) -> None:
    client = client_for(world.person("delegate_a"))
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    page = client.post(
        "/profile/api-tokens/", {"name": "Script", "scopes": ["public"], "expires_on": past}
    ).content.decode()
    assert "The expiry date must be after today." in page
    assert 'value="Script"' in page
    assert ApiToken.objects.count() == 0


def test_nobody_revokes_another_persons_token(world: World) -> None:
    api_headers(world.person("focal_point_a"))
    token = ApiToken.objects.get()
    response = client_for(world.person("focal_point_b")).post(
        f"/profile/api-tokens/{token.pk}/revoke/"
    )
    assert response.status_code == 404
    assert ApiToken.objects.get().revoked_at is None


def test_admin_makes_a_service_token_that_reads_only_its_dialogue(world: World) -> None:
    admin = client_for(world.person("secretariat_admin"))
    expiry = (timezone.localdate() + IN_A_MONTH).isoformat()
    page = admin.post(
        "/admin/dialogue/apitoken/add/",
        {
            "dialogue": world.other_dialogue.pk,
            "name": "Prague website",
            "scopes": ["public"],
            "expires_on": expiry,
        },
    )
    assert page.status_code == 200
    secret = re.search(r'value="(dlg_[^"]+)"', page.content.decode())
    assert secret is not None
    listed = _get(DIALOGUES, {"Authorization": f"Bearer {secret.group(1)}"}).json()
    assert [d["slug"] for d in listed["results"]] == ["prague-process"]
    assert ApiToken.objects.get().dialogue == world.other_dialogue
