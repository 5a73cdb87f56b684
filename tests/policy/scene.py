"""The objects the permission table names, built on the ``world`` fixture by the services:
an invitation, meetings in several states, an agenda with an internal item, registration,
documents, and the events all of them published.

Rows of ``matrix.toml`` refer to them by name: ``{meeting_public}`` in a path is that meeting's
id; an event row's ``audience`` names the events published by one part of the scene
(``Scene.publishing``): the table asks who receives what the services really wrote.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.utils import timezone

from dialogue import announcements, services
from dialogue.models import Announcement, Membership, RoleKind
from meetings import agenda, outcomes, registration, reminders
from meetings import services as meeting_services
from meetings.models import Meeting, Nomination, Outcome
from meetings.outcomes import negotiation, silence
from notifications.models import Event
from tests.conftest import World, at
from tests.factories import MembershipFactory
from tests.meetings.conftest import ON_THE_DAY, START, istanbul_meeting, set_up_registration


@dataclass
class Scene:
    ids: dict[str, Any] = field(default_factory=dict)
    meetings: dict[str, Meeting] = field(default_factory=dict)
    # a name of the table → the events the services published in that part of the scene
    events: dict[str, list[Event]] = field(default_factory=dict)

    @contextmanager
    def publishing(self, name: str) -> Iterator[None]:
        """Keep the events the services publish inside the block under ``name``."""
        last = Event.objects.aggregate(newest=Max("id"))["newest"] or 0
        yield
        self.events.setdefault(name, []).extend(Event.objects.filter(id__gt=last).order_by("id"))


def _meeting(world: World, title: str, *, public: bool, announce: bool) -> Meeting:
    return istanbul_meeting(
        world,
        title={"en": title},
        is_public=public,
        online_url="https://meet.example.org/secret-room",
        announce=announce,
    )


def invite_delegate_a(world: World) -> services.SentInvitation:
    """Focal point A invites a delegate of state A (the invitation the table names)."""
    return services.invite(
        by=world.person("focal_point_a"),
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

    with scene.publishing("meeting_public"):
        public = _meeting(world, "Public SOM", public=True, announce=True)
    with scene.publishing("meeting_members"):
        members = _meeting(world, "Members-only SOM", public=False, announce=True)
    draft = _meeting(world, "Draft SOM", public=True, announce=False)
    staff = world.person("secretariat_staff")
    item = agenda.add_item(by=staff, meeting=public, title={"en": "Opening"}, starts_at=START)
    agenda.add_item(by=staff, meeting=public, title={"en": "Secret budget talk"}, internal=True)
    with scene.publishing("meeting_public"):
        agenda.release_agenda(by=staff, meeting=public, note="First version")
    scene.meetings = {"public": public, "members": members, "draft": draft}
    scene.ids.update(
        meeting_public=public.pk,
        meeting_members=members.pk,
        meeting_draft=draft.pk,
        agenda_item=item.pk,
    )
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
    B, awaiting review; state A's nomination letter. Events: ``delegation_a`` (about delegate
    A), ``delegation_b``, ``letter_a``."""
    staff = world.person("secretariat_staff")
    public = built.meetings["public"]
    with built.publishing("meeting_public"):
        set_up_registration(public, staff, funded_seats=0)
        public = meeting_services.transition(by=staff, meeting=public, to="registration_open")
        # once open, a change of the quotas is news (set-up before opening is not)
        registration.set_quota(
            by=staff,
            meeting=public,
            member_kind="participating",
            categories=["head_of_delegation", "delegate"],
            seats=3,
            funded_seats=0,
        )
    with built.publishing("delegation_a"):
        nomination_a = registration.nominate(
            by=world.person("focal_point_a"),
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
        by=world.person("focal_point_a"),
        meeting=public,
        member=world.state_a,
        email="public.person@gov.ge",
        category="delegate",
        full_name="Public Person A",
        listed_publicly=True,
    )
    registration.approve(by=staff, nomination=listed_a)
    with built.publishing("delegation_b"):
        nomination_b = registration.nominate(
            by=world.person("focal_point_b"),
            meeting=public,
            member=world.state_b,
            email="b.delegate@example.org",
            category="delegate",
            full_name="Moldovan Nominee",
            passport_number="MD-PASSPORT-456",
        )
    with built.publishing("letter_a"):
        letter = registration.upload_letter(
            by=world.person("focal_point_a"),
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


# --- The meeting in session -------------------------------------------------------------------


def build_session(world: World, built: Scene) -> dict[str, Any]:
    """The registration scene's meeting in session (``{meeting_session}``): delegate A checked
    in, the first item under discussion, Georgia on the list of speakers. Its events under
    ``meeting_public``."""
    made: dict[str, Any] | None = getattr(world, "_session", None)
    if made is None:
        made = _build_session(world, built)
        world._session = made  # type: ignore[attr-defined]  # memo on the test's world
    return made


def _build_session(world: World, built: Scene) -> dict[str, Any]:
    from meetings import session
    from meetings.session import hybrid

    staff, chair = world.person("secretariat_staff"), world.person("chair")
    registered = build_registration(world, built)
    meeting = registered["meeting"]
    with built.publishing("meeting_public"):
        meeting = meeting_services.transition(by=staff, meeting=meeting, to="registration_closed")
        with at(ON_THE_DAY):
            meeting = meeting_services.transition(by=staff, meeting=meeting, to="in_session")
            registration.check_in(
                by=staff, meeting=meeting, token=registered["nomination_a"].checkin_token
            )
        session.open_item(by=chair, meeting=meeting, item_key=built.ids["agenda_item"])
        session.set_delay(by=staff, meeting=meeting, minutes=10)
        session.request_floor(by=world.person("delegate_a"), meeting=meeting)
    # Hybrid: delegate A takes part online as Georgia's speaker.
    meeting = meeting_services.change_meeting(by=staff, meeting=meeting, format="hybrid")
    speaker, listener = (
        hybrid.set_online_link(
            by=staff, meeting=meeting, kind=kind, url=f"https://meet.example.org/{kind}-secret"
        )
        for kind in ("speaker", "listener")
    )
    hybrid.choose_participation(
        by=world.person("focal_point_a"),
        nomination=registered["nomination_a"],
        mode="online",
        speaker=True,
    )
    return {"meeting": meeting, "speaker": speaker, "listener": listener}


def _session(world: World, built: Scene) -> None:
    """Every event of the session on the public meeting: an item opened, the delay stated,
    Georgia asking for the floor, withdrawing, on the list again by the tour de table, the list
    closed, the floor given and ended, the item closed; delegate A's attendance online
    (``delegation_a``)."""
    from meetings import session
    from meetings.session import hybrid

    staff, chair = world.person("secretariat_staff"), world.person("chair")
    meeting = build_session(world, built)["meeting"]
    request = Nomination.objects.get(pk=build_registration(world, built)["nomination_a"].pk)
    with built.publishing("meeting_public"):
        waiting = session.request_floor(by=request.person, meeting=meeting).request
        session.withdraw_floor(by=request.person, request=waiting)
        session.tour_de_table(by=chair, meeting=meeting)
        session.close_list(by=chair, meeting=meeting)
        session.give_floor(by=chair, meeting=meeting)
        session.end_floor(by=staff, meeting=meeting)
        session.close_item(by=chair, meeting=meeting)
    with built.publishing("delegation_a"):
        hybrid.record_attendance(
            by=staff,
            nomination=request,
            day=meeting.starts_at.astimezone(meeting.zone).date(),
            mode="online",
        )


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
    ``circulation_participants``; their events under the same names."""
    from documents import extraction
    from documents import services as documents

    staff = world.person("secretariat_staff")
    registered = build_registration(world, built)
    meetings = {**built.meetings, "public": registered["meeting"]}
    ids: dict[str, int] = {"document_meeting": meetings["public"].pk}
    made = {}
    for name, (meeting_name, marking, title, extra) in DOCUMENTS.items():
        meeting = meetings[meeting_name] if meeting_name else None
        with built.publishing(f"document_{name}"):
            document = documents.add_document(
                by=staff,
                dialogue=world.dialogue,
                meeting=meeting,
                kind="background_paper",
                title={"en": title},
                marking=marking,
                named_states=[world.state_a] if extra.get("states") else [],
                shared_with_chair=bool(extra.get("chair")),
                language="en",
                upload=SimpleUploadedFile("paper.pdf", PDF_BYTES),
            )
            # What its file says, as the text reader would have stored it: a word found only
            # inside this document ("innerword" and its name), for the search rows.
            extraction.store_text(
                revision=document.revisions.get(),
                extracted=extraction.Extracted(
                    "done",
                    text=f"The text of this paper mentions innerword{name.replace('_', '')}.",
                ),
            )
            if extra.get("withdrawn"):
                document = documents.withdraw_document(
                    by=staff, document=document, reason="Replaced"
                )
        made[name] = document
        ids[f"document_{name}"] = document.pk
    with built.publishing("circulation_participants"):
        circulation = documents.circulate(
            by=staff, documents=[made["participants"]], audience="participants", message="For you"
        )
    ids["circulation_participants"] = circulation.pk
    return {"ids": ids, "documents": made, "circulation": circulation}


# --- Outcomes ----------------------------------------------------------------------------------


def build_outcomes(world: World, built: Scene) -> dict[str, int]:
    """The outcome scene (see ``_build_outcomes``), built once per world."""
    ids: dict[str, int] | None = getattr(world, "_outcome_ids", None)
    if ids is None:
        ids = _build_outcomes(world, built)
        world._outcome_ids = ids  # type: ignore[attr-defined]  # memo on the test's world
    return ids


def _build_outcomes(world: World, built: Scene) -> dict[str, int]:
    """Outcomes at every step of drafting (``{outcome_in_draft}`` …) on the scene's public
    meeting, one adopted on the members-only meeting, a comment of Georgia on the draft out for
    comment, and an open action point. Events: ``outcome_draft`` (shared for comment),
    ``secretariat`` (the comment), ``meeting_public`` and ``meeting_members`` (adopted)."""
    staff = world.person("secretariat_staff")
    public, members = built.meetings["public"], built.meetings["members"]

    def draft(meeting: Any, title: str) -> Outcome:
        return outcomes.draft_outcome(
            by=staff,
            meeting=meeting,
            kind="conclusions",
            title={"en": title, "ru": ""},
            text={"en": f"{title}: the text.", "ru": ""},
        )

    in_draft = draft(public, "Draft in the drawer")
    with_chair = outcomes.share_with_chair(by=staff, outcome=draft(public, "Draft for the chair"))
    with built.publishing("outcome_draft"):
        for_comment = outcomes.share_for_comment(
            by=staff,
            outcome=draft(public, "Draft for comment"),
            deadline=timezone.now() + datetime.timedelta(days=2),
        )
    with built.publishing("outcome_comment_closed"):
        outcomes.comment(
            by=world.person("focal_point_a"),
            outcome=for_comment,
            state=world.state_a,
            text="Comment from Georgia",
        )
    with built.publishing("meeting_public"):
        adopted = outcomes.adopt(by=staff, outcome=draft(public, "Adopted conclusions"))
    with built.publishing("meeting_members"):
        adopted_members = outcomes.adopt(by=staff, outcome=draft(members, "Members' conclusions"))
    point = outcomes.add_action_point(
        by=staff, meeting=public, text={"en": "Map the routes", "ru": ""}
    )
    negotiated = _negotiation(world, built, public)
    heads = _heads(world, built, public)
    return {
        **negotiated,
        **heads,
        "outcome_meeting": public.pk,
        "outcome_in_draft": in_draft.pk,
        "outcome_with_chair": with_chair.pk,
        "outcome_for_comment": for_comment.pk,
        "outcome_adopted": adopted.pk,
        "outcome_adopted_members": adopted_members.pk,
        "action_point_open": point.pk,
    }


def _negotiation(world: World, built: Scene, public: Meeting) -> dict[str, int]:
    """``{outcome_negotiated}``: Rev.1 with Georgia's comment on paragraph 2 (between Georgia
    and the secretariat), Rev.2 whose comments the states share, with Moldova's comment, under
    a silence that was extended. Two more outcomes under silence: one broken by Georgia's
    objection, one adopted when its time passed (the worker runs at those moments). Events:
    ``outcome_draft`` (revisions, silences started, extended, withdrawn, broken),
    ``outcome_comment_closed`` and ``outcome_comment_shared`` (the comments),
    ``outcome_objection`` (the objection), ``meeting_public`` (adopted by silence)."""
    staff = world.person("secretariat_staff")
    now = timezone.now()

    def draft(title: str) -> Outcome:
        return outcomes.draft_outcome(
            by=staff,
            meeting=public,
            kind="conclusions",
            title={"en": title, "ru": ""},
            text={"en": "Paragraph one.\n\nParagraph two.", "ru": ""},
        )

    negotiated = draft("Negotiated declaration")
    with built.publishing("outcome_draft"):
        negotiation.release_revision(by=staff, outcome=negotiated, note="Zero draft")
    negotiated.refresh_from_db()
    with built.publishing("outcome_comment_closed"):
        outcomes.comment(
            by=world.person("focal_point_a"),
            outcome=negotiated,
            state=world.state_a,
            text="Georgia on paragraph two",
            paragraph=2,
        )
    outcomes.change_outcome(
        by=staff, outcome=negotiated, text={"en": "Paragraph two.\n\nParagraph one, amended."}
    )
    with built.publishing("outcome_draft"):
        negotiation.release_revision(by=staff, outcome=negotiated, comments_shared=True)
    with built.publishing("outcome_comment_shared"):
        outcomes.comment(
            by=world.person("focal_point_b"),
            outcome=negotiated,
            state=world.state_b,
            text="Moldova on Rev.2",
        )
    with built.publishing("outcome_draft"):
        running = silence.start(
            by=staff, outcome=negotiated, deadline=now + datetime.timedelta(days=2)
        )
        silence.extend(
            by=staff,
            silence=running,
            deadline=now + datetime.timedelta(days=3),
            reason="Translations",
        )
    withdrawn = draft("Withdrawn from silence")
    negotiation.release_revision(by=staff, outcome=withdrawn)
    with built.publishing("outcome_draft"):
        silence.withdraw(
            by=staff,
            silence=silence.start(
                by=staff, outcome=withdrawn, deadline=now + datetime.timedelta(days=2)
            ),
            reason="Rev.2 is coming",
        )
    broken, adopted = draft("Silence broken"), draft("Adopted by silence")
    for each in (broken, adopted):
        negotiation.release_revision(by=staff, outcome=each)
    to_break = silence.start(by=staff, outcome=broken, deadline=now + datetime.timedelta(hours=1))
    silence.start(by=staff, outcome=adopted, deadline=now + datetime.timedelta(hours=3))
    with built.publishing("outcome_objection"):
        silence.object_to(
            by=world.person("focal_point_a"), silence=to_break, state=world.state_a, text="No."
        )
    with built.publishing("outcome_draft"), at(now + datetime.timedelta(hours=2)):
        silence.conclude_due()
    with built.publishing("meeting_public"), at(now + datetime.timedelta(hours=4)):
        silence.conclude_due()
    return {"outcome_negotiated": negotiated.pk}


def _heads(world: World, built: Scene, public: Meeting) -> dict[str, int]:
    """``{outcome_heads}``: an outcome whose secretariat lets heads of delegation speak for
    their states. Delegate A, approved head of Georgia's delegation to the meeting (the
    registration scene), comments on its Rev.1 for Georgia; ``{outcome_heads_silence}``: under
    silence, broken by delegate A's objection for Georgia. Elsewhere (``{outcome_for_comment}``,
    ``{outcome_negotiated}``) heads are not let: delegate A is refused there. Events:
    ``outcome_draft_heads`` (revisions, silence started), ``outcome_comment_heads``,
    ``outcome_objection_heads``."""
    build_registration(world, built)
    staff = world.person("secretariat_staff")
    head = world.person("delegate_a")

    def draft(title: str) -> Outcome:
        made = outcomes.draft_outcome(
            by=staff,
            meeting=public,
            kind="conclusions",
            title={"en": title, "ru": ""},
            text={"en": f"{title}: paragraph one.\n\nParagraph two.", "ru": ""},
        )
        return negotiation.set_heads_may_comment(by=staff, outcome=made, allowed=True)

    heads, under_silence = draft("Heads may comment"), draft("Heads under silence")
    with built.publishing("outcome_draft_heads"):
        negotiation.release_revision(by=staff, outcome=heads, note="Zero draft")
        negotiation.release_revision(by=staff, outcome=under_silence)
        running = silence.start(
            by=staff,
            outcome=under_silence,
            deadline=timezone.now() + datetime.timedelta(days=2),
        )
    heads.refresh_from_db()
    with built.publishing("outcome_comment_heads"):
        outcomes.comment(
            by=head,
            outcome=heads,
            state=world.state_a,
            text="Head of Georgia on paragraph one",
            paragraph=1,
        )
    with built.publishing("outcome_objection_heads"):
        silence.object_to(by=head, silence=running, state=world.state_a, text="Georgia objects")
    return {"outcome_heads": heads.pk, "outcome_heads_silence": under_silence.pk}


# --- Every event type, published by the services -----------------------------------------------
# The event rows of the table ask who receives the events below. Each part builds on the scene
# the pages use (so the same names hold) and goes on with what only events need: a meeting
# postponed and cancelled, a nomination withdrawn, rejected, promoted, a circulation reminded.


def build_events(world: World, part: str) -> dict[str, list[Event]]:
    """The events of one part of the scene (``EVENT_PARTS``), by the table's names."""
    built = build(world)
    EVENT_PARTS[part](world, built)
    return built.events


def _announcements(world: World, built: Scene) -> None:
    staff = world.person("secretariat_staff")
    for name, audience in (
        ("public", Announcement.Audience.PUBLIC),
        ("members", Announcement.Audience.MEMBERS),
    ):
        with built.publishing(name):
            announcements.post_announcement(
                by=staff, dialogue=world.dialogue, title="News", body="Text", audience=audience
            )


def _meeting_life(world: World, built: Scene) -> None:
    """Each announced meeting: its agenda released, details changed, moved, reminded of, in
    session, postponed, cancelled (the members-only one ten days after the public one, so
    each reminder is sent on its own)."""
    staff = world.person("secretariat_staff")
    for name, days in (("public", 1), ("members", 10)):
        meeting = built.meetings[name]
        starts = START + datetime.timedelta(days=days)
        with built.publishing(f"meeting_{name}"):
            if name == "members":
                agenda.add_item(by=staff, meeting=meeting, title={"en": "Opening"}, starts_at=START)
                agenda.release_agenda(by=staff, meeting=meeting, note="First version")
            meeting = meeting_services.change_meeting(
                by=staff, meeting=meeting, title={"en": f"{meeting.title_i18n['en']} (renamed)"}
            )
            meeting = meeting_services.change_meeting(
                by=staff,
                meeting=meeting,
                starts_at=starts,
                ends_at=starts + datetime.timedelta(hours=8),
            )
            assert reminders.send_due_reminders(now=starts - datetime.timedelta(days=1)) == 1
            for to, reason in (("in_session", ""), ("postponed", "Floods"), ("cancelled", "")):
                with at(starts):  # the session opens near the meeting's dates only
                    meeting = meeting_services.transition(
                        by=staff, meeting=meeting, to=to, reason=reason or "No venue", confirm=True
                    )


def _outcomes(world: World, built: Scene) -> None:
    build_outcomes(world, built)


def _registration_decisions(world: World, built: Scene) -> None:
    """Delegate A's nomination updated, checked in, withdrawn; delegate A nominated again,
    waitlisted, promoted when the capacity grows, then rejected; state A's letter verified;
    an organisation's delegation registered; registration set up on the members-only meeting."""
    staff = world.person("secretariat_staff")
    focal_point_a = world.person("focal_point_a")
    registered = build_registration(world, built)
    public: Meeting = registered["meeting"]
    nomination_a: Nomination = registered["nomination_a"]
    with built.publishing("secretariat"), at(ON_THE_DAY):
        # scanned for a colleague by mistake, undone, then scanned when she arrives
        registration.check_in(by=staff, meeting=public, token=nomination_a.checkin_token)
        registration.undo_check_in(by=staff, nomination=nomination_a)
        registration.check_in(by=staff, meeting=public, token=nomination_a.checkin_token)
    with built.publishing("delegation_a"):
        registration.update_details(by=focal_point_a, nomination=nomination_a, phone="+995 1")
        registration.withdraw(
            by=staff, nomination=nomination_a, reason="Cannot travel", confirm=True
        )
        again = registration.nominate(
            by=focal_point_a,
            meeting=public,
            member=world.state_a,
            email="delegate_a@example.org",
            category="delegate",
            full_name="Delegate A",
        )
        registration.waitlist(by=staff, nomination=again)
        settings = public.registration_settings
        registration.configure_registration(
            by=staff,
            meeting=public,
            nomination_deadline=settings.nomination_deadline,
            confirmation_deadline=settings.confirmation_deadline,
            capacity=5,  # a seat for the waitlist: delegate A is promoted
        )
        registration.reject(by=staff, nomination=again, reason="Too late")
    with built.publishing("letter_a"):
        registration.verify_letter(by=staff, letter=registered["letter_a"])
    MembershipFactory(
        dialogue=world.dialogue,
        state=None,
        organisation=world.organisation,
        kind=Membership.Kind.PARTNER,
    )
    registration.set_quota(
        by=staff,
        meeting=public,
        member_kind=Membership.Kind.PARTNER,
        categories=["observer"],
        seats=1,
    )
    with built.publishing("delegation_organisation"):
        registration.nominate(
            by=staff,
            meeting=public,
            member=world.organisation,
            email="someone@organisation.example.org",
            category="observer",
            full_name="Organisation Observer",
        )
    members = built.meetings["members"]
    set_up_registration(members, staff)
    members = meeting_services.transition(by=staff, meeting=members, to="registration_open")
    with built.publishing("meeting_members"):  # once open, a new quota is news
        registration.set_quota(
            by=staff, meeting=members, member_kind="participating", categories=["expert"], seats=1
        )


def _documents(world: World, built: Scene) -> None:
    """The documents scene; then the participants' paper revised (its recipients hear of it),
    its circulation reminded of, and acknowledged by delegate A."""
    from documents import services as documents

    staff = world.person("secretariat_staff")
    made = build_documents(world, built)
    with built.publishing("circulation_participants"):
        assert documents.remind(by=staff, circulation=made["circulation"]) == 1
        documents.add_revision(
            by=staff,
            document=made["documents"]["participants"],
            language="en",
            upload=SimpleUploadedFile("paper.pdf", PDF_BYTES),
        )
    with built.publishing("secretariat"):
        documents.acknowledge(by=world.person("delegate_a"), circulation=made["circulation"])


EVENT_PARTS: dict[str, Callable[[World, Scene], None]] = {
    "announcements": _announcements,
    "meetings": _meeting_life,
    "outcomes": _outcomes,
    "registration": _registration_decisions,
    "documents": _documents,
    "session": _session,
}
# the part of the scene that publishes events of a type, by the type's prefix
PART_OF_PREFIX = {
    "announcement": "announcements",
    "meeting": "meetings",
    "agenda": "meetings",
    "outcome": "outcomes",
    "registration": "registration",
    "nomination": "registration",
    "delegation": "registration",
    "documents": "documents",
    "session": "session",
    "floor": "session",
    "attendance": "session",
}
