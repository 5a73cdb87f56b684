"""What needs a person, with its date: the focal point's desk on the home page.

The dialogue app cannot read meetings or documents (imports run the other way), so each app
that has work for people registers a source when it is ready (``register``): registration
adds open registrations and letters to upload, outcomes the drafts waiting for a comment,
documents the circulations to acknowledge. Each source reads through the permission policy:
what it lists is what the person may see and do. ``needs_of`` asks them all, soonest first.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Need:
    """One thing waiting for a person: ``text`` in their language, ``due`` its deadline (None
    when there is none), ``url`` where it is done, ``meeting_id`` the meeting it belongs to,
    ``zone`` the meeting's time zone (empty: the reader's)."""

    kind: str
    text: str
    url: str
    due: datetime.datetime | None = None
    meeting_id: int | None = None
    zone: str = ""
    detail: str = ""


Source = Callable[[Any], list[Need]]
_SOURCES: list[Source] = []


def register(source: Source) -> None:
    """Called from an app's ``ready``: ``source(user)`` lists what needs ``user``."""
    if source not in _SOURCES:
        _SOURCES.append(source)


def needs_of(user: Any) -> list[Need]:
    """Everything waiting for ``user``: those with a deadline first, the soonest first."""
    if user is None or not user.is_authenticated:
        return []
    needs = [need for source in _SOURCES for need in source(user)]
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    return sorted(needs, key=lambda need: (need.due is None, need.due or far))
