"""Written statements of delegations on agenda items (``documents.statements``)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from documents import statements
from documents.models import DocumentKind, Marking
from notifications.models import Event
from tests.conftest import World, client_for
from tests.meetings.session_scene import InSession, meeting_in_session

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def room(world: World) -> InSession:
    return meeting_in_session(world)


def _submit(room: InSession, by: object, **extra: object) -> object:
    return statements.submit_statement(
        by=by,  # type: ignore[arg-type]  # a User, by the test
        meeting=room.meeting,
        delegation=extra.pop("delegation", room.delegation_a),  # type: ignore[arg-type]
        agenda_item=room.items[2],
        language="en",
        upload=SimpleUploadedFile("statement.pdf", PDF),
        **extra,  # type: ignore[arg-type]
    )


def test_participant_submits_a_statement_listed_under_the_item(
    world: World, room: InSession
) -> None:
    document = _submit(room, room.delegate_a)
    assert document.kind == DocumentKind.STATEMENT  # type: ignore[attr-defined]
    assert document.marking == Marking.PARTICIPANTS  # type: ignore[attr-defined]
    assert document.agenda_item == room.items[2]  # type: ignore[attr-defined]
    assert document.title_i18n["en"] == "Statement of Georgia on item Return and readmission"
    assert Event.objects.filter(type="documents.changed").exists()
    page = client_for(room.delegate_b).get(f"/meetings/{room.meeting.pk}/").content.decode()
    assert "Statement of Georgia" in page
    # "participants" by default: a visitor does not see it.
    assert (
        "Statement of Georgia"
        not in client_for(None).get(f"/meetings/{room.meeting.pk}/").content.decode()
    )


def test_focal_point_submits_for_their_state_only(world: World, room: InSession) -> None:
    _submit(room, world.person("focal_point_a"))
    with pytest.raises(PermissionDenied):
        _submit(room, world.person("focal_point_a"), delegation=room.delegation_b)


def test_statement_refuses_an_internal_marking(world: World, room: InSession) -> None:
    with pytest.raises(ValidationError, match="participants or for everyone"):
        _submit(room, room.delegate_a, marking=Marking.INTERNAL)


def test_statement_refuses_a_disguised_file(world: World, room: InSession) -> None:
    with pytest.raises(ValidationError):
        statements.submit_statement(
            by=room.delegate_a,
            meeting=room.meeting,
            delegation=room.delegation_a,
            agenda_item=room.items[2],
            language="en",
            upload=SimpleUploadedFile("statement.pdf", b"MZ\x90\x00 not a pdf"),
        )


def test_statement_page_uploads_for_the_person_s_delegation(world: World, room: InSession) -> None:
    client = client_for(room.delegate_a)
    url = f"/meetings/{room.meeting.pk}/statements/new/"
    assert client.get(url).status_code == 200
    answer = client.post(
        url,
        {
            "delegation": room.delegation_a.pk,
            "agenda_item": room.items[2].pk,
            "marking": "participants",
            "language": "en",
            "file": SimpleUploadedFile("statement.pdf", PDF),
        },
    )
    assert answer.status_code == 302
    assert client_for(world.person("observer")).get(url).status_code == 200  # its organisation
    assert client_for(world.person("chair")).get(url).status_code == 404
