"""Writing and reading the permanent record.

Services call ``record(...)`` once, inside the transaction of what they record, so an entry
exists exactly when the change does (a refused or rolled-back action leaves none). The client's
address comes from the request being served (``AuditClientMiddleware`` sets it from
``REMOTE_ADDR``, which ``config/client_address.py`` has made the real client's); outside a
request (a command, a worker) there is none.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.crypto import salted_hmac

from dialogue.models import AuditEntry, Dialogue, User

from .models import AuditAction

__all__ = [
    "AuditAction",
    "client",
    "entries",
    "for_person",
    "person_key",
    "purge_expired",
    "record",
]

_client_address: ContextVar[str | None] = ContextVar("audit_client_address", default=None)

LABEL_MAX = 300


@contextlib.contextmanager
def client(address: str | None) -> Iterator[None]:
    """Entries recorded inside carry ``address`` as where the action came from."""
    token = _client_address.set(address or None)
    try:
        yield
    finally:
        _client_address.reset(token)


def person_key(email: str) -> str:
    """The keyed hash standing for an address in the record (empty for no address)."""
    email = (email or "").strip().lower()
    if not email:
        return ""
    return salted_hmac("dialogue.audit.person", email, algorithm="sha256").hexdigest()


def retained_until(at: datetime.datetime) -> datetime.datetime:
    return at + datetime.timedelta(days=round(365.25 * settings.AUDIT_RETENTION_YEARS))


def record(
    action: AuditAction | str,
    *,
    by: User | None,
    dialogue: Dialogue | int,
    object_type: str,
    object_id: Any = "",
    label: str = "",
    meeting_id: int | None = None,
    person: User | None = None,
    person_email: str = "",
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry. Call it inside the transaction of the change (or of the access) it
    records. ``person``/``person_email`` name whom the entry concerns (an account, else an
    address, kept only as ``person_key``); ``details`` holds what was decided, never the
    personal data itself."""
    if not connection.in_atomic_block:
        raise RuntimeError("record an audit entry inside the transaction of what it records")
    now = timezone.now()
    actor = by if by is not None and getattr(by, "is_authenticated", False) else None
    email = person_email or (person.email if person is not None else "")
    return AuditEntry.objects.create(
        at=now,
        action=str(action),
        actor=actor,
        client_address=_client_address.get(),
        dialogue_id=dialogue if isinstance(dialogue, int) else dialogue.pk,
        meeting_id=meeting_id,
        person=person,
        person_key=person_key(email),
        object_type=object_type,
        object_id=str(object_id or ""),
        object_label=label[:LABEL_MAX],
        details=dict(details or {}),
        retain_until=retained_until(now),
    )


def for_person(email: str) -> Q:
    """Entries concerning the person with this address: by their account or by the key."""
    email = email.strip()
    return Q(person__email__iexact=email) | Q(person_key=person_key(email))


def purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Remove the entries whose retention has passed (the trigger lets only those go). Run
    daily (``manage.py purge_audit_trail``). Returns how many went."""
    now = now or timezone.now()
    expired = AuditEntry.objects.filter(retain_until__lt=now)
    # The queryset refuses ``delete()``; this is the one path that removes, and only these rows.
    deleted, _rows = QuerySet.delete(expired)
    return deleted


def entries(dialogues: QuerySet[Dialogue]) -> QuerySet[AuditEntry]:
    """The entries of these dialogues, newest first, with who and whom loaded."""
    return AuditEntry.objects.filter(dialogue__in=dialogues).select_related(
        "actor", "person", "dialogue"
    )
