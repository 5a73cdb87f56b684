"""The documents of the read API (documents/api/endpoints.py): language versions and revisions
with download addresses that ask the policy again, circulations with the holder's receipt, and a
number of queries that does not grow with the documents."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import World, api_headers, client_for
from tests.policy import scene


def _get(path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    return Client().get(path, params, headers=headers or {})


def _documents(world: World) -> dict[str, Any]:
    return scene.build_documents(world, scene.build(world))


def test_document_lists_its_language_versions_and_links_to_the_checked_download(
    world: World,
) -> None:
    made = _documents(world)
    participants = made["documents"]["participants"]
    headers = api_headers(world.person("delegate_a"))
    answer = _get(f"/api/v1/documents/{participants.pk}/", headers).json()
    versions = {v["language"]: v for v in answer["versions"]}
    assert versions["en"]["current"]["number"] == 1
    assert versions["en"]["current"]["file_name"].endswith(".pdf")
    download = versions["en"]["current"]["download"]
    assert download.endswith(f"/documents/{participants.pk}/en/")
    # The address is the page's: it asks the policy again, with the session of whoever follows it.
    path = download.removeprefix("http://testserver")
    assert client_for(world.person("delegate_a")).get(path).status_code == 200
    assert Client().get(path).status_code == 404


def test_circulations_carry_the_holders_receipt(world: World) -> None:
    made = _documents(world)
    circulation = made["circulation"]
    mine = _get("/api/v1/circulations/", api_headers(world.person("delegate_a"))).json()
    assert [c["id"] for c in mine["results"]] == [circulation.pk]
    assert mine["results"][0]["documents"] == [made["documents"]["participants"].pk]
    assert mine["results"][0]["my_receipt"]["opened_at"] is None
    none = _get("/api/v1/circulations/", api_headers(world.person("focal_point_b"))).json()
    assert none["results"] == []


def test_document_list_queries_do_not_grow_with_the_documents(world: World) -> None:
    headers = api_headers(world.person("secretariat_staff"))
    _get("/api/v1/documents/", headers)  # the token's first use is written down once
    with CaptureQueriesContext(connection) as empty:
        _get("/api/v1/documents/", headers)
    _documents(world)
    with CaptureQueriesContext(connection) as full:
        answer = _get("/api/v1/documents/", headers).json()
    assert len(answer["results"]) == len(scene.DOCUMENTS)
    assert len(full) == len(empty) + 1  # the revisions of the page, in one query
