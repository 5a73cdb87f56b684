"""Documents on pages of other apps: the meetings templates ``{% load documents %}`` (the
meetings app cannot import documents). Each reads through ``documents_visible_to``, once per
request however many places of the page ask (``queries.meeting_documents_cached``)."""

from __future__ import annotations

import hashlib
from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

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


# The language versions and the distribution of a document, on every list of documents (the
# library, a meeting's documents, an agenda item, a circulation). Built here rather than by a
# template included per row: the two includes were three fifths of a library page's table.


@register.simple_tag
def document_versions(row: queries.DocumentRow) -> SafeString:
    """Each language version: a link to its current revision (with its number when past the
    first), or "translation pending"."""
    parts = []
    for version in row.versions:
        code = version.language
        current = version.current
        if current is None:
            parts.append(
                format_html(
                    '<span class="pending" title="{}">{}: {}</span>',
                    version.label,
                    code.upper(),
                    _("translation pending"),
                )
            )
            continue
        title = ", ".join(
            [
                version.label,
                _("revision %(number)s") % {"number": current.number},
                str(filesizeformat(current.size)),
            ]
        )
        link = format_html(
            '<a href="{}" lang="{}" title="{}">{}</a>',
            reverse("document_download", args=[row.document.pk, code]),
            code,
            title,
            code.upper(),
        )
        if current.number > 1:
            link += format_html('<span class="muted"> r{}</span>', current.number)
        parts.append(link)
    return mark_safe(" · ".join(parts))  # noqa: S308 - each part built by format_html


@register.simple_tag
def document_marking(document: Any) -> SafeString:
    """Its distribution, and whether it is shared with the chair or withdrawn."""
    html = format_html(
        '<span class="marking marking-{}">{}</span>',
        document.marking,
        document.get_marking_display(),
    )
    if document.marking == "internal" and document.shared_with_chair:
        html += format_html(' <span class="badge">{}</span>', _("shared with the chair"))
    if document.is_withdrawn:
        html += format_html(' <span class="badge badge-withdrawn">{}</span>', _("withdrawn"))
    return html
