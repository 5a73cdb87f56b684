"""Who is signed in: the session's person, read from the database in one query together with
what every page asks of them (a verified address, a second factor, the active roles, their own
nominations, the unread count of the inbox).

Django reads the person (``ModelBackend.get_user``, with the two facts ``UserManager``
annotates), then the policy reads the roles (and, on most pages, the person's nominations) and
the page header the inbox count: three or four queries,
each built by the ORM on every request, which cost more CPU than the rest of a signed-in page's
fixed cost (``bench/pages.py --profile``). Here they are one statement of our own SQL, built
once per process.

Nothing is cached between requests: the session and the person are read from the database on
every request, so signing out, a password change (the session's hash is checked as Django
checks it), a deactivation or a revoked role counts at once in every process, and a cache that
is down changes nothing. What is read here is what Django and the policy would have read.
"""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    load_backend,
)
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import AnonymousUser
from django.db import connections, router
from django.db.models.sql import Query
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare

from notifications.models import Notification

from . import permissions
from .models import Role, User

# Set on the person loaded here: the inbox's unread count when the request started
# (``notifications.context_processors.inbox`` reads it; marking read drops it).
UNREAD_ATTRIBUTE = "unread_notifications"


@functools.cache
def _statement() -> tuple[str, tuple[str, ...]]:
    """The SQL and the person's columns. Rows: the person with each active role (or once
    without a role), then one row per own nomination (``permissions.participations``)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator

    # The policy reads a person's nominations too (``participations``); it imports them late
    # for the same reason: meetings builds on dialogue.
    from meetings.models import Delegation, Nomination

    fields = tuple(User._meta.concrete_fields)
    columns = ", ".join(f'u."{f.column}"' for f in fields)
    nothing = ", ".join("NULL" for _f in fields)
    factors = ", ".join(f"'{t}'" for t in (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN))
    width = len(fields)
    # Table and column names from the models, no input (S608).
    sql = (
        f"SELECT {columns},"  # noqa: S608
        f" EXISTS (SELECT 1 FROM {EmailAddress._meta.db_table} e"
        " WHERE e.user_id = u.id AND e.verified),"
        f" EXISTS (SELECT 1 FROM {Authenticator._meta.db_table} a"
        f" WHERE a.user_id = u.id AND a.type IN ({factors})),"
        f" (SELECT count(*) FROM {Notification._meta.db_table} n"
        " WHERE n.user_id = u.id AND n.read_at IS NULL),"
        " r.dialogue_id, r.kind, r.state_id, r.organisation_id,"
        " NULL, NULL, NULL, NULL, NULL, 0, r.id, NULL"
        f' FROM "{User._meta.db_table}" u LEFT JOIN {Role._meta.db_table} r'
        " ON r.user_id = u.id AND r.revoked_at IS NULL"
        " WHERE u.id = %s"
        f" UNION ALL SELECT {nothing}, NULL, NULL, NULL, NULL, NULL, NULL, NULL,"
        " p.meeting_id, p.id, p.status, p.category, d.state_id, 1, NULL, p.nominated_at"
        f" FROM {Nomination._meta.db_table} p"
        f" JOIN {Delegation._meta.db_table} d ON d.id = p.delegation_id"
        " WHERE p.person_id = %s"
        f" ORDER BY {width + 13}, {width + 14}, {width + 15}"
    )
    return sql, tuple(f.attname for f in fields)


def load_person(user_id: Any) -> User | None:
    """The person ``user_id`` as ``User.objects.get`` loads them (with ``email_verified`` and
    ``two_factor_set_up``), their standing and own nominations settled for the policy and
    their unread count set; None when there is no such person."""
    sql, attnames = _statement()
    alias = router.db_for_read(User)
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id, user_id])
        rows = cursor.fetchall()
    if not rows or rows[0][-3] != 0:  # no person row: nominations of nobody
        return None
    width = len(attnames)
    compiler = Query(User).get_compiler(using=alias)
    fields = User._meta.concrete_fields
    converters = compiler.get_converters([f.get_col(User._meta.db_table) for f in fields])
    values = next(iter(compiler.apply_converters([list(rows[0][:width])], converters)))
    user = User.from_db(alias, list(attnames), values)
    verified, factor, unread = rows[0][width : width + 3]
    user.email_verified = bool(verified)  # type: ignore[attr-defined]  # as UserManager annotates
    user.two_factor_set_up = bool(factor)  # type: ignore[attr-defined]  # as UserManager annotates
    setattr(user, UNREAD_ATTRIBUTE, int(unread))
    grants = tuple(
        permissions.Grant(*row[width + 3 : width + 7])
        for row in rows
        if row[-3] == 0 and row[width + 3] is not None
    )
    own = tuple(
        permissions.Participation(*row[width + 7 : width + 12]) for row in rows if row[-3] == 1
    )
    permissions.settle(user, grants, own)
    return user


def get_user(request: HttpRequest) -> Any:
    """``django.contrib.auth.get_user`` (Django 5.2), with the person read by ``load_person``
    when the session's backend reads people as ``ModelBackend`` does: the same checks (the
    backend is configured, the account may sign in, the session's hash matches the password's,
    the fallback secrets) in the same order."""
    user: Any = None
    try:
        user_id = User._meta.pk.to_python(request.session[SESSION_KEY])
        backend_path = request.session[BACKEND_SESSION_KEY]
    except KeyError:
        pass
    else:
        if backend_path in settings.AUTHENTICATION_BACKENDS:
            backend = load_backend(backend_path)
            reads_as_django = type(backend).get_user is ModelBackend.get_user
            if isinstance(backend, ModelBackend) and reads_as_django:
                user = load_person(user_id)
                if user is not None and not backend.user_can_authenticate(user):
                    user = None
            else:
                user = backend.get_user(user_id)
            if hasattr(user, "get_session_auth_hash"):
                session_hash = request.session.get(HASH_SESSION_KEY) or ""
                session_auth_hash = user.get_session_auth_hash()
                verified = bool(session_hash) and constant_time_compare(
                    session_hash, session_auth_hash
                )
                if not verified:
                    if session_hash and any(
                        constant_time_compare(session_hash, fallback)
                        for fallback in user.get_session_auth_fallback_hash()
                    ):
                        request.session.cycle_key()
                        request.session[HASH_SESSION_KEY] = session_auth_hash
                    else:
                        request.session.flush()
                        user = None
    return user or AnonymousUser()


def cached_user(request: HttpRequest) -> Any:
    """The request's person, read once (as Django's ``AuthenticationMiddleware`` keeps it)."""
    if not hasattr(request, "_cached_user"):
        request._cached_user = get_user(request)  # type: ignore[attr-defined]  # Django's own attribute
    return request._cached_user  # type: ignore[attr-defined]  # as above
