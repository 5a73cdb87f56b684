"""documents/live_desk.py: the receipts of a meeting's latest circulation on the secretariat's
live desk."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from dialogue.models import User
from documents import services
from documents.models import Document
from meetings.models import Meeting
from meetings.registration.live_desk import desk_counters
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _receipts(meeting: Meeting) -> dict[str, tuple[int, int | None]]:
    return {
        counter.key: (counter.value, counter.of)
        for group in desk_counters(meeting)
        if group.key == "receipts"
        for counter in group.counters
    }


def test_desk_counts_receipts_of_the_latest_circulation(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    assert _receipts(meeting) == {}
    document = add(marking="participants", title={"en": "Annotated agenda"})
    circulation = services.circulate(by=staff, documents=[document], audience="participants")
    assert _receipts(meeting) == {"receipts-opened": (0, 1), "receipts-acknowledged": (0, 1)}
    services.acknowledge(by=world.person("delegate_a"), circulation=circulation)
    assert _receipts(meeting) == {"receipts-opened": (1, 1), "receipts-acknowledged": (1, 1)}
