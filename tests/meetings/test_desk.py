"""The focal point's desk on the home page and the meetings on a dialogue's page: what needs
each person, with its date."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dialogue import desk
from dialogue.models import User
from documents import services as documents
from meetings import registration
from meetings.models import Meeting
from meetings.outcomes import services as outcomes
from tests.conftest import World, client_for
from tests.documents.conftest import PDF_BYTES
from tests.meetings.conftest import START, istanbul_meeting

pytestmark = pytest.mark.django_db


def _nominate(world: World, meeting: Meeting) -> None:
    registration.nominate(
        by=world.person("focal_point_a"),
        meeting=meeting,
        member=world.state_a,
        email="eka@gov.ge",
        category="delegate",
        full_name="Eka Member",
    )


def test_focal_point_home_lists_the_open_registration_with_deadline_and_seats(
    world: World, open_meeting: Meeting
) -> None:
    page = client_for(world.person("focal_point_a")).get("/").content.decode()
    section = page.split('id="needs"')[1].split("</section>")[0]
    assert "Nominate the delegation of Georgia to SOM Istanbul" in section
    assert "3 seats left" in section
    assert 'datetime="2027-02-18T09:00:00+03:00"' in section  # nominations close, Istanbul time
    assert f'href="/meetings/{open_meeting.pk}/delegations/GE/"' in section
    assert "nomination letter" not in section


def test_focal_point_home_asks_for_the_letter_once_someone_is_nominated(
    world: World, open_meeting: Meeting
) -> None:
    _nominate(world, open_meeting)
    page = client_for(world.person("focal_point_a")).get("/").content.decode()
    assert "Upload the nomination letter of Georgia for SOM Istanbul" in page
    assert "2 seats left" in page


def test_desk_lists_a_draft_for_comment_until_the_state_answers(
    world: World, meeting: Meeting, staff: User
) -> None:
    draft = outcomes.draft_outcome(
        by=staff,
        meeting=meeting,
        kind="conclusions",
        title={"en": "Istanbul conclusions"},
        text={"en": "We agree."},
    )
    deadline = START - datetime.timedelta(days=2)
    outcomes.share_for_comment(by=staff, outcome=draft, deadline=deadline)
    focal_point = world.person("focal_point_a")
    [need] = [n for n in desk.needs_of(focal_point) if n.kind == "comment"]
    assert need.text == "Comment on the draft “Istanbul conclusions” (SOM Istanbul)"
    assert need.due == deadline
    outcomes.comment(by=focal_point, outcome=draft, state=world.state_a, text="", no_objection=True)
    assert [n for n in desk.needs_of(focal_point) if n.kind == "comment"] == []
    assert [n.kind for n in desk.needs_of(world.person("delegate_a"))] == []


def test_desk_lists_papers_to_acknowledge_for_their_recipient(
    world: World, meeting: Meeting, staff: User
) -> None:
    paper = documents.add_document(
        by=staff,
        dialogue=world.dialogue,
        meeting=meeting,
        kind="background_paper",
        title={"en": "Paper"},
        marking="member_states",
        language="en",
        upload=SimpleUploadedFile("paper.pdf", PDF_BYTES),
    )
    circulation = documents.circulate(
        by=staff,
        documents=[paper],
        audience="delegations",
        named_states=[world.state_a],
        comments_until=START - datetime.timedelta(days=3),
    )
    delegate = world.person("delegate_a")
    [need] = desk.needs_of(delegate)
    assert (need.kind, need.url) == ("acknowledge", f"/circulations/{circulation.pk}/")
    assert need.due == START - datetime.timedelta(days=3)
    documents.acknowledge(by=delegate, circulation=circulation)
    assert desk.needs_of(delegate) == []


def test_desk_puts_the_soonest_deadline_first(world: World, open_meeting: Meeting) -> None:
    later = istanbul_meeting(
        world,
        title={"en": "Later SOM"},
        starts_at=START + datetime.timedelta(days=30),
        ends_at=START + datetime.timedelta(days=30, hours=8),
    )
    registration.configure_registration(
        by=world.person("secretariat_staff"),
        meeting=later,
        nomination_deadline=START + datetime.timedelta(days=20),
        confirmation_deadline=START + datetime.timedelta(days=25),
        capacity=None,
    )
    registration.set_quota(
        by=world.person("secretariat_staff"),
        meeting=later,
        member_kind="participating",
        categories=["delegate"],
        seats=2,
    )
    from meetings import services

    services.transition(by=world.person("secretariat_staff"), meeting=later, to="registration_open")
    texts = [n.text for n in desk.needs_of(world.person("focal_point_a"))]
    assert texts == [
        "Nominate the delegation of Georgia to SOM Istanbul",
        "Nominate the delegation of Georgia to Later SOM",
    ]


def test_dialogue_page_lists_upcoming_and_recent_meetings_with_their_facts(
    world: World, open_meeting: Meeting
) -> None:
    past = istanbul_meeting(world, title={"en": "Last year's SOM"})
    # Moved into the past behind the services' back: what the page shows is the point here.
    Meeting.objects.filter(pk=past.pk).update(
        starts_at=datetime.datetime(2026, 3, 10, 6, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2026, 3, 11, 14, 0, tzinfo=datetime.UTC),
    )
    page = client_for(None).get(f"/dialogues/{world.dialogue.slug}/").content.decode()
    upcoming = page.split('id="upcoming-meetings"')[1].split("</ul>")[0]
    assert "SOM Istanbul" in upcoming
    assert "Hall A, Congress Center, Istanbul" in upcoming
    assert "Registration open" in upcoming
    assert "March 10, 2027" in upcoming
    recent = page.split('id="recent-meetings"')[1].split("</ul>")[0]
    assert "Last year&#x27;s SOM" in recent
    assert "March 10, 2026 – March 11, 2026\n      · Announced" in re.sub(r"<[^>]+>", "", recent)
    assert "nomination" not in upcoming  # a visitor is asked for nothing


def test_dialogue_page_tells_each_person_what_a_meeting_needs_of_them(
    world: World, open_meeting: Meeting
) -> None:
    _nominate(world, open_meeting)
    url = f"/dialogues/{world.dialogue.slug}/"
    secretariat = client_for(world.person("secretariat_staff")).get(url).content.decode()
    assert "1 nomination awaits review" in secretariat
    assert f'href="/meetings/{open_meeting.pk}/nominations/"' in secretariat
    focal_point = client_for(world.person("focal_point_a")).get(url).content.decode()
    row = focal_point.split(f'id="dialogue-meeting-{open_meeting.pk}"')[1].split("</li>\n</ul>")[0]
    assert "Upload the nomination letter of Georgia" in row
    assert "nominations await review" not in focal_point
