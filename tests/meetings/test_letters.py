"""meetings/registration/printing/ and check_in_desk.py: letters read back as their reader would
(text extracted from the PDF), badges read back as the door's scanner would (QR codes decoded
from the rendered page), the wording the secretariat edits, and the check-in desk."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dialogue.models import State, User
from meetings import registration, services
from meetings.models import LetterTemplate, Meeting, Nomination
from meetings.registration.printing import letters
from notifications.models import Event
from tests.conftest import World, at, client_for
from tests.factories import StateFactory
from tests.meetings.conftest import ON_THE_DAY, START
from tests.meetings.test_pdf import decoded_qr_codes, flat, page_texts

pytestmark = pytest.mark.django_db

GEORGIAN = {
    "full_name": "Nino Beridze",
    "title": "Head of Division",
    "affiliation": "Ministry of Internal Affairs of Georgia",
    "nationality": "Georgian",
    "date_of_birth": datetime.date(1984, 5, 17),
    "passport_number": "13AB45678",
    "passport_expires": datetime.date(2031, 1, 31),
}


def _approved(
    world: World,
    meeting: Meeting,
    email: str,
    *,
    state: State | None = None,
    category: str = "delegate",
    **details: Any,
) -> Nomination:
    state = state or world.state_a
    by = "focal_point_a" if state == world.state_a else "focal_point_b"
    nomination = registration.nominate(
        by=world.person(by),
        meeting=meeting,
        member=state,
        email=email,
        category=category,
        **{"full_name": email.split("@")[0].replace(".", " ").title(), **details},
    )
    return registration.approve(by=world.person("secretariat_staff"), nomination=nomination)


@pytest.fixture
def nino(world: World, open_meeting: Meeting) -> Nomination:
    """The head of Georgia's delegation, approved, with everything a visa letter needs; her
    account is delegate A's."""
    return _approved(
        world, open_meeting, "delegate_a@example.org", category="head_of_delegation", **GEORGIAN
    )


def _text(data: bytes) -> str:
    return flat(" ".join(page_texts(data)))


def _fresh(nomination: Nomination) -> Nomination:
    return Nomination.objects.select_related(
        "meeting__dialogue", "meeting__country", "delegation__state", "delegation__organisation"
    ).get(pk=nomination.pk)


# --- Letters -----------------------------------------------------------------------------------


def test_invitation_letter_in_english_names_the_person_the_meeting_and_the_place(
    nino: Nomination,
) -> None:
    text = _text(letters.letter_for(_fresh(nino), "invitation"))
    assert "Budapest Process" in text
    assert f"Ref.: BP/SOM/2027/GE/{nino.pk}" in text
    assert "Letter of invitation" in text
    assert "Nino Beridze Head of Division Ministry of Internal Affairs of Georgia Georgia" in text
    assert "to take part in the SOM Istanbul, to be held on 10 March 2027." in text
    assert "delegation of Georgia (Head of delegation)" in text
    assert "Venue: Congress Center City: Istanbul" in text
    assert "Yours sincerely, Secretariat of the Budapest Process" in text
    assert "13AB45678" not in text  # an invitation is shown around: no passport on it


def test_visa_letter_in_russian_names_the_passport_and_asks_the_consulate(
    nino: Nomination, staff: User
) -> None:
    registration.update_details(by=staff, nomination=nino, language="ru")
    text = _text(letters.letter_for(_fresh(nino), "visa_support"))
    assert "Письмо визовой поддержки" in text
    assert "Исх. № BP/SOM/2027/GE/" in text
    assert "По месту требования" in text
    assert "в мероприятии «СДЛ Стамбул», которое состоится 10 марта 2027 г." in text
    assert "ФИО: Nino Beridze" in text
    assert "Гражданство: Georgian" in text
    assert "Дата рождения: 17 мая 1984 г." in text
    assert "Номер паспорта: 13AB45678" in text
    assert "Паспорт действителен до: 31 января 2031 г." in text
    assert "в составе делегации: Грузия" in text
    assert "Город: Стамбул" in text  # the city's Russian name
    assert "за содействие в оформлении въездной визы" in text
    assert "г.." not in text  # a date ending in "г." ends the sentence too


def test_visa_letter_in_english_asks_to_facilitate_a_visa(nino: Nomination) -> None:
    text = _text(letters.letter_for(_fresh(nino), "visa_support"))
    assert "Visa-support letter" in text
    assert "To whom it may concern" in text
    assert "Passport number: 13AB45678" in text
    assert "Date of birth: 17 May 1984" in text
    assert "Passport valid until: 31 January 2031" in text
    assert "facilitating the issuance of an entry visa" in text


def test_meeting_dates_are_the_days_in_the_meetings_time_zone() -> None:
    # 22:00 UTC on 9 March is 01:00 on 10 March in Istanbul; it ends on the 11th at 17:00.
    meeting = Meeting(
        time_zone="Europe/Istanbul",
        starts_at=datetime.datetime(2027, 3, 9, 22, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2027, 3, 11, 14, 0, tzinfo=datetime.UTC),
    )
    first, last = letters.meeting_days(meeting)
    # A date never breaks across lines: its spaces are non-breaking.
    assert letters.date_range(first, last, "en") == "10–11\xa0March\xa02027"
    assert letters.date_range(first, last, "ru") == "10–11\xa0марта\xa02027\xa0г."
    march, april = datetime.date(2027, 3, 30), datetime.date(2027, 4, 2)
    assert flat(letters.date_range(march, april, "en")) == "30 March – 2 April 2027"
    assert flat(letters.date_range(march, april, "ru")) == "30 марта – 2 апреля 2027 г."
    new_year = (datetime.date(2027, 12, 30), datetime.date(2028, 1, 2))
    assert flat(letters.date_range(*new_year, "en")) == "30 December 2027 – 2 January 2028"


def test_meeting_ending_at_midnight_ends_the_day_before() -> None:
    meeting = Meeting(
        time_zone="Europe/Vienna",
        starts_at=datetime.datetime(2027, 6, 1, 7, 0, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2027, 6, 2, 22, 0, tzinfo=datetime.UTC),  # 00:00 in Vienna
    )
    assert letters.meeting_days(meeting) == (datetime.date(2027, 6, 1), datetime.date(2027, 6, 2))


def test_edited_wording_is_used_for_the_next_letter_in_its_language_only(
    world: World, nino: Nomination, staff: User
) -> None:
    letters.save_letter_template(
        by=staff,
        dialogue=world.dialogue,
        kind="invitation",
        language="en",
        title="Invitation to {meeting_title}",
        body="Dear {full_name},\r\n\r\nPlease bring this letter to {venue}.\r\n",
        signature="Anna Weber\nSecretariat",
    )
    text = _text(letters.letter_for(_fresh(nino), "invitation"))
    assert "Invitation to SOM Istanbul" in text
    assert "Dear Nino Beridze, Please bring this letter to Congress Center." in text
    assert "Anna Weber Secretariat" in text
    assert "has the honour" not in text

    registration.update_details(by=staff, nomination=nino, language="ru")
    assert "имеет честь пригласить" in _text(letters.letter_for(_fresh(nino), "invitation"))

    assert letters.reset_letter_template(
        by=staff, dialogue=world.dialogue, kind="invitation", language="en"
    )
    assert not LetterTemplate.objects.exists()


def test_unknown_placeholder_is_refused_with_the_allowed_ones(world: World, staff: User) -> None:
    with pytest.raises(ValidationError) as refused:
        letters.save_letter_template(
            by=staff,
            dialogue=world.dialogue,
            kind="visa_support",
            language="en",
            title="Visa",
            body="Passport {passport_no}, born {birthday}.",
            signature="",
        )
    message = refused.value.messages[0]
    assert message.startswith("Unknown placeholder {birthday}, {passport_no}.")
    assert "{passport_number}" in message
    assert "{date_of_birth}" in message
    assert not LetterTemplate.objects.exists()


@pytest.mark.parametrize("role", ["focal_point_a", "chair", "secretariat_staff_other"])
def test_only_the_dialogues_secretariat_edits_the_wording(world: World, role: str) -> None:
    with pytest.raises(PermissionDenied):
        letters.save_letter_template(
            by=world.person(role),
            dialogue=world.dialogue,
            kind="invitation",
            language="en",
            title="Invitation",
            body="Welcome.",
            signature="",
        )
    with pytest.raises(PermissionDenied):
        letters.reset_letter_template(
            by=world.person(role), dialogue=world.dialogue, kind="invitation", language="en"
        )


def test_values_are_inserted_as_plain_text_never_read_again(
    world: World, open_meeting: Meeting
) -> None:
    nomination = _approved(
        world,
        open_meeting,
        "curious@gov.ge",
        full_name="{passport_number} <b>Bold</b> & Co",
        passport_number="SECRET-123",
    )
    text = _text(letters.letter_for(_fresh(nomination), "invitation"))
    assert "{passport_number} <b>Bold</b> & Co" in text
    assert "SECRET-123" not in text


def test_a_line_whose_placeholders_are_all_empty_is_left_out(
    world: World, open_meeting: Meeting
) -> None:
    nomination = _approved(
        world, open_meeting, "short@gov.ge", full_name="Levan Short", passport_number="AB1"
    )
    text = _text(letters.letter_for(_fresh(nomination), "visa_support"))
    assert "Passport number: AB1" in text
    assert "Date of birth" not in text
    assert "Nationality" not in text
    assert "Position" not in text


def test_visa_letter_without_a_passport_number_says_what_is_missing(
    world: World, open_meeting: Meeting
) -> None:
    nomination = _approved(world, open_meeting, "nopass@gov.ge", full_name="Giorgi Kapanadze")
    with pytest.raises(ValidationError) as refused:
        letters.letter_for(_fresh(nomination), "visa_support")
    assert refused.value.messages == [
        "The visa-support letter needs the passport number of Giorgi Kapanadze. Add it to the "
        "nomination's details, then download the letter again."
    ]
    assert letters.available_letters(_fresh(nomination)) == ["invitation"]


def test_visa_letter_for_a_passport_expiring_before_the_meeting_ends_is_refused(
    nino: Nomination, staff: User
) -> None:
    registration.update_details(
        by=staff, nomination=nino, passport_expires=datetime.date(2027, 3, 9)
    )
    with pytest.raises(ValidationError, match=r"valid until .* before the meeting ends"):
        letters.letter_for(_fresh(nino), "visa_support")


def test_invitation_and_visa_letters_wait_for_approval(world: World, open_meeting: Meeting) -> None:
    pending = registration.nominate(
        by=world.person("focal_point_a"),
        meeting=open_meeting,
        member=world.state_a,
        email="pending@gov.ge",
        category="delegate",
        full_name="Pending Person",
        passport_number="X1",
    )
    for kind, letter in (
        ("invitation", "invitation letter"),
        ("visa_support", "visa-support letter"),
    ):
        with pytest.raises(ValidationError) as refused:
            letters.letter_for(_fresh(pending), kind)
        assert refused.value.messages == [
            f"The {letter} is issued once the nomination is approved. The nomination of "
            "Pending Person is: Awaiting review."
        ]


def test_certificate_of_attendance_only_after_check_in_and_from_the_first_day(
    nino: Nomination, staff: User
) -> None:
    with pytest.raises(ValidationError, match="once Nino Beridze has been checked in"):
        letters.letter_for(_fresh(nino), "certificate")
    evening_before = START - datetime.timedelta(hours=12)  # 21:00 in Istanbul
    with at(evening_before):
        registration.check_in(by=staff, meeting=nino.meeting, token=nino.checkin_token)
        with pytest.raises(ValidationError) as refused:
            letters.letter_for(_fresh(nino), "certificate")
    assert refused.value.messages == [
        "The certificate of attendance is issued from the meeting's first day, March 10, 2027."
    ]
    nomination = _fresh(nino)
    with at(ON_THE_DAY):
        text = _text(letters.letter_for(nomination, "certificate"))
    arrived = nomination.checked_in_at.astimezone(nomination.meeting.zone).date()  # type: ignore[union-attr]
    assert "Certificate of attendance" in text
    assert "certifies that the person named below attended the SOM Istanbul" in text
    assert flat(f"Registered on arrival: {letters.full_date(arrived, 'en')}") in text
    assert "Delegation: Georgia" in text


def test_erased_person_gets_no_letter(nino: Nomination, staff: User) -> None:
    registration.erase_person(by=staff, nomination=nino)
    with pytest.raises(ValidationError, match="erased"):
        letters.letter_for(_fresh(nino), "invitation")


def test_letter_file_name_is_plain_ascii(nino: Nomination) -> None:
    assert (
        letters.letter_filename(nino, "visa_support")
        == f"visa-support-bp-som-2027-ge-{nino.pk}-nino-beridze.pdf"
    )


# --- Badges ------------------------------------------------------------------------------------


def _badge_scene(world: World, meeting: Meeting) -> list[Nomination]:
    delegate = _approved(world, meeting, "zurab.delegate@gov.ge", full_name="Zurab Abashidze")
    head = _approved(
        world,
        meeting,
        "tamar.head@gov.ge",
        full_name="Tamar Tsereteli",
        category="head_of_delegation",
    )
    moldovan = _approved(
        world, meeting, "ion.popescu@gov.md", state=world.state_b, full_name="Ion Popescu"
    )
    return [delegate, head, moldovan]


def test_badges_carry_every_approved_name_in_order_and_the_check_in_tokens(
    world: World, open_meeting: Meeting
) -> None:
    delegate, head, moldovan = _badge_scene(world, open_meeting)
    registration.nominate(
        by=world.person("focal_point_a"),
        meeting=open_meeting,
        member=world.state_a,
        email="pending@gov.ge",
        category="delegate",
        full_name="Pending Person",
    )
    approved = Nomination.objects.filter(meeting=open_meeting, status="approved").select_related(
        "delegation__state", "delegation__organisation"
    )
    data = letters.badges_for(open_meeting, approved)
    text = _text(data)
    # Georgia before the Republic of Moldova; the head of delegation first, then by name.
    assert text.index("Tamar Tsereteli") < text.index("Zurab Abashidze") < text.index("Ion Popescu")
    assert "Pending Person" not in text
    assert "Head of delegation" in text
    assert "Republic of Moldova" in text
    codes = [code.text for page in decoded_qr_codes(data) for code in page]
    assert sorted(codes) == sorted(n.checkin_token for n in (delegate, head, moldovan))


def test_badges_speak_the_meetings_first_working_language(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    _badge_scene(world, open_meeting)
    Meeting.objects.filter(pk=open_meeting.pk).update(languages=["ru", "en"])
    open_meeting.refresh_from_db()
    approved = Nomination.objects.filter(meeting=open_meeting, status="approved")
    text = _text(letters.badges_for(open_meeting, approved))
    assert "СДЛ Стамбул" in text
    assert "Грузия" in text
    assert "Республика Молдова" in text


def test_no_badges_without_approved_participants(open_meeting: Meeting) -> None:
    with pytest.raises(ValidationError, match="no approved participants"):
        letters.badges_for(open_meeting, Nomination.objects.none())


# --- Letter downloads --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("delegate_a", 200),  # the person
        ("focal_point_a", 200),
        ("secretariat_staff", 200),
        ("secretariat_admin", 200),
        ("focal_point_b", 404),
        ("observer", 404),
        ("chair", 404),
        ("secretariat_staff_other", 404),
        ("anonymous", 302),
    ],
)
def test_visa_letter_download_by_role(
    world: World, nino: Nomination, role: str, status: int
) -> None:
    response = client_for(world.people[role]).get(
        f"/nominations/{nino.pk}/letters/visa_support.pdf"
    )
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == (
            f'attachment; filename="visa-support-bp-som-2027-ge-{nino.pk}-nino-beridze.pdf"'
        )
        assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}
        assert "Passport number: 13AB45678" in _text(response.content)
    else:
        assert b"13AB45678" not in response.content


def test_letter_download_that_cannot_be_issued_says_why(
    world: World, open_meeting: Meeting
) -> None:
    nomination = _approved(world, open_meeting, "nopass@gov.ge", full_name="Giorgi Kapanadze")
    response = client_for(world.people["focal_point_a"]).get(
        f"/nominations/{nomination.pk}/letters/visa_support.pdf"
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "needs the passport number of Giorgi Kapanadze" in page
    assert "Content-Disposition" not in response


def test_unknown_kind_of_letter_is_not_found(world: World, nino: Nomination) -> None:
    client = client_for(world.people["secretariat_staff"])
    assert client.get(f"/nominations/{nino.pk}/letters/passport.pdf").status_code == 404


# --- Badge downloads ---------------------------------------------------------------------------


def test_badges_of_one_delegation_for_the_secretariat(world: World, open_meeting: Meeting) -> None:
    delegate, head, _moldovan = _badge_scene(world, open_meeting)
    client = client_for(world.people["secretariat_staff"])
    response = client.get(f"/meetings/{open_meeting.pk}/badges.pdf?delegation=GE")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}
    codes = [code.text for page in decoded_qr_codes(response.content) for code in page]
    assert sorted(codes) == sorted([delegate.checkin_token, head.checkin_token])
    assert "Ion Popescu" not in _text(response.content)


@pytest.mark.parametrize("role", ["focal_point_a", "delegate_a", "secretariat_staff_other"])
def test_badges_are_for_the_secretariat_only(
    world: World, open_meeting: Meeting, role: str
) -> None:
    _badge_scene(world, open_meeting)
    response = client_for(world.people[role]).get(f"/meetings/{open_meeting.pk}/badges.pdf")
    assert response.status_code == 404


# --- Wording pages -----------------------------------------------------------------------------


def test_wording_pages_for_the_secretariat(world: World) -> None:
    client = client_for(world.people["secretariat_staff"])
    page = client.get("/dialogues/budapest-process/letter-templates/")
    assert page.status_code == 200
    assert page.content.decode().count("Built-in wording") == 6
    form = client.get("/dialogues/budapest-process/letter-templates/visa_support/ru/")
    assert form.status_code == 200
    assert "Письмо визовой поддержки" in form.content.decode()
    assert "{passport_number}" in form.content.decode()
    for role in ("focal_point_a", "secretariat_staff_other"):
        other = client_for(world.people[role])
        assert other.get("/dialogues/budapest-process/letter-templates/").status_code == 404


def test_wording_form_refuses_an_unknown_placeholder_and_saves_a_good_one(world: World) -> None:
    client = client_for(world.people["secretariat_staff"])
    url = "/dialogues/budapest-process/letter-templates/invitation/en/"
    wording = {"title": "Invitation", "body": "Dear {fullname},", "signature": "The Secretariat"}
    refused = client.post(url, {**wording, "save": "1"})
    assert refused.status_code == 400  # the form again, never a redirect
    assert "Unknown placeholder {fullname}." in refused.content.decode()
    assert not LetterTemplate.objects.exists()

    saved = client.post(url, {**wording, "body": "Dear {full_name},", "save": "1"})
    assert saved.status_code == 302
    stored = LetterTemplate.objects.get()
    assert (stored.body, stored.updated_by) == (
        "Dear {full_name},",
        world.people["secretariat_staff"],
    )
    assert (
        "Edited by Secretariat Staff"
        in client.get("/dialogues/budapest-process/letter-templates/").content.decode()
    )

    assert client.post(url, {"reset": "1"}).status_code == 302
    assert not LetterTemplate.objects.exists()


def test_wording_preview_prints_unsaved_text_with_a_fictional_participant(world: World) -> None:
    client = client_for(world.people["secretariat_staff"])
    url = "/dialogues/budapest-process/letter-templates/certificate/ru/preview.pdf"
    saved = client.get(url)
    assert saved.status_code == 200
    # Ours, made from the secretariat's wording (no uploaded bytes): shown, never sniffed.
    assert saved["Content-Disposition"].startswith("inline")
    assert saved["X-Content-Type-Options"] == "nosniff"
    assert "Сертификат об участии" in _text(saved.content)
    draft = client.post(
        url, {"title": "Проект", "body": "Участник: {full_name}.", "signature": "Секретариат"}
    )
    text = _text(draft.content)
    assert "Проект" in text
    assert "Участник: " in text
    assert not LetterTemplate.objects.exists()


# --- Check-in ----------------------------------------------------------------------------------


def _scan(client: Client, meeting: Meeting, token: str) -> tuple[int, dict[str, Any]]:
    response = client.post(
        f"/meetings/{meeting.pk}/check-in/scan/",
        {"token": token},
        headers={"X-Requested-With": "fetch", "Accept": "application/json"},
    )
    return response.status_code, json.loads(response.content)


def test_scan_welcomes_then_says_when_they_arrived(world: World, nino: Nomination) -> None:
    with at(ON_THE_DAY):  # the session is opened on the day, as at the door
        client = client_for(world.people["secretariat_staff"])
        status, first = _scan(client, nino.meeting, f"  {nino.checkin_token}\n")
    assert (status, first) == (
        200,
        {
            "ok": True,
            "status": "welcome",
            "message": "Welcome, Nino Beridze (Georgia, Head of delegation)",
            "delegation_key": "GE",
        },
    )
    arrived = Nomination.objects.get(pk=nino.pk).checked_in_at
    assert arrived is not None
    event = Event.objects.get(type="nomination.checked_in")
    assert event.audience == {"kind": "secretariat", "dialogue": world.dialogue.pk}

    with at(ON_THE_DAY + datetime.timedelta(minutes=5)):
        status, again = _scan(client, nino.meeting, nino.checkin_token)
    assert (status, again) == (
        200,
        {
            "ok": True,
            "status": "already",
            "message": "Already arrived at 10:00: Nino Beridze (Georgia, Head of delegation)",
            "delegation_key": "GE",
        },
    )
    assert Event.objects.filter(type="nomination.checked_in").count() == 1


def test_scan_refuses_a_forged_token_and_another_meetings_badge(
    world: World, nino: Nomination, staff: User, som: Any
) -> None:
    with at(ON_THE_DAY):
        client = client_for(staff)
        assert _scan(client, nino.meeting, "forged-token") == (
            422,
            {"ok": False, "status": "refused", "message": "This badge is not known."},
        )
        assert (
            _scan(client, nino.meeting, "   ")[1]["message"]
            == "Scan a badge first: the field was empty."
        )
    other = services.schedule_meeting(
        by=staff,
        dialogue=world.dialogue,
        body=som,
        kind="working_group",
        title={"en": "Working group in Baku"},
        time_zone="Asia/Baku",
        starts_at=START + datetime.timedelta(days=30),
        ends_at=START + datetime.timedelta(days=30, hours=6),
    )
    with at(other.starts_at):
        status, refused = _scan(client_for(staff), other, nino.checkin_token)
    assert (status, refused["message"]) == (422, "This badge is for another meeting: SOM Istanbul.")
    assert Nomination.objects.get(pk=nino.pk).checked_in_at is None


def test_scan_of_someone_not_approved_is_refused(world: World, open_meeting: Meeting) -> None:
    pending = registration.nominate(
        by=world.person("focal_point_a"),
        meeting=open_meeting,
        member=world.state_a,
        email="pending@gov.ge",
        category="delegate",
        full_name="Pending Person",
    )
    with at(ON_THE_DAY):
        status, refused = _scan(
            client_for(world.people["secretariat_staff"]), open_meeting, pending.checkin_token
        )
    assert (status, refused["message"]) == (
        422,
        "Pending Person is not approved for this meeting (Awaiting review).",
    )


def test_scan_without_javascript_answers_with_a_message_on_the_desk(
    world: World, nino: Nomination
) -> None:
    url = f"/meetings/{nino.meeting_id}/check-in/scan/"
    with at(ON_THE_DAY):
        client = client_for(world.people["secretariat_staff"])
        response = client.post(url, {"token": nino.checkin_token}, follow=True)
        forged = client.post(url, {"token": "forged"}, follow=True).content.decode()
    assert response.redirect_chain == [(f"/meetings/{nino.meeting_id}/check-in/", 302)]
    assert "Welcome, Nino Beridze (Georgia, Head of delegation)" in response.content.decode()
    assert "This badge is not known." in forged


@pytest.mark.parametrize("role", ["focal_point_a", "delegate_a", "secretariat_staff_other"])
def test_scan_is_for_the_meetings_secretariat_only(
    world: World, nino: Nomination, role: str
) -> None:
    response = client_for(world.people[role]).post(
        f"/meetings/{nino.meeting_id}/check-in/scan/", {"token": nino.checkin_token}
    )
    assert response.status_code == 404
    assert Nomination.objects.get(pk=nino.pk).checked_in_at is None


def test_counts_fragment_shows_arrivals_per_delegation(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    delegate, head, _moldovan = _badge_scene(world, open_meeting)
    with at(ON_THE_DAY):
        registration.check_in(by=staff, meeting=open_meeting, token=head.checkin_token)
    response = client_for(staff).get(f"/meetings/{open_meeting.pk}/check-in/counts/")
    assert response.status_code == 200
    page = flat(response.content.decode())
    assert "1 of 3 approved participants have arrived" in page
    georgia = page[page.index('id="arrivals-GE"') :]
    assert flat('<th scope="row">Georgia</th> <td class="number"><details id="arrived-GE">') in (
        georgia
    )
    georgia = georgia.split("</tr>")[0]
    assert '<td class="number">2</td>' in georgia
    arrived, waiting = georgia.split('<details id="waiting-GE">')
    assert "Tamar Tsereteli" in arrived
    assert f"/check-in/{head.pk}/undo/" in arrived  # an arrival recorded by mistake is undone
    assert "Zurab Abashidze" in waiting
    assert "Tamar Tsereteli" not in waiting
    # Someone without their badge is checked in from the list of those not yet arrived.
    assert f'name="token" value="{delegate.checkin_token}"' in georgia
    assert 'id="arrivals-MD"' in page
    assert "Ion Popescu" in page


def test_check_in_page_costs_the_same_queries_at_1_and_50_participants(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    registration.set_quota(
        by=staff, meeting=open_meeting, state=world.state_a, categories=["delegate"], seats=60
    )
    client = client_for(staff)
    url = f"/meetings/{open_meeting.pk}/check-in/"
    first = _approved(world, open_meeting, "p0@gov.ge")
    with at(ON_THE_DAY):
        registration.check_in(by=staff, meeting=open_meeting, token=first.checkin_token)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(1, 50):
        nomination = _approved(world, open_meeting, f"p{n}@gov.ge")
        if n % 3 == 0:
            with at(ON_THE_DAY):
                registration.check_in(
                    by=staff, meeting=open_meeting, token=nomination.checkin_token
                )
    with CaptureQueriesContext(connection) as fifty:
        response = client.get(url)
    assert "17 of 50 approved participants have arrived" in flat(response.content.decode())
    # Session, person, meeting, roles, the approved nominations, the check-ins undone, the
    # unread count.
    assert len(one) == len(fifty) == 5


def test_check_in_page_has_the_scanner_field_the_camera_and_the_stream(
    world: World, open_meeting: Meeting
) -> None:
    page = client_for(world.people["secretariat_staff"]).get(
        f"/meetings/{open_meeting.pk}/check-in/"
    )
    html = page.content.decode()
    assert 'name="token" autofocus' in html
    assert f'data-live-streams="meeting:{open_meeting.pk}' in html
    assert 'data-decoder="/static/vendor/jsqr/jsQR.js"' in html
    assert "<script>" not in html
    assert " style=" not in html


# --- Arabic ------------------------------------------------------------------------------------


def test_invitation_letter_in_arabic_is_arabic_throughout_and_right_to_left(
    world: World, open_meeting: Meeting
) -> None:
    nomination = _approved(
        world, open_meeting, "fp.iraq@example.org", language="ar", **{**GEORGIAN}
    )
    data = letters.letter_for(_fresh(nomination), "invitation")
    lines = [line.strip() for page in page_texts(data) for line in page.splitlines()]
    assert "رسالة دعوة" in lines
    assert "Nino Beridze" in lines
    assert "ونتطلع إلى الترحيب بكم." in lines
    assert any(line.startswith("وتفضلوا بقبول فائق الاحترام") for line in lines)
    assert lines[0] == "Budapest Process"  # the dialogue's name, read first: the letterhead


def test_arabic_letter_dates_are_written_in_arabic() -> None:
    assert letters.full_date(datetime.date(2027, 3, 10), "ar") == "10\xa0مارس\xa02027"


def test_letters_use_the_name_given_in_their_language_and_name_the_citizenship(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    StateFactory(code="IQ", name_i18n={"en": "Iraq", "ru": "Ирак", "ar": "العراق"})
    details = {
        **GEORGIAN,
        "full_name": "Ahmed Al-Hasani",
        "citizenship": "IQ",
        "names": {
            "ar": {"full_name": "أحمد الحسني", "affiliation": "وزارة الداخلية"},
            "ru": {"full_name": "Ахмед аль-Хасани"},
            "fr": {"full_name": "ignored: not a language of the interface"},
        },
    }
    arabic = _approved(world, open_meeting, "ahmed@example.org", language="ar", **details)
    assert set(arabic.names) == {"ar", "ru"}
    lines = [
        line.strip()
        for page in page_texts(letters.letter_for(_fresh(arabic), "visa_support"))
        for line in page.splitlines()
    ]
    assert "الاسم الكامل: أحمد الحسني" in lines
    assert "الوزارة أو المنظمة: وزارة الداخلية" in lines
    assert "الجنسية: العراق" in lines  # the country in Arabic, not the typed "Georgian"
    # No Arabic title given: the Latin one. (PDFium reads mixed-direction lines back in an
    # order of its own, so this is checked on the values the letter is filled with.)
    assert letters.values_for(_fresh(arabic), "ar")["title"] == "Head of Division"

    registration.update_details(by=staff, nomination=arabic, language="ru")
    text = _text(letters.letter_for(_fresh(arabic), "visa_support"))
    assert "ФИО: Ахмед аль-Хасани" in text
    assert "Гражданство: Ирак" in text
    assert "Georgian" not in text


def test_nominee_form_has_a_name_input_per_working_language(
    world: World, open_meeting: Meeting
) -> None:
    open_meeting.languages = ["en", "ru", "ar"]
    open_meeting.save()
    client = client_for(world.person("focal_point_a"))
    page = client.get(f"/meetings/{open_meeting.pk}/delegations/GE/")
    html = page.content.decode()
    assert 'name="full_name__ar"' in html
    assert 'name="full_name__ru"' in html
    assert 'name="affiliation__ar"' in html
    assert 'lang="ar" dir="rtl"' in html
