"""The secretariat's live desk (meetings/registration/live_desk.py): every counter follows the
actions that move it, read from the database (so a reconnect shows the same), in a fixed
number of queries, for the secretariat only."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dialogue.models import User
from meetings import registration
from meetings.models import Meeting
from meetings.registration.live_desk import desk_counters
from tests.conftest import World, at, client_for
from tests.meetings.conftest import ON_THE_DAY

pytestmark = pytest.mark.django_db
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _figures(meeting: Meeting) -> dict[str, tuple[int, int | None]]:
    return {
        counter.key: (counter.value, counter.of)
        for group in desk_counters(meeting)
        for counter in group.counters
    }


def _nominate(fp: User, meeting: Meeting, world: World, name: str, category: str) -> Any:
    return registration.nominate(
        by=fp,
        meeting=meeting,
        member=world.state_a,
        email=f"{name.lower()}@gov.example",
        category=category,
        full_name=name,
    )


def test_desk_counters_follow_nominations_decisions_letters_and_arrivals(
    world: World, open_meeting: Meeting, staff: User, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    fp = world.person("focal_point_a")
    rule = open_meeting.quota_rules.get()
    seats = f"quota-{rule.pk}"
    before = _figures(open_meeting)
    # 3 seats for each of the two participating states.
    assert before[seats] == (0, 6)
    assert before["status-nominated"] == (0, None)

    head = _nominate(fp, open_meeting, world, "Nino", "head_of_delegation")
    _nominate(fp, open_meeting, world, "Giorgi", "delegate")
    figures = _figures(open_meeting)
    assert (figures["status-nominated"], figures[seats]) == ((2, None), (2, 6))

    registration.approve(by=staff, nomination=head)
    figures = _figures(open_meeting)
    assert (figures["status-nominated"], figures["status-approved"]) == ((1, None), (1, None))
    assert figures["arrived"] == (0, 1)

    letter = registration.upload_letter(
        by=fp,
        meeting=open_meeting,
        member=world.state_a,
        upload=SimpleUploadedFile("note.pdf", PDF_BYTES),
    )
    assert _figures(open_meeting)["letters-waiting"] == (1, None)
    registration.verify_letter(by=staff, letter=letter)
    assert _figures(open_meeting)["letters-waiting"] == (0, None)

    head.refresh_from_db()
    with at(ON_THE_DAY):
        registration.check_in(by=staff, meeting=open_meeting, token=head.checkin_token)
        figures = _figures(open_meeting)
    assert (figures["arrived-today"], figures["arrived"]) == ((1, None), (1, 1))


def test_desk_reads_in_a_fixed_number_of_queries(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    fp = world.person("focal_point_a")
    with CaptureQueriesContext(connection) as few:
        desk_counters(open_meeting)
    _nominate(fp, open_meeting, world, "Nino", "head_of_delegation")
    _nominate(fp, open_meeting, world, "Giorgi", "delegate")
    with CaptureQueriesContext(connection) as more:
        desk_counters(open_meeting)
    assert len(few) == len(more) == 7


def test_desk_is_the_secretariats(world: World, open_meeting: Meeting) -> None:
    page = client_for(world.person("secretariat_staff")).get(f"/meetings/{open_meeting.pk}/desk/")
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-fragment="/meetings/{open_meeting.pk}/desk/counters/"' in text
    assert 'id="desk-status-nominated"' in text
    for role in ("focal_point_a", "delegate_a", "anonymous"):
        response = client_for(world.people[role]).get(f"/meetings/{open_meeting.pk}/desk/counters/")
        assert response.status_code == 404
