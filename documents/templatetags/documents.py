"""Documents on pages of other apps: the meetings templates ``{% load documents %}`` (the
meetings app cannot import documents). Each reads through ``documents_visible_to``, once per
request however many places of the page ask (``queries.meeting_documents_cached``)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django import template
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.templatetags.bidi import ltr

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


# The rows of every table of documents (the library and its search, a meeting's documents, an
# agenda item, a circulation), with their language versions and distribution. Built here
# rather than by the template engine: drawing 20 rows through it cost 4 ms of a library page's
# 20 ms (each variable looked up through the context, each tag a node); this draws the same
# markup in under 1 ms.

# An id no row has, put into a reversed address and replaced by each row's own: one reverse()
# per table rather than one per link.
_SOME_ID = 987654321


def _address(name: str, *args: Any) -> Callable[..., str]:
    """The address of the view ``name`` for any id in the first place of ``args``."""
    pattern = reverse(name, args=[_SOME_ID, *args])
    sentinel = str(_SOME_ID)
    return lambda pk: pattern.replace(sentinel, str(pk))


@register.simple_tag
def document_table_rows(
    rows: list[queries.DocumentRow],
    show_meeting: bool = False,
    show_hits: bool = False,
    show_item: bool = False,
) -> SafeString:
    """The ``<tr>`` of each row: the symbol linked to the document, the title (with the search's
    snippet, and "agenda item" where asked), the type, the distribution, the language versions
    and, where asked, the meeting."""
    # Each cell names its column (on a phone a row stands as a block, each cell after its
    # column's name: .stack in site.css); the roles keep it a table for screen readers.
    symbol_label, title_label, type_label, distribution_label, languages_label, meeting_label = (
        _("Symbol"),
        _("Title"),
        _("Type"),
        _("Distribution"),
        _("Languages"),
        _("Meeting"),
    )
    detail = _address("document_detail")
    meeting_page = _address("meeting_detail")
    downloads = _Downloads()
    item_note = format_html('<span class="muted"> · {}</span>', _("agenda item"))
    html = []
    for row in rows:
        document = row.document
        title = conditional_escape(document.title)
        if show_item and document.agenda_item_id:
            title += item_note
        hit = row.hit
        if show_hits and hit is not None and hit.snippet:
            language = (
                format_html(' lang="{}" dir="auto"', hit.snippet_language)
                if hit.snippet_language
                else ""
            )
            title += format_html('<p class="search-snippet"{}>{}</p>', language, hit.snippet)
        meeting = ""
        if show_meeting:
            meeting = format_html('<td role="cell" data-label="{}">—</td>', meeting_label)
            if document.meeting_id and document.meeting is not None:
                meeting = format_html(
                    '<td role="cell" data-label="{}"><a href="{}">{}</a></td>',
                    meeting_label,
                    meeting_page(document.meeting_id),
                    document.meeting.title,
                )
        html.append(
            format_html(
                '\n    <tr id="document-{}" role="row"{}>'
                '\n      <td role="cell" class="symbol" data-label="{}"><a href="{}">{}</a></td>'
                '\n      <td role="cell" data-label="{}">{}</td>'
                '\n      <td role="cell" data-label="{}">{}</td>'
                '\n      <td role="cell" data-label="{}">{}</td>'
                '\n      <td role="cell" data-label="{}">{}</td>'
                "\n      {}"
                "\n    </tr>",
                document.pk,
                mark_safe(' class="withdrawn"') if document.is_withdrawn else "",
                symbol_label,
                detail(document.pk),
                ltr(document.symbol),
                title_label,
                title,
                type_label,
                document.get_kind_display(),
                distribution_label,
                document_marking(document),
                languages_label,
                _versions(row, downloads),
                meeting,
            )
        )
    return mark_safe("".join(html))  # noqa: S308 - each row built by format_html


class _Downloads:
    """The address of a document's current revision in a language: one reverse() per
    language on the page."""

    def __init__(self) -> None:
        self._by_language: dict[str, Callable[..., str]] = {}

    def __call__(self, pk: int, language: str) -> str:
        address = self._by_language.get(language)
        if address is None:
            address = self._by_language[language] = _address("document_download", language)
        return address(pk)


@register.simple_tag
def document_versions(row: queries.DocumentRow) -> SafeString:
    """Each language version: a link to its current revision (with its number when past the
    first), or "translation pending"."""
    return _versions(row, _Downloads())


def _versions(row: queries.DocumentRow, download: _Downloads) -> SafeString:
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
            download(row.document.pk, code),
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
