"""The read API against its own OpenAPI document (config/api.py): the document is valid
OpenAPI 3.1, and schemathesis (property-based, from the document) calls every operation with
each kind of token: anonymous, a focal point's, the secretariat's. No answer is a server error,
and every answer (its status, content type, headers and body) is what the document says.

The path parameters are narrowed to the scene's real ids and slugs (and one that does not
exist), so the fuzzer reaches real meetings, agendas, registrations, documents and outcomes,
not only 404s; the query parameters are generated freely. A bounded number of examples per
operation keeps it to seconds.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from openapi_spec_validator import validate

from tests.conftest import World, api_headers
from tests.policy import scene

EXAMPLES_PER_OPERATION = 10
MISSING_ID = 987654


@contextmanager
def _connection_kept() -> Iterator[None]:
    """As Django's test client does: the WSGI handler's requests do not close the database
    connection, which holds the test's transaction (PostgreSQL would lose the scene). Entered
    after the last use of the test client, which connects the closing again when it is done."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _schema_for(ids: dict[str, list[Any]]) -> Any:
    """The API's document as served, with each path parameter narrowed to ``ids[name]``."""
    document = copy.deepcopy(Client().get("/api/v1/openapi.json").json())
    for operations in document["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    parameter["schema"] = {"enum": ids[parameter["name"]]}
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = get_wsgi_application()
    return loaded


def _scene_ids(world: World) -> dict[str, list[Any]]:
    built = scene.build(world)
    registered = scene.build_registration(world, built)
    documents = scene.build_documents(world, built)
    outcomes = scene.build_outcomes(world, built)
    meetings = [m.pk for m in built.meetings.values()]
    return {
        "slug": [world.dialogue.slug, world.other_dialogue.slug, "no-such-dialogue"],
        "meeting_id": [
            *meetings,
            registered["meeting"].pk,
            outcomes["outcome_meeting"],
            MISSING_ID,
        ],
        "document_id": [d.pk for d in documents["documents"].values()] + [MISSING_ID],
        "circulation_id": [documents["circulation"].pk, MISSING_ID],
        "outcome_id": [
            *(
                pk
                for name, pk in outcomes.items()
                if name.startswith("outcome_") and name != "outcome_meeting"
            ),
            MISSING_ID,
        ],
    }


def test_openapi_document_is_valid_openapi_3_1(db: None) -> None:
    """The document as served, checked by openapi-spec-validator."""
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"] == "3.1.0"
    validate(document)  # raises on the first error


@pytest.mark.parametrize("role", ["anonymous", "focal_point_a", "secretariat_staff"])
def test_every_operation_answers_as_its_schema_says(world: World, role: str) -> None:
    schema = _schema_for(_scene_ids(world))
    headers = api_headers(world.people[role])
    failures: dict[str, str] = {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def call(case: Any) -> None:
            response = case.call(headers=headers)
            assert response.status_code < 500, response.text
            case.validate_response(response)

        try:
            with _connection_kept():
                call()
        except Exception as failure:  # every operation is tried; all failures are reported
            failures[operation.label] = str(failure)[:2000]
    assert failures == {}


def test_documented_examples_reach_real_rows(world: World) -> None:
    """The fuzzing is not all 404s: the scene's meeting answers with its agenda."""
    ids = _scene_ids(world)
    client_headers = api_headers(world.person("secretariat_staff"))
    agenda = Client().get(
        f"/api/v1/meetings/{ids['meeting_id'][0]}/agenda/", headers=client_headers
    )
    assert agenda.status_code == 200
    assert [i["title"] for i in agenda.json()["items"]] == ["Opening", "Secret budget talk"]
