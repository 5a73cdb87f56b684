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


def _revise(world: World, document: Any, language: str, times: int) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from documents import services

    for n in range(times):
        services.add_revision(
            by=world.person("secretariat_staff"),
            document=document,
            language=language,
            upload=SimpleUploadedFile(
                f"paper {n}.pdf", scene.PDF_BYTES.replace(b"<<>>", f"<</N {n}>>".encode(), 1)
            ),
            note=f"Change {n}",
        )


def test_document_revisions_list_the_current_first_and_link_superseded_by_number(
    world: World,
) -> None:
    public = _documents(world)["documents"]["public"]
    _revise(world, public, "en", 2)
    _revise(world, public, "ru", 1)
    path = f"/api/v1/documents/{public.pk}/revisions/"
    answer = _get(path).json()
    assert [(r["language"], r["number"], r["current"]) for r in answer] == [
        ("en", 3, True),
        ("en", 2, False),
        ("en", 1, False),
        ("ru", 1, True),
    ]
    assert answer[0]["download"].endswith(f"/documents/{public.pk}/en/")
    assert answer[1]["download"].endswith(f"/documents/{public.pk}/en/r2/")
    # Who uploaded it, and under which name, is the secretariat's to know.
    assert {(r["uploaded_by"], r["original_name"]) for r in answer} == {(None, None)}
    staff = _get(path, api_headers(world.person("secretariat_staff"))).json()
    assert [(r["uploaded_by"], r["original_name"]) for r in staff][:2] == [
        ("Secretariat Staff", "paper 1.pdf"),
        ("Secretariat Staff", "paper 0.pdf"),
    ]
    only_ru = _get(path, language="ru").json()
    assert [(r["language"], r["number"]) for r in only_ru] == [("ru", 1)]


def test_document_revisions_of_a_document_the_reader_may_not_see_answer_404(
    world: World,
) -> None:
    internal = _documents(world)["documents"]["internal"]
    path = f"/api/v1/documents/{internal.pk}/revisions/"
    assert _get(path, api_headers(world.person("focal_point_a"))).status_code == 404
    assert _get("/api/v1/documents/987654/revisions/").status_code == 404


def _count_queries(path: str, headers: dict[str, str]) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert _get(path, headers).status_code == 200
    return len(captured)


def test_document_revisions_queries_do_not_grow_with_the_revisions(world: World) -> None:
    public = _documents(world)["documents"]["public"]
    path = f"/api/v1/documents/{public.pk}/revisions/"
    for role in ("focal_point_a", "secretariat_staff"):
        headers = api_headers(world.person(role))
        _get(path, headers)  # the token's first use is written down once
        one = _count_queries(path, headers)
        assert len(_get(path, headers).json()) == 1
        _revise(world, public, "ru", 5)
        assert len(_get(path, headers).json()) == 6
        assert _count_queries(path, headers) == one, role
        public.revisions.filter(language="ru").delete()
