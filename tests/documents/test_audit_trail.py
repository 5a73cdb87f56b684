"""Documents in the permanent record: markings set and changed, revisions, circulations, and
downloads of documents marked above "participants"."""

from __future__ import annotations

from collections.abc import Callable

from dialogue.models import AuditAction, AuditEntry, User
from documents import services
from documents.models import Document
from tests.conftest import World, client_for
from tests.documents.conftest import pdf


def _entries(action: AuditAction, document: Document | None = None) -> list[AuditEntry]:
    entries = AuditEntry.objects.filter(action=action).order_by("id")
    if document is not None:
        entries = entries.filter(object_type="document", object_id=str(document.pk))
    return list(entries)


def test_marking_set_and_changed_is_recorded(
    world: World, staff: User, add: Callable[..., Document]
) -> None:
    document = add(marking="member_states", title={"en": "Draft report"})
    services.change_document(
        by=staff,
        document=document,
        kind="report",
        title={"en": "Draft report"},
        marking="delegations",
        named_states=[world.state_a],
    )
    services.change_document(  # the title only: the marking stays, nothing recorded
        by=staff,
        document=document,
        kind="report",
        title={"en": "Draft report (2)"},
        marking="delegations",
        named_states=[world.state_a],
    )
    set_, changed = _entries(AuditAction.DOCUMENT_MARKED, document)
    assert set_.details["marking"] == "member_states"
    assert set_.details["from"] is None
    assert changed.details["from"]["marking"] == "member_states"
    assert (changed.details["marking"], changed.details["states"]) == ("delegations", ["GE"])
    assert changed.actor == staff
    assert changed.object_label == document.symbol


def test_revision_is_recorded(world: World, staff: User, add: Callable[..., Document]) -> None:
    document = add()
    revision = services.add_revision(by=staff, document=document, language="en", upload=pdf("v2"))
    (entry,) = _entries(AuditAction.DOCUMENT_REVISED, document)
    assert entry.details["revision"] == revision.number == 2
    assert entry.details["sha256"] == revision.sha256


def test_circulation_is_recorded(world: World, staff: User, add: Callable[..., Document]) -> None:
    document = add(marking="participants")
    circulation = services.circulate(by=staff, documents=[document], audience="participants")
    (entry,) = _entries(AuditAction.DOCUMENT_CIRCULATED)
    assert (entry.object_type, entry.object_id) == ("circulation", str(circulation.pk))
    assert entry.details["documents"] == [document.pk]
    assert entry.details["recipients"] == circulation.receipts.count()


def test_downloads_above_participants_are_recorded_and_others_are_not(
    world: World, staff: User, add: Callable[..., Document]
) -> None:
    for_participants = add(marking="participants")
    for_states = add(marking="member_states")
    delegate = client_for(world.person("delegate_a"))
    assert delegate.get(f"/documents/{for_participants.pk}/en/").status_code == 200
    assert not _entries(AuditAction.DOCUMENT_DOWNLOADED)
    response = delegate.get(f"/documents/{for_states.pk}/en/r1/", REMOTE_ADDR="198.51.100.4")
    assert response.status_code == 200
    (entry,) = _entries(AuditAction.DOCUMENT_DOWNLOADED, for_states)
    assert entry.actor == world.person("delegate_a")
    assert entry.client_address == "198.51.100.4"
    assert entry.details == {"marking": "member_states", "language": "en", "revision": 1}
    # A person who may not see it gets 404 and leaves no entry.
    assert (
        client_for(world.person("observer")).get(f"/documents/{for_states.pk}/en/").status_code
        == 404
    )
    assert len(_entries(AuditAction.DOCUMENT_DOWNLOADED)) == 1
