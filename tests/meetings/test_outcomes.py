"""meetings/outcomes/ (services and pages): drafting, sharing with the chair and for comment,
comments per state, adoption, and action points that carry over to the body's next meeting."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dialogue.models import Body, RoleKind, User
from meetings import events, queries, services
from meetings.models import ActionPoint, Meeting, Outcome, OutcomeComment, OutcomeStatus
from meetings.outcomes import services as outcomes
from notifications import publishing
from notifications.models import Event, Notification
from tests.conftest import World, client_for
from tests.factories import MembershipFactory, RoleFactory, StateFactory

pytestmark = pytest.mark.django_db

FOLLOWERS_BUT_THE_SECRETARIAT_AUTHOR = {
    "focal_point_a",
    "focal_point_b",
    "chair",
    "secretariat_admin",
    "secretariat_without_2fa",  # two-factor is not required in these tests
}


def _staff(world: World) -> User:
    return world.person("secretariat_staff")


def _body(world: World, name: str = "Senior Officials' Meeting") -> Body:
    return Body.objects.get_or_create(
        dialogue=world.dialogue,
        name_i18n={"en": name},
        defaults={"kind": Body.Kind.SENIOR_OFFICIALS_MEETING},
    )[0]


def _meeting(
    world: World,
    *,
    body: Body | None = None,
    days_ahead: int = 30,
    announce: bool = True,
    title: str = "SOM Istanbul",
) -> Meeting:
    starts = timezone.now().replace(microsecond=0) + datetime.timedelta(days=days_ahead)
    meeting = services.schedule_meeting(
        by=_staff(world),
        dialogue=world.dialogue,
        body=body or _body(world),
        kind="senior_officials_meeting",
        title={"en": title},
        time_zone="Europe/Istanbul",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=8),
    )
    if announce:
        meeting = services.transition(by=_staff(world), meeting=meeting, to="announced")
    return meeting


@pytest.fixture
def meeting(world: World) -> Meeting:
    return _meeting(world)


def _draft(world: World, meeting: Meeting, **overrides: Any) -> Outcome:
    # A text given in some languages changes those and keeps the others.
    title = {"en": "Draft conclusions", "ru": "Проект выводов", **overrides.pop("title", {})}
    text = {
        "en": "The participants agree to meet again.",
        "ru": "Участники договорились встретиться снова.",
        **overrides.pop("text", {}),
    }
    fields: dict[str, Any] = {"kind": "conclusions", "title": title, "text": text, **overrides}
    return outcomes.draft_outcome(by=_staff(world), meeting=meeting, **fields)


def _in(hours: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(hours=hours)


def _shared(world: World, meeting: Meeting, **overrides: Any) -> Outcome:
    return outcomes.share_for_comment(
        by=_staff(world), outcome=_draft(world, meeting, **overrides), deadline=_in(48)
    )


def _comment(world: World, outcome: Outcome, who: str, text: str, **kwargs: Any) -> Any:
    state = world.state_a if who == "focal_point_a" else world.state_b
    return outcomes.comment(by=world.person(who), outcome=outcome, state=state, text=text, **kwargs)


def _inbox(event: Event) -> set[str]:
    return {
        email.removesuffix("@example.org")
        for email in Notification.objects.filter(event=event).values_list("user__email", flat=True)
    }


def _status(world: World, role: str, path: str) -> int:
    return client_for(world.people[role]).get(path).status_code


def _page(world: World, role: str, path: str) -> str:
    response = client_for(world.people[role]).get(path)
    assert response.status_code == 200
    return response.content.decode()


def _detail(outcome: Outcome) -> str:
    return f"/outcomes/{outcome.pk}/"


# --- Drafting --------------------------------------------------------------------------------


def test_draft_outcome_is_seen_by_the_secretariat_only(world: World, meeting: Meeting) -> None:
    outcome = _draft(world, meeting)
    assert (outcome.status, outcome.meeting, outcome.created_by) == (
        OutcomeStatus.DRAFT,
        meeting,
        _staff(world),
    )
    assert not Event.objects.filter(type__startswith="outcome.").exists()
    for role in ("secretariat_staff", "secretariat_admin"):
        assert _status(world, role, _detail(outcome)) == 200
    for role in ("anonymous", "delegate_a", "focal_point_a", "chair", "secretariat_staff_other"):
        assert _status(world, role, _detail(outcome)) == 404


def test_draft_outcome_by_a_focal_point_is_refused(world: World, meeting: Meeting) -> None:
    with pytest.raises(PermissionDenied):
        outcomes.draft_outcome(
            by=world.person("focal_point_a"),
            meeting=meeting,
            kind="conclusions",
            title={"en": "Mine", "ru": ""},
            text={"en": "Text", "ru": ""},
        )
    assert not Outcome.objects.exists()


def test_draft_outcome_needs_an_english_title_and_text(world: World, meeting: Meeting) -> None:
    with pytest.raises(ValidationError, match="title and text at least in English"):
        _draft(world, meeting, text={"en": "   "})
    with pytest.raises(ValidationError, match="Unknown kind"):
        _draft(world, meeting, kind="minutes")
    assert not Outcome.objects.exists()


def test_draft_outcome_of_a_cancelled_meeting_is_refused(world: World, meeting: Meeting) -> None:
    services.transition(
        by=_staff(world), meeting=meeting, to="cancelled", reason="Storm", confirm=True
    )
    with pytest.raises(ValidationError, match="cancelled meeting"):
        _draft(world, meeting)


def test_change_outcome_shared_for_comment_keeps_the_comments(
    world: World, meeting: Meeting
) -> None:
    outcome = _shared(world, meeting)
    _comment(world, outcome, "focal_point_a", "Add a paragraph on returns.")
    changed = outcomes.change_outcome(
        by=_staff(world), outcome=outcome, text={"en": "The participants agree; returns added."}
    )
    assert changed.status == OutcomeStatus.FOR_COMMENT
    assert (
        Outcome.objects.get(pk=outcome.pk).text_i18n["en"]
        == "The participants agree; returns added."
    )
    assert list(OutcomeComment.objects.values_list("text", flat=True)) == [
        "Add a paragraph on returns."
    ]


def test_change_adopted_outcome_is_refused(world: World, meeting: Meeting) -> None:
    outcome = outcomes.adopt(by=_staff(world), outcome=_draft(world, meeting))
    with pytest.raises(ValidationError, match="adopted outcome cannot be changed"):
        outcomes.change_outcome(by=_staff(world), outcome=outcome, text={"en": "Rewritten"})
    assert (
        Outcome.objects.get(pk=outcome.pk).text_i18n["en"]
        == "The participants agree to meet again."
    )


def test_change_outcome_by_the_chair_is_refused(world: World, meeting: Meeting) -> None:
    outcome = outcomes.share_with_chair(by=_staff(world), outcome=_draft(world, meeting))
    with pytest.raises(PermissionDenied):
        outcomes.change_outcome(by=world.person("chair"), outcome=outcome, text={"en": "Mine"})


# --- Sharing ---------------------------------------------------------------------------------


def test_share_with_chair_lets_the_chair_read_the_draft(world: World, meeting: Meeting) -> None:
    outcome = _draft(world, meeting)
    assert _status(world, "chair", _detail(outcome)) == 404
    outcome = outcomes.share_with_chair(by=_staff(world), outcome=outcome)
    assert Outcome.objects.get(pk=outcome.pk).shared_with_chair is True
    assert outcome.status == OutcomeStatus.DRAFT
    page = _page(world, "chair", _detail(outcome))
    assert "The participants agree to meet again." in page
    for role in ("focal_point_a", "delegate_a", "observer", "anonymous"):
        assert _status(world, role, _detail(outcome)) == 404


def test_share_for_comment_publishes_to_focal_points_chair_and_secretariat(
    world: World, meeting: Meeting, django_capture_on_commit_callbacks: Any
) -> None:
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(publishing.group_for(f"meeting:{meeting.pk}"), channel)
    deadline = datetime.datetime(2030, 5, 12, 15, 0, tzinfo=datetime.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = outcomes.share_for_comment(
            by=_staff(world), outcome=_draft(world, meeting), deadline=deadline
        )
    stored = Outcome.objects.get(pk=outcome.pk)
    assert (stored.status, stored.comment_deadline) == (OutcomeStatus.FOR_COMMENT, deadline)
    assert stored.shared_at is not None
    event = Event.objects.get(type=events.OUTCOME_SHARED)
    assert (event.stream, event.parent_stream, event.audience) == (
        f"meeting:{meeting.pk}",
        "dialogue:budapest-process",
        {"kind": "outcome_draft", "dialogue": world.dialogue.pk, "heads": []},
    )
    assert event.data["outcome"] == "Draft conclusions"
    assert event.data["title"] == "SOM Istanbul"
    assert event.data["deadline"] == "12.05.2030 18:00 (Europe/Istanbul)"
    assert _inbox(event) == FOLLOWERS_BUT_THE_SECRETARIAT_AUTHOR
    message = async_to_sync(layer.receive)(channel)
    assert message["id"] == event.id
    assert '"event":"outcome.shared_for_comment"' in message["frame"]


def test_share_for_comment_with_a_past_deadline_is_refused(world: World, meeting: Meeting) -> None:
    outcome = _draft(world, meeting)
    with pytest.raises(ValidationError, match="must be in the future"):
        outcomes.share_for_comment(by=_staff(world), outcome=outcome, deadline=_in(-1))
    assert Outcome.objects.get(pk=outcome.pk).status == OutcomeStatus.DRAFT
    assert not Event.objects.filter(type=events.OUTCOME_SHARED).exists()


def test_share_for_comment_of_an_unannounced_meeting_is_refused(world: World) -> None:
    outcome = _draft(world, _meeting(world, announce=False))
    with pytest.raises(ValidationError, match="Announce the meeting"):
        outcomes.share_for_comment(by=_staff(world), outcome=outcome, deadline=_in(24))


def test_share_for_comment_again_sets_a_new_deadline(world: World, meeting: Meeting) -> None:
    outcome = _shared(world, meeting)
    later = _in(24 * 7)
    outcomes.share_for_comment(by=_staff(world), outcome=outcome, deadline=later)
    assert Outcome.objects.get(pk=outcome.pk).comment_deadline == later
    assert Event.objects.filter(type=events.OUTCOME_SHARED).count() == 2


def test_share_for_comment_by_a_focal_point_is_refused(world: World, meeting: Meeting) -> None:
    outcome = _draft(world, meeting)
    with pytest.raises(PermissionDenied):
        outcomes.share_for_comment(
            by=world.person("focal_point_a"), outcome=outcome, deadline=_in(24)
        )


# --- Comments --------------------------------------------------------------------------------


def test_comment_by_a_focal_point_is_kept_and_told_to_the_secretariat(
    world: World, meeting: Meeting
) -> None:
    outcome = _shared(world, meeting)
    made = _comment(world, outcome, "focal_point_a", "Georgia supports the text.")
    assert (made.state, made.author, made.text, made.no_objection) == (
        world.state_a,
        world.person("focal_point_a"),
        "Georgia supports the text.",
        False,
    )
    event = Event.objects.get(type=events.OUTCOME_COMMENTED)
    assert (event.stream, event.audience) == (
        f"meeting:{meeting.pk}",
        {
            "kind": "outcome_comment",
            "dialogue": world.dialogue.pk,
            "state": world.state_a.pk,
            "shared": False,
            "heads": [],
        },
    )
    assert (event.data["state"], event.data["outcome"]) == ("Georgia", "Draft conclusions")
    assert "Georgia supports" not in str(event.data)  # the text stays on the page
    assert _inbox(event) == {"secretariat_staff", "secretariat_admin", "secretariat_without_2fa"}


def test_focal_point_a_cannot_comment_for_state_b(world: World, meeting: Meeting) -> None:
    outcome = _shared(world, meeting)
    with pytest.raises(PermissionDenied):
        outcomes.comment(
            by=world.person("focal_point_a"), outcome=outcome, state=world.state_b, text="As MD"
        )
    response = client_for(world.people["focal_point_a"]).post(
        f"/outcomes/{outcome.pk}/comment/", {"state": "MD", "text": "As MD"}
    )
    assert response.status_code == 404
    assert not OutcomeComment.objects.exists()
    assert not Event.objects.filter(type=events.OUTCOME_COMMENTED).exists()


@pytest.mark.parametrize("role", ["delegate_a", "observer", "chair", "secretariat_staff"])
def test_comment_by_someone_not_a_focal_point_is_refused(
    world: World, meeting: Meeting, role: str
) -> None:
    outcome = _shared(world, meeting)
    with pytest.raises(PermissionDenied):
        outcomes.comment(by=world.person(role), outcome=outcome, state=world.state_a, text="Hi")
    assert not OutcomeComment.objects.exists()


def test_comment_on_a_draft_not_shared_is_refused(world: World, meeting: Meeting) -> None:
    outcome = outcomes.share_with_chair(by=_staff(world), outcome=_draft(world, meeting))
    with pytest.raises(PermissionDenied):
        _comment(world, outcome, "focal_point_a", "Early")


def test_comment_after_the_deadline_is_refused_with_a_clear_message(
    world: World, meeting: Meeting
) -> None:
    outcome = _shared(world, meeting)
    passed = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)
    Outcome.objects.filter(pk=outcome.pk).update(comment_deadline=passed)
    outcome.refresh_from_db()
    expected = "The deadline for comments passed on 20.11.2026 12:00 (Europe/Istanbul)"
    with pytest.raises(ValidationError, match=re.escape(expected)):
        _comment(world, outcome, "focal_point_a", "Too late")
    client = client_for(world.people["focal_point_a"])
    response = client.post(
        f"/outcomes/{outcome.pk}/comment/", {"state": "GE", "text": "Too late"}, follow=True
    )
    page = response.content.decode()
    assert expected in page
    assert "The deadline has passed; comments are closed." in page
    assert f'action="/outcomes/{outcome.pk}/comment/"' not in page
    assert not OutcomeComment.objects.exists()


def test_comment_after_adoption_is_refused(world: World, meeting: Meeting) -> None:
    outcome = outcomes.adopt(by=_staff(world), outcome=_shared(world, meeting), confirm=True)
    with pytest.raises(ValidationError, match="not open for comments"):
        _comment(world, outcome, "focal_point_a", "Late")


def test_a_state_may_comment_again_and_every_comment_is_kept(
    world: World, meeting: Meeting
) -> None:
    outcome = _shared(world, meeting)
    _comment(world, outcome, "focal_point_a", "First thought.")
    _comment(world, outcome, "focal_point_a", "", no_objection=True)
    table = {row.state.code: row for row in outcomes.comment_table(outcome)}
    assert [c.text for c in table["GE"].comments] == ["First thought.", ""]
    assert table["GE"].no_objection is True
    assert Event.objects.filter(type=events.OUTCOME_COMMENTED).count() == 2


def test_an_empty_comment_without_no_objection_is_refused(world: World, meeting: Meeting) -> None:
    outcome = _shared(world, meeting)
    with pytest.raises(ValidationError, match="no objection"):
        _comment(world, outcome, "focal_point_a", "   ")


def test_the_same_comment_posted_twice_within_a_minute_is_one_comment(
    world: World, meeting: Meeting
) -> None:
    outcome = _shared(world, meeting)
    first = _comment(world, outcome, "focal_point_a", "Please add returns.")
    again = _comment(world, outcome, "focal_point_a", "Please add returns.")
    assert again.pk == first.pk
    assert OutcomeComment.objects.count() == 1
    assert Event.objects.filter(type=events.OUTCOME_COMMENTED).count() == 1
    OutcomeComment.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    later = _comment(world, outcome, "focal_point_a", "Please add returns.")
    assert later.pk != first.pk
    assert OutcomeComment.objects.count() == 2


def test_comment_table_lists_md_as_not_answered_after_ge_commented(
    world: World, meeting: Meeting
) -> None:
    outcome = _shared(world, meeting)
    _comment(world, outcome, "focal_point_a", "Georgia supports the text.")
    table = outcomes.comment_table(outcome)
    assert [(row.state.code, row.answered) for row in table] == [("GE", True), ("MD", False)]
    assert outcomes.not_answered(table) == [world.state_b]
    page = _page(world, "secretariat_staff", _detail(outcome))
    assert "Not answered yet: Republic of Moldova" in page
    assert "Georgia supports the text." in page


def test_comment_table_adds_a_commenting_state_that_is_not_a_participating_member(
    world: World, meeting: Meeting
) -> None:
    armenia = StateFactory(code="AM", name_i18n={"en": "Armenia"})
    focal_point = RoleFactory(
        dialogue=world.dialogue, kind=RoleKind.FOCAL_POINT, state=armenia
    ).user
    outcome = _shared(world, meeting)
    outcomes.comment(by=focal_point, outcome=outcome, state=armenia, text="From Armenia")
    table = outcomes.comment_table(outcome)
    # Those that answered come first (issue 11), then the members it waits for.
    assert [(row.state.code, row.is_member, row.answered) for row in table] == [
        ("AM", False, True),
        ("GE", True, False),
        ("MD", True, False),
    ]


def test_comment_table_leaves_out_a_state_whose_membership_ended(
    world: World, meeting: Meeting
) -> None:
    former = StateFactory(code="TR", name_i18n={"en": "Türkiye"})
    MembershipFactory(
        dialogue=world.dialogue,
        state=former,
        valid_from=datetime.date(2010, 1, 1),
        valid_until=datetime.date(2020, 1, 1),
    )
    table = outcomes.comment_table(_shared(world, meeting))
    assert [row.state.code for row in table] == ["GE", "MD"]


def test_focal_point_sees_their_states_comments_only(world: World, meeting: Meeting) -> None:
    outcome = _shared(world, meeting)
    _comment(world, outcome, "focal_point_a", "Georgia supports the text.")
    _comment(world, outcome, "focal_point_b", "Moldova asks for a change.")
    page = _page(world, "focal_point_a", _detail(outcome))
    assert "Georgia supports the text." in page
    assert "Moldova asks for a change." not in page
    assert "Not answered yet" not in page
    assert f'action="/outcomes/{outcome.pk}/comment/"' in page


def test_outcome_page_query_count_does_not_grow_with_states(world: World, meeting: Meeting) -> None:
    outcome = _shared(world, meeting)
    client = client_for(world.people["secretariat_staff"])

    def add_states(start: int, count: int) -> None:
        for n in range(start, start + count):
            code = f"{chr(65 + n // 26)}{chr(65 + n % 26)}"  # AA, AB, … BX
            state = StateFactory(code=code, name_i18n={"en": f"State {n}"})
            MembershipFactory(dialogue=world.dialogue, state=state)
            person = RoleFactory(dialogue=world.dialogue, kind=RoleKind.FOCAL_POINT, state=state)
            outcomes.comment(by=person.user, outcome=outcome, state=state, text=f"Comment {n}")

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_detail(outcome)).status_code == 200
        return len(captured)

    add_states(0, 1)
    few = count()
    add_states(1, 49)
    assert count() == few
    assert few <= 12


# --- Adoption --------------------------------------------------------------------------------


def test_adopt_publishes_the_outcome_to_everyone_following_the_meeting(
    world: World, meeting: Meeting, django_capture_on_commit_callbacks: Any
) -> None:
    outcome = _shared(world, meeting)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(publishing.group_for(f"meeting:{meeting.pk}"), channel)
    with django_capture_on_commit_callbacks(execute=True):
        outcomes.adopt(by=_staff(world), outcome=outcome, confirm=True)
    stored = Outcome.objects.get(pk=outcome.pk)
    assert stored.status == OutcomeStatus.ADOPTED
    assert stored.adopted_at is not None
    event = Event.objects.get(type=events.OUTCOME_ADOPTED)
    assert (event.stream, event.audience) == (
        f"meeting:{meeting.pk}",
        {"kind": "meeting", "dialogue": world.dialogue.pk, "public": True, "draft": False},
    )
    assert (event.data["outcome"], event.data["meeting"]) == ("Draft conclusions", meeting.pk)
    assert event.data["deadline"] == ""
    assert _inbox(event) == FOLLOWERS_BUT_THE_SECRETARIAT_AUTHOR
    message = async_to_sync(layer.receive)(channel)
    assert '"event":"outcome.adopted"' in message["frame"]


def test_adopt_twice_is_refused(world: World, meeting: Meeting) -> None:
    outcome = outcomes.adopt(by=_staff(world), outcome=_draft(world, meeting))
    with pytest.raises(ValidationError, match="already adopted"):
        outcomes.adopt(by=_staff(world), outcome=outcome, confirm=True)
    assert Event.objects.filter(type=events.OUTCOME_ADOPTED).count() == 1


def test_adopt_by_the_chair_is_refused(world: World, meeting: Meeting) -> None:
    outcome = outcomes.share_with_chair(by=_staff(world), outcome=_draft(world, meeting))
    with pytest.raises(PermissionDenied):
        outcomes.adopt(by=world.person("chair"), outcome=outcome)


def test_delegate_cannot_see_a_draft_shared_for_comment_but_sees_the_adopted_outcome(
    world: World, meeting: Meeting
) -> None:
    outcome = _shared(world, meeting)
    for role in ("delegate_a", "observer", "anonymous"):
        assert _status(world, role, _detail(outcome)) == 404
    for role in ("focal_point_a", "focal_point_b", "chair"):
        assert _status(world, role, _detail(outcome)) == 200
    outcomes.adopt(by=_staff(world), outcome=outcome, confirm=True)
    assert "The participants agree to meet again." in _page(world, "delegate_a", _detail(outcome))
    assert _status(world, "anonymous", _detail(outcome)) == 200


def test_adopted_outcome_text_appears_on_the_meeting_page(world: World, meeting: Meeting) -> None:
    outcome = _shared(world, meeting)
    path = f"/meetings/{meeting.pk}/"
    assert "The participants agree to meet again." not in _page(world, "delegate_a", path)
    outcomes.adopt(by=_staff(world), outcome=outcome, confirm=True)
    page = _page(world, "anonymous", path)
    assert "The participants agree to meet again." in page
    assert f'href="/outcomes/{outcome.pk}/"' in page


def test_outcome_page_shows_russian_text_in_russian_and_falls_back_to_english(
    world: World, meeting: Meeting
) -> None:
    translated = outcomes.adopt(by=_staff(world), outcome=_draft(world, meeting))
    english_only = outcomes.adopt(
        by=_staff(world),
        outcome=_draft(world, meeting, title={"en": "Chair's summary", "ru": ""}, text={"ru": ""}),
    )
    client = Client()
    client.post("/language/", {"language": "ru", "next": "/"})
    page = client.get(_detail(translated)).content.decode()
    assert "Участники договорились встретиться снова." in page
    assert '<article id="outcome-text" lang="ru" dir="ltr"' in page
    page = client.get(_detail(english_only)).content.decode()
    assert "The participants agree to meet again." in page
    assert '<article id="outcome-text" lang="en" dir="ltr"' in page


def test_outcome_page_shows_the_deadline_in_the_meetings_time_zone(
    world: World, meeting: Meeting
) -> None:
    deadline = datetime.datetime(2030, 5, 12, 15, 0, tzinfo=datetime.UTC)
    outcome = outcomes.share_for_comment(
        by=_staff(world), outcome=_draft(world, meeting), deadline=deadline
    )
    page = _page(world, "focal_point_a", _detail(outcome))
    assert '<time datetime="2030-05-12T18:00:00+03:00">' in page


# --- The pages, step by step ----------------------------------------------------------------


def test_secretariat_drafts_shares_and_adopts_through_the_pages(
    world: World, meeting: Meeting
) -> None:
    staff = client_for(world.people["secretariat_staff"])
    response = staff.post(
        f"/meetings/{meeting.pk}/outcomes/new/",
        {"kind": "decisions", "title_en": "Decisions", "text_en": "We decide.", "text_ru": ""},
    )
    outcome = Outcome.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _detail(outcome)
    assert (outcome.kind, outcome.status) == ("decisions", OutcomeStatus.DRAFT)

    staff.post(
        f"/outcomes/{outcome.pk}/edit/",
        {"kind": "decisions", "title_en": "Decisions", "text_en": "We decide again."},
    )
    staff.post(f"/outcomes/{outcome.pk}/share-with-chair/")
    # A wall-clock time in Istanbul (UTC+3).
    staff.post(f"/outcomes/{outcome.pk}/share/", {"deadline": "2030-05-12T18:00"})
    outcome.refresh_from_db()
    assert outcome.text_i18n["en"] == "We decide again."
    assert outcome.shared_with_chair is True
    assert outcome.status == OutcomeStatus.FOR_COMMENT
    assert outcome.comment_deadline == datetime.datetime(2030, 5, 12, 15, 0, tzinfo=datetime.UTC)

    focal_point = client_for(world.people["focal_point_a"])
    response = focal_point.post(
        f"/outcomes/{outcome.pk}/comment/", {"state": "GE", "text": "Agreed."}, follow=True
    )
    assert "Your comment was sent to the secretariat." in response.content.decode()
    assert OutcomeComment.objects.get().state == world.state_a

    # Comments are open until 2030 and Moldova has not answered: the secretariat is asked first.
    response = staff.post(f"/outcomes/{outcome.pk}/adopt/")
    page = response.content.decode()
    assert "Comments are open until 12.05.2030 18:00 (Europe/Istanbul)." in page
    assert "Not answered yet: Republic of Moldova." in page
    outcome.refresh_from_db()
    assert outcome.status == OutcomeStatus.FOR_COMMENT
    response = staff.post(f"/outcomes/{outcome.pk}/adopt/", {"confirm": "1"})
    assert response.status_code == 302
    outcome.refresh_from_db()
    assert outcome.status == OutcomeStatus.ADOPTED


def test_share_page_refuses_a_past_deadline_with_a_message(world: World, meeting: Meeting) -> None:
    outcome = _draft(world, meeting)
    response = client_for(world.people["secretariat_staff"]).post(
        f"/outcomes/{outcome.pk}/share/", {"deadline": "2020-01-01T10:00"}, follow=True
    )
    assert "The deadline for comments must be in the future." in response.content.decode()
    assert Outcome.objects.get(pk=outcome.pk).status == OutcomeStatus.DRAFT


def _routes(meeting: Meeting, outcome: Outcome, point: ActionPoint) -> list[tuple[str, str]]:
    return [
        ("get", f"/meetings/{meeting.pk}/outcomes/new/"),
        ("get", f"/outcomes/{outcome.pk}/"),
        ("get", f"/outcomes/{outcome.pk}/edit/"),
        ("post", f"/outcomes/{outcome.pk}/share/"),
        ("post", f"/outcomes/{outcome.pk}/share-with-chair/"),
        ("post", f"/outcomes/{outcome.pk}/comment/"),
        ("post", f"/outcomes/{outcome.pk}/adopt/"),
        ("get", f"/meetings/{meeting.pk}/action-points/new/"),
        ("post", f"/action-points/{point.pk}/status/"),
    ]


@pytest.mark.parametrize("role", ["delegate_a", "observer", "secretariat_staff_other", "revoked"])
def test_every_outcome_page_is_missing_for_those_it_is_not_for(
    world: World, meeting: Meeting, role: str
) -> None:
    outcome = _draft(world, meeting)
    point = outcomes.add_action_point(
        by=_staff(world), meeting=meeting, text={"en": "Do", "ru": ""}
    )
    client = client_for(world.people[role])
    for method, path in _routes(meeting, outcome, point):
        assert getattr(client, method)(path, {"status": "done"}).status_code == 404, path
    assert ActionPoint.objects.get().status == ActionPoint.Status.OPEN


def test_secretariat_pages_are_missing_for_a_focal_point(world: World, meeting: Meeting) -> None:
    outcome = _shared(world, meeting)
    point = outcomes.add_action_point(
        by=_staff(world), meeting=meeting, text={"en": "Do", "ru": ""}
    )
    client = client_for(world.people["focal_point_a"])
    for method, path in _routes(meeting, outcome, point):
        if path.endswith(("/comment/", f"/outcomes/{outcome.pk}/")):
            continue
        assert getattr(client, method)(path, {"status": "done"}).status_code == 404, path
    assert Outcome.objects.get(pk=outcome.pk).status == OutcomeStatus.FOR_COMMENT


# --- Action points ---------------------------------------------------------------------------


def test_add_action_point_belongs_to_the_meeting_and_its_body(
    world: World, meeting: Meeting
) -> None:
    point = outcomes.add_action_point(
        by=_staff(world),
        meeting=meeting,
        text={"en": "Draft a study on returns", "ru": "Подготовить исследование"},
        owner_state=world.state_a,
        due_on=datetime.date(2027, 6, 1),
    )
    assert (point.meeting, point.body, point.owner, point.status) == (
        meeting,
        meeting.body,
        world.state_a,
        ActionPoint.Status.OPEN,
    )


def test_add_action_point_with_two_owners_is_refused(world: World, meeting: Meeting) -> None:
    with pytest.raises(ValidationError, match="one owner"):
        outcomes.add_action_point(
            by=_staff(world),
            meeting=meeting,
            text={"en": "Both", "ru": ""},
            owner_state=world.state_a,
            owner_organisation=world.organisation,
        )


def test_action_point_changes_by_a_focal_point_are_refused(world: World, meeting: Meeting) -> None:
    with pytest.raises(PermissionDenied):
        outcomes.add_action_point(
            by=world.person("focal_point_a"), meeting=meeting, text={"en": "Mine", "ru": ""}
        )
    point = outcomes.add_action_point(
        by=_staff(world), meeting=meeting, text={"en": "Do", "ru": ""}
    )
    with pytest.raises(PermissionDenied):
        outcomes.set_action_point_status(
            by=world.person("focal_point_a"), action_point=point, status="done"
        )
    with pytest.raises(ValidationError, match="Unknown status"):
        outcomes.set_action_point_status(by=_staff(world), action_point=point, status="lost")


def test_open_action_point_carries_over_to_the_next_meeting_of_the_same_body(
    world: World,
) -> None:
    first = _meeting(world, days_ahead=30, title="SOM 1")
    second = _meeting(world, days_ahead=200, title="SOM 2")
    elsewhere = _meeting(world, body=_body(world, "Working group"), days_ahead=210, title="WG")
    still_open = outcomes.add_action_point(
        by=_staff(world), meeting=first, text={"en": "Map the routes", "ru": ""}
    )
    in_progress = outcomes.add_action_point(
        by=_staff(world), meeting=first, text={"en": "Write the study", "ru": ""}
    )
    finished = outcomes.add_action_point(
        by=_staff(world), meeting=first, text={"en": "Translate the report", "ru": ""}
    )
    outcomes.set_action_point_status(
        by=_staff(world), action_point=in_progress, status="in_progress"
    )
    outcomes.set_action_point_status(by=_staff(world), action_point=finished, status="done")
    assert list(queries.open_action_points(second)) == [still_open, in_progress]
    assert list(queries.open_action_points(elsewhere)) == []
    page = _page(world, "delegate_a", f"/meetings/{second.pk}/")
    assert "Map the routes" in page
    assert "Translate the report" not in page
    assert f'href="/meetings/{first.pk}/"' in page


def test_action_point_pages_add_and_change_status(world: World) -> None:
    first = _meeting(world, days_ahead=30, title="SOM 1")
    second = _meeting(world, days_ahead=200, title="SOM 2")
    staff = client_for(world.people["secretariat_staff"])
    response = staff.post(
        f"/meetings/{first.pk}/action-points/new/",
        {"text_en": "Map the routes", "owner_state": world.state_a.pk, "due_on": "2027-06-01"},
    )
    assert response.status_code == 302
    point = ActionPoint.objects.get()
    assert (point.owner_state, point.due_on) == (world.state_a, datetime.date(2027, 6, 1))
    page = _page(world, "secretariat_staff", f"/meetings/{second.pk}/")
    assert f'action="/action-points/{point.pk}/status/"' in page
    response = staff.post(
        f"/action-points/{point.pk}/status/",
        {"status": "done", "next": f"/meetings/{second.pk}/#outcomes"},
    )
    assert response["Location"] == f"/meetings/{second.pk}/#outcomes"
    assert ActionPoint.objects.get().status == ActionPoint.Status.DONE
    assert "Map the routes" not in _page(world, "delegate_a", f"/meetings/{second.pk}/")


def test_action_point_status_never_sends_elsewhere(world: World, meeting: Meeting) -> None:
    point = outcomes.add_action_point(
        by=_staff(world), meeting=meeting, text={"en": "Do", "ru": ""}
    )
    response = client_for(world.people["secretariat_staff"]).post(
        f"/action-points/{point.pk}/status/",
        {"status": "done", "next": "https://evil.example.com/"},
    )
    assert response["Location"] == f"/meetings/{meeting.pk}/#outcomes"


def test_meeting_page_offers_new_outcome_to_the_secretariat_only(
    world: World, meeting: Meeting
) -> None:
    path = f"/meetings/{meeting.pk}/"
    assert f'href="/meetings/{meeting.pk}/outcomes/new/"' in _page(world, "secretariat_staff", path)
    assert "/outcomes/new/" not in _page(world, "focal_point_a", path)
