"""meetings/outcomes/ negotiation, diff, compilation and silence: revisions frozen once
released, the diff on known texts, comments anchored to their revision and paragraph, who sees
whose comments (pages, compilation, live, replay, inbox), the silence procedure to the second,
and the worker recording a result exactly once."""

from __future__ import annotations

import datetime
import io
import zipfile
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from dialogue.models import AuditAction, AuditEntry, Body, User
from meetings import services
from meetings.models import (
    Meeting,
    Outcome,
    OutcomeStatus,
    SilenceLogEntry,
    SilenceStatus,
)
from meetings.outcomes import diff, negotiation, silence
from meetings.outcomes import services as outcomes
from notifications.models import Event, Notification
from tests.conftest import World, at, client_for

pytestmark = pytest.mark.django_db

TEXT_1 = (
    "The participants met in Istanbul.\n\n"
    "They welcome the work of the secretariat.\n\n"
    "They agree to exchange data on routes.\n\n"
    "They will meet again in 2027."
)
TEXT_2 = (
    "The participants met in Istanbul.\n\n"
    "They will meet again in 2027.\n\n"  # moved up from 4
    "They welcome the work of the secretariat.\n\n"
    "They agree to exchange data on migration routes."  # a word added
)


def _staff(world: World) -> User:
    return world.person("secretariat_staff")


@pytest.fixture
def meeting(world: World) -> Meeting:
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=30)
    meeting = services.schedule_meeting(
        by=_staff(world),
        dialogue=world.dialogue,
        body=Body.objects.get_or_create(
            dialogue=world.dialogue,
            name_i18n={"en": "Senior Officials' Meeting"},
            defaults={"kind": Body.Kind.SENIOR_OFFICIALS_MEETING},
        )[0],
        kind="senior_officials_meeting",
        title={"en": "SOM Istanbul"},
        time_zone="Europe/Istanbul",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=8),
    )
    return services.transition(by=_staff(world), meeting=meeting, to="announced")


def _outcome(world: World, meeting: Meeting, text: str = TEXT_1) -> Outcome:
    return outcomes.draft_outcome(
        by=_staff(world),
        meeting=meeting,
        kind="conclusions",
        title={"en": "Istanbul conclusions", "ru": "Стамбульские выводы"},
        text={"en": text, "ru": "Первый абзац."},
    )


def _rev1(world: World, meeting: Meeting) -> Outcome:
    outcome = _outcome(world, meeting)
    negotiation.release_revision(by=_staff(world), outcome=outcome, note="Zero draft")
    outcome.refresh_from_db()
    return outcome


def _rev2(world: World, outcome: Outcome, **kwargs: Any) -> Any:
    outcomes.change_outcome(by=_staff(world), outcome=outcome, text={"en": TEXT_2})
    return negotiation.release_revision(by=_staff(world), outcome=outcome, **kwargs)


# --- The diff on known texts ---------------------------------------------------------------------


def test_diff_shows_a_moved_paragraph_and_a_word_added() -> None:
    changes = diff.compare(TEXT_1, TEXT_2)
    assert [(c.status, c.old_number, c.new_number) for c in changes] == [
        ("same", 1, 1),
        ("moved", 4, 2),
        ("same", 2, 3),
        ("changed", 3, 4),
    ]
    assert [(p.kind, p.text) for p in changes[3].pieces if p.kind != "equal"] == [
        ("insert", "migration ")
    ]


def test_diff_shows_a_word_replaced() -> None:
    [change] = diff.compare("We meet in Vienna in May.", "We meet in Prague in May.")
    assert change.status == "changed"
    assert [(p.kind, p.text) for p in change.pieces] == [
        ("equal", "We meet in "),
        ("delete", "Vienna"),
        ("insert", "Prague"),
        ("equal", " in May."),
    ]


def test_diff_shows_a_paragraph_split_in_two() -> None:
    old = "Intro.\n\nStates exchange data on routes and they train border guards together."
    new = "Intro.\n\nStates exchange data on routes.\n\nThey train border guards together."
    changes = diff.compare(old, new)
    assert [(c.status, c.old_number, c.new_number) for c in changes] == [
        ("same", 1, 1),
        ("changed", 2, 2),
        ("added", None, 3),
    ]
    assert changes[1].new_text == "States exchange data on routes."
    assert changes[2].new_text == "They train border guards together."


def test_diff_shows_a_paragraph_removed_where_it_stood() -> None:
    changes = diff.compare("A first.\n\nB goes.\n\nC last.", "A first.\n\nC last.")
    assert [(c.status, c.old_number, c.new_number) for c in changes] == [
        ("same", 1, 1),
        ("removed", 2, None),
        ("same", 3, 2),
    ]


# --- Revisions -----------------------------------------------------------------------------------


def test_release_revision_freezes_the_text_and_numbers_it(world: World, meeting: Meeting) -> None:
    outcome = _rev1(world, meeting)
    assert outcome.status == OutcomeStatus.FOR_COMMENT
    outcomes.change_outcome(by=_staff(world), outcome=outcome, text={"en": TEXT_2})
    rev1 = outcome.revisions.get(number=1)
    assert rev1.text_i18n["en"] == TEXT_1  # editing the draft leaves Rev.1 as released
    rev2 = negotiation.release_revision(by=_staff(world), outcome=outcome, note="Moved 4 up")
    assert (rev2.label, rev2.text_i18n["en"], rev2.note) == ("Rev.2", TEXT_2, "Moved 4 up")
    event = Event.objects.filter(type="outcome.revision_released").latest("id")
    assert (event.data["revision"], event.data["note"]) == (2, "Moved 4 up")
    assert event.audience == {"kind": "outcome_draft", "dialogue": world.dialogue.pk, "heads": []}


def test_release_revision_without_a_change_is_refused(world: World, meeting: Meeting) -> None:
    outcome = _rev1(world, meeting)
    with pytest.raises(ValidationError, match=r"Nothing changed since Rev\.1"):
        negotiation.release_revision(by=_staff(world), outcome=outcome)


def test_release_revision_by_a_focal_point_is_refused(world: World, meeting: Meeting) -> None:
    from django.core.exceptions import PermissionDenied

    outcome = _outcome(world, meeting)
    with pytest.raises(PermissionDenied):
        negotiation.release_revision(by=world.person("focal_point_a"), outcome=outcome)


def test_revision_records_the_comments_it_took_up(world: World, meeting: Meeting) -> None:
    outcome = _rev1(world, meeting)
    made = outcomes.comment(
        by=world.person("focal_point_a"),
        outcome=outcome,
        state=world.state_a,
        text="Say migration routes.",
        paragraph=3,
    )
    rev2 = _rev2(world, outcome, taken_up=[made.pk])
    assert list(rev2.taken_up.all()) == [made]


def test_adopting_releases_unreleased_changes_as_the_last_revision(
    world: World, meeting: Meeting
) -> None:
    outcome = _rev1(world, meeting)
    outcomes.change_outcome(by=_staff(world), outcome=outcome, text={"en": TEXT_2})
    outcomes.adopt(by=_staff(world), outcome=outcome, confirm=True)
    last = outcome.revisions.order_by("-number").first()
    assert last is not None
    assert (last.number, last.text_i18n["en"]) == (2, TEXT_2)


# --- Comments on paragraphs ----------------------------------------------------------------------


def test_comment_keeps_its_revision_and_paragraph_after_renumbering(
    world: World, meeting: Meeting
) -> None:
    outcome = _rev1(world, meeting)
    made = outcomes.comment(
        by=world.person("focal_point_a"),
        outcome=outcome,
        state=world.state_a,
        text="2027 is too late.",
        paragraph=4,
        proposed_text="They will meet again in 2026.",
    )
    _rev2(world, outcome)  # paragraph 4 becomes paragraph 2
    made.refresh_from_db()
    assert negotiation.where(made) == "Rev.1, paragraph 4"
    page = client_for(world.people["secretariat_staff"]).get(f"/outcomes/{outcome.pk}/")
    assert "Rev.1, paragraph 4" in page.content.decode()
    assert "They will meet again in 2026." in page.content.decode()


def test_comment_on_a_paragraph_that_does_not_exist_is_refused(
    world: World, meeting: Meeting
) -> None:
    outcome = _rev1(world, meeting)
    with pytest.raises(ValidationError, match=r"Rev\.1 has paragraphs 1 to 4\."):
        outcomes.comment(
            by=world.person("focal_point_a"),
            outcome=outcome,
            state=world.state_a,
            text="?",
            paragraph=9,
        )


def test_no_objection_is_on_the_whole_revision(world: World, meeting: Meeting) -> None:
    outcome = _rev1(world, meeting)
    made = outcomes.comment(
        by=world.person("focal_point_a"),
        outcome=outcome,
        state=world.state_a,
        text="",
        no_objection=True,
        paragraph=2,
    )
    assert (made.paragraph, made.no_objection, negotiation.where(made)) == (None, True, "Rev.1")


def test_others_comments_are_hidden_until_the_secretariat_shares_them(
    world: World, meeting: Meeting
) -> None:
    outcome = _rev1(world, meeting)
    outcomes.comment(
        by=world.person("focal_point_a"),
        outcome=outcome,
        state=world.state_a,
        text="Secret wording of Georgia",
        paragraph=2,
    )
    event = Event.objects.get(type="outcome.commented")
    inbox = set(Notification.objects.filter(event=event).values_list("user__email", flat=True))
    assert "focal_point_b@example.org" not in inbox
    path = f"/outcomes/{outcome.pk}/"
    compilation = f"/outcomes/{outcome.pk}/compilation.docx"

    def sees(role: str, url: str) -> bool:
        body = client_for(world.people[role]).get(url).content
        if url.endswith(".docx"):
            body = zipfile.ZipFile(io.BytesIO(body)).read("word/document.xml")
        return "Secret wording of Georgia" in body.decode()

    assert sees("secretariat_staff", path)
    assert sees("focal_point_a", path)
    assert not sees("focal_point_b", path)
    assert not sees("focal_point_b", compilation)
    assert not sees("chair", path)

    rev1 = outcome.revisions.get(number=1)
    negotiation.set_comments_shared(by=_staff(world), revision=rev1, shared=True)
    assert sees("focal_point_b", path)
    assert sees("focal_point_b", compilation)
    assert not sees("delegate_a", path)


def test_comments_on_a_shared_revision_are_live_news_for_every_state(
    world: World, meeting: Meeting
) -> None:
    outcome = _outcome(world, meeting)
    negotiation.release_revision(by=_staff(world), outcome=outcome, comments_shared=True)
    outcome.refresh_from_db()
    outcomes.comment(
        by=world.person("focal_point_a"), outcome=outcome, state=world.state_a, text="Fine."
    )
    event = Event.objects.get(type="outcome.commented")
    assert event.audience["shared"] is True
    inbox = set(Notification.objects.filter(event=event).values_list("user__email", flat=True))
    assert "focal_point_b@example.org" in inbox


def test_compilation_lists_comments_by_paragraph_in_the_secretariats_order(
    world: World, meeting: Meeting
) -> None:
    outcome = _rev1(world, meeting)
    for who, state in (("focal_point_a", world.state_a), ("focal_point_b", world.state_b)):
        outcomes.comment(
            by=world.person(who),
            outcome=outcome,
            state=state,
            text=f"{state.code} on 3",
            paragraph=3,
        )
    outcomes.comment(
        by=world.person("focal_point_b"),
        outcome=outcome,
        state=world.state_b,
        text="MD on the whole",
    )
    negotiation.set_compilation_order(
        by=_staff(world), outcome=outcome, codes=[world.state_b.code, world.state_a.code]
    )
    outcome.refresh_from_db()
    compiled = negotiation.compile_comments(_staff(world), outcome.revisions.get(number=1))
    assert [(row.number, [c.text for c in row.comments]) for row in compiled.paragraphs] == [
        (None, ["MD on the whole"]),
        (1, []),
        (2, []),
        (3, ["MD on 3", "GE on 3"]),
        (4, []),
    ]
    staff = client_for(world.people["secretariat_staff"])
    docx = staff.get(f"/outcomes/{outcome.pk}/compilation.docx")
    document = zipfile.ZipFile(io.BytesIO(docx.content)).read("word/document.xml").decode()
    assert document.index("MD on 3") < document.index("GE on 3")
    pdf = staff.get(f"/outcomes/{outcome.pk}/compilation.pdf")
    assert (pdf.status_code, pdf["Content-Type"], pdf.content[:5]) == (
        200,
        "application/pdf",
        b"%PDF-",
    )


def test_compilation_order_with_an_unknown_code_is_refused(world: World, meeting: Meeting) -> None:
    outcome = _rev1(world, meeting)
    with pytest.raises(ValidationError, match=r"Unknown state codes: XX\."):
        negotiation.set_compilation_order(by=_staff(world), outcome=outcome, codes=["GE", "XX"])


def test_diff_page_and_pdf_show_what_changed(world: World, meeting: Meeting) -> None:
    outcome = _rev1(world, meeting)
    _rev2(world, outcome)
    client = client_for(world.people["focal_point_a"])
    page = client.get(f"/outcomes/{outcome.pk}/diff/?from=1&to=2").content.decode()
    assert "Paragraph 2: moved from 4" in page
    assert "<ins>migration </ins>" in page
    pdf = client.get(f"/outcomes/{outcome.pk}/diff/?from=1&to=2&print=1")
    assert (pdf["Content-Type"], pdf.content[:5]) == ("application/pdf", b"%PDF-")
    assert (
        client_for(world.people["delegate_a"]).get(f"/outcomes/{outcome.pk}/diff/").status_code
        == 404
    )


# --- Adopting asks first (issue 11) --------------------------------------------------------------


def test_adopt_while_comments_are_open_asks_for_confirmation(
    world: World, meeting: Meeting
) -> None:
    outcome = outcomes.share_for_comment(
        by=_staff(world),
        outcome=_outcome(world, meeting),
        deadline=timezone.now() + datetime.timedelta(days=2),
    )
    with pytest.raises(ValidationError) as refused:
        outcomes.adopt(by=_staff(world), outcome=outcome)
    assert refused.value.code == outcomes.ADOPT_NEEDS_CONFIRMATION
    assert "Comments are open until" in refused.value.messages[0]
    assert "Not answered yet: Georgia, Republic of Moldova." in refused.value.messages[0]
    assert outcomes.adopt(by=_staff(world), outcome=outcome, confirm=True).status == "adopted"


def test_secretariat_page_separates_no_objection_and_lists_answered_first(
    world: World, meeting: Meeting
) -> None:
    outcome = _rev1(world, meeting)
    outcomes.comment(
        by=world.person("focal_point_b"),
        outcome=outcome,
        state=world.state_b,
        text="",
        no_objection=True,
    )
    fragment = client_for(world.people["secretariat_staff"]).get(
        f"/outcomes/{outcome.pk}/comments/"
    )
    html = fragment.content.decode()
    assert f'id="no-objection-{world.state_b.code}"' in html
    assert f'id="comments-{world.state_b.code}"' not in html
    assert f'id="comments-{world.state_a.code}"' in html  # not answered, among the comments
    assert (
        client_for(world.people["focal_point_a"])
        .get(f"/outcomes/{outcome.pk}/comments/")
        .status_code
        == 404
    )


def test_comment_table_lists_answered_states_first(world: World, meeting: Meeting) -> None:
    outcome = _rev1(world, meeting)
    outcomes.comment(
        by=world.person("focal_point_b"), outcome=outcome, state=world.state_b, text="Moldova"
    )
    rows = outcomes.comment_table(outcome)
    assert [r.state.code for r in rows][:2] == [world.state_b.code, world.state_a.code]


# --- Silence -------------------------------------------------------------------------------------


def _under_silence(world: World, meeting: Meeting, deadline: datetime.datetime) -> Any:
    outcome = _rev1(world, meeting)
    return silence.start(by=_staff(world), outcome=outcome, deadline=deadline)


def test_objection_before_the_deadline_breaks_the_silence_and_tells_secretariat_and_chair(
    world: World, meeting: Meeting
) -> None:
    deadline = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    running = _under_silence(world, meeting, deadline)
    objection = silence.object_to(
        by=world.person("focal_point_a"),
        silence=running,
        state=world.state_a,
        text="Paragraph 3 needs work.",
    )
    assert objection.state == world.state_a
    event = Event.objects.get(type="outcome.silence_objected")
    inbox = set(Notification.objects.filter(event=event).values_list("user__email", flat=True))
    assert {"secretariat_staff@example.org", "chair@example.org"} <= inbox
    assert "focal_point_b@example.org" not in inbox
    with at(deadline + datetime.timedelta(seconds=1)):
        assert silence.conclude_due() == 1
    running.refresh_from_db()
    assert running.status == SilenceStatus.BROKEN
    concluded = Event.objects.get(type="outcome.silence_concluded")
    assert (concluded.data["result"], concluded.data["objected_by"]) == ("broken", ["Georgia"])
    assert running.outcome.status == OutcomeStatus.FOR_COMMENT


def test_silence_without_objection_is_adopted_when_the_time_passes(
    world: World, meeting: Meeting
) -> None:
    deadline = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    running = _under_silence(world, meeting, deadline)
    with at(deadline - datetime.timedelta(seconds=1)):
        assert silence.conclude_due() == 0
    with at(deadline):
        assert silence.conclude_due() == 1
    running.refresh_from_db()
    outcome = Outcome.objects.get(pk=running.outcome_id)
    assert (running.status, outcome.status, outcome.adopted_at) == (
        SilenceStatus.ADOPTED,
        OutcomeStatus.ADOPTED,
        deadline,
    )
    event = Event.objects.get(type="outcome.silence_concluded")
    assert event.data["result"] == "adopted"
    assert event.audience["kind"] == "meeting"
    page = client_for(world.people["delegate_a"]).get(f"/outcomes/{outcome.pk}/")
    assert "Adopted by silence" in page.content.decode()
    # The permanent record has the adoption, by the platform (no actor), with its silence.
    (entry,) = AuditEntry.objects.filter(action=AuditAction.OUTCOME_ADOPTED)
    assert (entry.actor, entry.object_id, entry.details["by_silence"]) == (
        None,
        str(outcome.pk),
        running.pk,
    )


def test_objection_one_second_late_is_refused_with_the_time(world: World, meeting: Meeting) -> None:
    deadline = datetime.datetime(2030, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with at(deadline - datetime.timedelta(days=2)):
        running = _under_silence(world, meeting, deadline)
    with at(deadline + datetime.timedelta(seconds=1)), pytest.raises(ValidationError) as late:
        silence.object_to(
            by=world.person("focal_point_a"), silence=running, state=world.state_a, text="No."
        )
    assert late.value.messages == [
        "The silence ended at 01.03.2030 12:00 (Europe/Istanbul); it is 01.03.2030 12:00:01. "
        "Objections are no longer accepted."
    ]


def test_conclude_twice_records_the_result_once(world: World, meeting: Meeting) -> None:
    deadline = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=1)
    _under_silence(world, meeting, deadline)
    with at(deadline + datetime.timedelta(minutes=1)):
        assert silence.conclude_due() == 1
        assert silence.conclude_due() == 0
        call_command("conclude_silences", "--once")
    assert Event.objects.filter(type="outcome.silence_concluded").count() == 1
    assert SilenceLogEntry.objects.filter(action="adopted").count() == 1


def test_extend_and_withdraw_need_a_reason_and_are_logged(world: World, meeting: Meeting) -> None:
    deadline = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    running = _under_silence(world, meeting, deadline)
    with pytest.raises(ValidationError, match="Give the reason"):
        silence.extend(
            by=_staff(world),
            silence=running,
            deadline=deadline + datetime.timedelta(days=1),
            reason=" ",
        )
    with pytest.raises(ValidationError, match="beyond its present end"):
        silence.extend(
            by=_staff(world),
            silence=running,
            deadline=deadline - datetime.timedelta(hours=1),
            reason="Earlier",
        )
    silence.extend(
        by=_staff(world),
        silence=running,
        deadline=deadline + datetime.timedelta(days=1),
        reason="Translations came late",
    )
    silence.withdraw(by=_staff(world), silence=running, reason="Rev.2 is coming")
    running.refresh_from_db()
    assert running.status == SilenceStatus.WITHDRAWN
    assert [(e.action, e.reason) for e in running.log.order_by("at", "id")] == [
        ("started", ""),
        ("extended", "Translations came late"),
        ("withdrawn", "Rev.2 is coming"),
    ]
    assert Event.objects.get(type="outcome.silence_withdrawn").data["reason"] == ("Rev.2 is coming")
    with at(deadline + datetime.timedelta(days=3)):
        assert silence.conclude_due() == 0


def test_second_silence_while_one_runs_is_refused(world: World, meeting: Meeting) -> None:
    deadline = timezone.now() + datetime.timedelta(days=1)
    running = _under_silence(world, meeting, deadline)
    with pytest.raises(ValidationError, match="already under silence"):
        silence.start(by=_staff(world), outcome=running.outcome, deadline=deadline)


def test_meeting_calendar_carries_the_silence_deadline_for_those_it_is_for(
    world: World, meeting: Meeting
) -> None:
    deadline = datetime.datetime(2030, 3, 1, 9, 0, tzinfo=datetime.UTC)
    with at(deadline - datetime.timedelta(days=2)):
        running = _under_silence(world, meeting, deadline)
    path = f"/meetings/{meeting.pk}/calendar.ics"
    ics = client_for(world.people["focal_point_a"]).get(path).content.decode()
    assert f"UID:silence-{running.pk}@dialogue-platform" in ics
    assert "DTSTART;TZID=Europe/Istanbul:20300301T120000" in ics
    public = client_for(None).get(path).content.decode()
    assert "silence-" not in public


def test_silence_result_is_emailed_at_once_in_each_recipients_language(
    world: World, meeting: Meeting
) -> None:
    from django.core import mail

    from notifications.mail import send_due

    russian, arabic = world.person("focal_point_a"), world.person("focal_point_b")
    for person, language in ((russian, "ru"), (arabic, "ar")):
        person.preferred_language = language
        person.save(update_fields=["preferred_language"])
    deadline = timezone.now().replace(microsecond=0) + datetime.timedelta(hours=1)
    running = _under_silence(world, meeting, deadline)
    silence.object_to(by=russian, silence=running, state=world.state_a, text="Нет.")
    with at(deadline + datetime.timedelta(seconds=1)):
        silence.conclude_due()
    mail.outbox.clear()
    send_due(now=deadline + datetime.timedelta(minutes=10))
    body = {m.to[0]: m.subject + m.body for m in mail.outbox}
    # the silence's news is e-mailed at once by default (the "silence" category)
    # the objecting state by its name in the reader's language (Arabic has none: English)
    assert "Молчание нарушено (Грузия)" in body["focal_point_a@example.org"]
    assert "Georgia" not in body["focal_point_a@example.org"]
    assert "كسرت الصمت \u2068Georgia\u2069" in body["focal_point_b@example.org"]
    # and so is the inbox line
    inbox = client_for(russian).get("/inbox/").content.decode()
    assert "Молчание нарушено (Грузия)" in inbox
    assert "(Georgia)" not in inbox


# --- Heads of delegation, when the secretariat lets them speak for their states ----------------


def _head_of_delegation_a(world: World, meeting: Meeting) -> User:
    """Delegate A, approved as head of Georgia's delegation to the meeting."""
    from meetings import registration
    from tests.meetings.conftest import set_up_registration

    staff = _staff(world)
    set_up_registration(
        meeting,
        staff,
        nominations_close=meeting.starts_at - datetime.timedelta(days=10),
        confirmations_close=meeting.starts_at - datetime.timedelta(days=5),
    )
    services.transition(by=staff, meeting=meeting, to="registration_open")
    nomination = registration.nominate(
        by=world.person("focal_point_a"),
        meeting=meeting,
        member=world.state_a,
        email="delegate_a@example.org",
        category="head_of_delegation",
        full_name="Delegate A",
    )
    registration.approve(by=staff, nomination=nomination)
    return world.person("delegate_a")


def test_head_of_delegation_comments_for_their_state_only_when_the_secretariat_allows(
    world: World, meeting: Meeting
) -> None:
    from django.core.exceptions import PermissionDenied

    from dialogue.live import policy

    head = _head_of_delegation_a(world, meeting)
    outcome = _rev1(world, meeting)
    with pytest.raises(PermissionDenied):
        outcomes.comment(by=head, outcome=outcome, state=world.state_a, text="Too early")
    page = client_for(head).get(f"/outcomes/{outcome.pk}/")
    assert "They welcome the work" not in page.content.decode()

    outcome = negotiation.set_heads_may_comment(by=_staff(world), outcome=outcome, allowed=True)
    page = client_for(head).get(f"/outcomes/{outcome.pk}/").content.decode()
    assert "They welcome the work" in page
    assert 'id="comment-form-heading"' in page
    mine = outcomes.comment(
        by=head, outcome=outcome, state=world.state_a, text="Georgia's head", paragraph=2
    )
    assert (mine.state, mine.author) == (world.state_a, head)
    with pytest.raises(PermissionDenied):  # for their own state only
        outcomes.comment(by=head, outcome=outcome, state=world.state_b, text="Moldova?")
    # The head sees what Georgia's focal point sees; Moldova does not see Georgia's comment.
    focal_point_a, focal_point_b = world.person("focal_point_a"), world.person("focal_point_b")
    assert mine in negotiation.comments_visible_to(focal_point_a, outcome)
    assert mine not in negotiation.comments_visible_to(focal_point_b, outcome)
    theirs = outcomes.comment(
        by=focal_point_b, outcome=outcome, state=world.state_b, text="Moldova's view"
    )
    assert theirs not in negotiation.comments_visible_to(head, outcome)
    # live, replay and inbox ask the same audience: Georgia's comments reach the head (the
    # focal point's one too), Moldova's do not
    from_focal_point = outcomes.comment(
        by=focal_point_a, outcome=outcome, state=world.state_a, text="Georgia's focal point"
    )
    assert from_focal_point in negotiation.comments_visible_to(head, outcome)
    commented = list(Event.objects.filter(type="outcome.commented").order_by("id"))
    reached = [bool(policy.receivers(e.audience, [head])) for e in commented]
    assert reached == [True, False, True]
    assert Notification.objects.filter(event=commented[-1], user=head).exists()
    assert not Notification.objects.filter(event=commented[1], user=head).exists()

    # Taken back: the head no longer speaks for Georgia (Georgia's comments stay).
    negotiation.set_heads_may_comment(by=_staff(world), outcome=outcome, allowed=False)
    outcome.refresh_from_db()
    with pytest.raises(PermissionDenied):
        outcomes.comment(by=head, outcome=outcome, state=world.state_a, text="Again")
    assert mine in negotiation.comments_visible_to(focal_point_a, outcome)


def test_head_of_delegation_objects_under_silence_when_allowed(
    world: World, meeting: Meeting
) -> None:
    from django.core.exceptions import PermissionDenied

    head = _head_of_delegation_a(world, meeting)
    outcome = _rev1(world, meeting)
    deadline = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    running = silence.start(by=_staff(world), outcome=outcome, deadline=deadline)
    with pytest.raises(PermissionDenied):
        silence.object_to(by=head, silence=running, state=world.state_a, text="No.")
    negotiation.set_heads_may_comment(by=_staff(world), outcome=outcome, allowed=True)
    objection = silence.object_to(by=head, silence=running, state=world.state_a, text="No.")
    assert (objection.state, objection.author) == (world.state_a, head)
    event = Event.objects.get(type="outcome.silence_objected")
    inbox = set(Notification.objects.filter(event=event).values_list("user__email", flat=True))
    assert {"secretariat_staff@example.org", "chair@example.org"} <= inbox
    assert "focal_point_a@example.org" in inbox  # the state's focal point hears of it
    assert "focal_point_b@example.org" not in inbox
    with at(deadline + datetime.timedelta(seconds=1)):
        silence.conclude_due()
    running.refresh_from_db()
    assert running.status == SilenceStatus.BROKEN


def test_only_the_secretariat_lets_heads_of_delegation_comment(
    world: World, meeting: Meeting
) -> None:
    from django.core.exceptions import PermissionDenied

    outcome = _rev1(world, meeting)
    with pytest.raises(PermissionDenied):
        negotiation.set_heads_may_comment(
            by=world.person("focal_point_a"), outcome=outcome, allowed=True
        )
    response = client_for(world.people["secretariat_staff"]).post(
        f"/outcomes/{outcome.pk}/heads/", {"allowed": "1"}
    )
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.heads_may_comment
    page = client_for(world.people["secretariat_staff"]).get(f"/outcomes/{outcome.pk}/")
    assert "comments and objects on behalf of their state" in page.content.decode()


def test_head_of_delegation_finds_the_draft_on_their_desk_when_allowed(
    world: World, meeting: Meeting
) -> None:
    from dialogue import desk

    head = _head_of_delegation_a(world, meeting)
    outcome = _rev1(world, meeting)
    assert not [n for n in desk.needs_of(head) if n.kind == "comment"]
    negotiation.set_heads_may_comment(by=_staff(world), outcome=outcome, allowed=True)
    head = User.objects.get(pk=head.pk)  # a new request
    (need,) = [n for n in desk.needs_of(head) if n.kind == "comment"]
    assert need.url == f"/outcomes/{outcome.pk}/"
    outcomes.comment(by=head, outcome=outcome, state=world.state_a, text="Done")
    head = User.objects.get(pk=head.pk)
    assert not [n for n in desk.needs_of(head) if n.kind == "comment"]
