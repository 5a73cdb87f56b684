"""The permanent record (``dialogue.audit``): every recorded action leaves its entry, with who,
when, what and from where; nobody changes or deletes one; the secretariat admin reads it per
meeting, per person and per object, and downloads it."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from dialogue import services as dialogue_services
from dialogue.audit import trail
from dialogue.audit.models import AppendOnly
from dialogue.models import AuditAction, AuditEntry, RoleKind, User
from meetings import registration, services
from meetings.models import Meeting, Nomination
from meetings.outcomes import services as outcomes
from tests.conftest import World, client_for
from tests.meetings.conftest import CONFIRMATIONS_CLOSE, NOMINATIONS_CLOSE, START

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _nominate(world: World, meeting: Meeting, email: str, **fields: object) -> Nomination:
    return registration.nominate(
        by=world.person("focal_point_a"),
        meeting=meeting,
        member=world.state_a,
        email=email,
        category=str(fields.pop("category", "delegate")),
        full_name=str(fields.pop("full_name", "Nino Beridze")),
        **fields,  # type: ignore[arg-type]
    )


def _entries(action: AuditAction, **filters: object) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action, **filters).order_by("id"))


# --- Each recorded action and its entry ---------------------------------------------------------


def test_approval_is_recorded_with_who_what_and_the_meeting(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nomination = _nominate(world, open_meeting, "nino@gov.ge")
    registration.approve(by=staff, nomination=nomination)
    (entry,) = _entries(AuditAction.NOMINATION_DECIDED)
    assert entry.actor == staff
    assert entry.dialogue == world.dialogue
    assert entry.meeting_id == open_meeting.pk
    assert (entry.object_type, entry.object_id) == ("nomination", str(nomination.pk))
    assert entry.details == {"from": "nominated", "to": "approved", "reason": ""}
    assert entry.person_key == trail.person_key("NINO@gov.ge")
    assert "Nino" not in entry.object_label  # labelled by number and delegation, not by name
    assert entry.client_address is None  # not in a request
    assert entry.retain_until - entry.at >= datetime.timedelta(days=365 * 10)


def test_rejection_with_its_reason_and_the_promotion_it_causes_are_recorded(
    world: World, meeting: Meeting, staff: User
) -> None:
    registration.configure_registration(
        by=staff,
        meeting=meeting,
        nomination_deadline=NOMINATIONS_CLOSE,
        confirmation_deadline=CONFIRMATIONS_CLOSE,
        capacity=1,
    )
    registration.set_quota(
        by=staff, meeting=meeting, member_kind="participating", categories=["delegate"], seats=3
    )
    meeting = services.transition(by=staff, meeting=meeting, to="registration_open")
    first = _nominate(world, meeting, "first@gov.ge")
    second = _nominate(world, meeting, "second@gov.ge", full_name="Second")
    registration.approve(by=staff, nomination=first)
    registration.waitlist(by=staff, nomination=second)
    registration.reject(by=staff, nomination=first, reason="Not a government official")
    decided = _entries(AuditAction.NOMINATION_DECIDED)
    assert [(e.object_id, e.details["to"], e.actor) for e in decided] == [
        (str(first.pk), "approved", staff),
        (str(second.pk), "waitlisted", staff),
        (str(second.pk), "approved", None),  # promoted by the platform when the seat freed
        (str(first.pk), "rejected", staff),
    ]
    assert decided[-1].details["reason"] == "Not a government official"


def test_refused_decision_leaves_no_entry(world: World, open_meeting: Meeting, staff: User) -> None:
    nomination = _nominate(world, open_meeting, "nino@gov.ge")
    with pytest.raises(Exception):  # noqa: B017, PT011 - a refusal of any kind
        registration.reject(by=staff, nomination=nomination, reason="")
    assert not AuditEntry.objects.exists() or not _entries(AuditAction.NOMINATION_DECIDED)


def test_funded_seat_granted_is_recorded(world: World, open_meeting: Meeting, staff: User) -> None:
    nomination = _nominate(world, open_meeting, "nino@gov.ge", funding_requested=True)
    registration.decide_funding(by=staff, nomination=nomination, granted=True)
    (entry,) = _entries(AuditAction.FUNDING_DECIDED)
    assert entry.details == {"from": "requested", "to": "granted"}
    assert entry.actor == staff


def test_deadlines_and_quotas_changed_are_recorded(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    set_up = _entries(AuditAction.REGISTRATION_CHANGED)
    assert set_up[0].details["before"]["nomination_deadline"] is None
    later = NOMINATIONS_CLOSE + datetime.timedelta(days=2)
    registration.configure_registration(
        by=staff,
        meeting=open_meeting,
        nomination_deadline=later,
        confirmation_deadline=CONFIRMATIONS_CLOSE,
        capacity=40,
    )
    changed = _entries(AuditAction.REGISTRATION_CHANGED)[-1]
    assert changed.details["before"]["nomination_deadline"] == NOMINATIONS_CLOSE.isoformat()
    assert changed.details["after"] == {
        "nomination_deadline": later.isoformat(),
        "confirmation_deadline": CONFIRMATIONS_CLOSE.isoformat(),
        "capacity": 40,
    }
    rule = registration.set_quota(
        by=staff, meeting=open_meeting, state=world.state_a, categories=["delegate"], seats=5
    )
    registration.remove_quota(by=staff, rule=rule)
    quota_entries = _entries(AuditAction.QUOTA_CHANGED, object_id=str(rule.pk))
    assert [list(e.details) for e in quota_entries] == [["set"], ["removed"]]
    assert quota_entries[0].details["set"]["state"] == "GE"
    assert quota_entries[0].details["set"]["seats"] == 5


def test_outcome_adoption_is_recorded(world: World, meeting: Meeting, staff: User) -> None:
    outcome = outcomes.draft_outcome(
        by=staff,
        meeting=meeting,
        kind="conclusions",
        title={"en": "Conclusions"},
        text={"en": "Agreed."},
    )
    outcomes.adopt(by=staff, outcome=outcome)
    (entry,) = _entries(AuditAction.OUTCOME_ADOPTED)
    assert (entry.object_type, entry.object_id, entry.object_label) == (
        "outcome",
        str(outcome.pk),
        "Conclusions",
    )
    assert entry.actor == staff
    assert entry.meeting_id == meeting.pk


def test_roles_granted_and_revoked_are_recorded(world: World) -> None:
    admin = world.person("secretariat_admin")
    person = world.person("revoked")
    role = dialogue_services.grant_role(
        by=admin,
        user=person,
        dialogue=world.dialogue,
        kind=RoleKind.FOCAL_POINT,
        state=world.state_b,
    )
    dialogue_services.revoke_role(by=admin, role=role)
    granted = _entries(AuditAction.ROLE_GRANTED, object_id=str(role.pk))
    revoked = _entries(AuditAction.ROLE_REVOKED, object_id=str(role.pk))
    assert len(granted) == len(revoked) == 1
    assert granted[0].person == person
    assert granted[0].actor == admin
    assert granted[0].details == {"kind": "focal_point", "scope": "MD"}


def test_full_list_export_is_recorded_with_the_client_address(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    registration.approve(by=staff, nomination=_nominate(world, open_meeting, "nino@gov.ge"))
    client = client_for(staff)
    public = client.get(f"/meetings/{open_meeting.pk}/participants.csv")
    assert public.status_code == 200
    assert not _entries(AuditAction.PERSONAL_DATA_EXPORTED)  # nothing personal in the public list
    full = client.get(
        f"/meetings/{open_meeting.pk}/participants.xlsx?full=1", REMOTE_ADDR="203.0.113.7"
    )
    assert full.status_code == 200
    (entry,) = _entries(AuditAction.PERSONAL_DATA_EXPORTED)
    assert entry.client_address == "203.0.113.7"
    assert entry.object_type == "participant_list"
    assert entry.details == {"format": "xlsx", "people": 1}


def test_letter_and_badge_downloads_are_recorded(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nomination = _nominate(world, open_meeting, "nino@gov.ge")
    registration.approve(by=staff, nomination=nomination)
    fp = client_for(world.person("focal_point_a"))
    assert fp.get(f"/nominations/{nomination.pk}/letters/invitation.pdf").status_code == 200
    (letter,) = _entries(AuditAction.LETTER_DOWNLOADED)
    assert letter.actor == world.person("focal_point_a")
    assert letter.details == {"letter": "invitation"}
    assert letter.client_address == "127.0.0.1"
    assert client_for(staff).get(f"/meetings/{open_meeting.pk}/badges.pdf").status_code == 200
    (badges,) = _entries(AuditAction.PERSONAL_DATA_EXPORTED, object_type="badges")
    assert badges.details["people"] == 1


def test_nomination_letter_download_is_recorded(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    letter = registration.upload_letter(
        by=world.person("focal_point_a"),
        meeting=open_meeting,
        member=world.state_a,
        upload=SimpleUploadedFile("note.pdf", PDF_BYTES),
    )
    assert client_for(staff).get(f"/nomination-letters/{letter.pk}/").status_code == 200
    (entry,) = _entries(AuditAction.LETTER_DOWNLOADED, object_type="nomination_letter")
    assert entry.actor == staff
    assert entry.object_id == str(letter.pk)


def test_erasure_is_recorded_without_the_erased_data(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nomination = _nominate(world, open_meeting, "nino@gov.ge", passport_number="13AB45678")
    registration.erase_person(by=staff, nomination=nomination)
    erased = _entries(AuditAction.PERSONAL_DATA_ERASED)
    assert [e.object_id for e in erased] == [str(nomination.pk)]
    entry = erased[0]
    assert entry.actor == staff
    assert entry.details["on_request"] is True
    text = str(AuditEntry.objects.filter(pk=entry.pk).values().get())  # every column of the entry
    for erased_value in ("nino@gov.ge", "Nino", "13AB45678", trail.person_key("nino@gov.ge")):
        assert erased_value not in text


def test_erasure_when_the_time_is_up_is_recorded_per_meeting(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    _nominate(world, open_meeting, "nino@gov.ge", passport_number="13AB45678")
    registration.erase_expired(now=open_meeting.ends_at + datetime.timedelta(days=400))
    erased = _entries(AuditAction.PERSONAL_DATA_ERASED)
    assert erased
    assert all(e.actor is None and e.meeting_id == open_meeting.pk for e in erased)
    assert {"passport_number"} <= {f for e in erased for f in e.details["fields"]}
    assert "13AB45678" not in str(list(AuditEntry.objects.values()))


# --- Append-only --------------------------------------------------------------------------------


def _an_entry(world: World, staff: User, meeting: Meeting) -> AuditEntry:
    registration.approve(by=staff, nomination=_nominate(world, meeting, "nino@gov.ge"))
    return _entries(AuditAction.NOMINATION_DECIDED)[0]


def test_no_entry_changes_or_goes_through_the_application(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    entry = _an_entry(world, staff, open_meeting)
    entry.details = {"to": "rejected"}
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(details={})
    with pytest.raises(AppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).details["to"] == "approved"


@pytest.mark.services
def test_postgresql_refuses_to_change_or_delete_an_entry(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    entry = _an_entry(world, staff, open_meeting)
    table = AuditEntry._meta.db_table
    for sql in (
        f"UPDATE {table} SET details = '{{}}' WHERE id = %s",  # noqa: S608 - our table's name
        f"UPDATE {table} SET actor_id = NULL WHERE id = %s",  # noqa: S608
        f"DELETE FROM {table} WHERE id = %s",  # noqa: S608
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).details["to"] == "approved"


@pytest.mark.services
def test_postgresql_lets_only_entries_past_their_retention_be_purged(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    entry = _an_entry(world, staff, open_meeting)
    assert trail.purge_expired() == 0
    # The database, not the application, decides what may go: by its own clock the entry is
    # years from its end, so a purge told otherwise is refused.
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        trail.purge_expired(now=entry.retain_until + datetime.timedelta(seconds=1))
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_purge_removes_only_what_is_past_its_retention(
    world: World, open_meeting: Meeting, staff: User, settings: object
) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("on PostgreSQL the trigger also asks the database's clock (test above)")
    entry = _an_entry(world, staff, open_meeting)
    count = AuditEntry.objects.count()
    assert trail.purge_expired() == 0
    assert trail.purge_expired(now=entry.retain_until + datetime.timedelta(seconds=1)) == count


# --- Reading the record -------------------------------------------------------------------------


def _scene(world: World, meeting: Meeting, staff: User) -> tuple[Nomination, Nomination]:
    nino = _nominate(world, meeting, "nino@gov.ge")
    other = _nominate(world, meeting, "giorgi@gov.ge", full_name="Giorgi")
    registration.approve(by=staff, nomination=nino)
    registration.reject(by=staff, nomination=other, reason="Late")
    return nino, other


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("secretariat_admin", 200),
        ("secretariat_staff", 404),
        ("focal_point_a", 404),
        ("secretariat_staff_other", 404),
        ("anonymous", 302),
    ],
)
def test_only_the_secretariat_admin_reads_the_record(world: World, role: str, status: int) -> None:
    client = client_for(world.people[role])
    assert client.get("/dialogues/budapest-process/audit/").status_code == status
    assert client.get("/dialogues/budapest-process/audit/export.csv").status_code == status


def test_record_per_meeting_person_and_object(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nino, other = _scene(world, open_meeting, staff)
    client = client_for(world.person("secretariat_admin"))
    base = "/dialogues/budapest-process/audit/"
    page = client.get(base, {"meeting": open_meeting.pk}).content.decode()
    assert "Nomination decided" in page
    assert "Quota changed" in page
    per_person = client.get(base, {"person": "NINO@gov.ge"}).content.decode()
    assert f"nomination {nino.pk}" in per_person
    assert f"nomination {other.pk}" not in per_person
    per_object = client.get(base, {"object": "nomination", "id": other.pk}).content.decode()
    assert "Late" in per_object
    assert f"nomination {nino.pk}" not in per_object
    filtered = client.get(base, {"action": "registration.quota_changed"}).content.decode()
    assert "Nomination decided" not in filtered.split("<table", 1)[-1]
    other_dialogue = client.get("/dialogues/prague-process/audit/").content.decode()
    assert f"nomination {nino.pk}" not in other_dialogue


def test_record_downloads_as_csv_and_xlsx_and_the_download_is_recorded(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    nino, _other = _scene(world, open_meeting, staff)
    client = client_for(world.person("secretariat_admin"))
    response = client.get(
        "/dialogues/budapest-process/audit/export.csv", {"object": "nomination", "id": nino.pk}
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0].startswith("When (")  # the reader's time zone
    assert rows[0][1:4] == ["What", "Who", "From where"]
    assert [r[1] for r in rows[1:]] == ["Nomination decided"]
    assert rows[1][2] == staff.email
    workbook = openpyxl.load_workbook(
        io.BytesIO(client.get("/dialogues/budapest-process/audit/export.xlsx").content)
    )
    sheet = workbook.active
    assert sheet is not None
    assert sheet.max_row > 3
    (exported, _second) = _entries(AuditAction.PERSONAL_DATA_EXPORTED, object_type="audit_trail")
    assert exported.actor == world.person("secretariat_admin")
    assert exported.details["format"] == "csv"


def test_record_page_has_no_door_that_changes_an_entry(world: World) -> None:
    client = client_for(world.person("secretariat_admin"))
    assert client.post("/dialogues/budapest-process/audit/").status_code == 405


def test_retention_is_configurable(
    world: World, open_meeting: Meeting, staff: User, settings: object
) -> None:
    settings.AUDIT_RETENTION_YEARS = 2  # type: ignore[attr-defined]
    entry = _an_entry(world, staff, open_meeting)
    assert entry.retain_until - entry.at < datetime.timedelta(days=365 * 2 + 2)
    assert entry.retain_until > timezone.now() + datetime.timedelta(days=365)


def test_meeting_fixture_start_is_in_the_future() -> None:
    assert timezone.now() < START


def test_a_persons_download_of_their_own_data_is_recorded(
    world: World, open_meeting: Meeting
) -> None:
    delegate = world.person("delegate_a")
    nomination = _nominate(world, open_meeting, delegate.email, passport_number="P-77")
    response = client_for(delegate).get("/registrations/my-data.json", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200
    (entry,) = _entries(AuditAction.PERSONAL_DATA_DOWNLOADED)
    assert (entry.actor, entry.person) == (delegate, delegate)
    assert entry.dialogue == world.dialogue
    assert entry.meeting_id == open_meeting.pk
    assert entry.client_address == "203.0.113.9"
    assert entry.details == {"nominations": [nomination.pk], "meetings": [open_meeting.pk]}
    assert "P-77" not in str(AuditEntry.objects.filter(pk=entry.pk).values().get())
    # The admin finds it among the entries about that person.
    page = client_for(world.person("secretariat_admin")).get(
        f"/dialogues/{world.dialogue.slug}/audit/", {"person": delegate.email}
    )
    assert "Own personal data downloaded" in page.content.decode()


def test_a_download_holding_no_registration_data_records_nothing(world: World) -> None:
    response = client_for(world.person("observer")).get("/registrations/my-data.json")
    assert response.status_code == 200
    assert not _entries(AuditAction.PERSONAL_DATA_DOWNLOADED)


def test_deactivating_and_reactivating_an_account_is_recorded(world: World) -> None:
    admin = world.person("secretariat_admin")
    person = world.person("focal_point_a")
    dialogue_services.set_account_active(by=admin, user=person, active=False)
    dialogue_services.set_account_active(by=admin, user=person, active=False)  # no change
    dialogue_services.set_account_active(by=admin, user=person, active=True)
    off = _entries(AuditAction.ACCOUNT_DEACTIVATED)
    on = _entries(AuditAction.ACCOUNT_REACTIVATED)
    # One entry per dialogue where the person has a role or the admin administers; the second
    # deactivation changed nothing and left none.
    dialogues = {role.dialogue_id for role in person.roles.all()} | {
        role.dialogue_id for role in admin.roles.filter(kind=RoleKind.SECRETARIAT_ADMIN)
    }
    assert sorted(e.dialogue_id for e in off) == sorted(e.dialogue_id for e in on)
    assert {e.dialogue_id for e in off} == dialogues
    assert world.dialogue.pk in dialogues
    for entry in off + on:
        assert (entry.actor, entry.person) == (admin, person)
        assert (entry.object_type, entry.object_id) == ("account", str(person.pk))
    assert {e.details["active"] for e in off} == {False}
    assert {e.details["active"] for e in on} == {True}
