"""Preparing the next meeting like this one (meetings/next_meeting/): the set-up is copied
through the ordinary services, dates shifted; nothing personal is."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError

from documents import services as documents
from meetings import agenda, registration
from meetings.models import AgendaItem, Meeting
from meetings.next_meeting import prepare_next_meeting
from tests.conftest import World, client_for
from tests.documents.conftest import pdf
from tests.meetings.conftest import START, open_registration

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(days=182)


@pytest.fixture
def original(world: World, meeting: Meeting) -> Meeting:
    """The Istanbul meeting with its registration open (two quotas, two questions), a nomination,
    a document and an agenda of a timed session with two items and a break."""
    staff = world.person("secretariat_staff")
    open_registration(meeting, staff)
    registration.set_quota(
        by=staff,
        meeting=meeting,
        state=world.state_b,
        categories=["expert"],
        seats=2,
        funded_seats=2,
    )
    registration.add_question(
        by=staff,
        meeting=meeting,
        topic="dietary",
        text={"en": "Any dietary needs?", "ru": "Особые требования к питанию?"},
        required=True,
        retention_days=10,
    )
    registration.add_question(
        by=staff, meeting=meeting, topic="travel", text={"en": "Arriving by?"}
    )
    session = agenda.add_item(
        by=staff,
        meeting=meeting,
        kind="session",
        title={"en": "Opening", "ru": "Открытие"},
        description={"en": "Welcome words"},
        starts_at=START,
        ends_at=START + datetime.timedelta(minutes=90),
    )
    agenda.add_item(
        by=staff,
        meeting=meeting,
        parent=session,
        title={"en": "Welcome"},
        starts_at=START,
        ends_at=START + datetime.timedelta(minutes=30),
        room="Hall A",
        presenter_name="Ms Chair",
    )
    agenda.add_item(
        by=staff, meeting=meeting, parent=session, title={"en": "Report"}, duration_minutes=60
    )
    agenda.add_item(by=staff, meeting=meeting, kind="break", title={"en": "Coffee"})
    registration.nominate(
        by=world.person("focal_point_a"),
        meeting=meeting,
        member=world.state_a,
        email="delegate_a@example.org",
        category="head_of_delegation",
        full_name="Delegate A",
    )
    documents.add_document(
        by=staff,
        dialogue=world.dialogue,
        meeting=meeting,
        kind="background_paper",
        title={"en": "Paper"},
        marking="public",
        language="en",
        upload=pdf("paper"),
    )
    return Meeting.objects.select_related("dialogue", "body").get(pk=meeting.pk)


def _prepare(world: World, original: Meeting, **fields: Any) -> Meeting:
    values: dict[str, Any] = {
        "by": world.person("secretariat_staff"),
        "original": original,
        "starts_at": START + LATER,
        "ends_at": START + LATER + datetime.timedelta(hours=8),
        **fields,
    }
    return prepare_next_meeting(**values).meeting


def _quotas(meeting: Meeting) -> list[tuple[Any, ...]]:
    return sorted(
        (r.categories, r.seats, r.funded_seats, r.member_kind, r.state_id, r.organisation_id)
        for r in meeting.quota_rules.all()
    )


def _questions(meeting: Meeting) -> list[tuple[Any, ...]]:
    return [
        (q.topic, q.text_i18n.as_dict(), q.required, q.retention_days, q.position)
        for q in meeting.follow_up_questions.all()
    ]


def _agenda(meeting: Meeting) -> list[tuple[Any, ...]]:
    return [
        (
            i.position,
            i.kind,
            i.parent.title_i18n["en"] if i.parent else None,
            i.title_i18n.as_dict(),
            i.description_i18n.as_dict(),
            i.internal,
        )
        for i in meeting.agenda_items.select_related("parent")
    ]


def test_the_copy_has_the_originals_set_up_with_the_deadlines_shifted(
    world: World, original: Meeting
) -> None:
    copy = _prepare(world, original)

    assert copy.pk != original.pk
    assert copy.status == "draft"
    assert copy.announced_at is None
    for name in ("kind", "body_id", "time_zone", "languages", "interpretation", "is_public"):
        assert getattr(copy, name) == getattr(original, name), name
    assert copy.title_i18n == original.title_i18n
    assert copy.city_i18n == original.city_i18n
    assert (copy.venue_name, copy.room) == ("Congress Center", "Hall A")
    before, after = original.registration_settings, copy.registration_settings
    assert after.nomination_deadline == before.nomination_deadline + LATER
    assert after.confirmation_deadline == before.confirmation_deadline + LATER
    assert (after.capacity, after.collect_gender) == (before.capacity, before.collect_gender)
    assert _quotas(copy) == _quotas(original)
    assert len(_quotas(copy)) == 2
    assert _questions(copy) == _questions(original)
    assert len(_questions(copy)) == 2
    assert _agenda(copy) == _agenda(original)
    assert len(_agenda(copy)) == 4


def test_the_agenda_keeps_durations_not_times_of_day(world: World, original: Meeting) -> None:
    copy = _prepare(world, original)

    items = {i.title_i18n["en"]: i for i in copy.agenda_items.all()}
    assert {title: i.duration_minutes for title, i in items.items()} == {
        "Opening": 90,
        "Welcome": 30,
        "Report": 60,
        "Coffee": None,
    }
    assert all(i.starts_at is None and i.ends_at is None for i in items.values())
    assert items["Welcome"].parent == items["Opening"]
    assert (items["Welcome"].room, items["Welcome"].presenter_name) == ("", "")


def test_nothing_personal_is_copied(world: World, original: Meeting) -> None:
    assert original.nominations.exists()
    assert original.delegations.exists()
    assert original.documents.exists()

    copy = _prepare(world, original)

    assert not copy.nominations.exists()
    assert not copy.delegations.exists()
    assert not copy.documents.exists()
    assert not copy.outcomes.exists()
    assert not copy.agenda_releases.exists()


def test_a_title_per_language_replaces_the_originals(world: World, original: Meeting) -> None:
    copy = _prepare(world, original, title={"en": "SOM Baku", "ru": "СДЛ Баку"})

    assert copy.title_i18n.as_dict() == {"en": "SOM Baku", "ru": "СДЛ Баку"}


@pytest.mark.parametrize("name", ["focal_point_a", "chair", "secretariat_staff_other"])
def test_only_the_secretariat_may_prepare_it(world: World, original: Meeting, name: str) -> None:
    with pytest.raises(PermissionDenied):
        _prepare(world, original, by=world.person(name))
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(
    ("starts_in", "hours", "sentence"),
    [
        (LATER, -1, "A meeting must end after it starts."),
        (-datetime.timedelta(days=200), 8, "The next meeting must start in the future."),
        # Nominations closed 20 days before the original: 20 days before the copy is past.
        (datetime.timedelta(days=-80), 8, "a registration deadline would fall in the past"),
    ],
)
def test_wrong_dates_are_refused_with_a_sentence_and_nothing_written(
    world: World, original: Meeting, starts_in: datetime.timedelta, hours: int, sentence: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        _prepare(
            world,
            original,
            starts_at=START + starts_in,
            ends_at=START + starts_in + datetime.timedelta(hours=hours),
        )
    assert sentence in refused.value.messages[0]
    assert Meeting.objects.count() == 1
    assert AgendaItem.objects.count() == 4


def test_a_deadline_after_the_new_end_is_refused(world: World, meeting: Meeting) -> None:
    staff = world.person("secretariat_staff")
    registration.configure_registration(
        by=staff,
        meeting=meeting,
        nomination_deadline=START - datetime.timedelta(days=1),
        # Participants confirm until the last hour of the meeting.
        confirmation_deadline=START + datetime.timedelta(hours=7),
        capacity=None,
    )
    with pytest.raises(ValidationError) as refused:
        _prepare(
            world,
            meeting,
            ends_at=START + LATER + datetime.timedelta(hours=2),  # a shorter meeting
        )
    assert "after the meeting ends" in refused.value.messages[0]


# --- The page ----------------------------------------------------------------------------------


def test_the_meeting_page_offers_the_button_to_the_secretariat_only(
    world: World, original: Meeting
) -> None:
    link = f"/meetings/{original.pk}/next/"
    page = client_for(world.person("secretariat_staff")).get(f"/meetings/{original.pk}/")
    assert link in page.content.decode()
    page = client_for(world.person("delegate_a")).get(f"/meetings/{original.pk}/")
    assert page.status_code == 200
    assert link not in page.content.decode()


def test_the_form_prepares_the_draft_and_says_what_was_copied(
    world: World, original: Meeting
) -> None:
    client = client_for(world.person("secretariat_staff"))
    form = client.get(f"/meetings/{original.pk}/next/")
    assert 'value="SOM Istanbul"' in form.content.decode()  # the title, prefilled

    response = client.post(
        f"/meetings/{original.pk}/next/",
        {
            "starts_at": "2027-09-08T09:00",
            "ends_at": "2027-09-08T17:00",
            "title_en": "SOM Baku",
            "title_ru": "СДЛ Баку",
        },
        follow=True,
    )

    copy = Meeting.objects.exclude(pk=original.pk).get()
    assert response.redirect_chain[-1][0] == f"/meetings/{copy.pk}/"
    assert copy.title_i18n.as_dict() == {"en": "SOM Baku", "ru": "СДЛ Баку"}
    # 09:00 in the original's time zone (Istanbul, UTC+3).
    assert copy.starts_at == datetime.datetime(2027, 9, 8, 6, 0, tzinfo=datetime.UTC)
    text = response.content.decode()
    assert "2 quotas" in text
    assert "2 follow-up questions" in text
    assert "4 agenda items" in text
    assert "Not copied: nominations, delegations" in text


def test_the_form_shows_the_sentence_and_keeps_the_input(world: World, original: Meeting) -> None:
    client = client_for(world.person("secretariat_staff"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"  # the reader's choice in this browser
    response = client.post(
        f"/meetings/{original.pk}/next/",
        {
            "starts_at": "2026-01-05T09:00",
            "ends_at": "2026-01-05T17:00",
            "title_en": "SOM Baku",
            "title_ru": "СДЛ Баку",
        },
    )
    assert response.status_code == 200
    assert Meeting.objects.count() == 1
    text = response.content.decode()
    assert "Следующее совещание должно начинаться в будущем." in text
    assert 'value="SOM Baku"' in text
    assert "2026-01-05T09:00" in text


def test_others_get_no_page(world: World, original: Meeting) -> None:
    for name in ("focal_point_a", "chair", "secretariat_staff_other"):
        response = client_for(world.person(name)).post(
            f"/meetings/{original.pk}/next/",
            {"starts_at": "2027-09-08T09:00", "ends_at": "2027-09-08T17:00", "title_en": "X"},
        )
        assert response.status_code == 404, name
    assert Meeting.objects.count() == 1
