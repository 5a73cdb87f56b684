"""The secretariat's review queue: each delegation's letter linked, everything on a page
selectable at once, a funded seat granted while approving."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dialogue.models import User
from meetings import registration
from meetings.models import Meeting, Nomination
from tests.conftest import World, client_for
from tests.documents.conftest import PDF_BYTES

pytestmark = pytest.mark.django_db


def _nominate(world: World, meeting: Meeting, email: str, *, funding: bool) -> Nomination:
    return registration.nominate(
        by=world.person("focal_point_a"),
        meeting=meeting,
        member=world.state_a,
        email=email,
        category="delegate",
        full_name=email.split("@")[0].title(),
        funding_requested=funding,
    )


def test_queue_links_each_delegations_nomination_letter(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    _nominate(world, open_meeting, "eka@gov.ge", funding=False)
    queue = f"/meetings/{open_meeting.pk}/nominations/"
    assert "No letter yet" in client_for(staff).get(queue).content.decode()
    client_for(world.person("focal_point_a")).post(
        f"/meetings/{open_meeting.pk}/delegations/GE/letter/",
        {"letter": SimpleUploadedFile("note.pdf", PDF_BYTES, "application/pdf")},
    )
    letter = open_meeting.delegations.get().letters.get()
    page = client_for(staff).get(queue).content.decode()
    assert f'href="/nomination-letters/{letter.pk}/" class="letter-link">Letter v1</a>' in page
    assert client_for(staff).get(f"/nomination-letters/{letter.pk}/").status_code == 200


def test_queue_offers_to_select_every_nomination_on_the_page(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    _nominate(world, open_meeting, "eka@gov.ge", funding=False)
    page = client_for(staff).get(f"/meetings/{open_meeting.pk}/nominations/").content.decode()
    assert 'id="pick-all" aria-label="Select all on this page"' in page


def test_approving_with_a_grant_gives_the_funded_seat(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    asking = _nominate(world, open_meeting, "eka@gov.ge", funding=True)
    also_asking = _nominate(world, open_meeting, "levan@gov.ge", funding=True)
    client = client_for(staff)
    page = client.get(f"/meetings/{open_meeting.pk}/nominations/").content.decode()
    assert f'name="fund" value="{asking.pk}"' in page
    response = client.post(
        f"/meetings/{open_meeting.pk}/nominations/bulk/",
        {
            "nominations": [asking.pk, also_asking.pk],
            "fund": [asking.pk],
            "action": "approve",
            "confirm": "1",
        },
        follow=True,
    )
    asking.refresh_from_db()
    also_asking.refresh_from_db()
    assert (asking.status, asking.funding) == ("approved", "granted")
    assert (also_asking.status, also_asking.funding) == ("approved", "requested")
    assert "Travel support granted to 1 person." in response.content.decode()


def test_a_grant_beyond_the_funded_seats_leaves_the_approval_and_says_why(
    world: World, open_meeting: Meeting, staff: User
) -> None:
    first = _nominate(world, open_meeting, "eka@gov.ge", funding=True)
    second = _nominate(world, open_meeting, "levan@gov.ge", funding=True)
    result = registration.bulk_decide(
        by=staff,
        meeting=open_meeting,
        nomination_ids=[first.pk, second.pk],
        action="approve",
        fund_ids=[first.pk, second.pk],
        confirm=True,
    )
    assert [n.pk for n in result.done] == [first.pk, second.pk]
    assert [n.pk for n in result.funded] == [first.pk]  # one funded seat in the quota
    [(refused, message)] = result.refused
    assert refused.pk == second.pk
    assert message == (
        "Approved, but travel support was not granted: All 1 funded seats of Georgia are granted."
    )
    second.refresh_from_db()
    assert (second.status, second.funding) == ("approved", "requested")
