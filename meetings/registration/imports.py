"""The secretariat imports a delegation's list of nominees (CSV or XLSX, as a delegation sends
it by e-mail) through ``nominations.nominate``: the same rules as a focal point's nomination
(the quota counted under the delegation's lock, one running nomination per person, one head of
delegation), row by row.

A **dry run** makes every row's nomination inside one transaction that is then rolled back: the
report says, row by row, what would be accepted and what refused and why, by the very rules
the import will apply (a duplicate inside the file, a row beyond the quota, a second head), and
nothing is kept: no nomination, no event, no e-mail, no invitation. The **import** then makes
each row's nomination in its own transaction, as a focal point's would be made: what the rules
accept is written, what they refuse is reported, whoever else nominates at the same moment. A
row whose cells cannot be read (a date that is not a date, an unknown category) is refused
before any rule is asked.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import hashlib
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogue.audit import trail
from dialogue.members import Member
from dialogue.models import AuditAction, User
from dialogue.uploads import TEXT, XLSX, check_upload
from meetings.models import Category, Gender, LetterLanguage, Meeting

from . import access
from .nominations import nominate

# A delegation's list is a few dozen rows; the cap keeps a hostile file small.
MAX_BYTES = 512 * 1024
MAX_ROWS = 500

# Columns, by the headers a file may give them, in English, Russian and Arabic: a delegation
# fills its list in its own working language. The first header of each language is the one
# the import page shows; the others are what lists are seen to use. Headers are compared
# after ``_header_key`` (case, spaces and underscores, Arabic short vowels and tatweel, the
# forms of alef, ё), so "ФИО", "фио" and "Ф. И. О." are one header.
HEADERS: dict[str, dict[str, tuple[str, ...]]] = {
    "email": {
        "en": ("E-mail", "email", "e-mail address", "email address"),
        "ru": ("Эл. почта", "электронная почта", "адрес электронной почты", "e-mail"),
        "ar": ("البريد الإلكتروني", "عنوان البريد الإلكتروني", "البريد"),
    },
    "full_name": {
        "en": ("Full name", "name"),
        "ru": ("ФИО", "Ф.И.О.", "полное имя", "имя и фамилия", "фамилия и имя", "имя"),
        "ar": ("الاسم الكامل", "الاسم"),
    },
    "category": {
        "en": ("Category",),
        "ru": ("Категория",),
        "ar": ("الفئة",),
    },
    "title": {
        "en": ("Title", "position", "title or position"),
        "ru": ("Должность", "звание"),
        "ar": ("المنصب", "الوظيفة", "اللقب"),
    },
    "affiliation": {
        "en": ("Affiliation", "ministry", "organisation", "ministry or organisation"),
        "ru": ("Организация", "министерство", "ведомство", "министерство или организация"),
        "ar": ("الجهة", "الوزارة", "المنظمة", "الوزارة أو المنظمة"),
    },
    "gender": {
        "en": ("Gender",),
        "ru": ("Пол",),
        "ar": ("الجنس", "النوع"),
    },
    "language": {
        "en": ("Language", "language of letters"),
        "ru": ("Язык", "язык писем"),
        "ar": ("اللغة", "لغة الرسائل"),
    },
    "phone": {
        "en": ("Phone", "telephone"),
        "ru": ("Телефон",),
        "ar": ("الهاتف", "رقم الهاتف"),
    },
    "nationality": {
        "en": ("Nationality",),
        "ru": ("Национальность",),
        "ar": ("الجنسية",),
    },
    "citizenship": {
        "en": ("Citizenship",),
        "ru": ("Гражданство",),
        "ar": ("المواطنة", "بلد الجنسية"),
    },
    "date_of_birth": {
        "en": ("Date of birth", "born"),
        "ru": ("Дата рождения",),
        "ar": ("تاريخ الميلاد",),
    },
    "passport_number": {
        "en": ("Passport number", "passport"),
        "ru": ("Номер паспорта", "паспорт"),
        "ar": ("رقم جواز السفر", "جواز السفر"),
    },
    "passport_expires": {
        "en": ("Passport expires", "passport valid until", "passport expiry"),
        "ru": ("Паспорт действителен до", "срок действия паспорта"),
        "ar": ("جواز السفر صالح حتى", "تاريخ انتهاء جواز السفر"),
    },
    "funding": {
        "en": ("Travel support", "funding", "funded"),
        "ru": ("Оплата поездки", "оплата расходов на поездку", "финансирование"),
        "ar": ("دعم السفر", "التمويل"),
    },
}
HEADER_LANGUAGES = ("en", "ru", "ar")
REQUIRED = ("email", "full_name", "category")
DATE_COLUMNS = ("date_of_birth", "passport_expires")
YES = {"yes", "y", "1", "true", "x", "да", "نعم"}
NO = {"", "no", "n", "0", "false", "нет", "لا"}
LABELS = {
    "email": gettext_lazy("e-mail address"),
    "full_name": gettext_lazy("full name"),
    "category": gettext_lazy("category"),
    "gender": gettext_lazy("gender"),
    "language": gettext_lazy("language of letters"),
    "date_of_birth": gettext_lazy("date of birth"),
    "passport_expires": gettext_lazy("passport valid until"),
    "funding": gettext_lazy("travel support"),
    "title": gettext_lazy("title or position"),
    "affiliation": gettext_lazy("ministry or organisation"),
    "phone": gettext_lazy("phone"),
    "nationality": gettext_lazy("nationality"),
    "citizenship": gettext_lazy("citizenship (country code)"),
    "passport_number": gettext_lazy("passport number"),
}


@dataclass(frozen=True)
class RowResult:
    """One row of the file: its line (the header is line 1), who it names, and what became of
    it: accepted (with the nomination made, none in a dry run) or refused with the reasons."""

    line: int
    email: str
    full_name: str
    category: str
    accepted: bool
    reasons: tuple[str, ...] = ()
    nomination_id: int | None = None


@dataclass
class ImportReport:
    dry_run: bool
    file_name: str
    rows: list[RowResult] = field(default_factory=list)

    @property
    def accepted(self) -> int:
        return sum(1 for row in self.rows if row.accepted)

    @property
    def refused(self) -> int:
        return len(self.rows) - self.accepted


class _DryRun(Exception):
    """Raised at the end of a dry run to roll its transaction back."""


# Arabic short vowels, shadda, sukun and the dagger alef (U+064B-U+0652, U+0670) and the
# tatweel (U+0640) change how a word looks, not which word it is.
_ARABIC_MARKS = re.compile("[\u064b-\u0652\u0670\u0640]")
_ALEF = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ё": "е"})


def _header_key(text: str) -> str:
    """A header as it is compared: lower case, Arabic marks and alef forms and ё evened out,
    a required-field star or a closing colon dropped, dots, spaces and underscores as one
    space."""
    key = _ARABIC_MARKS.sub("", str(text or "").strip().lower()).translate(_ALEF)
    key = key.rstrip("*:： ").strip()
    return re.sub(r"[\s_.]+", " ", key).strip()


@dataclass(frozen=True)
class ColumnHeaders:
    """A column as the import page explains it: what it holds, whether it is required, and
    its header in English, Russian and Arabic."""

    name: str
    label: str
    required: bool
    en: str
    ru: str
    ar: str


def column_headers() -> list[ColumnHeaders]:
    return [
        ColumnHeaders(
            name=name,
            label=str(LABELS[name]),
            required=name in REQUIRED,
            **{code: by_language[code][0] for code in HEADER_LANGUAGES},
        )
        for name, by_language in HEADERS.items()
    ]


def _columns(header: list[Any]) -> dict[int, str]:
    """Which field each column holds; raises ``ValidationError`` when a required one is
    missing."""
    by_name = {
        _header_key(alias): name
        for name, by_language in HEADERS.items()
        for aliases in by_language.values()
        for alias in aliases
    }
    found = {
        i: by_name[_header_key(cell)]
        for i, cell in enumerate(header)
        if _header_key(cell) in by_name
    }
    missing = [name for name in REQUIRED if name not in found.values()]
    if missing:
        raise ValidationError(
            _("The first row must name the columns; missing: %(columns)s.")
            % {"columns": ", ".join(str(LABELS[name]) for name in missing)}
        )
    return found


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _table(upload: UploadedFile) -> Iterator[list[Any]]:
    checked = check_upload(upload, allowed=(TEXT, XLSX), max_bytes=MAX_BYTES)
    upload.seek(0)
    if checked.file_type == XLSX:
        import openpyxl  # read-only: rows streamed, formulas as their cached values

        workbook = openpyxl.load_workbook(upload, read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            yield from (list(row) for row in sheet.iter_rows(values_only=True))
        finally:
            workbook.close()
        return
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError(_("Save the CSV file as UTF-8 and try again.")) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    yield from csv.reader(io.StringIO(text), dialect)


def read_rows(upload: UploadedFile) -> list[tuple[int, dict[str, str]]]:
    """The rows of the file as ``(line, {field: text})``, empty rows left out. Raises
    ``ValidationError`` for a file that cannot be read as a list of nominees."""
    rows = iter(_table(upload))
    header = next(rows, None)
    if header is None:
        raise ValidationError(_("The file is empty."))
    columns = _columns(header)
    found = []
    for line, row in enumerate(rows, start=2):
        values = {name: _cell(row[i]) if i < len(row) else "" for i, name in columns.items()}
        if not any(values.values()):
            continue
        found.append((line, values))
        if len(found) > MAX_ROWS:
            raise ValidationError(
                _("A list has at most %(n)d rows; split the file.") % {"n": MAX_ROWS}
            )
    return found


def _choice(value: str, choices: Any, name: str) -> str:
    """A value of ``choices`` given as its code or its label, in any case."""
    wanted = _header_key(value)
    for code, label in choices.choices:
        names = {str(code).lower(), str(code).replace("_", " ")}
        for language in HEADER_LANGUAGES:  # a Russian list says "Делегат", an Arabic one "مندوب"
            with translation.override(language):
                names.add(str(label))
        if wanted in {_header_key(name) for name in names}:
            return str(code)
    raise ValidationError(
        _("“%(value)s” is not a %(column)s; one of: %(choices)s.")
        % {
            "value": value,
            "column": LABELS[name],
            "choices": ", ".join(str(label) for _code, label in choices.choices),
        }
    )


def _date(value: str, name: str) -> datetime.date | None:
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(value, pattern).date()  # noqa: DTZ007 - a day, no time
        except ValueError:
            continue
    raise ValidationError(
        _("“%(value)s” is not a date (%(column)s): write it as 2027-03-10 or 10.03.2027.")
        % {"value": value, "column": LABELS[name]}
    )


def parse_row(values: Mapping[str, str]) -> dict[str, Any]:
    """A row as ``nominate``'s arguments. Raises ``ValidationError`` with every problem of the
    row (each cell is read, so the report lists them all at once)."""
    problems: list[str] = []
    arguments: dict[str, Any] = {}
    for name, value in values.items():
        try:
            if name in DATE_COLUMNS:
                arguments[name] = _date(value, name)
            elif name == "category":
                arguments[name] = _choice(value, Category, name) if value else ""
            elif name == "gender":
                if value:
                    arguments[name] = _choice(value, Gender, name)
            elif name == "language":
                if value:
                    arguments[name] = _choice(value, LetterLanguage, name)
            elif name == "funding":
                if value.lower() not in YES | NO:
                    raise ValidationError(
                        _("“%(value)s” is not a yes or no (%(column)s).")
                        % {"value": value, "column": LABELS[name]}
                    )
                arguments["funding_requested"] = value.lower() in YES
            elif name == "citizenship":
                arguments[name] = value.upper()
            else:
                arguments[name] = value
        except ValidationError as error:
            problems.extend(error.messages)
    for name in REQUIRED:
        if not values.get(name):
            problems.append(_("The %(column)s is missing.") % {"column": LABELS[name]})
    if problems:
        raise ValidationError(problems)
    return arguments


def _nominate_each(
    *, by: User, meeting: Meeting, member: Member, rows: list[tuple[int, dict[str, str]]]
) -> list[RowResult]:
    results = []
    for line, values in rows:
        shown = RowResult(
            line=line,
            email=values.get("email", ""),
            full_name=values.get("full_name", ""),
            category=values.get("category", ""),
            accepted=False,
        )
        try:
            arguments = parse_row(values)
            made = nominate(by=by, meeting=meeting, member=member, **arguments)
        except ValidationError as error:
            results.append(dataclasses.replace(shown, reasons=tuple(error.messages)))
            continue
        except PermissionDenied:
            results.append(dataclasses.replace(shown, reasons=(_("Not allowed."),)))
            continue
        results.append(dataclasses.replace(shown, accepted=True, nomination_id=made.pk))
    return results


def import_nominations(
    *, by: User, meeting: Meeting, member: Member, upload: UploadedFile, dry_run: bool
) -> ImportReport:
    """Nominate for ``member``'s delegation everyone a CSV or XLSX list names (see the module).
    ``dry_run``: nothing is kept, the report says what the import would do. The import records
    itself in the permanent record (its file's SHA-256, how many rows were accepted and
    refused); each nomination publishes ``nomination.submitted`` as a focal point's does.
    Raises ``PermissionDenied`` (not the secretariat) or ``ValidationError`` (a file that
    cannot be read)."""
    access.check_manager(by, meeting)
    access.check_may_nominate(by, meeting, member)
    rows = read_rows(upload)
    if not rows:
        raise ValidationError(_("The file has no nominees under its header."))
    name = upload.name or ""
    upload.seek(0)
    sha256 = hashlib.sha256(upload.read()).hexdigest()
    report = ImportReport(dry_run=dry_run, file_name=name)
    if dry_run:
        try:
            with transaction.atomic():
                report.rows = _nominate_each(by=by, meeting=meeting, member=member, rows=rows)
                raise _DryRun
        except _DryRun:
            pass
        report.rows = [RowResult(**{**row.__dict__, "nomination_id": None}) for row in report.rows]
        return report
    report.rows = _nominate_each(by=by, meeting=meeting, member=member, rows=rows)
    with transaction.atomic():
        trail.record(
            AuditAction.NOMINATIONS_IMPORTED,
            by=by,
            dialogue=meeting.dialogue_id,
            meeting_id=meeting.pk,
            object_type="meeting",
            object_id=meeting.pk,
            label=f"{member.name_i18n.pick('en')} · {name}"[:300],
            details={
                "delegation": getattr(member, "code", "") or getattr(member, "slug", ""),
                "file": name,
                "sha256": sha256,
                "accepted": report.accepted,
                "refused": report.refused,
                "nominations": [row.nomination_id for row in report.rows if row.accepted],
            },
        )
    return report
