from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dialogue import audiences, permissions
from dialogue.models import User
from documents import reach, services
from documents.models import Document, Receipt, Revision
from meetings import registration
from meetings.models import Meeting
from notifications import mail as outbox
from notifications.models import Event, Notification, OutboxEmail
from tests.conftest import World
from tests.documents.conftest import docx, pdf
from tests.meetings.conftest import istanbul_meeting

pytestmark = pytest.mark.django_db


def _events(type_: str) -> list[Event]:
    return list(Event.objects.filter(type=type_).order_by("id"))


# --- Symbols ----------


def test_symbols_number_per_dialogue_series_and_year(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    first, second = add(), add()
    working_group = add(series="wg")
    general = services.add_document(
        by=staff,
        dialogue=world.dialogue,
        kind="concept_note",
        title={"en": "Concept note of the dialogue"},
        marking="member_states",
        language="en",
        upload=pdf("general"),
    )
    year = timezone.now().year
    assert [first.symbol, second.symbol, working_group.symbol, general.symbol] == [
        "BP/SOM/2027/1",
        "BP/SOM/2027/2",
        "BP/WG/2027/1",
        f"BP/GEN/{year}/1",
    ]


def test_symbol_series_is_refused_when_malformed(add: Callable[..., Document]) -> None:
    with pytest.raises(ValidationError, match="capital letters"):
        add(series="SOM/../x")


def test_markings_that_need_a_meeting_or_names_are_refused(
    world: World, staff: User, add: Callable[..., Document]
) -> None:
    with pytest.raises(ValidationError, match="Name the delegations"):
        add(marking="delegations")
    with pytest.raises(ValidationError, match="meeting's document"):
        services.add_document(
            by=staff,
            dialogue=world.dialogue,
            kind="other",
            title={"en": "Stray"},
            marking="participants",
            language="en",
            upload=pdf(),
        )


def test_only_the_secretariat_adds_documents(world: World, add: Callable[..., Document]) -> None:
    for role in ("focal_point_a", "chair", "secretariat_staff_other"):
        with pytest.raises(PermissionDenied):
            add(by=world.person(role))
    assert Document.objects.count() == 0


def test_a_refused_upload_leaves_no_document_and_no_file(
    add: Callable[..., Document], settings: object
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ValidationError, match="program"):
        add(upload=SimpleUploadedFile("paper.pdf", b"MZ\x90\x00 not a paper"))
    assert Document.objects.count() == 0
    assert Revision.objects.count() == 0


# --- Versions and revisions ----------


def test_revisions_number_per_language_and_the_latest_is_current(
    staff: User, add: Callable[..., Document]
) -> None:
    document = add(marking="participants")
    second = services.add_revision(by=staff, document=document, language="en", upload=pdf("v2"))
    russian = services.add_revision(by=staff, document=document, language="ru", upload=docx())
    assert (second.number, russian.number, russian.extension) == (2, 1, "docx")
    assert second.file.name != document.revisions.get(language="en", number=1).file.name
    changed = _events("documents.changed")
    assert [e.data["what"] for e in changed] == ["added", "revised", "revised"]
    assert changed[-1].stream == f"meeting:{document.meeting_id}"
    assert changed[-1].parent_stream == "dialogue:budapest-process"


def test_a_withdrawn_document_takes_no_revision_and_cannot_be_circulated(
    staff: User, add: Callable[..., Document]
) -> None:
    document = services.withdraw_document(by=staff, document=add(), reason="Superseded")
    assert document.is_withdrawn
    with pytest.raises(ValidationError, match="withdrawn"):
        services.add_revision(by=staff, document=document, language="en", upload=pdf("x"))
    with pytest.raises(ValidationError, match="withdrawn"):
        services.circulate(by=staff, documents=[document], audience="participants")
    with pytest.raises(ValidationError, match="Say why"):
        services.withdraw_document(by=staff, document=add(), reason=" ")


def test_a_changed_distribution_tells_those_who_saw_it_and_those_who_see_it_now(
    world: World, staff: User, add: Callable[..., Document]
) -> None:
    document = add(marking="member_states", title={"en": "Draft report"})
    changed = services.change_document(
        by=staff,
        document=document,
        kind="report",
        title={"en": "Draft report", "ru": "Проект доклада"},
        marking="delegations",
        named_states=[world.state_a],
    )
    assert list(changed.named_states.all()) == [world.state_a]
    gone, now = _events("documents.changed")[-2:]
    assert gone.data["documents"] == []  # nothing about it for those who no longer see it
    fp_b = User.objects.get(pk=world.person("focal_point_b").pk)
    assert audiences.receivers(gone.audience, [fp_b]) == [fp_b]
    assert audiences.receivers(now.audience, [fp_b]) == []
    assert not permissions.documents_visible_to(fp_b).filter(pk=document.pk).exists()
    assert now.data["documents"][0]["title_i18n"]["ru"] == "Проект доклада"


# --- Circulation and receipts ----------


def test_circulation_reaches_participants_live_in_the_inbox_and_by_email_with_links_only(
    world: World, staff: User, add: Callable[..., Document]
) -> None:
    document = add(marking="participants", title={"en": "Annotated agenda"})
    deadline = timezone.now() + datetime.timedelta(days=5)
    circulation = services.circulate(
        by=staff,
        documents=[document],
        audience="participants",
        message="Please find the annotated agenda.",
        comments_until=deadline,
    )
    delegate = world.person("delegate_a")
    receipt = Receipt.objects.get(circulation=circulation)
    assert (receipt.recipient, receipt.state) == (delegate, world.state_a)
    (event,) = _events("documents.circulated")
    assert event.audience["users"] == [delegate.pk]
    assert event.data["documents"][0]["symbol"] == document.symbol
    assert Notification.objects.filter(event=event).values_list("user_id", flat=True).get() == (
        delegate.pk
    )
    outbox.send_due(now=timezone.now() + datetime.timedelta(minutes=5))
    (message,) = [m for m in mail.outbox if delegate.email in m.to]
    assert f"/circulations/{circulation.pk}/" in message.body
    assert "Please find the annotated agenda." in message.body
    assert message.attachments == []


def test_circulation_leaves_out_those_the_marking_does_not_admit(
    world: World, staff: User, add: Callable[..., Document]
) -> None:
    document = add(marking="member_states")
    circulation = services.circulate(
        by=staff,
        documents=[document],
        audience="delegations",
        named_states=[world.state_a],
        named_organisations=[world.organisation],
    )
    recipients = set(circulation.receipts.values_list("recipient__email", flat=True))
    assert recipients == {"delegate_a@example.org", "focal_point_a@example.org"}
    # The observer organisation (member states only) and state A's unverified delegate.
    assert circulation.left_out == 2
    event = _events("documents.circulated")[0]
    assert world.person("observer").pk not in event.audience["users"]


def test_circulation_to_nobody_entitled_is_refused(
    staff: User, add: Callable[..., Document]
) -> None:
    with pytest.raises(ValidationError, match="Nobody in this audience"):
        services.circulate(by=staff, documents=[add(marking="internal")], audience="focal_points")


def _approved_without_account(world: World, staff: User, meeting: Meeting, email: str) -> None:
    nomination = registration.nominate(
        by=world.person("focal_point_a"),
        meeting=meeting,
        member=world.state_a,
        email=email,
        category="delegate",
        full_name="Nino Beridze",
        language="ru",
    )
    registration.approve(by=staff, nomination=nomination)


def test_circulation_reaches_approved_participants_without_an_account_by_email(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    _approved_without_account(world, staff, meeting, "nino@gov.ge")
    document = add(marking="participants", title={"en": "Annotated agenda"})
    mail.outbox.clear()
    OutboxEmail.objects.all().delete()
    circulation = services.circulate(
        by=staff, documents=[document], audience="participants", message="For the session."
    )
    # the delegate with an account has a receipt; the nominee without one an e-mailed copy
    assert list(circulation.receipts.values_list("recipient__email", flat=True)) == [
        "delegate_a@example.org"
    ]
    (copy,) = circulation.mailed_copies.all()
    assert (copy.full_name, copy.email, copy.state) == (
        "Nino Beridze",
        "nino@gov.ge",
        world.state_a,
    )
    assert circulation.left_out == 0
    outbox.send_due(now=timezone.now() + datetime.timedelta(minutes=5))
    (message,) = [m for m in mail.outbox if m.to == ["nino@gov.ge"]]
    assert f"/documents/{document.pk}/" in message.body
    assert "For the session." in message.body
    # in the language of their letters, with a fresh invitation to open the documents
    assert message.subject.startswith("[Dialogue] Документы: ")
    assert "/invite/" in message.body


def test_reach_lists_who_is_left_out_and_why(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    _approved_without_account(world, staff, meeting, "nino@gov.ge")
    internal = add(marking="internal")
    seen = reach.reach_of(
        by=staff,
        dialogue=meeting.dialogue,
        meeting=meeting,
        audience="participants",
        documents=[internal],
    )
    assert seen.nobody
    assert [(a.name, a.why) for a in seen.left_out] == [
        ("Delegate A", "a document's distribution does not admit them"),
        ("Nino Beridze", "a document's distribution does not admit them"),
    ]
    assert seen.refusal() == (
        "Nobody in this audience may see these documents: check their distribution."
    )
    with pytest.raises(ValidationError, match="check their distribution"):
        services.circulate(by=staff, documents=[internal], audience="participants")


def test_nobody_reached_without_a_marking_reason_does_not_blame_the_distribution(
    world: World, staff: User, add: Callable[..., Document]
) -> None:
    empty = istanbul_meeting(world, title={"en": "No participants yet"})
    document = add(meeting=empty, dialogue=empty.dialogue)
    with pytest.raises(ValidationError) as refused:
        services.circulate(by=staff, documents=[document], audience="participants")
    assert refused.value.messages == ["Nobody is in this audience yet."]


def test_circulating_twice_with_the_same_key_circulates_once(
    staff: User, add: Callable[..., Document]
) -> None:
    document = add()
    first = services.circulate(
        by=staff, documents=[document], audience="focal_points", idempotency_key="k" * 32
    )
    again = services.circulate(
        by=staff, documents=[document], audience="focal_points", idempotency_key="k" * 32
    )
    assert first.pk == again.pk
    assert len(_events("documents.circulated")) == 1


def test_first_open_marks_the_receipt_and_tells_the_secretariat_once(
    staff: User, world: World, add: Callable[..., Document]
) -> None:
    document = add(marking="participants")
    circulation = services.circulate(by=staff, documents=[document], audience="participants")
    delegate = world.person("delegate_a")
    assert services.record_opened(user=world.person("focal_point_b"), documents=[document]) == 0
    assert services.record_opened(user=delegate, documents=[document]) == 1
    assert services.record_opened(user=delegate, documents=[document]) == 0
    receipt = circulation.receipts.get()
    assert receipt.opened_at is not None
    assert receipt.acknowledged_at is None
    (event,) = _events("documents.receipt")
    assert event.audience == {"kind": "secretariat", "dialogue": document.dialogue_id}
    assert (event.data["what"], event.data["state"]) == ("opened", receipt.state_id)


def test_only_a_recipient_acknowledges(
    staff: User, world: World, add: Callable[..., Document]
) -> None:
    circulation = services.circulate(
        by=staff, documents=[add(marking="participants")], audience="participants"
    )
    for role in ("secretariat_staff", "focal_point_a"):
        with pytest.raises(PermissionDenied):
            services.acknowledge(by=world.person(role), circulation=circulation)
    receipt = services.acknowledge(by=world.person("delegate_a"), circulation=circulation)
    again = services.acknowledge(by=world.person("delegate_a"), circulation=circulation)
    assert receipt.acknowledged_at == again.acknowledged_at is not None
    assert receipt.opened_at == receipt.acknowledged_at
    assert [e.data["what"] for e in _events("documents.receipt")] == ["acknowledged"]


def test_reminder_goes_only_to_delegations_that_have_not_acknowledged(
    world: World, staff: User, add: Callable[..., Document]
) -> None:
    circulation = services.circulate(by=staff, documents=[add()], audience="focal_points")
    # Georgia's focal point acknowledges; Moldova's does not.
    services.acknowledge(by=world.person("focal_point_a"), circulation=circulation)
    assert services.remind(by=staff, circulation=circulation) == 1
    (event,) = _events("documents.reminder")
    assert event.audience["users"] == [world.person("focal_point_b").pk]
    assert services.remind(by=staff, circulation=circulation) == 0  # a double click
    moldova = circulation.receipts.get(recipient=world.person("focal_point_b"))
    assert (moldova.reminders, moldova.reminded_at is not None) == (1, True)
    with pytest.raises(PermissionDenied):
        services.remind(by=world.person("focal_point_a"), circulation=circulation)


def test_a_new_revision_tells_those_who_received_the_earlier_one(
    staff: User, world: World, add: Callable[..., Document]
) -> None:
    document = add(marking="participants")
    services.circulate(by=staff, documents=[document], audience="participants")
    services.add_revision(
        by=staff, document=document, language="en", upload=pdf("v2"), note="Paragraph 4 added"
    )
    (event,) = _events("documents.revised")
    assert event.audience["users"] == [world.person("delegate_a").pk]
    assert (event.data["revision"], event.data["message"]) == (2, "Paragraph 4 added")
    assert Notification.objects.filter(event=event, user=world.person("delegate_a")).exists()


def test_a_revision_of_a_document_never_circulated_tells_nobody_by_name(
    staff: User, add: Callable[..., Document]
) -> None:
    document = add()
    services.add_revision(by=staff, document=document, language="ru", upload=pdf("ru"))
    assert _events("documents.revised") == []


def test_receipts_table_groups_by_delegation_waiting_first(
    staff: User, world: World, add: Callable[..., Document]
) -> None:
    from documents.queries import receipt_table

    circulation = services.circulate(by=staff, documents=[add()], audience="focal_points")
    services.acknowledge(by=world.person("focal_point_a"), circulation=circulation)
    table = receipt_table(circulation)
    assert [(d.name, d.status) for d in table.delegations] == [
        ("Republic of Moldova", "delivered"),
        ("Georgia", "acknowledged"),
    ]
    assert (table.opened, table.acknowledged, table.waiting) == (1, 1, 1)


# --- The policy agrees with itself ----------


@pytest.mark.parametrize(
    "marking", ["public", "participants", "member_states", "delegations", "internal"]
)
def test_live_audience_and_the_list_filter_agree_for_every_role(
    world: World, add: Callable[..., Document], marking: str
) -> None:
    document = add(
        marking=marking,
        named_states=[world.state_a] if marking == "delegations" else [],
        shared_with_chair=marking == "internal",
    )
    added = _events("documents.changed")[-1]  # the audience the service published
    for role, user in world.people.items():
        asking: User | AnonymousUser = AnonymousUser()
        if user is not None and user.is_active:  # as a request sees them: a deactivated
            asking = User.objects.get(pk=user.pk)  # account cannot sign in
        listed = permissions.documents_visible_to(asking).filter(pk=document.pk).exists()
        assert listed == bool(audiences.receivers(added.audience, [asking])), role
