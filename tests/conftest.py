from __future__ import annotations

import datetime
import json
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from unittest import mock

import pytest
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.db.models.signals import post_save
from django.test import Client
from django.utils import timezone, translation

from dialogue.api import tokens
from dialogue.models import ApiToken, Dialogue, Organisation, RoleKind, Scope, State, User
from notifications import payloads, registry
from notifications.models import Event
from notifications.publishing import encode_frame
from tests.factories import (
    DialogueFactory,
    MembershipFactory,
    OrganisationFactory,
    RoleFactory,
    StateFactory,
    UserFactory,
)

UNDER_CI = os.environ.get("CI") == "true"
CHROMIUM = "/usr/bin/chromium"


def _missing(reason: str) -> None:
    if UNDER_CI:
        pytest.fail(f"{reason} (under CI a missing service is a failure, not a skip)")
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("services"):
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            _missing("needs PostgreSQL (set DATABASE_URL)")
        if not settings.REDIS_URL:
            _missing("needs Redis (set REDIS_URL)")
    if item.get_closest_marker("browser") and not shutil.which(CHROMIUM):
        _missing(f"needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")


@pytest.fixture(autouse=True, scope="session")
def _static_files_found_once() -> Iterator[None]:
    """WhiteNoise lists every static file when its middleware is made (DEBUG is off in tests),
    and the test client makes the middleware anew for every ``Client()``: thousands of times a
    run, the same list. The files are found once per run (per static set-up, should a test
    change it) and each new middleware gets that list; what it serves, and how, is unchanged."""
    from whitenoise.middleware import WhiteNoiseMiddleware

    original = WhiteNoiseMiddleware.add_files_from_finders
    found: dict[tuple[object, ...], dict[str, Any]] = {}

    def add_files_from_finders(self: WhiteNoiseMiddleware) -> None:
        key = (
            self.static_prefix,
            self.max_age,
            self.allow_all_origins,
            self.charset,
            self.index_file,
            _function_of(self.add_headers_function),
            _function_of(self.immutable_file_test),
            repr({name: getattr(settings, name) for name in dir(settings) if "WHITENOISE" in name}),
            repr((settings.STATIC_URL, settings.STATICFILES_DIRS, settings.STORAGES)),
            tuple(settings.STATICFILES_FINDERS),
            tuple(settings.INSTALLED_APPS),
        )
        if key not in found:
            before = dict(self.files)
            original(self)
            found[key] = {url: f for url, f in self.files.items() if before.get(url) is not f}
        self.files.update(found[key])

    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders  # type: ignore[method-assign]  # restored below
    yield
    WhiteNoiseMiddleware.add_files_from_finders = original  # type: ignore[method-assign]  # as it was


def _function_of(method: object) -> object:
    """The function behind a bound method (a new object for every instance), else itself."""
    return getattr(method, "__func__", method)


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A fast password hash; no 2FA wall (most tests are about something else, the 2FA tests
    turn it back on); uploaded files in a temporary directory, never the project's media; the
    API's rate limits out of reach (every test's client has one address; the cache outlives a
    test), but in the tests of the limit."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.API_RATE_LIMIT = settings.API_ANONYMOUS_RATE_LIMIT = "1000000/m"
    settings.SECRETARIAT_REQUIRES_2FA = False
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the default language. A request in Russian leaves Russian active in
    the thread (LocaleMiddleware activates a language per request and nothing resets it), and a
    later test's messages would come out in Russian depending on the order tests run in."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def payload_problems(event: Event) -> list[str]:
    """How the data of ``event``, as a client decodes it, differs from what its type declares."""
    try:
        declared = registry.event_type(event.type).payload
    except KeyError:
        return [f"{event.type}: not a registered event type"]
    data = json.loads(encode_frame(event))["data"]
    return [f"{event.type} (event {event.id}): {p}" for p in payloads.problems(declared, data)]


@pytest.fixture(autouse=True)
def _events_follow_their_payloads() -> Iterator[None]:
    """Every event a test makes the services publish has exactly the data its type declares
    (``notifications.payloads``), as Zulip's ``verify_action`` checks: a missing key, an extra
    key or a value of the wrong type fails the test that published it."""
    found: list[str] = []

    def check(sender: type[Event], instance: Event, created: bool, **kwargs: Any) -> None:
        if created:
            found.extend(payload_problems(instance))

    post_save.connect(check, sender=Event, weak=False, dispatch_uid="test_payloads")
    yield
    post_save.disconnect(sender=Event, dispatch_uid="test_payloads")
    if found:
        pytest.fail("events that differ from their declared payload:\n" + "\n".join(found))


@dataclass
class World:
    """Two dialogues, two states, one organisation, and a person for every role of the
    permission table. State A and B are both members of dialogue A; ``other_dialogue`` is
    served by another secretariat. The secretariat have set up TOTP, except
    ``secretariat_without_2fa`` (staff of dialogue A): what they may do depends on
    ``SECRETARIAT_REQUIRES_2FA`` (off in most tests, on in the permission table's)."""

    dialogue: Dialogue
    other_dialogue: Dialogue
    state_a: State
    state_b: State
    organisation: Organisation
    people: dict[str, User | None]

    def person(self, role: str) -> User:
        """The person of ``role`` in the permission table (any role but "anonymous")."""
        user = self.people[role]
        if user is None:
            raise LookupError(f"{role} is nobody: ask world.people for the anonymous visitor")
        return user


ROLE_NAMES = (
    "anonymous",
    "unverified",
    "deactivated",
    "revoked",
    "delegate_a",
    "focal_point_a",
    "focal_point_b",
    "observer",
    "chair",
    "secretariat_staff",
    "secretariat_staff_other",
    "secretariat_admin",
    "secretariat_without_2fa",
)

# The TOTP secret of every secretariat person of the world except ``secretariat_without_2fa``.
WORLD_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def make_world() -> World:
    """The world of the ``world`` fixture, made in the current transaction."""
    dialogue = DialogueFactory(
        slug="budapest-process", name_i18n={"en": "Budapest Process"}, acronym="BP"
    )
    other = DialogueFactory(slug="prague-process", name_i18n={"en": "Prague Process"}, acronym="PP")
    state_a = StateFactory(code="GE", name_i18n={"en": "Georgia", "ru": "Грузия"})
    state_b = StateFactory(
        code="MD", name_i18n={"en": "Republic of Moldova", "ru": "Республика Молдова"}
    )
    organisation = OrganisationFactory()
    for d in (dialogue, other):
        MembershipFactory(dialogue=d, state=state_a)
        MembershipFactory(dialogue=d, state=state_b)

    def person(name: str, *roles: dict[str, object], verified: bool = True) -> User:
        user = UserFactory(
            email=f"{name}@example.org", full_name=name.replace("_", " ").title(), verified=verified
        )
        for role in roles:
            RoleFactory(user=user, **role)
        return user

    people: dict[str, User | None] = {
        "anonymous": None,
        "unverified": person(
            "unverified",
            {"dialogue": dialogue, "kind": RoleKind.DELEGATE, "state": state_a},
            verified=False,
        ),
        "deactivated": person(
            "deactivated", {"dialogue": dialogue, "kind": RoleKind.FOCAL_POINT, "state": state_a}
        ),
        "revoked": person("revoked"),
        "delegate_a": person(
            "delegate_a", {"dialogue": dialogue, "kind": RoleKind.DELEGATE, "state": state_a}
        ),
        "focal_point_a": person(
            "focal_point_a", {"dialogue": dialogue, "kind": RoleKind.FOCAL_POINT, "state": state_a}
        ),
        "focal_point_b": person(
            "focal_point_b", {"dialogue": dialogue, "kind": RoleKind.FOCAL_POINT, "state": state_b}
        ),
        "observer": person(
            "observer",
            {"dialogue": dialogue, "kind": RoleKind.OBSERVER, "organisation": organisation},
        ),
        "chair": person("chair", {"dialogue": dialogue, "kind": RoleKind.CHAIR, "state": state_b}),
        "secretariat_staff": person(
            "secretariat_staff", {"dialogue": dialogue, "kind": RoleKind.SECRETARIAT_STAFF}
        ),
        "secretariat_staff_other": person(
            "secretariat_staff_other", {"dialogue": other, "kind": RoleKind.SECRETARIAT_STAFF}
        ),
        "secretariat_admin": person(
            "secretariat_admin",
            {"dialogue": dialogue, "kind": RoleKind.SECRETARIAT_ADMIN},
            {"dialogue": other, "kind": RoleKind.SECRETARIAT_ADMIN},
        ),
        "secretariat_without_2fa": person(
            "secretariat_without_2fa", {"dialogue": dialogue, "kind": RoleKind.SECRETARIAT_STAFF}
        ),
    }
    for name in ("secretariat_staff", "secretariat_staff_other", "secretariat_admin"):
        holder = people[name]
        assert holder is not None
        TOTP.activate(holder, WORLD_TOTP_SECRET)
    deactivated = people["deactivated"]
    assert deactivated is not None
    deactivated.is_active = False
    deactivated.save()
    revoked = people["revoked"]
    RoleFactory(
        user=revoked,
        dialogue=dialogue,
        kind=RoleKind.FOCAL_POINT,
        state=state_a,
        revoked_at=timezone.now(),
    )
    return World(dialogue, other, state_a, state_b, organisation, people)


def api_headers(
    user: User | None, *scopes: str, dialogue: Dialogue | None = None
) -> dict[str, str]:
    """The ``Authorization`` header of a new API token held by ``user`` with ``scopes`` (all
    of them unless named); none for the anonymous visitor. Made as a row, so a deactivated
    person may hold one (the service refuses to make it)."""
    if user is None:
        return {}
    secret = tokens.SECRET_PREFIX + secrets.token_urlsafe(16)
    ApiToken.objects.create(
        user=user,
        dialogue=dialogue,
        name="test",
        scopes=sorted(scopes or Scope.values),
        prefix=secret[:8],
        token_hash=tokens.hash_secret(secret),
        expires_at=timezone.now() + datetime.timedelta(days=1),
    )
    return {"Authorization": f"Bearer {secret}"}


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@contextmanager
def at(moment: datetime.datetime) -> Iterator[None]:
    """The clock stands at ``moment`` (an aware datetime) inside the block: every
    ``timezone.now()`` answers it. For rules that depend on the day (check-in, certificates,
    deadlines), so a test says which day it is instead of hoping."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield
