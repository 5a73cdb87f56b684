"""The registration pages: a delegation's page for its focal point, the secretariat's set-up and
review queue, a nomination, a person's own registrations; what each role sees and may do."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dialogue.models import User
from meetings import registration, services
from meetings.models import Meeting, Nomination
from tests.conftest import World, at, client_for
from tests.meetings.conftest import ON_THE_DAY

pytestmark = pytest.mark.django_db

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _nominate(world: World, meeting: Meeting, email: str, **extra: Any) -> Nomination:
    return registration.nominate(
        by=world.person(extra.pop("by", "focal_point_a")),
        meeting=meeting,
        member=extra.pop("member", world.state_a),
        email=email,
        category=extra.pop("category", "delegate"),
        full_name=extra.pop("full_name", email.split("@")[0].title()),
        **extra,
    )


def _form(email: str, key: str, **extra: str) -> dict[str, str]:
    return {
        "email": email,
        "full_name": "Nino Beridze",
        "category": "head_of_delegation",
        "language": "en",
        "idempotency_key": key,
        **extra,
    }


def _queries(client: Client, url: str) -> int:
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


# --- A delegation ------------------------------------------------------------------------------


def test_delegation_page_shows_the_quota_left(world: World, open_meeting: Meeting) -> None:
    _nominate(world, open_meeting, "one@gov.ge")
    response = client_for(world.people["focal_point_a"]).get(
        f"/meetings/{open_meeting.pk}/delegations/GE/"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Delegation of Georgia" in page
    assert "One" in page
    assert 'class="remaining"><strong>2</strong></td>' in page


def test_delegation_page_hides_the_form_when_the_quota_is_full(
    world: World, open_meeting: Meeting
) -> None:
    for n in range(3):
        _nominate(world, open_meeting, f"p{n}@gov.ge")
    page = (
        client_for(world.people["focal_point_a"])
        .get(f"/meetings/{open_meeting.pk}/delegations/GE/")
        .content.decode()
    )
    assert 'class="nominee-form"' not in page
    assert (
        "The delegation&#x27;s quota is full (3 seats): withdraw a nomination to free a seat, or "
        "ask the secretariat for more."
    ) in page


def test_delegation_page_hides_the_form_once_registration_has_closed(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    services.transition(by=staff, meeting=open_meeting, to="registration_closed")
    page = (
        client_for(world.people["focal_point_a"])
        .get(f"/meetings/{open_meeting.pk}/delegations/GE/")
        .content.decode()
    )
    assert 'class="nominee-form"' not in page
    assert (
        '<p class="notice" id="no-nomination-form">Registration for this meeting is closed.</p>'
        in page
    )
    # the secretariat still takes late nominations until the meeting is over
    page = client_for(staff).get(f"/meetings/{open_meeting.pk}/delegations/GE/").content.decode()
    assert 'class="nominee-form"' in page
    with pytest.raises(ValidationError, match=r"Registration for this meeting is closed\."):
        _nominate(world, open_meeting, "late@gov.ge")


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("focal_point_a", 404),
        ("delegate_a", 404),
        ("observer", 404),
        ("focal_point_b", 200),
        ("secretariat_staff", 200),
    ],
)
def test_delegation_page_of_state_b_is_for_its_focal_point_and_the_secretariat(
    world: World, open_meeting: Meeting, role: str, status: int
) -> None:
    response = client_for(world.people[role]).get(f"/meetings/{open_meeting.pk}/delegations/MD/")
    assert response.status_code == status


def test_nominate_through_the_page_twice_with_one_key_makes_one(
    world: World, open_meeting: Meeting
) -> None:
    client = client_for(world.people["focal_point_a"])
    url = f"/meetings/{open_meeting.pk}/delegations/GE/"
    first = client.post(url, _form("nino@gov.ge", "key-1"))
    second = client.post(url, _form("nino@gov.ge", "key-1"))
    assert (first.status_code, second.status_code) == (302, 302)
    assert Nomination.objects.filter(meeting=open_meeting).count() == 1


def test_nominate_over_the_quota_keeps_what_was_typed_and_says_why(
    world: World, open_meeting: Meeting
) -> None:
    for n in range(3):
        _nominate(world, open_meeting, f"p{n}@gov.ge")
    response = client_for(world.people["focal_point_a"]).post(
        f"/meetings/{open_meeting.pk}/delegations/GE/",
        _form("fourth@gov.ge", "key-4", category="delegate", passport_number="GE-77"),
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The quota of Georgia is full" in page
    assert 'value="fourth@gov.ge"' in page
    assert 'value="GE-77"' in page


def test_nominate_again_prefills_from_an_earlier_nomination(
    world: World, open_meeting: Meeting
) -> None:
    _nominate(world, open_meeting, "known@gov.ge", title="Head of Division", passport_number="P1")
    response = client_for(world.people["focal_point_a"]).get(
        f"/meetings/{open_meeting.pk}/delegations/GE/?from=known@gov.ge"
    )
    page = response.content.decode()
    assert 'value="Head of Division"' in page
    assert 'value="P1"' in page
    other = client_for(world.people["focal_point_b"]).get(
        f"/meetings/{open_meeting.pk}/delegations/MD/?from=known@gov.ge"
    )
    assert "Head of Division" not in other.content.decode()


def test_focal_point_link_from_the_meeting_page_leads_to_their_delegation(
    world: World, open_meeting: Meeting
) -> None:
    client = client_for(world.people["focal_point_a"])
    page = client.get(f"/meetings/{open_meeting.pk}/").content.decode()
    assert f"/meetings/{open_meeting.pk}/delegations/mine/" in page
    response = client.get(f"/meetings/{open_meeting.pk}/delegations/mine/")
    assert response.headers["Location"] == f"/meetings/{open_meeting.pk}/delegations/GE/"


def test_letter_upload_and_download_stay_with_the_delegation(
    world: World, open_meeting: Meeting
) -> None:
    client = client_for(world.people["focal_point_a"])
    response = client.post(
        f"/meetings/{open_meeting.pk}/delegations/GE/letter/",
        {"letter": SimpleUploadedFile("note verbale.pdf", PDF_BYTES, "application/pdf")},
    )
    assert response.status_code == 302
    letter = open_meeting.delegations.get().letters.get()
    download = client.get(f"/nomination-letters/{letter.pk}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF_BYTES  # type: ignore[attr-defined]
    assert (
        client_for(world.people["focal_point_b"])
        .get(f"/nomination-letters/{letter.pk}/")
        .status_code
        == 404
    )


def test_letter_upload_of_an_executable_is_refused_with_a_message(
    world: World, open_meeting: Meeting
) -> None:
    client = client_for(world.people["focal_point_a"])
    url = f"/meetings/{open_meeting.pk}/delegations/GE/letter/"
    response = client.post(
        url, {"letter": SimpleUploadedFile("note.pdf", b"MZ\x90\x00 binary", "application/pdf")}
    )
    assert response.status_code == 400  # the page and its letter form again, not a redirect
    page = response.content.decode()
    letter_form = page[page.index('id="letter"') :]
    assert 'role="alert" id="letter-error">This kind of file is not accepted here' in letter_form
    assert 'aria-describedby="letter-error"' in letter_form
    assert not open_meeting.delegations.filter(letters__isnull=False).exists()
    empty = client.post(url, {})
    assert empty.status_code == 400
    assert "Choose the file of the nomination letter." in empty.content.decode()


def test_letter_upload_over_its_cap_is_refused_with_the_form(
    world: World, open_meeting: Meeting
) -> None:
    from meetings.registration.nomination_letters import LETTER_MAX_BYTES

    client = client_for(world.people["focal_point_a"])
    url = f"/meetings/{open_meeting.pk}/delegations/GE/letter/"
    at_cap = PDF_BYTES[:-6] + b"%" * (LETTER_MAX_BYTES - len(PDF_BYTES)) + PDF_BYTES[-6:]
    assert len(at_cap) == LETTER_MAX_BYTES
    assert client.post(url, {"letter": SimpleUploadedFile("a.pdf", at_cap)}).status_code == 302
    over = client.post(url, {"letter": SimpleUploadedFile("b.pdf", at_cap + b"\n")})
    assert over.status_code == 400
    assert "The file is too large: at most 20.0\xa0MB." in over.content.decode()
    assert open_meeting.delegations.get().letters.count() == 1


# --- The secretariat ---------------------------------------------------------------------------


def test_registration_settings_page_saves_deadlines_in_the_meetings_zone(
    world: World, meeting: Meeting, staff: User
) -> None:
    client = client_for(staff)
    response = client.post(
        f"/meetings/{meeting.pk}/registration/",
        {
            "nomination_deadline": "2027-02-20T18:00",
            "confirmation_deadline": "2027-03-01T18:00",
            "capacity": "120",
            "collect_gender": "on",
        },
    )
    assert response.status_code == 302
    settings_ = meeting.__class__.objects.get(pk=meeting.pk).registration_settings
    assert (
        settings_.nomination_deadline.isoformat() == "2027-02-20T15:00:00+00:00"
    )  # 18:00 Istanbul
    assert settings_.capacity == 120
    response = client.post(
        f"/meetings/{meeting.pk}/registration/quotas/",
        {"scope": "participating", "categories": ["delegate"], "seats": "3", "funded_seats": "1"},
    )
    assert response.status_code == 302
    assert meeting.quota_rules.get().seats == 3


def test_queue_filters_and_searches(world: World, open_meeting: Meeting, staff: User) -> None:
    _nominate(world, open_meeting, "nino@gov.ge", full_name="Nino Beridze")
    _nominate(
        world,
        open_meeting,
        "ion@gov.md",
        full_name="Ion Popescu",
        by="focal_point_b",
        member=world.state_b,
    )
    client = client_for(staff)
    page = client.get(f"/meetings/{open_meeting.pk}/nominations/?state=MD").content.decode()
    assert "Ion Popescu" in page
    assert "Nino Beridze" not in page
    page = client.get(f"/meetings/{open_meeting.pk}/nominations/?q=berid").content.decode()
    assert "Nino Beridze" in page
    assert "Ion Popescu" not in page
    assert (
        client_for(world.people["focal_point_a"])
        .get(f"/meetings/{open_meeting.pk}/nominations/")
        .status_code
        == 404
    )


def test_bulk_actions_report_each_refusal(world: World, open_meeting: Meeting, staff: User) -> None:
    nominations = [_nominate(world, open_meeting, f"p{n}@gov.ge") for n in range(2)]
    response = client_for(staff).post(
        f"/meetings/{open_meeting.pk}/nominations/bulk/",
        {"action": "reject", "nominations": [n.pk for n in nominations], "reason": ""},
        follow=True,
    )
    assert "Give the reason for rejecting" in response.content.decode()
    asked = client_for(staff).post(
        f"/meetings/{open_meeting.pk}/nominations/bulk/",
        {"action": "approve", "nominations": [n.pk for n in nominations]},
    )
    page = asked.content.decode()
    assert (
        "Approve 2 nominations of 1 delegation: each nominee and their focal point will be told."
        in page
    )
    assert set(Nomination.objects.values_list("status", flat=True)) == {"nominated"}
    response = client_for(staff).post(
        f"/meetings/{open_meeting.pk}/nominations/bulk/",
        {"action": "approve", "nominations": [n.pk for n in nominations], "confirm": "1"},
        follow=True,
    )
    assert "2 nominations approved." in response.content.decode()
    assert set(Nomination.objects.values_list("status", flat=True)) == {"approved"}


def test_queue_costs_the_same_queries_at_1_and_50_nominations(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    registration.set_quota(
        by=staff, meeting=open_meeting, state=world.state_b, categories=["delegate"], seats=60
    )
    _nominate(world, open_meeting, "first@gov.ge")
    client = client_for(staff)
    url = f"/meetings/{open_meeting.pk}/nominations/"
    few = _queries(client, url)
    for n in range(49):
        _nominate(world, open_meeting, f"p{n}@gov.md", by="focal_point_b", member=world.state_b)
    assert _queries(client, url) == few == 7  # the session, then the person with their roles


def test_delegation_page_costs_the_same_queries_at_1_and_50_nominations(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    registration.set_quota(
        by=staff, meeting=open_meeting, state=world.state_a, categories=["delegate"], seats=60
    )
    _nominate(world, open_meeting, "first@gov.ge")
    client = client_for(world.people["focal_point_a"])
    url = f"/meetings/{open_meeting.pk}/delegations/GE/"
    few = _queries(client, url)
    for n in range(49):
        _nominate(world, open_meeting, f"p{n}@gov.ge")
    assert _queries(client, url) == few


@pytest.mark.parametrize(
    "role", ["delegate_a", "focal_point_a", "secretariat_staff", "secretariat_admin"]
)
def test_meeting_page_stays_within_ten_queries_with_registration(
    world: World, open_meeting: Meeting, role: str
) -> None:
    registration.approve(
        by=world.person("secretariat_staff"),
        nomination=_nominate(world, open_meeting, "delegate_a@example.org"),
    )
    # Documents included (tests/documents/test_views.py counts them at 1 and 50 documents).
    assert _queries(client_for(world.people[role]), f"/meetings/{open_meeting.pk}/") <= 10


# --- A nomination ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("delegate_a", 200),  # the nominee
        ("focal_point_a", 200),
        ("secretariat_staff", 200),
        ("focal_point_b", 404),
        ("observer", 404),
        ("chair", 404),
        ("secretariat_staff_other", 404),
        ("anonymous", 302),
    ],
)
def test_nomination_and_its_personal_data_are_for_the_delegation(
    world: World, open_meeting: Meeting, role: str, status: int
) -> None:
    nomination = _nominate(
        world, open_meeting, "delegate_a@example.org", passport_number="GE-SECRET-1"
    )
    response = client_for(world.people[role]).get(f"/nominations/{nomination.pk}/")
    assert response.status_code == status
    assert ("GE-SECRET-1" in response.content.decode()) == (status == 200)


def test_decide_from_the_nomination_page(world: World, open_meeting: Meeting, staff: User) -> None:
    nomination = _nominate(world, open_meeting, "x@gov.ge")
    client = client_for(staff)
    client.post(f"/nominations/{nomination.pk}/decide/", {"action": "waitlist"})
    nomination.refresh_from_db()
    assert nomination.status == "waitlisted"
    response = client.post(
        f"/nominations/{nomination.pk}/decide/", {"action": "reject", "reason": ""}, follow=True
    )
    assert "Give the reason" in response.content.decode()
    client.post(
        f"/nominations/{nomination.pk}/decide/", {"action": "reject", "reason": "Duplicate"}
    )
    nomination.refresh_from_db()
    assert (nomination.status, nomination.status_reason) == ("rejected", "Duplicate")
    focal = client_for(world.people["focal_point_a"]).get(f"/nominations/{nomination.pk}/")
    assert "Duplicate" in focal.content.decode()
    assert (
        client_for(world.people["focal_point_a"])
        .post(f"/nominations/{nomination.pk}/decide/", {"action": "approve"})
        .status_code
        == 404
    )


def test_decide_ignores_a_foreign_next_address(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nomination = _nominate(world, open_meeting, "x@gov.ge")
    response = client_for(staff).post(
        f"/nominations/{nomination.pk}/decide/",
        {"action": "approve", "next": "https://evil.example.com/"},
    )
    assert response.headers["Location"] == f"/nominations/{nomination.pk}/"


def test_nominee_confirms_and_answers(world: World, open_meeting: Meeting, staff: User) -> None:
    question = registration.add_question(
        by=staff, meeting=open_meeting, topic="dietary", text={"en": "Diet?"}, required=True
    )
    nomination = _nominate(world, open_meeting, "delegate_a@example.org")
    registration.approve(by=staff, nomination=nomination)
    client = client_for(world.people["delegate_a"])
    response = client.post(f"/nominations/{nomination.pk}/confirm/", {})
    assert response.status_code == 400
    response = client.post(f"/nominations/{nomination.pk}/confirm/", {f"q{question.pk}": "Halal"})
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert nomination.confirmed_at is not None


def test_replace_through_the_page(world: World, open_meeting: Meeting) -> None:
    old = _nominate(world, open_meeting, "old@gov.ge", category="head_of_delegation")
    response = client_for(world.people["focal_point_a"]).post(
        f"/nominations/{old.pk}/replace/",
        {"email": "new@gov.ge", "full_name": "New Head", "language": "ru", "idempotency_key": "r"},
    )
    assert response.status_code == 302
    new = Nomination.objects.get(email="new@gov.ge")
    assert (new.category, new.language, new.replaces_id) == ("head_of_delegation", "ru", old.pk)


def test_erase_needs_the_confirmation_tick(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nomination = _nominate(world, open_meeting, "gone@gov.ge")
    client = client_for(staff)
    client.post(f"/nominations/{nomination.pk}/erase/", {})
    nomination.refresh_from_db()
    assert nomination.erased_at is None
    client.post(f"/nominations/{nomination.pk}/erase/", {"confirm": "erase"})
    nomination.refresh_from_db()
    assert nomination.erased_at is not None


# --- A person's own registrations --------------------------------------------------------------


def test_my_registrations_shows_open_meetings_to_a_focal_point(
    world: World, open_meeting: Meeting
) -> None:
    _nominate(world, open_meeting, "one@gov.ge")
    page = client_for(world.people["focal_point_a"]).get("/registrations/").content.decode()
    assert "SOM Istanbul" in page
    assert "2 seats left" in page


def test_my_registrations_and_personal_data_of_a_nominee(
    world: World, open_meeting: Meeting
) -> None:
    _nominate(world, open_meeting, "delegate_a@example.org", passport_number="P-77")
    client = client_for(world.people["delegate_a"])
    assert "SOM Istanbul" in client.get("/registrations/").content.decode()
    response = client.get("/registrations/my-data.json")
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["nominations"][0]["passport_number"] == "P-77"


def test_registration_settings_show_deadlines_in_the_meetings_zone_to_every_viewer(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    staff.time_zone = "America/New_York"
    staff.save()
    page = client_for(staff).get(f"/meetings/{open_meeting.pk}/registration/").content.decode()
    assert 'value="2027-02-18T09:00"' in page  # 06:00 UTC is 09:00 in Istanbul


def test_nomination_page_offers_the_letters_that_can_be_issued(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nomination = _nominate(world, open_meeting, "delegate_a@example.org")
    page = client_for(world.people["delegate_a"]).get(f"/nominations/{nomination.pk}/")
    assert 'id="letters"' not in page.content.decode()
    registration.approve(by=staff, nomination=nomination)
    page = client_for(world.people["delegate_a"]).get(f"/nominations/{nomination.pk}/")
    html = page.content.decode()
    assert f"/nominations/{nomination.pk}/letters/invitation.pdf" in html
    assert f"/nominations/{nomination.pk}/letters/visa_support.pdf" not in html
    assert "needs the passport number" in html


def test_my_registrations_follows_the_open_meetings_live(
    world: World, open_meeting: Meeting
) -> None:
    client = client_for(world.people["focal_point_a"])
    page = client.get("/registrations/").content.decode()
    assert f'data-live-streams="meeting:{open_meeting.pk} ' in page
    _nominate(world, open_meeting, "one@gov.ge")
    fragment = client.get("/registrations/", headers={"X-Requested-With": "fetch"})
    html = fragment.content.decode()
    assert html.lstrip().startswith('<section id="open-delegations"')
    assert "2 seats left" in html
    assert "1 nominee" in html


def test_after_the_meeting_the_focal_point_reads_registration_closed(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    page = client_for(world.person("focal_point_a")).get(f"/meetings/{open_meeting.pk}/")
    assert "Registration open" in page.content.decode()
    services.transition(by=staff, meeting=open_meeting, to="registration_closed")
    with at(ON_THE_DAY):
        services.transition(by=staff, meeting=open_meeting, to="in_session")
        services.transition(by=staff, meeting=open_meeting, to="concluded", confirm=True)
    page = client_for(world.person("focal_point_a")).get(f"/meetings/{open_meeting.pk}/")
    assert "Registration closed" in page.content.decode()
    assert "Registration not open" not in page.content.decode()
