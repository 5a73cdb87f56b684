"""Tests generated from the permission table in ``matrix.toml``."""

from __future__ import annotations

import copy
import io
import re
import tomllib
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import openpyxl
import pypdfium2 as pdfium
import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.db.models.signals import post_save
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dialogue import permissions
from dialogue.middleware import SecretariatTwoFactorMiddleware
from dialogue.models import RoleKind, User
from notifications import registry
from notifications.models import Event
from notifications.policy import get_policy
from notifications.replay import missed
from tests.conftest import (
    ROLE_NAMES,
    World,
    api_headers,
    client_for,
    make_world,
    payload_problems,
)
from tests.policy import scene
from tests.responses import body_of

T = TypeVar("T")
TABLE = tomllib.loads((Path(__file__).parent / "matrix.toml").read_text())
CANNOT_SIGN_IN = {"anonymous", "deactivated"}
# Signed in, but held at the two-factor wall: HTTP sends them to set up TOTP (but for the
# account pages and the few others the wall lets through), every other door treats them as
# having no roles at all.
AWAITING_TWO_FACTOR = "secretariat_without_2fa"
TWO_FACTOR_SETUP = "two-factor set-up"


@pytest.fixture(autouse=True)
def _two_factor_required(settings: Any) -> None:
    """As in production: the secretariat must set up TOTP (the world's have, but one)."""
    settings.SECRETARIAT_REQUIRES_2FA = True


# --- One world per test process, its scene built once for the tests that need the same ----------
#
# Building the world and its scene (meetings, registration, documents, outcomes) costs more than
# the thirteen requests of a row. Every test asks every role inside a savepoint rolled back after
# it (``_per_role``), so the rows that need the same parts of the scene can share them: the world
# is built once per module in a transaction rolled back at its end, the parts a test needs first
# are built on it (again only when they differ from the previous test's, which the collection
# order makes rare: ``tests/policy/conftest.py``), and each test runs in a savepoint of its own
# (the ``db`` fixture), so what it builds or changes is gone for the next. Each test gets its own
# copy of the Python objects (a service may change an instance it is given) and its own cache
# keys, so nothing but the database rows it would have built itself is shared.


@dataclass
class _SharedWorld:
    media_root: Path
    base: str = ""  # the savepoint after the world, before any scene
    world: World | None = None
    parts: tuple[str, ...] | None = None
    built: World | None = None  # the world with ``parts`` built: copied for each test


def scene_parts(test_name: str, row: dict[str, Any] | None) -> tuple[str, ...]:
    """The parts of the scene a test of this module builds before it asks its first question,
    in the order it builds them (the same parts in the same order: the same rows)."""
    if row is None:  # test_live_events: the scene, then its own part of it
        return ("scene",) if test_name == "test_live_events" else ()
    if test_name == "test_policy_rule":
        return tuple(_target_parts(row["target"]))
    if test_name == "test_route":
        parts = _parts(row["path"])
        for value in row.get("data", {}).values():
            parts += _parts(str(value))
        return tuple(dict.fromkeys(parts))
    if test_name in ("test_content", "test_api"):
        return tuple(_parts(row["path"], always=True))
    if test_name == "test_live_stream":
        return tuple(_parts(row["stream"]))
    return ()


@pytest.fixture(scope="module")
def _shared_world(
    django_db_setup: None, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[_SharedWorld]:
    shared = _SharedWorld(media_root=tmp_path_factory.mktemp("matrix-media"))
    outer = transaction.atomic()
    with django_db_blocker.unblock(), _as_in_a_test(shared):
        outer.__enter__()
        shared.world = make_world()
        shared.base = transaction.savepoint()
    yield shared
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@contextmanager
def _as_in_a_test(shared: _SharedWorld) -> Iterator[None]:
    """The settings of the tests (``_test_settings``, ``_two_factor_required``) while the shared
    world is built, and the check of every event it publishes (as
    ``_events_follow_their_payloads`` does in a test)."""
    found: list[str] = []

    def check(sender: type[Event], instance: Event, created: bool, **kwargs: Any) -> None:
        if created:
            found.extend(payload_problems(instance))

    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        API_RATE_LIMIT="1000000/m",
        API_ANONYMOUS_RATE_LIMIT="1000000/m",
        SECRETARIAT_REQUIRES_2FA=True,
        MEDIA_ROOT=str(shared.media_root),
    ):
        post_save.connect(check, sender=Event, weak=False, dispatch_uid="matrix_payloads")
        try:
            yield
        finally:
            post_save.disconnect(sender=Event, dispatch_uid="matrix_payloads")
    if found:
        pytest.fail("events that differ from their declared payload:\n" + "\n".join(found))


@pytest.fixture
def _scene_built(
    request: pytest.FixtureRequest, _shared_world: _SharedWorld, django_db_blocker: Any
) -> World:
    """The shared world with the parts of the scene this test builds first, as it would have
    built them itself (outside the test's own savepoint: ``world`` asks for ``db`` after)."""
    shared = _shared_world
    callspec = getattr(request.node, "callspec", None)
    row = callspec.params.get("row") if callspec else None
    parts = scene_parts(request.node.originalname, row)
    if parts != shared.parts or shared.built is None:
        with django_db_blocker.unblock(), _as_in_a_test(shared):
            transaction.savepoint_rollback(shared.base)
            assert shared.world is not None
            built = copy.deepcopy(shared.world)
            if parts:
                _build_parts(built, list(parts))
        shared.parts, shared.built = parts, built
    return shared.built


@pytest.fixture
def world(_scene_built: World, db: None) -> World:
    """This test's copy of the shared world (a service may change an instance it is given), in
    the test's own savepoint (``db``, set up after ``_scene_built``)."""
    return copy.deepcopy(_scene_built)


@pytest.fixture(autouse=True)
def _shared_media_and_own_cache(
    settings: Any, _test_settings: None, _shared_world: _SharedWorld
) -> None:
    """The files of the shared scene are where the test looks; cache keys are the test's own
    (pages cached by an earlier test on the same rows are not served to this one)."""
    settings.MEDIA_ROOT = str(_shared_world.media_root)
    caches = copy.deepcopy(settings.CACHES)
    caches["default"]["KEY_PREFIX"] = f"matrix-{uuid.uuid4().hex}"
    settings.CACHES = caches


def _behind_the_wall(path: str) -> bool:
    return not path.startswith(SecretariatTwoFactorMiddleware.EXEMPT_PREFIXES)


def _roles(spec: str | list[str]) -> set[str]:
    roles = set(ROLE_NAMES) if spec == "all" else set(spec)
    unknown = roles - set(ROLE_NAMES)
    assert not unknown, f"unknown roles in the table: {unknown}"
    return roles


def _cases(section: str) -> list[Any]:
    """One test per row of a section: each asks every role, so the scene is built once."""
    return [
        pytest.param(
            row,
            id="-".join(
                str(row.get(k))
                for k in ("action", "name", "path", "stream", "type", "audience", "target")
                if k in row
            ),
        )
        for row in TABLE[section]
    ]


def _expected(row: dict[str, Any], allowed_key: str) -> dict[str, bool]:
    allowed = _roles(row[allowed_key])
    return {role: role in allowed for role in ROLE_NAMES}


def _per_role(answer: Callable[[str], T]) -> dict[str, T]:
    """``answer`` for every role, each in a savepoint rolled back after it: what one role's
    request changes (a POST) is not there for the next."""
    answers: dict[str, T] = {}
    for role in ROLE_NAMES:
        with transaction.atomic():
            answers[role] = answer(role)
            transaction.set_rollback(True)
    return answers


def _targets(world: World) -> dict[str, Any]:
    d, other, a, b = world.dialogue, world.other_dialogue, world.state_a, world.state_b
    invitation = scene.invite_delegate_a(world).invitation
    return {
        "none": None,
        "dialogue": d,
        "other_dialogue": other,
        "delegation_a": (d, a),
        "delegation_b": (d, b),
        "invite_delegate_a": (d, RoleKind.DELEGATE, a),
        "invite_delegate_b": (d, RoleKind.DELEGATE, b),
        "invite_focal_point_a": (d, RoleKind.FOCAL_POINT, a),
        "invite_secretariat": (d, RoleKind.SECRETARIAT_STAFF),
        "invite_delegate_a_other_dialogue": (other, RoleKind.DELEGATE, a),
        "invitation_delegate_a": invitation,
        "person_delegate_a": world.people["delegate_a"],
        "person_focal_point_b": world.people["focal_point_b"],
    }


# The targets of ``_targets``: the world's own objects and an invitation, no scene.
SIMPLE_TARGETS = frozenset(
    {
        "none",
        "dialogue",
        "other_dialogue",
        "delegation_a",
        "delegation_b",
        "invite_delegate_a",
        "invite_delegate_b",
        "invite_focal_point_a",
        "invite_secretariat",
        "invite_delegate_a_other_dialogue",
        "invitation_delegate_a",
        "person_delegate_a",
        "person_focal_point_b",
    }
)


def _target_parts(name: str) -> list[str]:
    """The parts of the scene (see ``_parts``) that ``_target`` builds for ``name``."""
    if name in SIMPLE_TARGETS:
        return []
    if name.startswith(("document_", "circulation_")):
        return ["scene", "documents"]
    return ["scene", "registration", *(["session"] if name.startswith("online_link_") else [])]


def _target(world: World, name: str) -> Any:
    """A target of the table by name; the registration scene is built only when one needs it."""
    targets = _targets(world)
    assert targets.keys() == SIMPLE_TARGETS
    if name in targets:
        return targets[name]
    if name.startswith(("document_", "circulation_")):
        made = _documents(world, scene.build(world))
        if name.startswith("circulation_"):
            return made["circulation"]
        return made["documents"][name.removeprefix("document_")]
    built = scene.build_registration(world, scene.build(world))
    meeting = built["meeting"]
    return {
        "meeting_public": meeting,
        "delegation_a_at_meeting": (meeting, world.state_a),
        "delegation_b_at_meeting": (meeting, world.state_b),
        "nomination_a": built["nomination_a"],
        "nomination_b": built["nomination_b"],
        "delegation_a_row": built["nomination_a"].delegation,
        "delegation_b_row": built["nomination_b"].delegation,
        **(
            {
                "online_link_speaker": scene.build_session(world, scene.build(world))["speaker"],
                "online_link_listener": scene.build_session(world, scene.build(world))["listener"],
            }
            if name.startswith("online_link_")
            else {}
        ),
    }[name]


@pytest.mark.parametrize("row", _cases("rule"))
def test_policy_rule(world: World, row: dict[str, Any]) -> None:
    target = _target(world, row["target"])

    def answer(role: str) -> bool:
        user = world.people[role]
        if user is not None:
            user = User.objects.get(pk=user.pk)  # a fresh object, as a new request would have
        return permissions.allowed(user, row["action"], target)

    assert _per_role(answer) == _expected(row, "allowed")


@pytest.mark.parametrize("row", _cases("route"))
def test_route(world: World, row: dict[str, Any]) -> None:
    path = _fill(world, row["path"])
    data = {key: _fill(world, str(value)) for key, value in row.get("data", {}).items()}
    allowed = _roles(row["ok"])

    def status(role: str) -> int | str:
        client = client_for(world.people[role])
        response = getattr(client, row.get("method", "get"))(path, data)
        if response.status_code == 302 and response["Location"] == reverse("mfa_index"):
            return TWO_FACTOR_SETUP
        return int(response.status_code)

    expected: dict[str, int | str] = {
        role: TWO_FACTOR_SETUP
        if role == AWAITING_TWO_FACTOR and _behind_the_wall(path)
        else row.get("ok_status", 200)
        if role in allowed
        else row.get("anonymous_status", 404)
        if role in CANNOT_SIGN_IN
        else row.get("denied_status", 404)
        for role in ROLE_NAMES
    }
    assert _per_role(status) == expected


@pytest.mark.parametrize("row", _cases("content"))
def test_content(world: World, row: dict[str, Any]) -> None:
    path = _fill(world, row["path"], always=True)  # the page lists the scene's objects

    def shown(role: str) -> bool:
        return _shows(client_for(world.people[role]).get(path), row["text"])

    expected = _expected(row, "visible_to")
    if _behind_the_wall(path):
        expected[AWAITING_TWO_FACTOR] = False  # sent to set up TOTP instead
    assert _per_role(shown) == expected


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _shows(response: Any, text: str) -> bool:
    """Whether a reader finds ``text`` in the page or in the exported file: in a cell of the
    workbook, in the text of the PDF (where a cell may wrap a word: white space is ignored)."""
    content_type = response.get("Content-Type", "")
    if content_type == XLSX:
        workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
        return any(
            text in str(value)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value is not None
        )
    if content_type == DOCX:
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return text in archive.read("word/document.xml").decode()
    if content_type == "application/pdf":
        document = pdfium.PdfDocument(response.content)
        try:
            found = "".join(page.get_textpage().get_text_range() for page in document)
        finally:
            document.close()
        return "".join(text.split()) in "".join(found.replace("\ufffe", "").split())
    return text in body_of(response).decode("utf-8", "replace")  # a ZIP streams


def _fill(world: World, text: str, *, always: bool = False) -> str:
    """``text`` with the scene's ids in its placeholders (the scene is built only if needed,
    or ``always``; the outcomes only when a placeholder names one)."""
    parts = _parts(text, always=always)
    if not parts:
        return text
    ids = _build_parts(world, parts)
    # Braces naming nothing of the scene stay as written (a letter's {full_name}).
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), m.group(0))), text)


# Placeholders naming objects of the registration scene (``scene.build_registration``).
REGISTRATION_PLACEHOLDERS = ("nomination_", "letter_", "meeting_registration")


def _parts(text: str, *, always: bool = False) -> list[str]:
    """The parts of the scene ``text`` names, in the order they are built: none when it has
    no placeholder (unless ``always``), else the scene, then what its placeholders need."""
    if "{" not in text and not always:
        return []
    parts = ["scene"]
    if any(word in text for word in ("document", "circulation", "knowledge")):
        parts.append("documents")  # documents' pages: build them (and the registration they
        # stand on)
    if "{outcome_" in text or "{action_point_" in text:
        parts.append("outcomes")
    if any(f"{{{name}" in text for name in REGISTRATION_PLACEHOLDERS):
        parts.append("registration")
    if "{meeting_session}" in text:
        parts.append("session")
    return parts


def _build_parts(world: World, parts: list[str]) -> dict[str, Any]:
    """Build ``parts`` (see ``_parts``) on ``world``, each once per world; the ids they name."""
    built = scene.build(world)
    ids = dict(built.ids)
    for part in parts:
        if part == "documents":
            ids.update(_documents(world, built)["ids"])
        elif part == "outcomes":
            ids.update(scene.build_outcomes(world, built))
        elif part == "registration":
            ids.update(_registration_ids(world, built))
        elif part == "session":
            in_session = scene.build_session(world, built)
            ids["meeting_session"] = in_session["meeting"].pk
            ids["online_link_speaker"] = in_session["speaker"].pk
    return ids


def _registration_ids(world: World, built: scene.Scene) -> dict[str, Any]:
    """Registration open on the scene's public meeting (``{meeting_registration}``): delegate
    A nominated and approved (``{nomination_a}``), a nominee of state B awaiting review
    (``{nomination_b}``), state A's nomination letter (``{letter_a}``)."""
    registered = scene.build_registration(world, built)
    return {
        "meeting_registration": registered["meeting"].pk,
        "nomination_a": registered["nomination_a"].pk,
        "nomination_b": registered["nomination_b"].pk,
        "letter_a": registered["letter_a"].pk,
    }


def _documents(world: World, built: scene.Scene) -> dict[str, Any]:
    """The documents scene (``scene.build_documents``), built once per world."""
    made: dict[str, Any] | None = getattr(world, "_documents", None)
    if made is None:
        made = scene.build_documents(world, built)
        world._documents = made  # type: ignore[attr-defined]  # memo on the test's world
    return made


def _named_routes(resolver: URLResolver, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= _named_routes(pattern, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            module = getattr(pattern.callback, "__module__", "")
            if module.split(".")[0] in {"dialogue", "meetings", "documents", "notifications"}:
                names.add(namespace + pattern.name)
    return names


def test_every_route_has_a_row() -> None:
    in_table = {row["name"] for row in TABLE["route"]}
    missing = _named_routes(get_resolver()) - in_table
    assert missing == set(), f"routes with no row in matrix.toml: {sorted(missing)}"


@pytest.mark.parametrize("row", _cases("stream"))
def test_live_stream(world: World, row: dict[str, Any]) -> None:
    stream = _fill(world, row["stream"])
    answers = _per_role(lambda role: get_policy().can_follow(_as_request_user(world, role), stream))
    assert answers == _expected(row, "allowed")


def _part(row: dict[str, Any]) -> str:
    return scene.PART_OF_PREFIX[row["type"].partition(".")[0]]


@pytest.mark.parametrize("part", sorted(scene.EVENT_PARTS))
def test_live_events(world: World, part: str) -> None:
    """Every event row of a part of the scene: the events the services published there under
    the row's name, each asked of every role at the three doors (one scene for all the rows:
    it is the slow part)."""
    published = scene.build_events(world, part)
    rows = [row for row in TABLE["event"] if _part(row) == part]
    got, expected = {}, {}
    for row in rows:
        events = [e for e in published.get(row["audience"], []) if e.type == row["type"]]
        assert events, f"the scene published no {row['type']} under {row['audience']!r}"
        for event in events:
            key = f"{row['type']} {row['audience']} (event {event.id})"
            got[key] = {role: _received(world, role, event) for role in ROLE_NAMES}
            expected[key] = {
                role: (seen, seen, seen and _has_account(world, role))
                for role, seen in _expected(row, "visible_to").items()
            }
    assert got == expected


def _received(world: World, role: str, event: Event) -> tuple[bool, bool, bool]:
    """Whether ``role`` gets ``event`` from the socket (the user as a request sees them), on
    replay after a reconnect, and from the fan-out."""
    user = _as_request_user(world, role)
    live = bool(get_policy().receivers(event.audience, [user]))
    replayed = event in missed(event.stream, event.id - 1, user).events
    return live, replayed, _inboxed(world, role, event)


def _has_account(world: World, role: str) -> bool:
    person = world.people[role]
    return person is not None and person.is_active


def _inboxed(world: World, role: str, event: Event) -> bool:
    """Whether the fan-out would write the event in the person's inbox (and so in their
    e-mail, by their preferences): the publisher's door, which reads people fresh from the
    database (``permissions.load_users``), not as a request sees them."""
    person = world.people[role]
    if person is None:
        return False
    loaded = permissions.load_users([person.pk]).values()
    return bool(get_policy().receivers(event.audience, loaded))


def _as_request_user(world: World, role: str) -> Any:
    """The user as the socket's middleware would see them: anonymous when they cannot sign in."""
    user = world.people[role]
    if user is None or not user.is_active:
        return AnonymousUser()
    return User.objects.get(pk=user.pk)


def test_every_event_type_has_a_row() -> None:
    in_table = {row["type"] for row in TABLE["event"]}
    assert set(registry._types) - in_table == set()


@pytest.mark.parametrize(
    ("section", "key"),
    [
        ("rule", "allowed"),
        ("stream", "allowed"),
        ("event", "visible_to"),
        ("route", "ok"),
        ("content", "visible_to"),
    ],
)
def test_secretariat_without_two_factor_is_granted_only_what_anonymous_is(
    section: str, key: str
) -> None:
    """No row of the table may let the account held at the two-factor wall do more than an
    anonymous visitor (the doors are tested against the rows above)."""
    beyond = [
        row
        for row in TABLE[section]
        if AWAITING_TWO_FACTOR in _roles(row[key]) and "anonymous" not in _roles(row[key])
    ]
    assert beyond == []


def test_every_policy_action_has_a_row() -> None:
    in_table = {row["action"] for row in TABLE["rule"]}
    assert set(permissions.ACTIONS) - in_table == set()


# --- The read API ------------------------------------------------------------------------------


@pytest.mark.parametrize("row", _cases("api"))
def test_api(world: World, row: dict[str, Any]) -> None:
    """What each role's token reads at an API address; where the row names a page, the page
    shows the same thing to the same roles."""
    path = _fill(world, row["path"], always=True)
    scopes = row.get("scopes", [])

    def read(role: str) -> bool | str:
        response = Client().get(path, headers=api_headers(world.people[role], *scopes))
        if role == "deactivated":
            return "401" if response.status_code == 401 else f"{response.status_code}, not 401"
        return response.status_code in (200, 404) and row["text"] in response.content.decode()

    expected: dict[str, bool | str] = dict(_expected(row, "visible_to"))
    expected["deactivated"] = "401"
    assert _per_role(read) == expected
    if "page" in row:
        page = _fill(world, row["page"], always=True)
        shown = _per_role(
            lambda role: _shows(client_for(world.people[role]).get(page), row["text"])
        )
        api_answers = {role: seen is True for role, seen in _per_role(read).items()}
        for role in (AWAITING_TWO_FACTOR, "deactivated"):  # sent to set up TOTP; cannot sign in
            shown.pop(role)
            api_answers.pop(role)
        assert api_answers == shown


def test_every_api_operation_has_a_row() -> None:
    from config.api import api

    operations = {
        operation["operationId"]
        for methods in api.get_openapi_schema()["paths"].values()
        for operation in methods.values()
    }
    assert operations - {row["operation"] for row in TABLE["api"]} == set()
