"""Lists of participants and registration statistics: pages and their exports (CSV, XLSX, PDF).

Who sees what is ``dialogue.permissions``' answer; what someone may not see answers 404, like
what does not exist:

- the list of participants: whoever may view the meeting gets the public list (those who agreed
  to be listed); the secretariat may switch to the full list (``?full=1``, ignored for anyone
  else); on the page, a focal point sees their own delegation in full and a nominee their own
  entry. Exports hold the public list, or the full list for the secretariat: a file travels,
  so it never carries the partial view of a focal point;
- the statistics of a meeting and of a dialogue's year: the secretariat.

Every response that lists people is ``Cache-Control: private, no-store``: a name may leave the
public list (consent withdrawn, data erased) and no cache on the way may keep it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from dialogue import maps, permissions
from dialogue.charts import BarChart
from dialogue.http import QueryFilters, flag
from meetings.models import Meeting
from meetings.views import registration_meeting, served_dialogue, visible_meeting

from . import charts, exports, reports

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
WRITERS: dict[str, Callable[[exports.Table], bytes]] = {
    "csv": exports.to_csv,
    "xlsx": exports.to_xlsx,
    "pdf": exports.to_pdf,
}
# The links to the downloads, in the order offered.
FORMATS = (("csv", "CSV"), ("xlsx", "Excel"), ("pdf", "PDF"))
NO_STORE = "private, no-store"
_NOT_SAFE_IN_A_FILE_NAME = re.compile(r"[^A-Za-z0-9]+")
# The years a dialogue's statistics may be asked for: wide, but bounded.
FIRST_YEAR, LAST_YEAR = 1990, 2100


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    return response


def _file_part(text: str) -> str:
    """``text`` as a part of a file name: Latin letters without accents, digits and hyphens
    ("Türkiye SOM / 2027" → "Turkiye-SOM-2027"); safe in every file system and header."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SAFE_IN_A_FILE_NAME.sub("-", plain).strip("-")


def export_filename(meeting: Meeting, what: str, extension: str) -> str:
    """``BP-SOM-Istanbul-participants-2027-03-10.xlsx``: the dialogue's prefix, the English
    title, what the file holds, and the first day of the meeting in its own time zone."""
    prefix = _file_part(meeting.dialogue.acronym)
    title = _file_part(meeting.title_i18n.pick(settings.LANGUAGE_CODE))[:80].strip("-")
    if prefix and (title == prefix or title.startswith(prefix + "-")):
        prefix = ""  # "BP SOM Istanbul" is not "BP-BP-SOM-Istanbul"
    day = meeting.starts_at.astimezone(meeting.zone).date().isoformat()
    stem = "-".join(part for part in (prefix, title, what, day) if part)
    return f"{stem}.{extension}"


def _download(
    table: exports.Table, fmt: str, filename: str, drawn: Sequence[BarChart] = ()
) -> HttpResponse:
    """The table as a file; a PDF of statistics carries their charts (``drawn``) too."""
    if fmt == "pdf" and drawn:
        content = exports.to_pdf_with_charts(
            table, drawn, chart_heading=_("All figures"), label_column=_("Group")
        )
    else:
        content = WRITERS[fmt](table)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _no_store(response)


@dataclass(frozen=True)
class ListFilters(QueryFilters):
    """``?full=1``: the full list rather than the public one (for the secretariat only)."""

    full: bool = flag()


def _wants_full(request: HttpRequest, meeting: Meeting) -> tuple[bool, bool]:
    """(the reader is the secretariat, the full list is asked for and allowed)."""
    manager = permissions.can_manage_registration(request.user, meeting)
    return manager, manager and ListFilters.from_query(request.GET).full


@require_safe
def participant_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The participants by delegation, the head first. The secretariat reads the public list as
    everyone does, with a switch to the full one; others get their own in full (see the module
    docstring)."""
    meeting = visible_meeting(request, pk)
    manager, full = _wants_full(request, meeting)
    delegations = reports.participant_list(
        meeting, full=full, viewer=None if manager else request.user
    )
    context: dict[str, Any] = {
        "meeting": meeting,
        "delegations": delegations,
        "full": full,
        "manager": manager,
        "shown": sum(len(d.participants) for d in delegations),
        "public_columns": reports.participant_columns(full=False),
        "full_columns": reports.participant_columns(full=True),
        "formats": FORMATS,
    }
    present = [(d.key, d.name) for d in delegations if d.is_state]
    if present:
        context["delegations_map"] = maps.delegations_map(meeting.dialogue, present)
    if manager and not full:
        context["approved"] = reports.approved_count(meeting)
    return _no_store(render(request, "meetings/participant_list.html", context))


@require_safe
def participant_list_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The list as CSV, XLSX or PDF: the public list, or for the secretariat with ``?full=1``
    the full one."""
    if fmt not in WRITERS:
        raise Http404
    meeting = visible_meeting(request, pk)
    _manager, full = _wants_full(request, meeting)
    table = reports.participant_list_for_export(
        by=request.user, meeting=meeting, full=full, fmt=fmt
    )
    what = "participants-full" if full else "participants"
    return _download(table, fmt, export_filename(meeting, what, fmt))


def _figures(stats: reports.RegistrationStatistics) -> dict[str, Any]:
    """What a page of statistics shows of ``stats``: the figures in groups, their columns and
    the downloads offered."""
    return {
        "stats": stats,
        "groups": reports.statistics_groups(stats),
        "columns": reports.figure_columns(),
        "formats": FORMATS,
    }


@require_safe
def registration_statistics(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting's figures for donor reporting: the secretariat's."""
    meeting = registration_meeting(request, pk)
    stats = reports.statistics(meeting)
    context = {
        "meeting": meeting,
        **_figures(stats),
        "charts": charts.meeting_charts(stats),
        "year": meeting.starts_at.astimezone(meeting.zone).year,
    }
    return _no_store(render(request, "meetings/registration_statistics.html", context))


@require_safe
def registration_statistics_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in WRITERS:
        raise Http404
    meeting = registration_meeting(request, pk)
    stats = reports.statistics(meeting)
    table = reports.statistics_table(meeting, stats)
    return _download(
        table, fmt, export_filename(meeting, "statistics", fmt), charts.meeting_charts(stats)
    )


def _year(request: HttpRequest) -> int:
    """``?year=2027``, else this year; a year that is no year answers 404."""
    asked = request.GET.get("year")
    if asked is None:
        return timezone.localdate().year
    if not asked.isdigit() or not FIRST_YEAR <= int(asked) <= LAST_YEAR:
        raise Http404
    return int(asked)


@require_safe
def dialogue_statistics(request: HttpRequest, slug: str) -> HttpResponse:
    """A dialogue's meetings of one year with their figures, and the year's together: the
    secretariat of the dialogue."""
    dialogue = served_dialogue(request, slug)
    year = _year(request)
    report = reports.dialogue_statistics(dialogue, year)
    context = {
        "dialogue": dialogue,
        "report": report,
        **_figures(report.statistics),
        "charts": charts.dialogue_charts(report, reports.participation_by_year(dialogue)),
        "previous_year": year - 1 if year > FIRST_YEAR else None,
        "next_year": year + 1 if year < LAST_YEAR else None,
    }
    return _no_store(render(request, "meetings/dialogue_statistics.html", context))


@require_safe
def dialogue_statistics_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in WRITERS:
        raise Http404
    dialogue = served_dialogue(request, slug)
    year = _year(request)
    report = reports.dialogue_statistics(dialogue, year)
    table = reports.dialogue_statistics_table(report)
    prefix = _file_part(dialogue.acronym) or _file_part(dialogue.slug)
    drawn = charts.dialogue_charts(report, reports.participation_by_year(dialogue))
    return _download(table, fmt, f"{prefix}-statistics-{year}.{fmt}", drawn)


urlpatterns: list[URLPattern] = [
    path("meetings/<int:pk>/participants/", participant_list, name="participant_list"),
    path(
        "meetings/<int:pk>/participants.<str:fmt>",
        participant_list_export,
        name="participant_list_export",
    ),
    path("meetings/<int:pk>/statistics/", registration_statistics, name="registration_statistics"),
    path(
        "meetings/<int:pk>/statistics.<str:fmt>",
        registration_statistics_export,
        name="registration_statistics_export",
    ),
    path("dialogues/<slug:slug>/statistics/", dialogue_statistics, name="dialogue_statistics"),
    path(
        "dialogues/<slug:slug>/statistics.<str:fmt>",
        dialogue_statistics_export,
        name="dialogue_statistics_export",
    ),
]
