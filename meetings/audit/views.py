"""The permanent record of a dialogue: a page with filters and its downloads.

Only the dialogue's secretariat admin (``permissions.can_read_audit_trail``); anyone else gets
404, as for a dialogue that does not exist. There is no form that changes or removes an entry:
the record is append-only (``dialogue.audit``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dialogue import permissions
from dialogue.audit import trail
from dialogue.http import (
    AuthenticatedRequest,
    QueryFilters,
    choice,
    iso_date,
    search_text,
    whole_number,
)
from dialogue.models import AuditAction, AuditEntry, Dialogue, User
from meetings.models import Meeting
from meetings.registration.participants import exports
from meetings.registration.participants.views import CONTENT_TYPES, NO_STORE

OBJECT_TYPES = (
    "nomination",
    "meeting",
    "quota",
    "document",
    "circulation",
    "outcome",
    "role",
    "participant_list",
    "badges",
    "nomination_letter",
    "audit_trail",
)
FORMATS = (("csv", "CSV"), ("xlsx", "Excel"))
WRITERS = {"csv": exports.to_csv, "xlsx": exports.to_xlsx}
PAGE_SIZE = 100
# A download holds at most this many entries: narrow the filters for more.
EXPORT_MAX = 50_000


@dataclass(frozen=True)
class TrailFilters(QueryFilters):
    meeting: int | None = whole_number()
    person: str = search_text(max_length=254)
    key: str = search_text(max_length=64)
    actor: str = search_text(max_length=254)
    action: str = choice(AuditAction.values)
    object_type: str = choice(OBJECT_TYPES, parameter="object")
    object_id: str = search_text(max_length=40, parameter="id")
    since: datetime.date | None = iso_date()
    until: datetime.date | None = iso_date()

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        if self.meeting is not None:
            entries = entries.filter(meeting_id=self.meeting)
        if self.person:
            entries = entries.filter(trail.for_person(self.person))
        if self.key:
            entries = entries.filter(person_key=self.key)
        if self.actor:
            entries = entries.filter(actor__email__iexact=self.actor)
        if self.action:
            entries = entries.filter(action=self.action)
        if self.object_type:
            entries = entries.filter(object_type=self.object_type)
            if self.object_id:
                entries = entries.filter(object_id=self.object_id)
        zone = timezone.get_current_timezone()
        if self.since is not None:
            start = datetime.datetime.combine(self.since, datetime.time.min, tzinfo=zone)
            entries = entries.filter(at__gte=start)
        if self.until is not None:
            end = datetime.datetime.combine(
                self.until + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
            )
            entries = entries.filter(at__lt=end)
        return entries


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    return response


def audited_dialogue(request: HttpRequest, slug: str) -> Dialogue:
    """The dialogue, for its secretariat admin; 404 for anyone else."""
    dialogue = Dialogue.objects.filter(slug=slug).first()
    if dialogue is None or not permissions.can_read_audit_trail(request.user, dialogue):
        raise Http404
    return dialogue


def _value_text(value: Any) -> str:
    if isinstance(value, dict):
        return ", ".join(
            f"{name}={_value_text(inner)}"
            for name, inner in value.items()
            if inner not in (None, "", [], {})
        )
    if isinstance(value, list):
        return ", ".join(_value_text(inner) for inner in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def details_text(details: dict[str, Any]) -> str:
    """An entry's details on one line: ``to: approved; reason: …``; nested facts as
    ``set: seats=3, categories=delegate, head_of_delegation``."""
    return "; ".join(
        f"{name}: {_value_text(value)}"
        for name, value in details.items()
        if value not in (None, "", [], {})
    )


def _meetings(dialogue: Dialogue) -> dict[int, Meeting]:
    return {m.pk: m for m in Meeting.objects.filter(dialogue=dialogue).order_by("-starts_at")}


@login_required
@require_safe
def audit_trail(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The record of a dialogue, newest first, a hundred entries a page."""
    dialogue = audited_dialogue(request, slug)
    filters = TrailFilters.from_query(request.GET)
    entries = filters.apply(trail.entries(Dialogue.objects.filter(pk=dialogue.pk)))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    meetings = _meetings(dialogue)
    rows = [
        {
            "entry": entry,
            "meeting": meetings.get(entry.meeting_id or 0),
            "details": details_text(entry.details),
        }
        for entry in page
    ]
    context = {
        "dialogue": dialogue,
        "filters": filters,
        "query": filters.as_query(),
        "page": page,
        "rows": rows,
        "meetings": list(meetings.values()),
        "actions": AuditAction.choices,
        "object_types": OBJECT_TYPES,
        "formats": FORMATS,
    }
    return _no_store(render(request, "meetings/audit_trail.html", context))


def export_table(
    *, by: User, dialogue: Dialogue, entries: QuerySet[AuditEntry], fmt: str, query: str
) -> exports.Table:
    """The entries as a table to download; the download itself is recorded (it carries who
    did what, and whom it concerned)."""
    meetings = _meetings(dialogue)
    rows: list[list[exports.Cell]] = []
    for entry in entries[:EXPORT_MAX]:
        meeting = meetings.get(entry.meeting_id or 0)
        rows.append(
            [
                entry.at,
                entry.get_action_display(),
                entry.actor.email if entry.actor else _("the platform"),
                entry.client_address or "",
                str(meeting.title) if meeting else "",
                entry.person.email if entry.person else "",
                entry.person_key,
                entry.object_type,
                entry.object_id,
                entry.object_label,
                details_text(entry.details),
            ]
        )
    with transaction.atomic():
        trail.record(
            AuditAction.PERSONAL_DATA_EXPORTED,
            by=by,
            dialogue=dialogue,
            object_type="audit_trail",
            label=query,
            details={"format": fmt, "entries": len(rows), "filters": query},
        )
    return exports.Table.ungrouped(
        title=_("Audit trail of %(dialogue)s") % {"dialogue": dialogue.acronym},
        subtitle=query,
        columns=[
            _("When"),
            _("What"),
            _("Who"),
            _("From where"),
            _("Meeting"),
            _("Person concerned"),
            _("Person key"),
            _("Object"),
            _("Object id"),
            _("Object label"),
            _("Details"),
        ],
        rows=rows,
        time_zone=timezone.get_current_timezone_name(),
    )


@login_required
@require_safe
def audit_trail_export(request: AuthenticatedRequest, slug: str, fmt: str) -> HttpResponse:
    """The entries the filters select, as CSV or XLSX."""
    if fmt not in WRITERS:
        raise Http404
    dialogue = audited_dialogue(request, slug)
    filters = TrailFilters.from_query(request.GET)
    entries = filters.apply(trail.entries(Dialogue.objects.filter(pk=dialogue.pk)))
    table = export_table(
        by=request.user, dialogue=dialogue, entries=entries, fmt=fmt, query=filters.as_query()
    )
    response = HttpResponse(WRITERS[fmt](table), content_type=CONTENT_TYPES[fmt])
    day = timezone.localdate().isoformat()
    name = f"{slugify(dialogue.acronym) or 'dialogue'}-audit-trail-{day}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return _no_store(response)


urlpatterns: list[URLPattern] = [
    path("dialogues/<slug:slug>/audit/", audit_trail, name="audit_trail"),
    path(
        "dialogues/<slug:slug>/audit/export.<str:fmt>",
        audit_trail_export,
        name="audit_trail_export",
    ),
]
