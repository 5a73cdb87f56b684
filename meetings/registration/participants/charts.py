"""The charts of the statistics for donor reporting, made from the very figures the tables show
(``reports.RegistrationStatistics``, ``reports.DialogueStatistics``, ``reports.YearFigures``):
one source, so a bar never says what its table does not. Every word is in the active language;
``dialogue.charts`` draws them.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from dialogue.charts import Bar, BarChart, describe

from .reports import DialogueStatistics, RegistrationStatistics, StatisticsRow, YearFigures


def _describe(what: str, bars: Sequence[Bar], series: Sequence[str]) -> str:
    return describe(what, bars, series, none=_("Nothing to count yet."), listing=_("The largest:"))


def _chart(key: str, title: str, what: str, series: tuple[str, ...], bars: list[Bar]) -> BarChart:
    return BarChart(
        key=key,
        title=title,
        description=_describe(what, bars, series),
        series=series,
        bars=tuple(bars),
    )


def _participants_and_arrivals(
    key: str, title: str, what: str, rows: Sequence[StatisticsRow]
) -> BarChart:
    series = (pgettext("chart series", "approved"), pgettext("chart series", "arrived"))
    bars = [Bar(row.label, (row.figures.participants, row.figures.attended)) for row in rows]
    return _chart(key, title, what, series, bars)


def meeting_charts(stats: RegistrationStatistics, *, key: str = "chart") -> list[BarChart]:
    """The charts of a meeting's (or a year's) statistics, in the order a report reads them:
    participants by state or organisation, by category, by gender (when it was asked), travel
    support granted and used, and attendance per day (once any day is recorded)."""
    charts = [
        _participants_and_arrivals(
            f"{key}-delegations",
            _("Participants by state or organisation"),
            _("Participants approved and arrived, per state or organisation."),
            [row for row in stats.by_delegation if row.figures.participants],
        ),
        _participants_and_arrivals(
            f"{key}-categories",
            _("Participants by category"),
            _("Participants approved and arrived, per category."),
            stats.by_category,
        ),
    ]
    if stats.by_gender is not None:
        charts.append(
            _participants_and_arrivals(
                f"{key}-gender",
                _("Gender balance of the participants"),
                _("Participants approved and arrived, per gender."),
                stats.by_gender,
            )
        )
    funded = [StatisticsRow(_("All"), stats.total)] + [
        row for row in stats.by_delegation if row.figures.funded
    ]
    charts.append(
        _chart(
            f"{key}-funding",
            _("Travel support: seats granted and used"),
            _("Participants with travel support granted, and those of them who arrived."),
            (pgettext("chart series", "granted"), pgettext("chart series", "used")),
            [Bar(row.label, (row.figures.funded, row.figures.funded_attended)) for row in funded],
        )
    )
    if stats.by_day:
        charts.append(
            _chart(
                f"{key}-days",
                _("Attendance by day"),
                _("Participants present each day, in the room and online, of %(n)d approved.")
                % {"n": stats.total.participants},
                (pgettext("chart series", "in the room"), pgettext("chart series", "online")),
                [
                    Bar(formats.date_format(day.day, "DATE_FORMAT"), (day.in_person, day.online))
                    for day in stats.by_day
                ],
            )
        )
    return charts


def dialogue_charts(report: DialogueStatistics, years: Sequence[YearFigures]) -> list[BarChart]:
    """A dialogue's charts: participation over the years, the meetings of the chosen year, and
    that year's breakdowns."""
    over_years = _chart(
        "chart-years",
        _("Participation over the years"),
        _("Participants approved and arrived, and states represented, per year."),
        (
            pgettext("chart series", "approved"),
            pgettext("chart series", "arrived"),
            pgettext("chart series", "states"),
        ),
        [
            Bar(str(year.year), (year.figures.participants, year.figures.attended, year.states))
            for year in years
        ],
    )
    by_meeting = _participants_and_arrivals(
        "chart-meetings",
        _("Participants by meeting, %(year)d") % {"year": report.year},
        _("Participants approved and arrived, per meeting of the year."),
        [StatisticsRow(str(entry.meeting.title), entry.figures) for entry in report.meetings],
    )
    return [over_years, by_meeting, *meeting_charts(report.statistics, key="chart-year")]
