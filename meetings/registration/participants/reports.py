"""Lists of participants and statistics for donor reporting: reads, each in a fixed number of
queries whatever the number of participants.

- ``participant_list``: the approved participants by delegation (states, then organisations, by
  name in the reader's language), the head of delegation first. The public list holds only
  those who agreed to appear in it and whose data is not erased, and only what a name card
  says (name, title, affiliation, category); the secretariat's full list holds everyone
  approved with contact details, travel support, confirmation and arrival. A reader of the
  public list who may see some of the nominations (a focal point their own delegation's, a
  nominee their own, as ``permissions.nominations_visible_to`` says) gets those in full.
- ``statistics`` and ``dialogue_statistics``: counts per delegation, category, gender and status
  for one meeting or for a dialogue's year. People whose personal data was erased still count:
  erasure keeps their delegation, category, gender, status, travel support and attendance.
- ``participant_table``, ``statistics_table``, ``dialogue_statistics_table``: the same as
  ``exports.Table`` for CSV, XLSX and PDF, every word in the active language.

Pending and waitlisted nominations are not in the lists: a list of participants is passed on
(to the venue, interpreters, donors) and must hold only who holds a seat; the registration
pages show the others, and the statistics count them by status.
"""

from __future__ import annotations

import dataclasses
import datetime
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, Value
from django.utils import formats, timezone
from django.utils.translation import get_language_bidi, ngettext
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.models import AuditAction, Dialogue, User
from dialogue.translations import Translations
from meetings.models import (
    AttendanceDay,
    Category,
    Funding,
    Gender,
    Meeting,
    MeetingStatus,
    Nomination,
    NominationStatus,
    RegistrationSettings,
)
from meetings.registration import audit

from .exports import Cell, Table, TableGroup

CATEGORY_ORDER = {value: index for index, value in enumerate(Category.values)}


def collation_key(name: str) -> str:
    """A sort key that puts names where a reader looks for them: case and Latin accents ignored
    (Türkiye among the T), Cyrillic letters kept whole (Й after И) and Ё read as Е, as Russian
    dictionaries order them. Python's own order would put every capital before every small
    letter and Ö after Z."""
    letters: list[str] = []
    for char in unicodedata.normalize("NFD", name.casefold().replace("ё", "е")):
        if unicodedata.combining(char) and letters and letters[-1].isascii():
            continue
        letters.append(char)
    return unicodedata.normalize("NFC", "".join(letters))


# --- The list of participants ----------------------------------------------------------------


@dataclass(frozen=True)
class ListedParticipant:
    """One approved participant as a list shows them. The fields after ``in_full`` are filled
    only when the reader may see this person's details (``in_full``)."""

    name: str
    title: str
    affiliation: str
    category: str
    in_full: bool
    email: str = ""
    phone: str = ""
    gender: str = ""
    funding: str = ""
    confirmed_at: datetime.datetime | None = None
    checked_in_at: datetime.datetime | None = None
    listed_publicly: bool = False
    erased: bool = False

    @property
    def is_head(self) -> bool:
        return self.category == Category.HEAD_OF_DELEGATION

    @property
    def category_label(self) -> str:
        return str(Category(self.category).label)

    @property
    def gender_label(self) -> str:
        return str(Gender(self.gender).label) if self.gender else ""

    @property
    def funding_label(self) -> str:
        return str(Funding(self.funding).label) if self.funding else ""

    @property
    def shown_name(self) -> str:
        return self.name or _("Personal data erased")


@dataclass(frozen=True)
class DelegationList:
    """A delegation and its participants, in the order of the list."""

    name: str
    key: str
    is_state: bool
    participants: tuple[ListedParticipant, ...]

    @property
    def in_full(self) -> bool:
        """Whether the reader sees anyone of this delegation in full (its table has the columns
        for contact details)."""
        return any(p.in_full for p in self.participants)


_LIST_FIELDS = (
    "full_name",
    "title",
    "affiliation",
    "category",
    "listed_publicly",
    "erased_at",
    "delegation__state__code",
    "delegation__state__name_i18n",
    "delegation__organisation__slug",
    "delegation__organisation__name_i18n",
)
_FULL_FIELDS = ("email", "phone", "gender", "funding", "confirmed_at", "checked_in_at")


def participant_list(
    meeting: Meeting, *, full: bool, viewer: permissions.AnyUser | None = None
) -> list[DelegationList]:
    """The approved participants of ``meeting`` by delegation, in one query.

    ``full=True`` (the secretariat's list; the caller has asked ``can_manage_registration``):
    everyone approved, erased people included, with their details. ``full=False``: the public
    list, those who consented and are not erased, name, title, affiliation and category only;
    with a ``viewer``, also the approved nominations the viewer may see
    (``permissions.nominations_visible_to``), in full.
    """
    nominations = Nomination.objects.filter(
        meeting_id=meeting.pk, status=NominationStatus.APPROVED
    ).order_by()
    public = Q(listed_publicly=True, erased_at__isnull=True)
    details_read: tuple[str, ...] = _FULL_FIELDS
    if full:
        nominations = nominations.annotate(in_full=Value(True))
    elif viewer is not None and viewer.is_authenticated:
        visible = permissions.nominations_visible_to(viewer).filter(pk=OuterRef("pk"))
        nominations = nominations.annotate(in_full=Exists(visible)).filter(public | Q(in_full=True))
    else:
        nominations = nominations.annotate(in_full=Value(False)).filter(public)
        details_read = ()
    # Only the columns a list shows: a passport number never leaves the database here, nor an
    # address or a phone number for the public list.
    rows = nominations.values(*_LIST_FIELDS, *details_read, "delegation_id", "in_full")

    groups: dict[int, list[ListedParticipant]] = defaultdict(list)
    members: dict[int, tuple[str, str, bool]] = {}
    for row in rows:
        in_full = bool(row["in_full"])
        details: dict[str, Any] = {}
        if in_full:
            details = {name: row[name] for name in _FULL_FIELDS}
            details.update(listed_publicly=row["listed_publicly"], erased=bool(row["erased_at"]))
        groups[row["delegation_id"]].append(
            ListedParticipant(
                name=row["full_name"],
                title=row["title"],
                affiliation=row["affiliation"],
                category=row["category"],
                in_full=in_full,
                **details,
            )
        )
        if row["delegation_id"] not in members:
            members[row["delegation_id"]] = _member(row)

    delegations = [
        DelegationList(
            name=name,
            key=key,
            is_state=is_state,
            participants=tuple(sorted(groups[delegation_id], key=_participant_order)),
        )
        for delegation_id, (name, key, is_state) in members.items()
    ]
    delegations.sort(key=lambda d: (not d.is_state, collation_key(d.name), d.key))
    return delegations


def approved_count(meeting: Meeting) -> int:
    """How many are approved, in one query: the public list holds fewer (consent)."""
    return Nomination.objects.filter(
        meeting_id=meeting.pk, status=NominationStatus.APPROVED
    ).count()


def _member(row: dict[str, Any]) -> tuple[str, str, bool]:
    """(name in the active language, key, is a state) of a row's delegation."""
    if row["delegation__state__code"]:
        name = Translations.of(row["delegation__state__name_i18n"]).pick()
        return name, row["delegation__state__code"], True
    name = Translations.of(row["delegation__organisation__name_i18n"]).pick()
    return name, row["delegation__organisation__slug"], False


def _participant_order(person: ListedParticipant) -> tuple[int, bool, str]:
    # The head first (the first category), then by category and name; erased people last.
    return (
        CATEGORY_ORDER.get(person.category, len(CATEGORY_ORDER)),
        not person.name,
        collation_key(person.name),
    )


# --- Statistics --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """Counts of one slice of the nominations: all of them, those approved (the participants),
    and among the participants those with travel support granted, those who confirmed, those
    who arrived (checked in) and those with travel support who arrived (the funded seats used)."""

    nominations: int = 0
    participants: int = 0
    funded: int = 0
    confirmed: int = 0
    attended: int = 0
    funded_attended: int = 0

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            *(getattr(self, f.name) + getattr(other, f.name) for f in dataclasses.fields(self))
        )

    @property
    def attendance_rate(self) -> Decimal | None:
        """Arrived per approved, in per cent to one decimal; ``None`` with nobody approved."""
        if not self.participants:
            return None
        rate = Decimal(100 * self.attended) / Decimal(self.participants)
        return rate.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class StatisticsRow:
    label: str
    figures: Figures


@dataclass(frozen=True)
class RegistrationStatistics:
    """A meeting's (or a year's) figures. ``by_gender`` is ``None`` when gender was not asked;
    ``erased`` counts the nominations whose personal data is erased (they are counted in
    every figure all the same)."""

    total: Figures
    by_delegation: tuple[StatisticsRow, ...]
    by_category: tuple[StatisticsRow, ...]
    by_gender: tuple[StatisticsRow, ...] | None
    by_status: tuple[StatisticsRow, ...]
    states: int
    organisations: int
    erased: int
    # Participant-days (``AttendanceDay``: a participant present on one day), in the room and
    # online: what donors count for a hybrid meeting; and the same per day of the meeting.
    days_in_person: int = 0
    days_online: int = 0
    by_day: tuple[DayAttendance, ...] = ()


@dataclass(frozen=True)
class DayAttendance:
    """Participants present on one day of the meeting (its local date), in the room and online."""

    day: datetime.date
    in_person: int
    online: int

    @property
    def present(self) -> int:
        return self.in_person + self.online


@dataclass(frozen=True)
class MeetingFigures:
    meeting: Meeting
    figures: Figures


@dataclass(frozen=True)
class DialogueStatistics:
    """A dialogue's meetings of one year (announced, not cancelled), each with its figures, and
    the figures of them all together."""

    dialogue: Dialogue
    year: int
    meetings: tuple[MeetingFigures, ...]
    statistics: RegistrationStatistics


@dataclass
class _Cube:
    """Counts of nominations by (meeting, delegation, category, gender, status), from one
    grouped query; every breakdown is a sum over it."""

    cells: list[tuple[dict[str, Any], Figures]] = field(default_factory=list)
    erased: int = 0

    def by(self, key: str) -> dict[Any, Figures]:
        sums: dict[Any, Figures] = defaultdict(Figures)
        for row, figures in self.cells:
            sums[row[key]] += figures
        return sums

    @property
    def total(self) -> Figures:
        return sum((figures for _row, figures in self.cells), Figures())


_APPROVED = Q(status=NominationStatus.APPROVED)


def _cube(meeting_ids: Iterable[int]) -> _Cube:
    rows = (
        Nomination.objects.filter(meeting_id__in=list(meeting_ids))
        .order_by()
        .values(
            "meeting_id",
            "delegation_id",
            "delegation__state__code",
            "delegation__state__name_i18n",
            "delegation__organisation__slug",
            "delegation__organisation__name_i18n",
            "category",
            "gender",
            "status",
        )
        .annotate(
            nominations=Count("pk"),
            participants=Count("pk", filter=_APPROVED),
            funded=Count("pk", filter=_APPROVED & Q(funding=Funding.GRANTED)),
            confirmed=Count("pk", filter=_APPROVED & Q(confirmed_at__isnull=False)),
            # Only a participant checks in; counting the approved keeps the rate within 100 %.
            attended=Count("pk", filter=_APPROVED & Q(checked_in_at__isnull=False)),
            funded_attended=Count(
                "pk",
                filter=_APPROVED & Q(funding=Funding.GRANTED, checked_in_at__isnull=False),
            ),
            erased=Count("pk", filter=Q(erased_at__isnull=False)),
        )
    )
    cube = _Cube()
    for row in rows:
        name, key, is_state = _member(row)
        row["member"] = (not is_state, collation_key(name), key, name)
        cube.cells.append(
            (
                row,
                Figures(*(row[f.name] for f in dataclasses.fields(Figures))),
            )
        )
        cube.erased += row["erased"]
    return cube


def _statistics(cube: _Cube, *, collect_gender: bool) -> RegistrationStatistics:
    by_member = cube.by("member")
    by_category = cube.by("category")
    by_gender = cube.by("gender")
    by_status = cube.by("status")
    with_participants = [member for member, f in by_member.items() if f.participants]
    gender_rows: tuple[StatisticsRow, ...] | None = None
    if collect_gender:
        labels = [*((value, str(label)) for value, label in Gender.choices), ("", _("Not given"))]
        gender_rows = tuple(
            StatisticsRow(label, by_gender.get(value, Figures())) for value, label in labels
        )
    return RegistrationStatistics(
        total=cube.total,
        by_delegation=tuple(
            StatisticsRow(member[3], by_member[member]) for member in sorted(by_member)
        ),
        by_category=tuple(
            StatisticsRow(str(label), by_category[value])
            for value, label in Category.choices
            if value in by_category
        ),
        by_gender=gender_rows,
        # Every status, none left out: "none were rejected" is an answer too.
        by_status=tuple(
            StatisticsRow(str(label), by_status.get(value, Figures()))
            for value, label in NominationStatus.choices
        ),
        states=sum(1 for member in with_participants if not member[0]),
        organisations=sum(1 for member in with_participants if member[0]),
        erased=cube.erased,
    )


def with_participant_days(
    figures: RegistrationStatistics, meeting_ids: Iterable[int]
) -> RegistrationStatistics:
    """Participant-days in the room and online (``AttendanceDay`` rows), in all and per day,
    in one query."""
    rows = (
        AttendanceDay.objects.filter(nomination__meeting_id__in=list(meeting_ids))
        .order_by()
        .values_list("day", "mode")
        .annotate(days=Count("pk"))
    )
    per_day: dict[datetime.date, dict[str, int]] = defaultdict(dict)
    for day, mode, days in rows:
        per_day[day][mode] = days
    by_day = tuple(
        DayAttendance(day, counts.get("in_person", 0), counts.get("online", 0))
        for day, counts in sorted(per_day.items())
    )
    return dataclasses.replace(
        figures,
        days_in_person=sum(d.in_person for d in by_day),
        days_online=sum(d.online for d in by_day),
        by_day=by_day,
    )


def statistics(meeting: Meeting) -> RegistrationStatistics:
    """The meeting's figures for donor reporting, in three queries (the registration settings,
    for whether gender is asked; the nominations, grouped; the participant-days)."""
    collect_gender = bool(
        RegistrationSettings.objects.filter(meeting_id=meeting.pk)
        .values_list("collect_gender", flat=True)
        .first()
    )
    figures = _statistics(_cube([meeting.pk]), collect_gender=collect_gender)
    return with_participant_days(figures, [meeting.pk])


def meetings_of_year(dialogue: Dialogue, year: int) -> list[Meeting]:
    """The dialogue's announced meetings, cancelled ones left out, that start in ``year`` in
    their own time zone (a meeting at 01:00 in Istanbul on 1 January is that year's), in order.
    One query."""
    # Time zones reach 14 hours either side of UTC: read a day more at each end, then decide.
    first = datetime.datetime(year, 1, 1, tzinfo=datetime.UTC) - datetime.timedelta(days=1)
    last = datetime.datetime(year + 1, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(days=1)
    candidates = (
        Meeting.objects.filter(
            dialogue_id=dialogue.pk,
            announced_at__isnull=False,
            starts_at__gte=first,
            starts_at__lt=last,
        )
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("registration_settings")
        .order_by("starts_at", "pk")
    )
    return [m for m in candidates if m.starts_at.astimezone(m.zone).year == year]


def dialogue_statistics(dialogue: Dialogue, year: int) -> DialogueStatistics:
    """The figures of a dialogue's meetings in ``year`` (see ``meetings_of_year``), each and
    all together: three queries whatever the number of meetings. A person who took part in three
    meetings counts three times (a participation is what donors fund); gender is shown when any
    of the meetings asked for it."""
    meetings = meetings_of_year(dialogue, year)
    cube = _cube(m.pk for m in meetings)
    per_meeting = cube.by("meeting_id")
    collect_gender = any(
        getattr(m, "registration_settings", None) is not None
        and m.registration_settings.collect_gender
        for m in meetings
    )
    return DialogueStatistics(
        dialogue=dialogue,
        year=year,
        meetings=tuple(MeetingFigures(m, per_meeting.get(m.pk, Figures())) for m in meetings),
        statistics=with_participant_days(
            _statistics(cube, collect_gender=collect_gender), [m.pk for m in meetings]
        ),
    )


@dataclass(frozen=True)
class YearFigures:
    """A dialogue's meetings of one year together: how many, their figures, and how many
    states had a participant in at least one of them."""

    year: int
    meetings: int
    figures: Figures
    states: int


def participation_by_year(dialogue: Dialogue) -> tuple[YearFigures, ...]:
    """Participation across the dialogue's meetings over the years (announced, not cancelled;
    a meeting's year is that of its start in its own time zone), oldest first; years without a
    meeting are left out. Two queries, whatever the number of years."""
    meetings = list(
        Meeting.objects.filter(dialogue_id=dialogue.pk, announced_at__isnull=False)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by()
        .only("pk", "starts_at", "time_zone")
    )
    year_of = {m.pk: m.starts_at.astimezone(m.zone).year for m in meetings}
    figures: dict[int, Figures] = defaultdict(Figures)
    states: dict[int, set[str]] = defaultdict(set)
    for row, cell in _cube(year_of).cells:
        year = year_of[row["meeting_id"]]
        figures[year] += cell
        if cell.participants and row["delegation__state__code"]:
            states[year].add(row["delegation__state__code"])
    count: dict[int, int] = defaultdict(int)
    for year in year_of.values():
        count[year] += 1
    return tuple(
        YearFigures(year, count[year], figures[year], len(states[year])) for year in sorted(count)
    )


# --- Tables for export -------------------------------------------------------------------------


def local_time(moment: datetime.datetime | None, meeting: Meeting) -> str:
    """A moment as a spreadsheet sorts it, in the meeting's time zone: ``2027-03-10 09:12``."""
    if moment is None:
        return ""
    return moment.astimezone(meeting.zone).strftime("%Y-%m-%d %H:%M")


def meeting_dates(meeting: Meeting) -> str:
    """The day or days of the meeting in its own time zone, as the reader's language writes
    them."""
    starts = meeting.starts_at.astimezone(meeting.zone).date()
    ends = meeting.ends_at.astimezone(meeting.zone).date()
    first = formats.date_format(starts, "DATE_FORMAT")
    if ends == starts:
        return first
    return f"{first} – {formats.date_format(ends, 'DATE_FORMAT')}"


def _about_meeting(meeting: Meeting) -> str:
    """ "Budapest Process · SOM Istanbul · Istanbul · 10 March 2027"."""
    parts = (meeting.dialogue.name, meeting.title, meeting.city_name, meeting_dates(meeting))
    return " · ".join(part for part in parts if part)


def _as_of(meeting: Meeting) -> str:
    return _("As of %(moment)s (%(zone)s)") % {
        "moment": local_time(timezone.now(), meeting),
        "zone": meeting.time_zone,
    }


def _lines(*lines: str) -> str:
    return "\n".join(line for line in lines if line)


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def participant_columns(*, full: bool) -> list[str]:
    columns = [_("Name"), _("Title or position"), _("Ministry or organisation"), _("Category")]
    if full:
        columns += [
            _("E-mail"),
            _("Phone"),
            _("Gender"),
            _("Travel support"),
            _("Confirmed"),
            _("Arrived"),
            _("In the public list"),
        ]
    return columns


def participant_cells(person: ListedParticipant, meeting: Meeting, *, full: bool) -> list[Cell]:
    cells: list[Cell] = [person.shown_name, person.title, person.affiliation, person.category_label]
    if full:
        cells += [
            person.email,
            person.phone,
            person.gender_label,
            person.funding_label,
            person.confirmed_at,
            person.checked_in_at,
            _yes(person.listed_publicly),
        ]
    return cells


def participant_list_for_export(
    *, by: permissions.AnyUser, meeting: Meeting, full: bool, fmt: str
) -> Table:
    """The list of participants as a table to leave the platform in ``fmt``: the public list,
    or the full one (``full``, the secretariat's: the caller asked the policy), whose export
    is recorded in the permanent record (who took whose personal data, when, from where)."""
    delegations = participant_list(meeting, full=full)
    table = participant_table(meeting, delegations, full=full)
    if full:
        with transaction.atomic():
            audit.record_meeting(
                AuditAction.PERSONAL_DATA_EXPORTED,
                meeting,
                by=by if isinstance(by, User) else None,
                object_type="participant_list",
                details={
                    "format": fmt,
                    "people": sum(len(d.participants) for d in delegations),
                },
            )
    return table


def participant_table(
    meeting: Meeting, delegations: Sequence[DelegationList], *, full: bool
) -> Table:
    """The list as a table to export, one group a delegation. ``full`` adds the secretariat's
    columns; pass the delegations of ``participant_list`` with the same ``full``."""
    note = (
        _("Full list for the secretariat: contains personal data, do not pass it on.")
        if full
        else _("Public list: participants who agreed to be listed.")
    )
    return Table(
        title=_("List of participants"),
        subtitle=_lines(_about_meeting(meeting), note, _as_of(meeting)),
        columns=participant_columns(full=full),
        group_label=_("Delegation"),
        time_zone=meeting.time_zone,
        right_to_left=get_language_bidi(),
        groups=[
            TableGroup(
                delegation.name,
                [participant_cells(p, meeting, full=full) for p in delegation.participants],
            )
            for delegation in delegations
        ],
    )


def _figure_cells(figures: Figures) -> list[Cell]:
    return [
        figures.nominations,
        figures.participants,
        figures.funded,
        figures.funded_attended,
        figures.confirmed,
        figures.attended,
        figures.attendance_rate,
    ]


def figure_columns() -> list[str]:
    """What each figure counts, said in its header (a file travels without the page)."""
    return [
        _("Nominations (all statuses)"),
        _("Participants (approved)"),
        _("Travel support granted (people)"),
        _("Travel support used (granted and arrived)"),
        _("Confirmed their participation"),
        _("Arrived (checked in)"),
        _("Attendance rate (per cent of approved who arrived)"),
    ]


def statistics_groups(stats: RegistrationStatistics) -> list[tuple[str, tuple[StatisticsRow, ...]]]:
    """The breakdowns in the order a report reads them, each under its heading."""
    groups = [
        (_("Total"), (StatisticsRow(_("All"), stats.total),)),
        (_("By state or organisation"), stats.by_delegation),
        (_("By category"), stats.by_category),
    ]
    if stats.by_gender is not None:
        groups.append((_("By gender"), stats.by_gender))
    groups.append((_("By status of the nomination"), stats.by_status))
    return groups


def day_columns() -> list[str]:
    """Participant-days (``AttendanceDay``), counted for the meeting as a whole and per day only:
    a breakdown's row leaves them empty."""
    return [_("Participant-days in the room"), _("Participant-days online")]


def _statistics_table(title: str, subtitle: str, stats: RegistrationStatistics) -> Table:
    groups = [
        TableGroup(
            heading,
            [
                [
                    row.label,
                    *_figure_cells(row.figures),
                    *(
                        (stats.days_in_person, stats.days_online)
                        if row.figures is stats.total
                        else (None, None)
                    ),
                ]
                for row in rows
            ],
        )
        for heading, rows in statistics_groups(stats)
    ]
    return Table(
        title=title,
        subtitle=subtitle,
        columns=[_("Group"), *figure_columns(), *day_columns()],
        group_label=_("Breakdown"),
        right_to_left=get_language_bidi(),
        groups=groups,
    )


def _day_rows(stats: RegistrationStatistics) -> list[Sequence[Cell]]:
    """A row a day of the meeting with anyone present: the approved participants, those present
    that day (in the room or online) and their rate, then the two kinds of presence."""
    rows: list[Sequence[Cell]] = []
    for day in stats.by_day:
        present = Figures(participants=stats.total.participants, attended=day.present)
        rows.append(
            [
                day.day,
                None,
                present.participants,
                None,
                None,
                None,
                present.attended,
                present.attendance_rate,
                day.in_person,
                day.online,
            ]
        )
    return rows


def statistics_table(meeting: Meeting, stats: RegistrationStatistics) -> Table:
    """A meeting's statistics as a table to export, one group a breakdown, then attendance by
    day once days are recorded (the arrivals and rate of a day's row count those present that
    day)."""
    table = _statistics_table(
        _("Registration statistics"),
        _lines(_about_meeting(meeting), _erased_note(stats), _as_of(meeting)),
        stats,
    )
    if not stats.by_day:
        return table
    return dataclasses.replace(
        table, groups=[*table.groups, TableGroup(_("Attendance by day"), _day_rows(stats))]
    )


def _erased_note(stats: RegistrationStatistics) -> str:
    if not stats.erased:
        return ""
    return ngettext(
        "%(n)d nomination whose personal data is erased is counted with what was kept.",
        "%(n)d nominations whose personal data is erased are counted with what was kept.",
        stats.erased,
    ) % {"n": stats.erased}


def dialogue_statistics_table(report: DialogueStatistics) -> Table:
    """A year's statistics of a dialogue as a table to export: a group with a row a meeting,
    then the breakdowns of the year."""
    meeting_rows: list[Sequence[Cell]] = [
        [
            f"{entry.meeting.starts_at.astimezone(entry.meeting.zone):%Y-%m-%d} "
            f"{entry.meeting.title}",
            *_figure_cells(entry.figures),
            None,
            None,
        ]
        for entry in report.meetings
    ]
    base = _statistics_table(
        _("%(dialogue)s: registration statistics %(year)d")
        % {"dialogue": report.dialogue.name, "year": report.year},
        _erased_note(report.statistics),
        report.statistics,
    )
    return Table(
        title=base.title,
        subtitle=base.subtitle,
        columns=base.columns,
        group_label=base.group_label,
        time_zone=base.time_zone,
        right_to_left=base.right_to_left,
        groups=[TableGroup(_("By meeting"), meeting_rows), *base.groups],
    )
