"""Documents on pages of other apps: the meetings templates ``{% load documents %}`` (the
meetings app cannot import documents). Each reads through ``documents_visible_to``, once per
request however many places of the page ask (``queries.meeting_documents_cached``)."""

from __future__ import annotations

import hashlib
from typing import Any

from django import template
from django.template.loader import render_to_string

from dialogue import permissions

from .. import queries

register = template.Library()


def _rows(context: Any, meeting: Any) -> list[queries.DocumentRow]:
    request = context.get("request")
    user = request.user if request is not None else None
    return queries.meeting_documents_cached(request, user, meeting)


@register.inclusion_tag("documents/_meeting_documents.html", takes_context=True)
def meeting_documents(context: Any, meeting: Any) -> dict[str, Any]:
    """The meeting's documents section (the fragment the live page re-fetches)."""
    request = context.get("request")
    return {
        "request": request,
        "meeting": meeting,
        "rows": _rows(context, meeting),
        "can_manage": permissions.can_manage_documents(
            request.user if request else None, meeting.dialogue
        ),
    }


@register.simple_tag(takes_context=True)
def agenda_item_documents(context: Any, meeting: Any, item_key: Any) -> str:
    """The documents attached to one agenda item (``item_key`` is the item's id). Most items
    have none: they cost a dictionary lookup, not a template (100 items rendered a template
    each, a third of the meeting page's time)."""
    by_item: dict[Any, list[queries.DocumentRow]] = {}
    for row in _rows(context, meeting):
        by_item.setdefault(row.document.agenda_item_id, []).append(row)
    rows = by_item.get(item_key)
    if not rows:
        return ""
    # No request: its context processors (the unread count) would cost a query per item.
    return render_to_string("documents/_agenda_item_documents.html", {"rows": rows})


@register.simple_tag(takes_context=True)
def documents_key(context: Any, meeting: Any) -> str:
    """A short fingerprint of the meeting's documents as the viewer sees them (which ones, their
    titles, revisions and state): equal fingerprints, equal rows, so a page part that shows
    them can be cached per fingerprint."""
    digest = hashlib.sha256()
    for row in _rows(context, meeting):
        document = row.document
        facts = (
            document.pk,
            document.updated_at.isoformat(),
            document.agenda_item_id,
            document.withdrawn_at,
            document.marking,
            document.title_i18n,
            *((v.language, v.current.pk if v.current else None) for v in row.versions),
        )
        digest.update(repr(facts).encode())
    return digest.hexdigest()[:16]
