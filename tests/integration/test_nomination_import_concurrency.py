"""The secretariat's import of a delegation's list, on PostgreSQL, while the delegation's focal
point nominates at the same instant (issue 16): the quota holds, nobody is nominated twice,
every row of the report says what became of it, and what the report calls accepted is what
was written.

Each call runs in a thread with its own connection and they start at one barrier, so what keeps
the rules is the delegation's row lock taken by ``nominate`` for each row, not the order of the
calls."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connections

from dialogue.models import User
from meetings import registration
from meetings.models import RUNNING, Meeting, Nomination
from meetings.registration import imports
from tests.conftest import World
from tests.meetings.conftest import istanbul_meeting, open_registration

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ROUNDS = 5
# The quota of tests.meetings.conftest.set_up_registration: 3 seats for heads and delegates.
SEATS = 3


def _list(round_: int) -> SimpleUploadedFile:
    rows = [
        "E-mail,Full name,Category,Date of birth",
        f"head{round_}@gov.ge,Head {round_},Head of delegation,1980-01-01",
        f"shared{round_}@gov.ge,Shared {round_},delegate,",  # the focal point nominates them too
        f"SHARED{round_}@gov.ge,Shared again,delegate,",  # a duplicate inside the file
        f"late{round_}@gov.ge,Bad Date,delegate,31.02.1980",  # malformed
        f"imp{round_}a@gov.ge,Imported A,delegate,",
        f"imp{round_}b@gov.ge,Imported B,delegate,",
    ]
    return SimpleUploadedFile(f"list{round_}.csv", ("\n".join(rows) + "\n").encode())


def _in_threads(calls: list[Callable[[], Any]]) -> list[Any]:
    """Each call in its own thread and connection, all released at once; results or errors."""
    start = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            start.wait(30)
            results[index] = call()
        except BaseException as error:  # the test judges every error
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
        assert not thread.is_alive(), "a call is stuck"
    return results


def test_import_beside_focal_point_nominations_keeps_the_rules(world: World) -> None:
    staff: User = world.person("secretariat_staff")
    open_meeting: Meeting = open_registration(istanbul_meeting(world), staff)
    focal_point = world.person("focal_point_a")
    for round_ in range(ROUNDS):
        # Each round starts from an empty delegation: last round's nominees withdrawn.
        for running in Nomination.objects.filter(meeting=open_meeting, status__in=RUNNING):
            registration.withdraw(by=staff, nomination=running, confirm=True)

        def nominating(email: str) -> Callable[[], Any]:
            return lambda: registration.nominate(
                by=focal_point,
                meeting=open_meeting,
                member=world.state_a,
                email=email,
                category="delegate",
                full_name=email.split("@")[0],
            )

        def importing(upload: SimpleUploadedFile, *, dry_run: bool) -> Callable[[], Any]:
            return lambda: imports.import_nominations(
                by=staff,
                meeting=open_meeting,
                member=world.state_a,
                upload=upload,
                dry_run=dry_run,
            )

        results = _in_threads(
            [
                importing(_list(round_), dry_run=False),
                importing(_list(round_), dry_run=True),
                nominating(f"shared{round_}@gov.ge"),
                nominating(f"fp{round_}a@gov.ge"),
                nominating(f"fp{round_}b@gov.ge"),
            ]
        )
        report, dry_report, *by_focal_point = results
        assert isinstance(report, imports.ImportReport), report
        assert isinstance(dry_report, imports.ImportReport), dry_report
        for outcome in by_focal_point:  # a nomination, or a refusal in words
            assert isinstance(outcome, Nomination | ValidationError), outcome

        running = list(
            Nomination.objects.filter(meeting=open_meeting, status__in=RUNNING).order_by("id")
        )
        emails = [n.email.lower() for n in running]
        assert len(running) == SEATS  # the quota is full, never over
        assert len(set(emails)) == len(emails)  # nobody twice
        assert sum(1 for n in running if n.category == "head_of_delegation") <= 1
        # The report is the truth: what it accepted was written, and only that.
        imported = {row.nomination_id for row in report.rows if row.accepted}
        assert imported == {n.pk for n in running if n.nominated_by_id == staff.pk}
        fp_made = {o.pk for o in by_focal_point if isinstance(o, Nomination)}
        assert fp_made == {n.pk for n in running if n.nominated_by_id == focal_point.pk}
        # Every row says what became of it; the malformed date and the duplicate never pass.
        assert [row.line for row in report.rows] == [2, 3, 4, 5, 6, 7]
        by_line = {row.line: row for row in report.rows}
        assert not by_line[5].accepted
        assert "is not a date" in by_line[5].reasons[0]
        assert not by_line[4].accepted  # the same person as line 3, or as the focal point's
        for row in report.rows:
            assert row.accepted or row.reasons
        # The dry run wrote nothing, and reported every row too.
        assert len(dry_report.rows) == 6
        assert all(row.nomination_id is None for row in dry_report.rows)
