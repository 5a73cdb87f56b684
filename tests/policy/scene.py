"""The objects the permission table names, built on the ``world`` fixture: an invitation,
meetings in several states, an agenda with an internal item, audiences of live events.

Rows of ``matrix.toml`` refer to them by name: ``{meeting_public}`` in a path is that meeting's
id; an event row's ``audience`` is one of ``AUDIENCES``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from dialogue import live, services
from dialogue.models import Body, RoleKind, User
from meetings import agenda, registration
from meetings import events as meeting_events
from meetings import services as meeting_services
from meetings.models import Delegation, Meeting
from tests.conftest import World
from tests.meetings.conftest import set_up_registration

START = datetime.datetime(2027, 3, 10, 6, 0, tzinfo=datetime.UTC)


@dataclass
class Scene:
    ids: dict[str, Any] = field(default_factory=dict)
    audiences: dict[str, dict[str, Any]] = field(default_factory=dict)
    meetings: dict[str, Meeting] = field(default_factory=dict)


def _meeting(world: World, body: Body, title: str, *, public: bool, announce: bool) -> Meeting:
    staff: User = world.people["secretariat_staff"]  # type: ignore[assignment]
    meeting = meeting_services.schedule_meeting(
        by=staff,
        dialogue=world.dialogue,
        body=body,
        kind="senior_officials_meeting",
        title_en=title,
        time_zone="Europe/Istanbul",
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=8),
        is_public=public,
        online_url="https://meet.example.org/secret-room",
    )
    if announce:
        meeting = meeting_services.transition(by=staff, meeting=meeting, to="announced")
    return meeting


def invite_delegate_a(world: World) -> services.SentInvitation:
    """Focal point A invites a delegate of state A (the invitation the table names)."""
    return services.invite(
        by=world.people["focal_point_a"],  # type: ignore[arg-type]
        dialogue=world.dialogue,
        email="invited.delegate@example.org",
        kind=RoleKind.DELEGATE,
        state=world.state_a,
    )


def build(world: World) -> Scene:
    """The scene on ``world``, built once per world (a test asks for it many times)."""
    built: Scene | None = getattr(world, "_scene", None)
    if built is None:
        built = _build(world)
        world._scene = built  # type: ignore[attr-defined]  # memo on the test's world
    return built


def _build(world: World) -> Scene:
    scene = Scene()
    sent = invite_delegate_a(world)
    scene.ids["invitation_delegate_a"] = sent.invitation.pk
    scene.ids["invitation_token"] = sent.token
    delegate = world.people["delegate_a"]
    scene.ids["delegate_a"] = delegate.pk if delegate else 0
    held = world.people["secretariat_without_2fa"]
    scene.ids["secretariat_without_2fa"] = held.pk if held else 0

    body = Body.objects.create(
        dialogue=world.dialogue, kind=Body.Kind.SENIOR_OFFICIALS_MEETING, name_en="SOM"
    )
    public = _meeting(world, body, "Public SOM", public=True, announce=True)
    members = _meeting(world, body, "Members-only SOM", public=False, announce=True)
    draft = _meeting(world, body, "Draft SOM", public=True, announce=False)
    staff: User = world.people["secretariat_staff"]  # type: ignore[assignment]
    item = agenda.add_item(by=staff, meeting=public, title_en="Opening", starts_at=START)
    agenda.add_item(by=staff, meeting=public, title_en="Secret budget talk", internal=True)
    agenda.release_agenda(by=staff, meeting=public, note="First version")
    scene.meetings = {"public": public, "members": members, "draft": draft}
    scene.ids.update(
        meeting_public=public.pk,
        meeting_members=members.pk,
        meeting_draft=draft.pk,
        agenda_item=item.pk,
    )

    scene.audiences = {
        "public": live.audience_public(),
        "members": live.audience_dialogue_members(world.dialogue),
        "secretariat": live.audience_secretariat(world.dialogue),
        "user_delegate_a": {"kind": "user", "user": scene.ids["delegate_a"]},
        "user_secretariat_without_2fa": live.audience_user(held) if held else {},
        "meeting_public": meeting_events.audience_meeting(public),
        "meeting_members": meeting_events.audience_meeting(members),
        "meeting_draft": meeting_events.audience_meeting(draft),
        "outcome_draft": meeting_events.audience_outcome_draft(public),
        # Registration of state A's delegation, about delegate A; and of state B's, about nobody.
        "delegation_a": meeting_events.audience_delegation(
            public, Delegation(state=world.state_a), scene.ids["delegate_a"]
        ),
        "delegation_b": meeting_events.audience_delegation(
            public, Delegation(state=world.state_b), None
        ),
    }
    return scene


def build_registration(world: World, built: Scene) -> dict[str, Any]:
    """The registration scene on ``built`` (see ``_build_registration``), built once."""
    registered: dict[str, Any] | None = getattr(world, "_registration", None)
    if registered is None:
        registered = _build_registration(world, built)
        world._registration = registered  # type: ignore[attr-defined]  # memo on the world
    return registered


def _build_registration(world: World, built: Scene) -> dict[str, Any]:
    """Registration open on the public meeting: delegate A nominated by focal point A and
    approved (a registered participant, not in the public list of participants); a colleague of
    delegate A, approved and in the public list; a delegate of state B nominated by focal point
    B, awaiting review; state A's nomination letter."""
    staff: User = world.people["secretariat_staff"]  # type: ignore[assignment]
    public = built.meetings["public"]
    set_up_registration(public, staff, funded_seats=0)
    public = meeting_services.transition(by=staff, meeting=public, to="registration_open")
    nomination_a = registration.nominate(
        by=world.people["focal_point_a"],  # type: ignore[arg-type]
        meeting=public,
        member=world.state_a,
        email="delegate_a@example.org",
        category="head_of_delegation",
        full_name="Delegate A",
        passport_number="GE-PASSPORT-123",
        phone="+995 555 0101",
    )
    registration.approve(by=staff, nomination=nomination_a)
    listed_a = registration.nominate(
        by=world.people["focal_point_a"],  # type: ignore[arg-type]
        meeting=public,
        member=world.state_a,
        email="public.person@gov.ge",
        category="delegate",
        full_name="Public Person A",
        listed_publicly=True,
    )
    registration.approve(by=staff, nomination=listed_a)
    nomination_b = registration.nominate(
        by=world.people["focal_point_b"],  # type: ignore[arg-type]
        meeting=public,
        member=world.state_b,
        email="b.delegate@example.org",
        category="delegate",
        full_name="Moldovan Nominee",
        passport_number="MD-PASSPORT-456",
    )
    letter = registration.upload_letter(
        by=world.people["focal_point_a"],  # type: ignore[arg-type]
        meeting=public,
        member=world.state_a,
        upload=SimpleUploadedFile("note.pdf", b"%PDF-1.4\n%%EOF\n"),
    )
    return {
        "meeting": public,
        "nomination_a": nomination_a,
        "nomination_b": nomination_b,
        "nomination_listed_a": listed_a,
        "letter_a": letter,
    }


# --- Documents ---------------------------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# name → (meeting of the scene or None, marking, English title, extra)
DOCUMENTS: dict[str, tuple[str | None, str, str, dict[str, Any]]] = {
    "public": ("public", "public", "Public paper", {}),
    "participants": ("public", "participants", "Participants paper", {}),
    "member_states": ("public", "member_states", "Member states paper", {}),
    "delegations_a": ("public", "delegations", "Georgia only paper", {"states": ["a"]}),
    "internal": ("public", "internal", "Internal paper", {}),
    "internal_chair": ("public", "internal", "Paper for the chair", {"chair": True}),
    "withdrawn": ("public", "public", "Withdrawn paper", {"withdrawn": True}),
    "members_meeting": ("members", "public", "Members meeting paper", {}),
    "draft_meeting": ("draft", "public", "Draft meeting paper", {}),
    "dialogue_member_states": (None, "member_states", "Dialogue member states paper", {}),
}


def build_documents(world: World, built: Scene) -> dict[str, Any]:
    """A document at every marking on the public meeting (with registration: delegate A is
    an approved participant of state A), a public one on the members-only and on the draft
    meeting, a member-states one of the dialogue, a withdrawn one; the participants' paper
    circulated to the registered participants. Ids as ``document_<name>`` and
    ``circulation_participants``; live audiences as ``document_<name>`` and
    ``circulation_participants``."""
    from documents import events as document_events
    from documents import services as documents

    staff: User = world.people["secretariat_staff"]  # type: ignore[assignment]
    registered = build_registration(world, built)
    meetings = {**built.meetings, "public": registered["meeting"]}
    ids: dict[str, int] = {"document_meeting": meetings["public"].pk}
    audiences: dict[str, dict[str, Any]] = {}
    made = {}
    for name, (meeting_name, marking, title, extra) in DOCUMENTS.items():
        meeting = meetings[meeting_name] if meeting_name else None
        document = documents.add_document(
            by=staff,
            dialogue=world.dialogue,
            meeting=meeting,
            kind="background_paper",
            title_en=title,
            marking=marking,
            named_states=[world.state_a] if extra.get("states") else [],
            shared_with_chair=bool(extra.get("chair")),
            language="en",
            upload=SimpleUploadedFile("paper.pdf", PDF_BYTES),
        )
        if extra.get("withdrawn"):
            document = documents.withdraw_document(by=staff, document=document, reason="Replaced")
        made[name] = document
        ids[f"document_{name}"] = document.pk
        audiences[f"document_{name}"] = document_events.document_audience(document)
    circulation = documents.circulate(
        by=staff, documents=[made["participants"]], audience="participants", message="For you"
    )
    ids["circulation_participants"] = circulation.pk
    audiences["circulation_participants"] = document_events.circulation_audience(
        circulation, [r.recipient_id for r in circulation.receipts.all()], [made["participants"]]
    )
    return {"ids": ids, "audiences": audiences, "documents": made, "circulation": circulation}
