"""Registration under real concurrency, against PostgreSQL (QUALITY.md: "400 concurrent
nominations against quotas: 0 over quota, 0 duplicates, every refusal a clear message"; "the
same submission sent 50 times at once: exactly one result"; "database connection lost in the
middle of a registration: no half-written rows, no event without its change, a retried
submission creates exactly one nomination").

Every call runs in a thread with its own database connection, and a batch of calls starts at
one instant (a barrier), so what keeps the rules is the locking of ``meetings.registration``,
not the order the test calls things in. Where a test needs one precise interleaving, it holds a
lock from the test's own connection and waits, in ``pg_locks``, until the threads queue behind
it.

Rounds of nominations: the bar's 400 at once (20 states, 5 seats each) runs once; the 50
repeated rounds are 60 at once over 4 of those states each (all 20 every 5 rounds), because 50
rounds of 400 take about 5 minutes here (a nomination costs about 27 ms of Python CPU, a refusal
about 10 ms, and one Python process has one core). ``REGISTRATION_SOAK=1`` runs the 50 rounds
at the full 400.
"""

from __future__ import annotations

import collections
import datetime
import os
import queue
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from dialogue.models import Invitation, RoleKind, State, User
from meetings import registration, services
from meetings.models import Delegation, Meeting, Nomination, NominationStatus
from notifications.mail import send_due
from notifications.models import Channel, DeliveryPreference, Event, Notification, OutboxEmail
from notifications.publishing import _PUBLISH_LOCK
from tests.conftest import World
from tests.factories import MembershipFactory, RoleFactory, StateFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Twenty participating states of the Budapest Process.
STATE_CODES = (
    "GE", "MD", "AM", "AZ", "TR", "PK", "AF", "BD", "IQ", "IR",
    "KZ", "KG", "TJ", "TM", "UZ", "UA", "AL", "RS", "ME", "MK",
)  # fmt: skip
SEATS = 5
CROWD = 24  # threads, each with its own connection
SOAK = os.environ.get("REGISTRATION_SOAK") == "1"


# --- Threads with connections of their own ------------------------------------------------------


@dataclass
class Outcome:
    result: Any = None
    error: BaseException | None = None


@dataclass
class _Batch:
    calls: queue.SimpleQueue[tuple[int, Callable[[], Any]]]
    outcomes: list[Outcome | None]
    start: threading.Barrier
    finished: threading.Barrier


class Crowd:
    """``size`` threads, each holding its own database connection while the crowd lives.
    ``run`` hands them a batch of calls: they start together and share the calls out."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.peak_in_flight = 0
        self._in_flight = 0
        self._counter = threading.Lock()
        self._inboxes: list[queue.SimpleQueue[_Batch | None]] = [
            queue.SimpleQueue() for _ in range(size)
        ]
        ready = threading.Barrier(size + 1)
        self._threads = [
            threading.Thread(target=self._work, args=(inbox, ready), daemon=True)
            for inbox in self._inboxes
        ]
        for thread in self._threads:
            thread.start()
        ready.wait(30)

    def _work(self, inbox: queue.SimpleQueue[_Batch | None], ready: threading.Barrier) -> None:
        try:
            connection.ensure_connection()  # connected before the first batch, not at its start
            ready.wait(30)
            while (batch := inbox.get()) is not None:
                batch.start.wait(30)
                while True:
                    try:
                        index, call = batch.calls.get_nowait()
                    except queue.Empty:
                        break
                    batch.outcomes[index] = self._call(call)
                batch.finished.wait(120)
        finally:
            connections.close_all()

    def _call(self, call: Callable[[], Any]) -> Outcome:
        with self._counter:
            self._in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self._in_flight)
        try:
            return Outcome(result=call())
        except BaseException as error:  # every error is the test's to judge
            return Outcome(error=error)
        finally:
            with self._counter:
                self._in_flight -= 1

    def run(self, calls: Sequence[Callable[[], Any]]) -> list[Outcome]:
        """Run ``calls``, every thread starting at once; their outcomes in the calls' order."""
        batch = _Batch(
            calls=queue.SimpleQueue(),
            outcomes=[None] * len(calls),
            start=threading.Barrier(self.size),
            finished=threading.Barrier(self.size + 1),
        )
        for index, call in enumerate(calls):
            batch.calls.put((index, call))
        for inbox in self._inboxes:
            inbox.put(batch)
        batch.finished.wait(120)  # a call stuck on a lock breaks the barrier: the test fails
        done = [outcome for outcome in batch.outcomes if outcome is not None]
        assert len(done) == len(calls)
        return done

    def close(self) -> None:
        for inbox in self._inboxes:
            inbox.put(None)
        for thread in self._threads:
            thread.join(30)


@pytest.fixture
def crowd() -> Iterator[Crowd]:
    started = Crowd(CROWD)
    yield started
    started.close()


class Background:
    """One call running in a thread with its own connection; ``pid`` is its server process."""

    def __init__(self, call: Callable[[], Any]) -> None:
        self.pid = 0
        self.outcome: Outcome | None = None
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()
        assert self._connected.wait(10)

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.pid = cursor.fetchone()[0]
            self._connected.set()
            self.outcome = Outcome(result=call())
        except BaseException as error:  # every error is the test's to judge
            self.outcome = Outcome(error=error)
        finally:
            connections.close_all()

    def result(self, timeout: float = 30) -> Outcome:
        self._thread.join(timeout)
        assert not self._thread.is_alive(), "still waiting for a lock"
        assert self.outcome is not None
        return self.outcome

    def wait_until_blocked(self, timeout: float = 10) -> str:
        """Until its connection waits for a lock; which kind (``advisory``, ``transactionid``,
        ``tuple``...)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT locktype FROM pg_locks WHERE pid = %s AND NOT granted", [self.pid]
                )
                row = cursor.fetchone()
            if row is not None:
                return str(row[0])
            assert self._thread.is_alive(), f"finished without waiting: {self.outcome}"
            time.sleep(0.01)
        pytest.fail("never waited for a lock")


def _hold_publish_lock() -> None:
    """Take the event log's lock (as a publisher about to commit holds it) until the test's
    transaction ends: publishers queue behind it in the order they arrive."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PUBLISH_LOCK])


def _deadlocks() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        return int(cursor.fetchone()[0])


# --- The dialogue: twenty member states, a focal point each ---------------------------------------


@dataclass
class Delegations:
    staff: User
    states: list[State]
    focal_points: dict[int, User]

    def focal_point(self, state: State) -> User:
        return self.focal_points[state.pk]


@pytest.fixture(autouse=True)
def _pool_holds_the_crowds() -> None:
    """Every thread of a crowd holds a connection from the process's pool for the whole round:
    a pool smaller than the crowds would leave threads waiting at the barrier."""
    pool = connection.settings_dict.get("OPTIONS", {}).get("pool")
    needed = 50 + CROWD + 2  # the fifty, a crowd, the test's own and a background call
    if isinstance(pool, dict) and pool.get("max_size", 0) < needed:
        pytest.fail(f"set DB_POOL_MAX_SIZE to at least {needed} for these tests (make test does)")


@pytest.fixture
def delegations(world: World) -> Delegations:
    staff = world.person("secretariat_staff")
    states = []
    focal_points = {}
    for code in STATE_CODES:
        state = StateFactory(code=code)
        if code not in ("GE", "MD"):  # the world's states are members already
            MembershipFactory(dialogue=world.dialogue, state=state)
        states.append(state)
        focal_points[state.pk] = UserFactory(email=f"fp.{code.lower()}@gov.example")
        RoleFactory(
            user=focal_points[state.pk],
            dialogue=world.dialogue,
            kind=RoleKind.FOCAL_POINT,
            state=state,
        )
    return Delegations(staff, states, focal_points)


def _open_meeting(world: World, staff: User, title: str, *, capacity: int | None = None) -> Meeting:
    """An announced meeting a month ahead with registration open: 5 delegates a state."""
    body = world.dialogue.bodies.first() or world.dialogue.bodies.create(
        kind="senior_officials_meeting", name_i18n={"en": "SOM"}
    )
    starts = timezone.now() + datetime.timedelta(days=30)
    meeting = services.schedule_meeting(
        by=staff,
        dialogue=world.dialogue,
        body=body,
        kind="senior_officials_meeting",
        title={"en": title},
        time_zone="Europe/Istanbul",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=8),
        city={"en": "Istanbul"},
    )
    meeting = services.transition(by=staff, meeting=meeting, to="announced")
    registration.configure_registration(
        by=staff,
        meeting=meeting,
        nomination_deadline=starts - datetime.timedelta(days=10),
        confirmation_deadline=starts - datetime.timedelta(days=3),
        capacity=capacity,
    )
    registration.set_quota(
        by=staff, meeting=meeting, member_kind="participating", categories=["delegate"], seats=SEATS
    )
    return services.transition(by=staff, meeting=meeting, to="registration_open")


def _nominate_call(
    meeting: Meeting, by: User, state: State, email: str, key: str | None
) -> Callable[[], Nomination]:
    return lambda: registration.nominate(
        by=by,
        meeting=meeting,
        member=state,
        email=email,
        category="delegate",
        full_name=email.split("@")[0].replace(".", " ").title(),
        idempotency_key=key,
    )


def _quota_full(state: State) -> str:
    return (
        f"The quota of {state.name} is full: {SEATS} of {SEATS} seats (Delegate) are taken. "
        "Withdraw or replace a nominee first."
    )


def _already_nominated(email: str) -> str:
    return f"{email} is already nominated for this meeting."


def _meeting_full(capacity: int) -> str:
    return (
        f"The meeting is full: {capacity} of {capacity} seats are approved. Waitlist the "
        "nominee, or raise the capacity."
    )


NOMINATED = "You are nominated for {}"
APPROVED = "Your participation in {} is approved"


def _emails_to(meeting: Meeting, subject: str) -> collections.Counter[str]:
    """The nominees written to with ``subject`` about ``meeting``, counted."""
    wanted = subject.format(meeting.title_i18n["en"])
    send_due()  # they are written in the outbox with the change; the worker sends them
    return collections.Counter(m.to[0] for m in list(mail.outbox) if m.subject.endswith(wanted))


def _event_ids(meeting: Meeting, event_type: str) -> list[int]:
    """The nominations ``event_type`` was published about, in the order of the log."""
    return list(
        Event.objects.filter(stream=meeting.stream, type=event_type)
        .order_by("id")
        .values_list("data__nomination_id", flat=True)
    )


# --- Many nominations at once against quotas -----------------------------------------------------


@dataclass(frozen=True)
class Submission:
    state: State
    email: str
    key: str


def _plan(round_number: int, states: Sequence[State], size: int) -> list[Submission]:
    """``size`` submissions in a random order: new people; people two states both put forward
    (each state its neighbour's); double submissions (the same request again, with the first's
    idempotency key). Most states put forward many more people than their 5 seats; two or three
    put forward fewer, or exactly as many, so "min(5, people)" is tested on both sides."""
    rng = random.Random(round_number)
    prefix = f"r{round_number}"
    submissions: list[Submission] = []

    def submit(state: State, email: str) -> None:
        submissions.append(Submission(state, email, f"{prefix}-{len(submissions)}"))

    for index, state in enumerate(states):
        shared = f"{prefix}.shared{index}@gov.example"
        submit(state, shared)
        submit(states[(index + 1) % len(states)], shared)
    few = {0: 1, 1: 3, 2: 4} if len(states) > 4 else {0: 1, 1: 3}  # +2 shared: 3, 5, 6 people
    doubles = size // 10
    crowded = [i for i in range(len(states)) if i not in few]
    per_state = [few.get(i, 0) for i in range(len(states))]
    for n in range(size - doubles - len(submissions) - sum(few.values())):
        per_state[crowded[n % len(crowded)]] += 1
    for index, state in enumerate(states):
        for n in range(per_state[index]):
            submit(state, f"{prefix}.{state.code.lower()}{n}@gov.example")
    submissions += rng.sample(submissions, doubles)
    rng.shuffle(submissions)
    assert len(submissions) == size
    return submissions


def _made(results: set[str]) -> bool:
    return any(result.startswith("nomination ") for result in results)


def _check_round(
    meeting: Meeting, submissions: list[Submission], outcomes: list[Outcome]
) -> collections.Counter[str]:
    """Every rule, from the outcomes and from the database; what happened, counted."""
    seen: collections.Counter[str] = collections.Counter()
    running = list(
        Nomination.objects.filter(meeting=meeting, status__in=Nomination.RUNNING).select_related(
            "delegation"
        )
    )
    assert len(running) == Nomination.objects.filter(meeting=meeting).count()
    by_pk = {n.pk: n for n in running}
    held = collections.Counter(n.delegation.state_id for n in running)
    # No person twice, one nomination per idempotency key.
    assert [e for e, n in collections.Counter(n.email for n in running).items() if n > 1] == []
    assert [
        k for k, n in collections.Counter(n.idempotency_key for n in running).items() if n > 1
    ] == []
    holder = {n.email: n.delegation.state_id for n in running}

    # Each submission: a nomination of that state and person, or a clear refusal that the
    # meeting's final state bears out. Nothing else: no database error, no deadlock.
    results: dict[str, set[str]] = collections.defaultdict(set)
    for submission, outcome in zip(submissions, outcomes, strict=True):
        state = submission.state
        if outcome.error is None:
            nomination = by_pk.get(outcome.result.pk)
            assert nomination is not None, "a nomination returned but not in the database"
            assert (nomination.email, nomination.delegation.state_id) == (
                submission.email,
                state.pk,
            )
            assert nomination.idempotency_key == submission.key
            results[submission.key].add(f"nomination {nomination.pk}")
            seen["accepted"] += 1
            continue
        error = outcome.error
        assert isinstance(error, ValidationError), f"{type(error).__name__}: {error}"
        (message,) = error.messages
        results[submission.key].add(message)
        if message == _quota_full(state):
            assert held[state.pk] == SEATS
            seen["refused: quota full"] += 1
        elif message == _already_nominated(submission.email):
            assert holder.get(submission.email) not in (None, state.pk)
            seen["refused: already nominated"] += 1
        else:
            pytest.fail(f"unexpected refusal: {message!r}")
    # The same submission twice: one nomination, or refusals (each true when it was made: a
    # quota full, then the person taken by another state meanwhile).
    made_twice = {k: found for k, found in results.items() if len(found) > 1 and _made(found)}
    assert made_twice == {}

    # Per state: exactly min(5, the people it put forward whom no other state holds).
    for state in {s.state for s in submissions}:
        put_forward = {s.email for s in submissions if s.state == state}
        available = {e for e in put_forward if holder.get(e) in (None, state.pk)}
        assert held[state.pk] == min(SEATS, len(available)), state.code

    # One event per nomination made, and one e-mail to each nominee.
    assert sorted(_event_ids(meeting, "nomination.submitted")) == sorted(by_pk)
    assert _emails_to(meeting, NOMINATED) == collections.Counter(n.email for n in running)
    return seen


@pytest.mark.parametrize(
    ("rounds", "states_per_round", "size"),
    [
        pytest.param(1, 20, 400, id="400-at-once"),
        pytest.param(50, 20 if SOAK else 4, 400 if SOAK else 60, id="50-rounds"),
    ],
)
def test_nominations_at_once_fill_each_quota_exactly_and_nobody_twice(
    world: World,
    delegations: Delegations,
    crowd: Crowd,
    rounds: int,
    states_per_round: int,
    size: int,
) -> None:
    deadlocks = _deadlocks()
    seen: collections.Counter[str] = collections.Counter()
    started, cpu = time.monotonic(), time.process_time()
    for round_number in range(rounds):
        first = round_number * states_per_round
        states = [
            delegations.states[(first + i) % len(delegations.states)]
            for i in range(states_per_round)
        ]
        meeting = _open_meeting(world, delegations.staff, f"Quota round {round_number:02d}")
        submissions = _plan(round_number, states, size)
        outcomes = crowd.run(
            [
                _nominate_call(meeting, delegations.focal_point(s.state), s.state, s.email, s.key)
                for s in submissions
            ]
        )
        seen += _check_round(meeting, submissions, outcomes)
    elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
    print(f"\n{rounds} × {size} at once: {elapsed:.1f} s ({cpu:.1f} s CPU here), {dict(seen)}")
    assert crowd.peak_in_flight == CROWD  # every thread was inside a call at the same time
    assert seen["refused: quota full"] > 0
    assert seen["refused: already nominated"] > 0
    assert _deadlocks() == deadlocks


# --- Decisions at once: capacity and the waitlist -----------------------------------------------


def _nominate_many(meeting: Meeting, delegations: Delegations, states: int) -> list[Nomination]:
    """5 nominees from each of the first ``states`` states, one after the other."""
    made = []
    for state in delegations.states[:states]:
        for n in range(SEATS):
            email = f"m{meeting.pk}.{state.code.lower()}{n}@gov.example"
            made.append(
                _nominate_call(meeting, delegations.focal_point(state), state, email, None)()
            )
    return made


def test_approvals_at_once_never_exceed_the_capacity(
    world: World, delegations: Delegations, crowd: Crowd
) -> None:
    staff, capacity = delegations.staff, 12
    for round_number in range(2):
        meeting = _open_meeting(world, staff, f"Capacity round {round_number}", capacity=capacity)
        nominated = _nominate_many(meeting, delegations, states=6)  # 30 for 12 seats
        ids = [n.pk for n in nominated]
        calls: list[Callable[[], Any]] = [
            partial(registration.approve, by=staff, nomination=n) for n in nominated * 2
        ]
        calls += [
            partial(
                registration.bulk_decide,
                by=staff,
                meeting=meeting,
                nomination_ids=ids,
                action="approve",
                confirm=True,
            )
        ] * 2
        random.Random(round_number).shuffle(calls)
        outcomes = crowd.run(calls)

        approved = set(
            Nomination.objects.filter(
                meeting=meeting, status=NominationStatus.APPROVED
            ).values_list("pk", flat=True)
        )
        assert len(approved) == capacity
        for outcome in outcomes:
            if isinstance(outcome.result, registration.BulkResult):
                assert {n.pk for n in outcome.result.done} <= approved
                assert {m for _n, m in outcome.result.refused} == {_meeting_full(capacity)}
            elif outcome.error is None:
                assert outcome.result.pk in approved
            else:
                assert isinstance(outcome.error, ValidationError), repr(outcome.error)
                assert outcome.error.messages == [_meeting_full(capacity)]
        # Each approval once: one event, one e-mail, however often it was clicked.
        assert sorted(_event_ids(meeting, "nomination.approved")) == sorted(approved)
        approved_emails = Nomination.objects.filter(pk__in=approved).values_list("email", flat=True)
        assert _emails_to(meeting, APPROVED) == collections.Counter(approved_emails)


@pytest.mark.parametrize("capacity", [10, None], ids=["capacity", "no-capacity"])
def test_withdrawals_at_once_promote_the_waitlist_in_order_one_per_freed_seat(
    world: World, delegations: Delegations, crowd: Crowd, capacity: int | None
) -> None:
    staff = delegations.staff
    for round_number in range(2):
        meeting = _open_meeting(world, staff, f"Waitlist round {round_number}", capacity=capacity)
        nominated = _nominate_many(meeting, delegations, states=5)  # 25
        approved, waiting = nominated[:10], nominated[10:]
        for nomination in approved:
            registration.approve(by=staff, nomination=nomination)
        waiting = [registration.waitlist(by=staff, nomination=n) for n in waiting]
        position = {n.pk: n.waitlist_position for n in waiting}
        assert sorted(position.values()) == list(range(1, 16))

        leaving = approved[:6]  # withdrawn (by the secretariat or their focal point)
        rejected = approved[6:8]
        gone_from_waitlist = [waiting[1], waiting[4]]  # withdrawn by their focal point
        calls: list[Callable[[], Any]] = []
        for n in leaving[:3]:
            calls.append(partial(registration.withdraw, by=staff, nomination=n, confirm=True))
        for n in leaving[3:] + gone_from_waitlist:
            by = delegations.focal_points[n.delegation.state.pk]
            calls.append(partial(registration.withdraw, by=by, nomination=n, confirm=True))
        for n in rejected:
            reason = "Not a government official"
            calls.append(partial(registration.reject, by=staff, nomination=n, reason=reason))
        calls *= 2  # every click twice
        random.Random(round_number).shuffle(calls)
        outcomes = crowd.run(calls)
        assert [o.error for o in outcomes if o.error is not None] == []

        promoted = _event_ids(meeting, "nomination.promoted")
        assert len(promoted) == len(set(promoted))  # nobody promoted twice
        # Each seat freed promotes exactly one: the 8 decided above, and a waitlisted nominee
        # promoted before their own withdrawal was processed frees theirs again.
        promoted_then_left = {n.pk for n in gone_from_waitlist} & set(promoted)
        assert len(promoted) == 8 + len(promoted_then_left)
        # In order: by waitlist position, skipping those who left it while waiting.
        skipped = {n.pk for n in gone_from_waitlist} - set(promoted)
        in_order = [n.pk for n in waiting if n.pk not in skipped]
        assert promoted == in_order[: len(promoted)]
        assert (
            Nomination.objects.filter(meeting=meeting, status=NominationStatus.APPROVED).count()
            == 10
        )
        still_waiting = Nomination.objects.filter(
            meeting=meeting, status=NominationStatus.WAITLISTED
        )
        assert {n.pk: n.waitlist_position for n in still_waiting} == {
            pk: position[pk] for pk in in_order[len(promoted) :]
        }
        # Each decision once, however often it was clicked.
        assert sorted(_event_ids(meeting, "nomination.withdrawn")) == sorted(
            n.pk for n in leaving + gone_from_waitlist
        )
        assert sorted(_event_ids(meeting, "nomination.rejected")) == sorted(n.pk for n in rejected)


# --- The same submission sent 50 times at once ---------------------------------------------------


def test_the_same_submission_sent_50_times_at_once_has_one_result(
    world: World, delegations: Delegations
) -> None:
    staff = delegations.staff
    meeting = _open_meeting(world, staff, "Fifty clicks", capacity=1)
    georgia = delegations.states[0]
    focal_point = delegations.focal_point(georgia)
    fifty = Crowd(50)
    try:
        # With an idempotency key (the form's): the same nomination, fifty times.
        email = "nino.kapanadze@gov.example"
        outcomes = fifty.run(
            [_nominate_call(meeting, focal_point, georgia, email, "the-form-key")] * 50
        )
        assert [o.error for o in outcomes if o.error is not None] == []
        (nomination,) = Nomination.objects.filter(meeting=meeting, email=email)
        assert {o.result.pk for o in outcomes} == {nomination.pk}
        assert _event_ids(meeting, "nomination.submitted") == [nomination.pk]
        assert Invitation.objects.filter(email=email).count() == 1
        assert _emails_to(meeting, NOMINATED) == {email: 1}

        # Without a key (an API client that sends none): one nomination, 49 clear refusals.
        other = "levan.beridze@gov.example"
        outcomes = fifty.run([_nominate_call(meeting, focal_point, georgia, other, None)] * 50)
        assert sum(o.error is None for o in outcomes) == 1
        assert collections.Counter(
            tuple(o.error.messages) for o in outcomes if isinstance(o.error, ValidationError)
        ) == {(_already_nominated(other),): 49}
        assert Nomination.objects.filter(meeting=meeting, email=other).count() == 1

        # The same approval fifty times: one decision.
        outcomes = fifty.run([lambda: registration.approve(by=staff, nomination=nomination)] * 50)
        assert [o.error for o in outcomes if o.error is not None] == []
        assert _event_ids(meeting, "nomination.approved") == [nomination.pk]
        assert _emails_to(meeting, APPROVED) == {email: 1}

        # The same withdrawal fifty times, with someone waiting: one seat freed, one promotion.
        waiting = Nomination.objects.get(meeting=meeting, email=other)
        registration.waitlist(by=staff, nomination=waiting)
        outcomes = fifty.run(
            [lambda: registration.withdraw(by=focal_point, nomination=nomination, confirm=True)]
            * 50
        )
        assert [o.error for o in outcomes if o.error is not None] == []
        assert _event_ids(meeting, "nomination.withdrawn") == [nomination.pk]
        assert _event_ids(meeting, "nomination.promoted") == [waiting.pk]
    finally:
        fifty.close()


# --- The database connection lost in the middle of a nomination ---------------------------------


def _rows_about(meeting: Meeting, email: str) -> dict[str, int]:
    events = Event.objects.filter(stream=meeting.stream, type__startswith="nomination.")
    return {
        "nominations": Nomination.objects.filter(meeting=meeting).count(),
        "delegations": Delegation.objects.filter(meeting=meeting).count(),
        "invitations": Invitation.objects.filter(email=email).count(),
        "events": events.count(),
        "inbox lines": Notification.objects.filter(event__in=events).count(),
        "e-mails to the nominee": _emails_to(meeting, NOMINATED)[email],
    }


@pytest.mark.parametrize("moment", ["before its event", "after its event"])
def test_connection_lost_mid_nomination_leaves_nothing_and_the_retry_makes_one(
    world: World, delegations: Delegations, moment: str
) -> None:
    staff = delegations.staff
    meeting = _open_meeting(world, staff, "Lost connection")
    georgia = delegations.states[0]
    email = "tamar.gelashvili@gov.example"
    submit = _nominate_call(meeting, delegations.focal_point(georgia), georgia, email, "form-1")
    DeliveryPreference.objects.create(
        user=staff, category="registration", channel=Channel.EMAIL_NOW
    )
    waiting_email = OutboxEmail.objects.create(
        user=staff, coalesce_key=f"now:{meeting.stream}", send_after=timezone.now()
    )

    with transaction.atomic():
        if moment == "before its event":
            # Stopped at publishing: delegation, nomination and invitation written, no event.
            _hold_publish_lock()
        else:
            # Stopped while writing the inbox lines: the event written, its e-mail not yet.
            OutboxEmail.objects.select_for_update().get(pk=waiting_email.pk)
        nominating = Background(submit)
        waits_for = nominating.wait_until_blocked()
        assert waits_for == ("advisory" if moment == "before its event" else "transactionid")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [nominating.pid])
        lost = nominating.result()
    assert isinstance(lost.error, DatabaseError), lost

    assert _rows_about(meeting, email) == {
        "nominations": 0,
        "delegations": 0,
        "invitations": 0,
        "events": 0,
        "inbox lines": 0,
        "e-mails to the nominee": 0,
    }
    assert list(OutboxEmail.objects.values_list("pk", flat=True)) == [waiting_email.pk]

    # The browser sends the form again (same key), twice: one nomination.
    first = Background(submit).result()
    again = Background(submit).result()
    assert first.error is None, first
    assert again.error is None, again
    assert first.result.pk == again.result.pk
    rows = _rows_about(meeting, email)
    assert rows.pop("inbox lines") > 0  # the secretariat hears of it
    assert rows == {
        "nominations": 1,
        "delegations": 1,
        "invitations": 1,
        "events": 1,
        "e-mails to the nominee": 1,
    }


# --- Interleavings that once deadlocked or refused wrongly ---------------------------------------
#
# ``notifications.publish`` takes the event log's lock (an advisory lock held until commit) so that
# event ids become visible in order. A transaction that publishes and *then* waits for a row
# deadlocks with any transaction that holds that row and then publishes. Each test below forces
# the interleaving: the test holds the event log's lock, lets the first action queue behind it,
# then the second, and lets go.


def test_a_seat_freed_while_the_waitlisted_nominee_edits_their_details_deadlocks_nobody(
    world: World, delegations: Delegations
) -> None:
    staff = delegations.staff
    meeting = _open_meeting(world, staff, "Edited while promoted", capacity=1)
    georgia = delegations.states[0]
    focal_point = delegations.focal_point(georgia)
    seated = _nominate_call(meeting, focal_point, georgia, "seated@gov.example", None)()
    waiting = _nominate_call(meeting, focal_point, georgia, "waiting@gov.example", None)()
    registration.approve(by=staff, nomination=seated)
    registration.waitlist(by=staff, nomination=waiting)

    with transaction.atomic():
        _hold_publish_lock()
        leaving = Background(
            lambda: registration.withdraw(by=focal_point, nomination=seated, confirm=True)
        )
        leaving.wait_until_blocked()
        editing = Background(
            lambda: registration.update_details(
                by=focal_point, nomination=waiting, passport_number="13AB45678"
            )
        )
        editing.wait_until_blocked()
    left, edited = leaving.result(), editing.result()

    assert (left.error, edited.error) == (None, None)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.passport_number) == (NominationStatus.APPROVED, "13AB45678")


def test_a_replacement_and_another_states_nomination_of_the_same_person_refuse_one_clearly(
    world: World, delegations: Delegations
) -> None:
    meeting = _open_meeting(world, delegations.staff, "Replaced at once")
    georgia, moldova = delegations.states[0], delegations.states[1]
    fp_georgia, fp_moldova = delegations.focal_point(georgia), delegations.focal_point(moldova)
    leaving = _nominate_call(meeting, fp_georgia, georgia, "leaving@gov.example", None)()
    person = "ana.ceban@gov.example"

    with transaction.atomic():
        _hold_publish_lock()
        replacing = Background(
            lambda: registration.replace(
                by=fp_georgia, nomination=leaving, email=person, full_name="Ana Ceban"
            )
        )
        replacing.wait_until_blocked()
        nominating = Background(_nominate_call(meeting, fp_moldova, moldova, person, None))
        nominating.wait_until_blocked()
    outcomes = [replacing.result(), nominating.result()]

    errors = [o.error for o in outcomes if o.error is not None]
    assert [type(e) for e in errors] == [ValidationError], errors
    assert errors[0].messages == [_already_nominated(person)]  # type: ignore[attr-defined]  # a ValidationError, asserted above
    running = Nomination.objects.filter(meeting=meeting, status__in=Nomination.RUNNING)
    assert running.filter(email=person).count() == 1


def test_the_same_new_person_nominated_for_two_meetings_at_once_is_nominated_for_both(
    world: World, delegations: Delegations
) -> None:
    staff = delegations.staff
    som = _open_meeting(world, staff, "Senior officials")
    group = _open_meeting(world, staff, "Working group")
    georgia = delegations.states[0]
    focal_point = delegations.focal_point(georgia)
    person = "irakli.tsiklauri@gov.example"

    with transaction.atomic():
        _hold_publish_lock()
        first = Background(_nominate_call(som, focal_point, georgia, person, None))
        first.wait_until_blocked()
        second = Background(_nominate_call(group, focal_point, georgia, person, None))
        second.wait_until_blocked()  # on the first's invitation to the same address

    assert first.result().error is None
    assert second.result().error is None  # not "… is already nominated for this meeting."
    assert Nomination.objects.filter(email=person).count() == 2
    assert Invitation.objects.filter(email=person).count() == 1


def test_mail_server_down_after_the_commit_still_answers_with_the_nomination(
    world: World, delegations: Delegations, settings: Any
) -> None:
    meeting = _open_meeting(world, delegations.staff, "Mail server down")
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    georgia = delegations.states[0]
    submit = _nominate_call(
        meeting, delegations.focal_point(georgia), georgia, "eka.beridze@gov.example", "form-1"
    )

    nomination = submit()  # the message waits in the outbox: the mail server is not tried here

    assert Nomination.objects.filter(meeting=meeting).get().pk == nomination.pk
    assert send_due() == 0  # the worker tries, fails, and keeps it for a later attempt
    kept = OutboxEmail.objects.get(to_address="eka.beridze@gov.example")
    assert (kept.sent_at, kept.failed_at, kept.attempts) == (None, None, 1)


def test_a_waitlisted_nominee_made_head_while_the_head_withdraws_deadlocks_nobody(
    world: World, delegations: Delegations
) -> None:
    staff = delegations.staff
    meeting = _open_meeting(world, staff, "Head while leaving", capacity=1)
    registration.set_quota(
        by=staff,
        meeting=meeting,
        member_kind="participating",
        categories=["head_of_delegation"],
        seats=1,
    )
    georgia = delegations.states[0]
    focal_point = delegations.focal_point(georgia)
    head = registration.nominate(
        by=focal_point,
        meeting=meeting,
        member=georgia,
        email="head@gov.example",
        category="head_of_delegation",
        full_name="Nino Head",
    )
    waiting = _nominate_call(meeting, focal_point, georgia, "waiting@gov.example", None)()
    registration.approve(by=staff, nomination=head)
    registration.waitlist(by=staff, nomination=waiting)

    with transaction.atomic():
        Nomination.objects.select_for_update().get(pk=waiting.pk)  # someone editing them
        heading = Background(
            lambda: registration.designate_head(by=focal_point, nomination=waiting)
        )
        heading.wait_until_blocked()  # holding the delegation, waiting for the nominee
        leaving = Background(lambda: registration.withdraw(by=staff, nomination=head, confirm=True))
        leaving.wait_until_blocked()  # holding the head, waiting for the waitlist
    outcomes = [heading.result(), leaving.result()]

    assert [o.error for o in outcomes] == [None, None]
