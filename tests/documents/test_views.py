from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dialogue.models import User
from documents import services
from documents.forms import DocumentForm
from documents.models import Document, Receipt
from meetings import agenda, registration
from meetings.models import Meeting
from tests.conftest import World, client_for
from tests.documents.conftest import PDF_BYTES, docx, pdf
from tests.responses import body_of

pytestmark = pytest.mark.django_db

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


# --- Pages ----------


def test_document_page_shows_versions_pending_translation_and_superseded_revisions(
    world: World, staff: User, add: Callable[..., Document]
) -> None:
    document = add(marking="participants", title={"en": "Background paper", "ru": "Справка"})
    services.add_revision(
        by=staff, document=document, language="en", upload=pdf("v2"), note="Figures of 2026"
    )
    page = client_for(world.people["delegate_a"]).get(f"/documents/{document.pk}/").content
    text = page.decode()
    assert document.symbol in text
    assert "Participants of the meeting" in text
    assert "Translation pending" in text  # Russian, a working language of the meeting
    assert "superseded" in text
    assert "Figures of 2026" in text
    assert f"/documents/{document.pk}/en/r1/" in text


def test_a_withdrawn_document_says_so_everywhere(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    document = add(title={"en": "Old concept note"})
    services.withdraw_document(by=staff, document=document, reason="Replaced by BP/SOM/2027/2")
    viewer = client_for(world.people["delegate_a"])
    assert "Replaced by BP/SOM/2027/2" in viewer.get(f"/documents/{document.pk}/").content.decode()
    listed = viewer.get(f"/meetings/{meeting.pk}/documents/").content.decode()
    assert "withdrawn" in listed
    assert "Old concept note" in listed


def test_meeting_page_lists_documents_on_their_agenda_items(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    item = agenda.add_item(by=staff, meeting=meeting, title={"en": "Legal pathways"})
    agenda.release_agenda(by=staff, meeting=meeting, note="v1")
    add(title={"en": "Presentation on pathways"}, agenda_item=item)
    page = client_for(None).get(f"/meetings/{meeting.pk}/").content.decode()
    row = page[page.index(f'id="agenda-item-{item.pk}"') :]
    assert "Presentation on pathways" in row[: row.index("</li>")]


def test_a_paper_added_to_an_agenda_item_shows_in_the_agenda_rows_at_once(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    item = agenda.add_item(by=staff, meeting=meeting, title={"en": "Legal pathways"})
    agenda.release_agenda(by=staff, meeting=meeting, note="v1")
    viewer = client_for(world.people["delegate_a"])
    assert "Paper on pathways" not in viewer.get(f"/meetings/{meeting.pk}/").content.decode()
    document = add(title={"en": "Paper on pathways"}, agenda_item=item)
    assert "Paper on pathways" in viewer.get(f"/meetings/{meeting.pk}/").content.decode()
    services.withdraw_document(by=staff, document=document, reason="Superseded")
    page = viewer.get(f"/meetings/{meeting.pk}/").content.decode()
    row = page[page.index(f'id="agenda-item-{item.pk}"') :]
    assert "withdrawn" in row[: row.index("</li>")].lower()


@pytest.mark.parametrize("role", ["anonymous", "delegate_a", "secretariat_staff"])
def test_meeting_page_costs_the_same_queries_at_1_and_50_documents(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document], role: str
) -> None:
    items = [
        agenda.add_item(by=staff, meeting=meeting, title={"en": f"Item {n}"}) for n in range(5)
    ]
    agenda.release_agenda(by=staff, meeting=meeting, note="v1")
    client = client_for(world.people[role])
    add(agenda_item=items[0])
    few = _queries(client, f"/meetings/{meeting.pk}/")
    for n in range(49):
        add(
            marking=["public", "participants", "member_states", "internal"][n % 4],
            agenda_item=items[n % 5] if n % 2 else None,
        )
    many = _queries(client, f"/meetings/{meeting.pk}/")
    # The meeting page's own (4 anonymous; signed in, the session and the person with their
    # roles, nominations and unread count in one query, 6 for a delegate and 7 for the
    # secretariat) + 1 for its documents, the agenda items' included.
    expected = {"anonymous": 5, "delegate_a": 7, "secretariat_staff": 8}[role]
    assert (few, many) == (expected, expected)


@pytest.mark.parametrize("role", ["anonymous", "delegate_a", "secretariat_staff"])
def test_library_costs_the_same_queries_at_1_and_50_documents(
    world: World, meeting: Meeting, add: Callable[..., Document], role: str
) -> None:
    client = client_for(world.people[role])
    add()
    path = "/dialogues/budapest-process/documents/?q=Paper"
    few = _queries(client, path)
    for n in range(49):
        add(marking=["public", "participants", "member_states"][n % 3])
    many = _queries(client, path)
    # the session, the person (with their standing and unread count), the dialogue, its
    # meetings, the page of hits with the count of all, their snippets, the documents, their
    # revisions (anonymous: the dialogue, meetings, hits, snippets, documents, revisions).
    expected = {"anonymous": 6, "delegate_a": 8, "secretariat_staff": 8}[role]
    assert (few, many) == (expected, expected)


def test_library_filters_by_type_language_meeting_and_counts_only_what_one_may_see(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    add(title={"en": "Public agenda"}, kind="agenda")
    russian = add(title={"en": "Internal note"}, marking="internal")
    services.add_revision(by=staff, document=russian, language="ru", upload=pdf("ru"))
    anonymous = client_for(None)
    page = anonymous.get("/dialogues/budapest-process/documents/").content.decode()
    assert "1 document" in page
    assert "Internal note" not in page
    staff_client = client_for(staff)
    by_language = staff_client.get("/dialogues/budapest-process/documents/?language=ru")
    assert "Internal note" in by_language.content.decode()
    assert "Public agenda" not in by_language.content.decode()
    by_kind = staff_client.get("/dialogues/budapest-process/documents/?kind=agenda").content
    assert "Public agenda" in by_kind.decode()
    assert "Internal note" not in by_kind.decode()
    by_meeting = staff_client.get(f"/dialogues/budapest-process/documents/?meeting={meeting.pk}")
    assert "2 documents" in by_meeting.content.decode()
    by_symbol = anonymous.get("/dialogues/budapest-process/documents/?q=BP/SOM/2027/2")
    assert "No document matches" in by_symbol.content.decode()  # the internal one


def test_library_reads_a_filter_it_cannot_read_as_no_filter(
    world: World, meeting: Meeting, add: Callable[..., Document]
) -> None:
    add(title={"en": "Public agenda"}, kind="agenda")
    query = "kind=memo&language=xx&meeting=%C2%B2&since=yesterday&until=2027-13-01"
    response = client_for(None).get(f"/dialogues/budapest-process/documents/?{query}")
    assert response.status_code == 200
    assert "Public agenda" in response.content.decode()


# --- Downloads ----------


def test_download_serves_the_latest_with_safe_headers(
    world: World, staff: User, add: Callable[..., Document]
) -> None:
    document = add(marking="participants")
    second = services.add_revision(by=staff, document=document, language="en", upload=pdf("v2"))
    client = client_for(world.people["delegate_a"])
    response = client.get(f"/documents/{document.pk}/en/")
    body = body_of(response)
    assert hashlib.sha256(body).hexdigest() == second.sha256
    assert response["ETag"] == f'"{second.sha256}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-cache"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "BP-SOM-2027-1_en_r2.pdf" in response["Content-Disposition"]
    assert response["Content-Length"] == str(len(body))
    again = client.get(f"/documents/{document.pk}/en/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    old = client.get(f"/documents/{document.pk}/en/r1/")
    assert body_of(old) == PDF_BYTES.replace(b"%%EOF", b"% paper 1\n%%EOF")


def test_every_download_is_an_attachment_unless_a_preview_is_asked_for(
    world: World, staff: User, add: Callable[..., Document], settings: Any
) -> None:
    image = add(upload=SimpleUploadedFile("map.png", PNG_BYTES))
    text = add(upload=SimpleUploadedFile("notes.txt", "Повестка дня\n".encode()))
    word = add(upload=docx())
    paper = add()
    client = client_for(None)

    def disposition(url: str) -> str:
        response = client.get(url)
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
        return response["Content-Disposition"].split(";")[0]

    for document in (image, text, word, paper):
        assert disposition(f"/documents/{document.pk}/en/") == "attachment"
        assert disposition(f"/documents/{document.pk}/en/r1/") == "attachment"
    # Asked for: images and text are shown, sandboxed; a PDF or an office file never.
    assert disposition(f"/documents/{image.pk}/en/?preview=1") == "inline"
    assert disposition(f"/documents/{text.pk}/en/r1/?preview=1") == "inline"
    assert disposition(f"/documents/{paper.pk}/en/?preview=1") == "attachment"
    assert disposition(f"/documents/{word.pk}/en/?preview=1") == "attachment"
    settings.DOCUMENTS_X_ACCEL_REDIRECT = "/protected/"
    assert disposition(f"/documents/{image.pk}/en/") == "attachment"
    page = client.get(f"/documents/{image.pk}/").content.decode()
    assert f'href="/documents/{image.pk}/en/?preview=1"' in page
    assert "?preview=1" not in client.get(f"/documents/{paper.pk}/").content.decode()


def test_byte_ranges_are_served(world: World, add: Callable[..., Document]) -> None:
    document = add()
    client = client_for(None)
    url = f"/documents/{document.pk}/en/"
    part = client.get(url, HTTP_RANGE="bytes=5-9")
    assert (part.status_code, body_of(part), part["Content-Range"]) == (
        206,
        PDF_BYTES[5:10],
        f"bytes 5-9/{document.revisions.get().size}",
    )
    assert body_of(client.get(url, HTTP_RANGE="bytes=-6")) == b"%%EOF\n"
    assert client.get(url, HTTP_RANGE="bytes=99999-").status_code == 416
    stale = client.get(url, HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE='"not-the-etag"')
    assert stale.status_code == 200


def test_x_accel_redirect_hands_the_bytes_to_the_proxy_after_the_check(
    world: World, add: Callable[..., Document], settings: Any
) -> None:
    settings.DOCUMENTS_X_ACCEL_REDIRECT = "/protected/"
    document = add(marking="participants")
    revision = document.revisions.get()
    response = client_for(world.people["delegate_a"]).get(f"/documents/{document.pk}/en/")
    assert response["X-Accel-Redirect"] == f"/protected/{revision.file.name}"
    assert response.content == b""
    assert client_for(None).get(f"/documents/{document.pk}/en/").status_code == 404


def test_downloading_marks_the_receipt_opened(
    world: World, staff: User, add: Callable[..., Document]
) -> None:
    document = add(marking="participants")
    circulation = services.circulate(by=staff, documents=[document], audience="participants")
    client_for(world.people["delegate_a"]).get(f"/documents/{document.pk}/en/")
    assert Receipt.objects.get(circulation=circulation).opened_at is not None


# --- The meeting's ZIP ----------


def test_meeting_zip_holds_what_the_viewer_may_see_with_a_manifest(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    public = add(title={"en": "Agenda"})
    services.add_revision(by=staff, document=public, language="ru", upload=docx())
    services.add_revision(by=staff, document=public, language="en", upload=pdf("v2"))
    add(title={"en": "Internal"}, marking="internal")
    withdrawn = add(title={"en": "Gone"})
    services.withdraw_document(by=staff, document=withdrawn, reason="Wrong file")
    response = client_for(None).get(f"/meetings/{meeting.pk}/documents.zip")
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment")
    archive = zipfile.ZipFile(io.BytesIO(body_of(response)))
    assert archive.testzip() is None
    assert archive.namelist() == [
        "manifest.csv",
        "BP-SOM-2027-1_en.pdf",
        "BP-SOM-2027-1_ru.docx",
    ]
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))
    assert [(r["symbol"], r["language"], r["revision"]) for r in rows] == [
        ("BP/SOM/2027/1", "en", "2"),
        ("BP/SOM/2027/1", "ru", "1"),
    ]
    for row in rows:
        assert hashlib.sha256(archive.read(row["file"])).hexdigest() == row["sha256"]
    staff_zip = zipfile.ZipFile(
        io.BytesIO(body_of(client_for(staff).get(f"/meetings/{meeting.pk}/documents.zip")))
    )
    assert "BP-SOM-2027-2_en.pdf" in staff_zip.namelist()


# --- Uploading ----------


def test_secretariat_uploads_through_the_form_and_the_progress_script(
    world: World, staff: User, meeting: Meeting
) -> None:
    client = client_for(staff)
    url = f"/meetings/{meeting.pk}/documents/new/"
    assert "progress" in client.get(url).content.decode()
    answer = client.post(
        url,
        {
            "kind": "annotated_agenda",
            "title_en": "Annotated agenda",
            "title_ru": "Аннотированная повестка дня",
            "series": "SOM",
            "marking": "participants",
            "language": "en",
            "file": SimpleUploadedFile("agenda.pdf", PDF_BYTES),
        },
        HTTP_X_REQUESTED_WITH="fetch",
    )
    document = Document.objects.get()
    assert answer.json() == {"redirect": f"/documents/{document.pk}/"}
    refused = client.post(
        f"/documents/{document.pk}/upload/",
        {"language": "ru", "file": SimpleUploadedFile("agenda_ru.pdf", b"<svg onload=alert(1)>")},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        "Web pages and SVG images are not accepted: they can carry scripts."
    ]
    plain = client.post(
        f"/documents/{document.pk}/upload/",
        {"language": "ru", "file": SimpleUploadedFile("agenda_ru.pdf", b"MZ\x90\x00")},
    )
    assert "it is a program" in plain.content.decode()


def _docx_with(name: str, data: bytes) -> SimpleUploadedFile:
    """A valid DOCX with one more member, ``name``."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx().read())) as good,
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
    ):
        for member in good.infolist():
            archive.writestr(member.filename, good.read(member))
        archive.writestr(name, data)
    return SimpleUploadedFile("note.docx", buffer.getvalue())


def test_hostile_office_files_are_refused_at_every_document_upload_door(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    document = add()
    client = client_for(staff)
    created = client.post(
        f"/meetings/{meeting.pk}/documents/new/",
        {
            "kind": "background_paper",
            "title_en": "Note",
            "series": "SOM",
            "marking": "public",
            "language": "en",
            "file": _docx_with("../../evil", b"x"),
        },
    )
    assert created.status_code == 400
    assert "“../../evil”, which points outside the file" in created.content.decode()
    revised = client.post(
        f"/documents/{document.pk}/upload/",
        {"language": "ru", "file": _docx_with("word/media/a.png", b"\x00" * (20 * 1024 * 1024))},
        HTTP_X_REQUESTED_WITH="fetch",
    )
    assert revised.status_code == 400
    assert revised.json()["errors"] == [
        "This archive unpacks to far more than it weighs (a compression bomb): not accepted."
    ]
    assert (Document.objects.count(), document.revisions.count()) == (1, 1)


def test_circulate_form_sends_and_the_receipts_page_shows_the_table(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    document = add(marking="participants")
    client = client_for(staff)
    form = client.get(f"/meetings/{meeting.pk}/circulate/?document={document.pk}")
    assert "checked" in form.content.decode()
    fields = {
        "documents": [document.pk],
        "audience": "participants",
        "message": "For the meeting",
        "comments_until": "2030-01-10T18:00",
        "idempotency_key": "a" * 32,
    }
    # first who it reaches, nothing sent yet
    preview = client.post(f"/meetings/{meeting.pk}/circulate/", fields).content.decode()
    assert not document.circulations.exists()
    reached = preview.split('id="reached"')[1].split("</table>")[0]
    assert "Delegate A" in reached
    assert "on the platform" in reached
    assert "Send to this 1 person" in preview
    response = client.post(f"/meetings/{meeting.pk}/circulate/", {**fields, "confirm": "1"})
    circulation = document.circulations.get()
    assert response.status_code == 302
    assert circulation.comments_until is not None
    assert circulation.comments_until.isoformat() == "2030-01-10T15:00:00+00:00"  # Istanbul
    page = client.get(response["Location"]).content.decode()
    assert "Georgia" in page
    assert "not opened" in page
    delegate = client_for(world.people["delegate_a"])
    assert "Acknowledge receipt" in delegate.get(response["Location"]).content.decode()
    delegate.post(f"/circulations/{circulation.pk}/acknowledge/")
    table = client.get(f"/circulations/{circulation.pk}/receipts/").content.decode()
    assert "acknowledged" in table
    assert "Delegate A" in table


def test_circulate_preview_shows_who_has_no_account_and_who_is_left_out_and_why(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    nomination = registration.nominate(
        by=world.person("focal_point_a"),
        meeting=meeting,
        member=world.state_a,
        email="nino@gov.ge",
        category="delegate",
        full_name="Nino Beridze",
    )
    registration.approve(by=staff, nomination=nomination)
    document = add(marking="participants")
    client = client_for(staff)
    fields = {"documents": [document.pk], "audience": "focal_points", "idempotency_key": "b" * 32}
    preview = client.post(f"/meetings/{meeting.pk}/circulate/", fields).content.decode()
    # focal points are not all admitted by a participants' paper: the marking is said to be why
    left_out = preview.split('id="left-out"')[1].split("</table>")[0]
    assert "a document&#x27;s distribution does not admit them" in left_out
    assert 'id="check-distribution"' in preview
    preview = client.post(
        f"/meetings/{meeting.pk}/circulate/", {**fields, "audience": "participants"}
    ).content.decode()
    reached = preview.split('id="reached"')[1].split("</table>")[0]
    assert "Nino Beridze" in reached
    assert "by e-mail (no account yet)" in reached
    assert 'id="left-out"' not in preview
    assert 'id="check-distribution"' not in preview
    response = client.post(
        f"/meetings/{meeting.pk}/circulate/",
        {**fields, "audience": "participants", "confirm": "1"},
        follow=True,
    )
    page = response.content.decode()
    assert "Sent to 2 people." in page
    mailed = page.split('id="mailed"')[1].split("</section>")[0]
    assert "Nino Beridze" in mailed
    assert "queued" in mailed


def test_circulations_page_counts_delegations_for_the_secretariat_and_shows_each_recipient_theirs(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    to_focal_points = services.circulate(
        by=staff, documents=[add(title={"en": "Concept note"})], audience="focal_points"
    )
    services.acknowledge(by=world.people["focal_point_a"], circulation=to_focal_points)
    paper = add(marking="participants", title={"en": "Participants' paper"})
    services.circulate(by=staff, documents=[paper], audience="participants", message="Read first")
    path = f"/meetings/{meeting.pk}/circulations/"

    page = client_for(staff).get(path).content.decode()
    assert page.count('id="circulation-') == 2
    assert "1 of 2 opened, 1 acknowledged." in page  # Georgia acknowledged, Moldova not yet
    assert "0 of 1 opened, 0 acknowledged." in page  # Georgia's registered participant
    assert "Read first" in page
    assert '+03:00">' in page  # sent at a time in the meeting's zone (Istanbul)...
    assert "your time" in page  # ...and in the reader's (Vienna) beside it

    delegate = client_for(world.people["delegate_a"])
    body_of(delegate.get(f"/documents/{paper.pk}/en/"))  # opened
    mine = delegate.get(path).content.decode()
    assert mine.count('id="circulation-') == 1  # not the focal points' one
    assert '<span class="badge">opened</span>' in mine
    assert "Concept note" not in mine
    assert "of 1 opened" not in mine  # the delegations' progress is the secretariat's
    theirs = client_for(world.people["focal_point_b"]).get(path).content.decode()
    assert theirs.count('id="circulation-') == 1
    assert "not opened" in theirs
    assert "Read first" not in theirs


def test_circulations_page_reads_the_same_number_of_queries_for_one_or_many(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    client = client_for(staff)
    path = f"/meetings/{meeting.pk}/circulations/"
    services.circulate(by=staff, documents=[add()], audience="focal_points")
    one = _queries(client, path)
    for _ in range(4):
        services.circulate(by=staff, documents=[add(), add()], audience="focal_points")
    assert _queries(client, path) == one <= 9


def test_secretariat_restricts_a_document_and_it_leaves_the_public_pages(
    world: World, staff: User, meeting: Meeting, add: Callable[..., Document]
) -> None:
    document = add(title={"en": "Early draft"})
    response = client_for(staff).post(
        f"/documents/{document.pk}/edit/",
        {"kind": "report", "title_en": "Early draft", "marking": "internal"},
    )
    assert response.status_code == 302
    assert client_for(None).get(f"/documents/{document.pk}/").status_code == 404
    listed = client_for(None).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "Early draft" not in listed


def test_library_search_matches_arabic_titles_by_substring_without_postgresql(
    world: World, add: Callable[..., Document]
) -> None:
    add(title={"en": "Report on regular migration", "ar": "تقرير عن الهجرة النظامية"})
    add(title={"en": "Labour migration pathways"})
    client = client_for(world.people["focal_point_b"])
    page = client.get("/dialogues/budapest-process/documents/", {"q": "الهجرة"}).content.decode()
    assert "Report on regular migration" in page
    assert "Labour migration" not in page


def test_symbol_help_text_names_its_parts() -> None:
    help_text = str(DocumentForm.base_fields["series"].help_text)
    assert "the dialogue, the series, the year and the number" in help_text
    assert "<" not in help_text  # a tag-like part vanished from the page, leaving "///"
