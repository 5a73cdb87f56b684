"""Declared payloads: the checker every test runs on the events it publishes
(``tests/conftest.py``), and the protocol's document made from the registry."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest
from django.core.management import call_command

from meetings.events import MeetingFacts, NominationDecided
from meetings.models import MeetingStatus
from notifications import payloads, registry
from notifications.management.commands.event_types import BEGIN, END, replace_table, table

PROTOCOL = Path(__file__).resolve().parents[2] / "docs" / "live-protocol.md"


@dataclass(frozen=True)
class Item:
    id: int
    label: str


@dataclass(frozen=True)
class Example:
    count: int
    status: MeetingStatus
    what: Literal["added", "withdrawn"]
    note: str | None
    items: list[Item]


GOOD = {
    "count": 3,
    "status": "announced",
    "what": "added",
    "note": None,
    "items": [{"id": 1, "label": "One"}],
}


def test_payload_that_matches_its_declaration_has_no_problems() -> None:
    assert payloads.problems(Example, GOOD) == []


def _with(**change: object) -> dict[str, object]:
    return {**GOOD, **change}


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({k: v for k, v in GOOD.items() if k != "count"}, "data: missing key 'count'"),
        (_with(extra=1), "data: extra key 'extra'"),
        (_with(count="3"), "data.count: expected int, got '3'"),
        (_with(count=True), "data.count: expected int, got True"),
        (_with(status="approved"), "data.status: 'approved' is not a value of MeetingStatus"),
        (_with(what="revised"), "data.what: 'revised' is not one of ('added', 'withdrawn')"),
        (_with(note=7), "data.note: 7 is not str or null"),
        (_with(items=[{"id": 1}]), "data.items[0]: missing key 'label'"),
        (_with(items={"id": 1}), "data.items: expected a list, got {'id': 1}"),
    ],
)
def test_payload_that_differs_from_its_declaration_is_reported(
    data: dict[str, object], problem: str
) -> None:
    assert payloads.problems(Example, data) == [problem]


def test_payload_extending_another_needs_the_keys_of_both() -> None:
    facts = {name: None for name, _ in payloads.fields(MeetingFacts)}
    problems = payloads.problems(NominationDecided, facts)
    assert "data: missing key 'reason'" in problems
    assert "data: missing key 'nomination_id'" in problems


def test_registering_a_type_without_a_frozen_dataclass_is_refused() -> None:
    @dataclass
    class Mutable:
        id: int

    category = registry.categories()[0]
    for payload in (dict, Mutable):
        with pytest.raises(TypeError, match="frozen dataclass"):
            registry.register(
                "test.refused", category=category, describe=registry.describe, payload=payload
            )
    assert "test.refused" not in {known.name for known in registry.event_types()}


def test_protocol_document_lists_exactly_the_registered_types() -> None:
    text = PROTOCOL.read_text()
    assert replace_table(text, table()) == text, (
        "docs/live-protocol.md is behind the registry: "
        "python manage.py event_types --write docs/live-protocol.md"
    )
    listed = {
        line.split("`")[1]
        for line in text.split(BEGIN)[1].split(END)[0].splitlines()
        if line.startswith("| `")
    }
    assert listed == {known.name for known in registry.event_types()}


def test_event_types_command_writes_the_table_between_the_markers(tmp_path: Path) -> None:
    document = tmp_path / "protocol.md"
    document.write_text(f"# Title\n\n{BEGIN}\nold\n{END}\n\nAfter.\n")
    call_command("event_types", write=str(document))
    assert document.read_text() == f"# Title\n\n{BEGIN}\n{table()}\n{END}\n\nAfter.\n"
