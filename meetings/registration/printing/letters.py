"""Letters for participants (invitation, visa support, certificate of attendance) and badges.

The wording of each letter is a template per dialogue, kind and language that the secretariat
edits (``save_letter_template``); until it does, the built-in wording below is used. Templates
name the participant's and the meeting's details as ``{placeholders}`` from a fixed list
(``PLACEHOLDERS``); the values are inserted as plain text in one pass, so nothing a nominee
typed (a name such as ``{passport_number}``) is ever read as a placeholder, markup or code.

A line of a template whose placeholders are all empty is left out (mail-merge style): a visa
letter without a date of birth on file has no "Date of birth:" line rather than an empty one.

Letters are printed in the language the nomination asks for (``Nomination.language``), with
dates in the meeting's time zone; the PDF is made by ``pdf``, which adds no words of
its own. The built-in wording and the fixed words around it (``LETTERHEADS``) are written out in
English, Russian and Arabic here, not taken from the interface's catalogue: a letter in
Russian is Russian throughout, and the secretariat edits it as a whole text. Who may download
which letter is the permission policy's answer, asked by the views; whether a letter can be
issued at all (approved, passport on file, checked in) is decided here. The PDF is ``pdf``'s, or
``shaped``'s for Arabic (``render``).
"""

from __future__ import annotations

import datetime
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone, translation
from django.utils.functional import Promise
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dialogue import permissions
from dialogue.models import AuditAction, Dialogue, State, User
from meetings.models import (
    Category,
    LetterKind,
    LetterLanguage,
    LetterTemplate,
    Meeting,
    MeetingKind,
    MeetingStatus,
    Nomination,
    NominationStatus,
    ParticipationMode,
)
from meetings.registration import audit

from . import pdf, shaped

# Letters are dated where the secretariat signs them.
SECRETARIAT_ZONE = zoneinfo.ZoneInfo("Europe/Vienna")

# What a template may name, and what each stands for (shown on the editing page).
PLACEHOLDERS: dict[str, Promise] = {
    "full_name": gettext_lazy("the participant's full name"),
    "title": gettext_lazy("their title or position"),
    "affiliation": gettext_lazy("their ministry or organisation"),
    "delegation": gettext_lazy("the state or organisation they represent"),
    "category": gettext_lazy("their category (head of delegation, delegate …)"),
    "dialogue": gettext_lazy("the dialogue's name"),
    "meeting_title": gettext_lazy("the meeting's title"),
    "meeting_dates": gettext_lazy("the meeting's dates, in its time zone"),
    "city": gettext_lazy("the city of the meeting"),
    "venue": gettext_lazy("the venue and its address"),
    "country": gettext_lazy("the country of the meeting"),
    "passport_number": gettext_lazy("passport number"),
    "nationality": gettext_lazy("nationality"),
    "date_of_birth": gettext_lazy("date of birth"),
    "passport_expires": gettext_lazy("the date until which the passport is valid"),
    "checked_in_on": gettext_lazy("the date the participant arrived (checked in)"),
    "days_attended": gettext_lazy("the days the participant attended, in the room or online"),
    "reference": gettext_lazy("the letter's reference, e.g. BP/SOM/2027/GE/42"),
    "today": gettext_lazy("the date of the letter"),
}

# Anything between braces is meant as a placeholder: a misspelt one is refused when saving
# rather than printed as it stands in a letter to a consulate.
_PLACEHOLDER = re.compile(r"\{([^{}\n]*)\}")
_PLACEHOLDER_AND_STOP = re.compile(r"\{([^{}\n]*)\}(\.?)")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")

# Dates as a letter writes them ("10 March 2027", "10 марта 2027 г."): month names come from
# Django's own catalogue, in the genitive for Russian ("E").
_FULL_DATE: dict[str, str] = {
    LetterLanguage.EN: "j E Y",
    LetterLanguage.RU: "j E Y г.",
    LetterLanguage.AR: "j E Y",
}
_DAY_AND_MONTH = "j E"

# The meeting's kind in a reference: BP/SOM/2027/GE/42.
_KIND_SYMBOLS: dict[str, str] = {
    MeetingKind.MINISTERIAL_CONFERENCE: "MC",
    MeetingKind.SENIOR_OFFICIALS_MEETING: "SOM",
    MeetingKind.PREPARATORY_MEETING: "PREP",
    MeetingKind.WORKING_GROUP: "WG",
    MeetingKind.JOINT_WORKING_GROUP: "JWG",
    MeetingKind.STRATEGIC_GROUP: "SG",
    MeetingKind.REFERENCE_GROUP: "RG",
    MeetingKind.CONTACT_POINTS_MEETING: "NCP",
    MeetingKind.STUDY_VISIT: "SV",
    MeetingKind.EXPERT_MISSION: "EM",
    MeetingKind.TRAINING: "TR",
    MeetingKind.WRITTEN_PROCEDURE: "WP",
}


# --- The built-in wording ----------------------------------------------------------------------
# The Russian avoids declining the names it inserts (a quoted name after a noun, labelled lines).


@dataclass(frozen=True)
class Wording:
    """The text of one letter before its placeholders are filled in."""

    title: str
    body: str
    signature: str


def _text(*paragraphs: str | Sequence[str]) -> str:
    """Paragraphs separated by a blank line; a sequence is a paragraph of lines."""
    return "\n\n".join(p if isinstance(p, str) else "\n".join(p) for p in paragraphs)


_VENUE_EN = ("Venue: {venue}", "City: {city}", "Country: {country}")
_VENUE_RU = ("Место проведения: {venue}", "Город: {city}", "Страна: {country}")
_PERSON_EN = (
    "Full name: {full_name}",
    "Position: {title}",
    "Ministry or organisation: {affiliation}",
)
_PERSON_RU = (
    "ФИО: {full_name}",
    "Должность: {title}",
    "Министерство или организация: {affiliation}",
)
_SIGNATURE_EN = _text(
    "Yours sincerely,",
    (
        "",
        "Secretariat of the {dialogue}",
        "International Centre for Migration Policy Development (ICMPD)",
    ),
)
_SIGNATURE_RU = _text(
    "С уважением,",
    (
        "",
        "Секретариат диалога «{dialogue}»",
        "Международный центр по развитию миграционной политики (МЦРМП)",
    ),
)
_ICMPD_EN = (
    "The meeting is organised by the International Centre for Migration Policy Development "
    "(ICMPD), an international organisation with its headquarters in Vienna, Austria, which "
    "serves as the Secretariat of the {dialogue}."
)
_ICMPD_RU = (
    "Организатором мероприятия выступает Международный центр по развитию миграционной "
    "политики (МЦРМП) — международная организация со штаб-квартирой в Вене (Австрия), "
    "выполняющая функции Секретариата диалога «{dialogue}»."
)

# Arabic: names inserted in guillemets, labelled lines, the dialogue named as the "process"
# ("عملية"), so that no inserted name has to be declined or take the article.
_VENUE_AR = ("مكان الانعقاد: {venue}", "المدينة: {city}", "البلد: {country}")
_PERSON_AR = (
    "الاسم الكامل: {full_name}",
    "المنصب: {title}",
    "الوزارة أو المنظمة: {affiliation}",
)
_SIGNATURE_AR = _text(
    "وتفضلوا بقبول فائق الاحترام والتقدير،",
    (
        "",
        "أمانة «{dialogue}»",
        "المركز الدولي لتطوير سياسات الهجرة (ICMPD)",
    ),
)
_ICMPD_AR = (
    "ينظّم الاجتماعَ المركزُ الدولي لتطوير سياسات الهجرة (ICMPD)، وهو منظمة دولية يقع مقرها في "
    "فيينا (النمسا)، ويضطلع بمهام أمانة «{dialogue}»."
)

DEFAULT_WORDING: dict[tuple[str, str], Wording] = {
    (LetterKind.INVITATION, LetterLanguage.EN): Wording(
        title="Letter of invitation",
        body=_text(
            "On behalf of the {dialogue}, the Secretariat has the honour to invite you to take "
            "part in the {meeting_title}, to be held on {meeting_dates}.",
            "You are registered as a member of the delegation of {delegation} ({category}).",
            _VENUE_EN,
            _ICMPD_EN,
            "The agenda, the meeting documents and practical information are available to "
            "registered participants on the dialogue platform. The Secretariat remains at your "
            "disposal for any question on the arrangements.",
            "We look forward to welcoming you.",
        ),
        signature=_SIGNATURE_EN,
    ),
    (LetterKind.INVITATION, LetterLanguage.RU): Wording(
        title="Письмо-приглашение",
        body=_text(
            "От имени диалога «{dialogue}» Секретариат имеет честь пригласить Вас принять "
            "участие в мероприятии «{meeting_title}», которое состоится {meeting_dates}.",
            "Вы зарегистрированы в составе делегации: {delegation} ({category}).",
            _VENUE_RU,
            _ICMPD_RU,
            "Повестка дня, документы мероприятия и практическая информация доступны "
            "зарегистрированным участникам на платформе диалога. Секретариат готов ответить на "
            "любые вопросы об организации мероприятия.",
            "Будем рады приветствовать Вас.",
        ),
        signature=_SIGNATURE_RU,
    ),
    (LetterKind.VISA_SUPPORT, LetterLanguage.EN): Wording(
        title="Visa-support letter",
        body=_text(
            "The Secretariat of the {dialogue} confirms that the person named below is invited "
            "to take part in the {meeting_title}, to be held on {meeting_dates}, as a member of "
            "the delegation of {delegation}.",
            (
                *_PERSON_EN,
                "Nationality: {nationality}",
                "Date of birth: {date_of_birth}",
                "Passport number: {passport_number}",
                "Passport valid until: {passport_expires}",
            ),
            _VENUE_EN,
            _ICMPD_EN,
            "The Secretariat would be most grateful to the competent consular authorities for "
            "facilitating the issuance of an entry visa to the above-named participant for the "
            "duration of the meeting.",
        ),
        signature=_SIGNATURE_EN,
    ),
    (LetterKind.VISA_SUPPORT, LetterLanguage.RU): Wording(
        title="Письмо визовой поддержки",
        body=_text(
            "Секретариат диалога «{dialogue}» подтверждает, что нижеуказанное лицо приглашено "
            "для участия в мероприятии «{meeting_title}», которое состоится {meeting_dates}, в "
            "составе делегации: {delegation}.",
            (
                *_PERSON_RU,
                "Гражданство: {nationality}",
                "Дата рождения: {date_of_birth}",
                "Номер паспорта: {passport_number}",
                "Паспорт действителен до: {passport_expires}",
            ),
            _VENUE_RU,
            _ICMPD_RU,
            "Секретариат будет признателен компетентным консульским учреждениям за содействие "
            "в оформлении въездной визы вышеуказанному участнику на период проведения "
            "мероприятия.",
        ),
        signature=_SIGNATURE_RU,
    ),
    (LetterKind.CERTIFICATE, LetterLanguage.EN): Wording(
        title="Certificate of attendance",
        body=_text(
            "The Secretariat of the {dialogue} hereby certifies that the person named below "
            "attended the {meeting_title}, held on {meeting_dates}.",
            (*_PERSON_EN, "Delegation: {delegation}"),
            (
                *_VENUE_EN,
                "Registered on arrival: {checked_in_on}",
                "Days attended: {days_attended}",
            ),
            "This certificate is issued at the request of the participant.",
        ),
        signature=_SIGNATURE_EN,
    ),
    (LetterKind.CERTIFICATE, LetterLanguage.RU): Wording(
        title="Сертификат об участии",
        body=_text(
            "Секретариат диалога «{dialogue}» настоящим удостоверяет, что нижеуказанное лицо "
            "приняло участие в мероприятии «{meeting_title}», которое состоялось {meeting_dates}.",
            (*_PERSON_RU, "Делегация: {delegation}"),
            (
                *_VENUE_RU,
                "Дата регистрации на мероприятии: {checked_in_on}",
                "Дни участия: {days_attended}",
            ),
            "Сертификат выдан по просьбе участника.",
        ),
        signature=_SIGNATURE_RU,
    ),
    (LetterKind.INVITATION, LetterLanguage.AR): Wording(
        title="رسالة دعوة",
        body=_text(
            "باسم «{dialogue}»، تتشرف الأمانة بدعوتكم إلى المشاركة في «{meeting_title}»، "
            "الذي يُعقد في {meeting_dates}.",
            "لقد سُجّلتم عضوًا في وفد: {delegation} ({category}).",
            _VENUE_AR,
            _ICMPD_AR,
            "يتاح جدول الأعمال ووثائق الاجتماع والمعلومات العملية للمشاركين المسجلين على منصة "
            "الحوار. والأمانة على استعداد تام للإجابة عن أي استفسار بشأن الترتيبات.",
            "ونتطلع إلى الترحيب بكم.",
        ),
        signature=_SIGNATURE_AR,
    ),
    (LetterKind.VISA_SUPPORT, LetterLanguage.AR): Wording(
        title="رسالة دعم لطلب التأشيرة",
        body=_text(
            "تؤكد أمانة «{dialogue}» أن الشخص المذكور أدناه مدعو إلى المشاركة في "
            "«{meeting_title}»، الذي يُعقد في {meeting_dates}، بصفته عضوًا في وفد: {delegation}.",
            (
                *_PERSON_AR,
                "الجنسية: {nationality}",
                "تاريخ الميلاد: {date_of_birth}",
                "رقم جواز السفر: {passport_number}",
                "جواز السفر صالح حتى: {passport_expires}",
            ),
            _VENUE_AR,
            _ICMPD_AR,
            "وستكون الأمانة ممتنة للسلطات القنصلية المختصة على تيسير منح تأشيرة دخول للمشارك "
            "المذكور أعلاه طوال مدة الاجتماع.",
        ),
        signature=_SIGNATURE_AR,
    ),
    (LetterKind.CERTIFICATE, LetterLanguage.AR): Wording(
        title="شهادة حضور",
        body=_text(
            "تشهد أمانة «{dialogue}» بأن الشخص المذكور أدناه قد حضر «{meeting_title}»، الذي "
            "عُقد في {meeting_dates}.",
            (*_PERSON_AR, "الوفد: {delegation}"),
            (*_VENUE_AR, "تاريخ التسجيل عند الوصول: {checked_in_on}"),
            "صدرت هذه الشهادة بناءً على طلب المشارك.",
        ),
        signature=_SIGNATURE_AR,
    ),
}


@dataclass(frozen=True)
class Letterhead:
    """The fixed words around the wording, in the letter's language like the wording itself
    (a Russian letter is Russian throughout, whatever the interface's catalogue holds)."""

    secretariat: str
    place_and_date: str
    reference: str
    to_whom: str


LETTERHEADS: dict[str, Letterhead] = {
    LetterLanguage.EN: Letterhead(
        secretariat=(
            "Secretariat: International Centre for Migration Policy Development (ICMPD), "
            "Gonzagagasse 1, 1010 Vienna, Austria"
        ),
        place_and_date="Vienna, {today}",
        reference="Ref.: {reference}",
        to_whom="To whom it may concern",
    ),
    LetterLanguage.RU: Letterhead(
        secretariat=(
            "Секретариат: Международный центр по развитию миграционной политики (МЦРМП), "
            "Гонзагагассе 1, 1010 Вена, Австрия"
        ),
        place_and_date="Вена, {today}",
        reference="Исх. № {reference}",
        to_whom="По месту требования",
    ),
    LetterLanguage.AR: Letterhead(
        secretariat=(
            "الأمانة: المركز الدولي لتطوير سياسات الهجرة (ICMPD)، Gonzagagasse 1، "
            "1010 فيينا، النمسا"
        ),
        place_and_date="فيينا، {today}",
        reference="المرجع: {reference}",
        to_whom="إلى من يهمه الأمر",
    ),
}

# --- Placeholders ------------------------------------------------------------------------------


def placeholders_in(text: str) -> list[str]:
    """The placeholder names ``text`` uses, in order, as written (stripped of spaces)."""
    return [match.group(1).strip() for match in _PLACEHOLDER.finditer(text)]


def _check_placeholders(**texts: str) -> None:
    unknown = sorted(
        {name for text in texts.values() for name in placeholders_in(text)} - set(PLACEHOLDERS)
    )
    if unknown:
        raise ValidationError(
            _(
                "Unknown placeholder %(unknown)s. The placeholders a letter can use are: "
                "%(allowed)s."
            )
            % {
                "unknown": ", ".join(f"{{{name}}}" for name in unknown),
                "allowed": ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
            }
        )


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with each placeholder replaced by its value, in one pass: a value is plain text
    and is never read again. A line whose placeholders are all empty is left out; a full stop
    after a value that ends with one is not doubled ("10 марта 2027 г.")."""

    def value(match: re.Match[str]) -> str:
        found = values.get(match.group(1).strip())
        if found is None:
            return match.group(0)
        stop = match.group(2)
        return found if found.endswith(".") else found + stop

    lines = []
    for line in text.split("\n"):
        names = placeholders_in(line)
        if names and not any(values.get(name, "") for name in names):
            continue
        lines.append(_PLACEHOLDER_AND_STOP.sub(value, line))
    return "\n".join(lines)


def _paragraphs(text: str) -> tuple[str, ...]:
    return tuple(p.strip("\n") for p in _PARAGRAPH_BREAK.split(text) if p.strip())


# --- Templates ---------------------------------------------------------------------------------


def _check_kind_and_language(kind: str, language: str) -> None:
    if kind not in LetterKind.values:
        raise ValidationError(_("Unknown kind of letter."))
    if language not in LetterLanguage.values:
        raise ValidationError(_("Letters are written in English, Russian or Arabic."))


def wording(dialogue: Dialogue, kind: str, language: str) -> tuple[Wording, LetterTemplate | None]:
    """The wording a letter of ``kind`` in ``language`` uses in ``dialogue``: the secretariat's
    template when there is one, else the built-in one (``None`` as the template then)."""
    stored = LetterTemplate.objects.filter(dialogue=dialogue, kind=kind, language=language).first()
    if stored is not None:
        return Wording(stored.title, stored.body, stored.signature), stored
    return DEFAULT_WORDING[(kind, language)], None


def stored_templates(dialogue: Dialogue) -> dict[tuple[str, str], LetterTemplate]:
    """The dialogue's edited templates by (kind, language), in one query."""
    return {
        (t.kind, t.language): t
        for t in LetterTemplate.objects.filter(dialogue=dialogue).select_related("updated_by")
    }


def _normalise(text: str) -> str:
    # Browsers send CRLF from a textarea; trailing spaces would defeat the blank-line rule.
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


def clean_wording(*, title: str, body: str, signature: str) -> Wording:
    """Validate a wording as the secretariat typed it. Raises ``ValidationError`` naming what
    is wrong (empty, too long, an unknown placeholder with the list of allowed ones)."""
    wording = Wording(_normalise(title), _normalise(body), _normalise(signature))
    if not wording.title or not wording.body:
        raise ValidationError(_("A letter needs a title and a text."))
    if "\n" in wording.title:
        raise ValidationError(_("The title is one line."))
    if len(wording.title) > 200:
        raise ValidationError(_("The title has at most 200 characters."))
    if len(wording.body) > 20_000:
        raise ValidationError(_("The text has at most 20,000 characters."))
    if len(wording.signature) > 1000:
        raise ValidationError(_("The signature has at most 1,000 characters."))
    _check_placeholders(title=wording.title, body=wording.body, signature=wording.signature)
    return wording


def _check_secretariat(by: User, dialogue: Dialogue) -> None:
    if not permissions.is_secretariat(by, dialogue):
        raise PermissionDenied


def save_letter_template(
    *,
    by: User,
    dialogue: Dialogue,
    kind: str,
    language: str,
    title: str,
    body: str,
    signature: str,
) -> LetterTemplate:
    """Store the dialogue's wording of one kind of letter in one language; every letter of that
    kind and language issued afterwards uses it instead of the built-in wording. Publishes no
    event: nobody follows a template, and letters are made when downloaded. Raises
    ``PermissionDenied`` (not the dialogue's secretariat) or ``ValidationError``."""
    _check_secretariat(by, dialogue)
    _check_kind_and_language(kind, language)
    cleaned = clean_wording(title=title, body=body, signature=signature)
    with transaction.atomic():
        template, _created = LetterTemplate.objects.update_or_create(
            dialogue=dialogue,
            kind=kind,
            language=language,
            defaults={
                "title": cleaned.title,
                "body": cleaned.body,
                "signature": cleaned.signature,
                "updated_by": by,
                "updated_at": timezone.now(),
            },
        )
    return template


def reset_letter_template(*, by: User, dialogue: Dialogue, kind: str, language: str) -> bool:
    """Go back to the built-in wording of one kind of letter in one language. Returns whether
    there was an edited wording to remove. Raises ``PermissionDenied``."""
    _check_secretariat(by, dialogue)
    _check_kind_and_language(kind, language)
    with transaction.atomic():
        deleted, _per_model = LetterTemplate.objects.filter(
            dialogue=dialogue, kind=kind, language=language
        ).delete()
    return bool(deleted)


# --- What goes into a letter --------------------------------------------------------------------


def _unbroken(date: str) -> str:
    # A date is not split across lines ("10 / марта 2027 г."); a range may break at its dash.
    return date.replace(" ", "\u00a0")


def full_date(value: datetime.date | None, language: str) -> str:
    """A date as a letter in ``language`` writes it: "10 March 2027", "10 марта 2027 г."."""
    if value is None:
        return ""
    with translation.override(language):
        return _unbroken(formats.date_format(value, _FULL_DATE.get(language, "j E Y")))


def date_range(first: datetime.date, last: datetime.date, language: str) -> str:
    """Days from ``first`` to ``last`` as a letter writes them: "10–11 March 2027", "30 March –
    2 April 2027", "10 марта 2027 г."."""
    if last <= first:
        return full_date(first, language)
    with translation.override(language):
        if (first.year, first.month) == (last.year, last.month):
            return f"{first.day}–{full_date(last, language)}"
        if first.year == last.year:
            day_and_month = _unbroken(formats.date_format(first, _DAY_AND_MONTH))
            return f"{day_and_month} – {full_date(last, language)}"
    return f"{full_date(first, language)} – {full_date(last, language)}"


def meeting_days(meeting: Meeting) -> tuple[datetime.date, datetime.date]:
    """First and last day of the meeting in its time zone (one that ends at midnight ends the
    day before)."""
    first = meeting.starts_at.astimezone(meeting.zone).date()
    last = (meeting.ends_at - datetime.timedelta(microseconds=1)).astimezone(meeting.zone).date()
    return first, max(first, last)


def reference(nomination: Nomination) -> str:
    """``BP/SOM/2027/GE/42``: dialogue, kind of meeting, year, delegation, nomination."""
    meeting = nomination.meeting
    year = meeting.starts_at.astimezone(meeting.zone).year
    symbol = _KIND_SYMBOLS.get(meeting.kind, "M")
    return "/".join(
        [
            meeting.dialogue.acronym,
            symbol,
            str(year),
            nomination.delegation.key.upper(),
            str(nomination.pk),
        ]
    )


def days_attended(nomination: Nomination, checked_in: datetime.date | None, language: str) -> str:
    """The days a participant attended (``meetings.AttendanceDay``, and the day they checked
    in at the desk), each with how: "10 March 2027, 11 March 2027 (online)"."""
    days = dict(nomination.attendance_days.values_list("day", "mode"))
    if checked_in is not None:
        days.setdefault(checked_in, ParticipationMode.IN_PERSON)
    with translation.override(language):
        online = _("online")
        return ", ".join(
            full_date(day, language) + (f" ({online})" if mode == ParticipationMode.ONLINE else "")
            for day, mode in sorted(days.items())
        )


def citizenship(nomination: Nomination) -> str:
    """The country of the person's passport by its name in the active language ("Грузия" in a
    Russian letter), or "" when only a typed nationality is on file."""
    if not nomination.citizenship:
        return ""
    state = State.objects.filter(code=nomination.citizenship).first()
    return state.name if state else ""


def values_for(nomination: Nomination, language: str) -> dict[str, str]:
    """Every placeholder's value for ``nomination``, written in ``language``."""
    meeting = nomination.meeting
    first, last = meeting_days(meeting)
    checked_in = (
        nomination.checked_in_at.astimezone(meeting.zone).date()
        if nomination.checked_in_at
        else None
    )
    today = timezone.now().astimezone(SECRETARIAT_ZONE).date()
    written = nomination.written_in(language)
    with translation.override(language):  # names in Russian where they have one
        return {
            **written,
            "delegation": nomination.delegation.member.name,
            "category": str(Category(nomination.category).label) if nomination.category else "",
            "dialogue": meeting.dialogue.name,
            "meeting_title": meeting.title,
            "meeting_dates": date_range(first, last, language),
            "city": meeting.city_name,
            "venue": ", ".join(p for p in (meeting.venue_name, meeting.venue_address) if p),
            "country": meeting.country.name if meeting.country else "",
            "passport_number": nomination.passport_number,
            "nationality": citizenship(nomination) or nomination.nationality,
            "date_of_birth": full_date(nomination.date_of_birth, language),
            "passport_expires": full_date(nomination.passport_expires, language),
            "checked_in_on": full_date(checked_in, language),
            "days_attended": days_attended(nomination, checked_in, language),
            "reference": reference(nomination),
            "today": full_date(today, language),
        }


def _addressee(kind: str, values: Mapping[str, str], language: str) -> tuple[str, ...]:
    if kind == LetterKind.VISA_SUPPORT:
        return (LETTERHEADS[language].to_whom,)
    if kind == LetterKind.CERTIFICATE:
        return ()
    lines = (values["full_name"], values["title"], values["affiliation"], values["delegation"])
    return tuple(line for line in lines if line)


def compose(
    text: Wording, values: Mapping[str, str], *, kind: str, language: str, dialogue: Dialogue
) -> pdf.Letter:
    """The letter ``pdf`` prints, every word in ``language``."""
    head = LETTERHEADS[language]
    with translation.override(language):
        dialogue_name = dialogue.name
    return pdf.Letter(
        language=language,
        dialogue=dialogue_name,
        secretariat=head.secretariat,
        place_and_date=fill(head.place_and_date, values),
        reference=fill(head.reference, values),
        addressee=_addressee(kind, values, language),
        title=fill(text.title, values),
        paragraphs=_paragraphs(fill(text.body, values)) or ("",),
        signature=tuple(fill(text.signature, values).split("\n")),
    )


# --- Which letters can be issued ---------------------------------------------------------------


def refusal(nomination: Nomination, kind: str) -> str | None:
    """Why a letter of ``kind`` cannot be issued for ``nomination`` now, as a message the person
    can act on; ``None`` when it can."""
    name = nomination.full_name
    meeting = nomination.meeting
    if nomination.erased_at is not None or not name:
        return _("This person's data has been erased: no letter can be issued.")
    if kind == LetterKind.CERTIFICATE:
        if nomination.checked_in_at is None and not nomination.attendance_days.exists():
            return _(
                "The certificate of attendance is issued once %(name)s has been checked in at "
                "the meeting."
            ) % {"name": name}
        first_day = meeting_days(meeting)[0]
        if timezone.now().astimezone(meeting.zone).date() < first_day:
            return _(
                "The certificate of attendance is issued from the meeting's first day, %(date)s."
            ) % {"date": formats.date_format(first_day, "DATE_FORMAT")}
        return None
    if meeting.status == MeetingStatus.CANCELLED:
        return _("This meeting was cancelled: no letters are issued for it.")
    if nomination.status != NominationStatus.APPROVED:
        status = nomination.get_status_display()
        if kind == LetterKind.VISA_SUPPORT:
            return _(
                "The visa-support letter is issued once the nomination is approved. The "
                "nomination of %(name)s is: %(status)s."
            ) % {"name": name, "status": status}
        return _(
            "The invitation letter is issued once the nomination is approved. The nomination "
            "of %(name)s is: %(status)s."
        ) % {"name": name, "status": status}
    if kind == LetterKind.VISA_SUPPORT:
        if not nomination.passport_number:
            return _(
                "The visa-support letter needs the passport number of %(name)s. Add it to the "
                "nomination's details, then download the letter again."
            ) % {"name": name}
        last_day = meeting_days(meeting)[1]
        if nomination.passport_expires is not None and nomination.passport_expires < last_day:
            return _(
                "The passport of %(name)s on file is valid until %(date)s, before the meeting "
                "ends. Update the passport details, then download the letter again."
            ) % {"name": name, "date": formats.date_format(nomination.passport_expires)}
    return None


def available_letters(nomination: Nomination) -> list[str]:
    """The kinds of letter that can be issued for ``nomination`` now."""
    return [kind for kind in LetterKind.values if refusal(nomination, kind) is None]


def letter_for(nomination: Nomination, kind: str) -> bytes:
    """The letter of ``kind`` for ``nomination`` as a PDF, in the nomination's language, in the
    dialogue's wording. Raises ``ValidationError`` with what is missing when it cannot be issued
    (see ``refusal``). Whether the asker may have it is for the caller to ask the policy."""
    _check_kind_and_language(kind, nomination.language)
    problem = refusal(nomination, kind)
    if problem is not None:
        raise ValidationError(problem)
    dialogue = nomination.meeting.dialogue
    language = nomination.language
    text, _stored = wording(dialogue, kind, language)
    values = values_for(nomination, language)
    return render(compose(text, values, kind=kind, language=language, dialogue=dialogue))


def issue_letter(*, by: User, nomination: Nomination, kind: str) -> bytes:
    """``letter_for``, handed to ``by`` (who may view the nomination: the caller asked the
    policy), recorded in the permanent record: a letter carries personal data (a visa letter,
    the passport number). Raises ``ValidationError`` as ``letter_for`` does (nothing recorded)."""
    data = letter_for(nomination, kind)  # rendered first: no transaction held while it prints
    with transaction.atomic():
        audit.record_nomination(
            AuditAction.LETTER_DOWNLOADED, nomination, by=by, details={"letter": kind}
        )
    return data


def render(letter: pdf.Letter) -> bytes:
    """The PDF of ``letter``: through ReportLab, or through WeasyPrint when its language or any
    of its text needs shaping (Arabic; see ``shaped``)."""
    texts = (letter.dialogue, letter.title, *letter.addressee, *letter.paragraphs)
    if shaped.needs_shaping(letter.language, *texts, *letter.signature):
        return shaped.render_letter(letter)
    return pdf.render_letter(letter)


def letter_filename(nomination: Nomination, kind: str) -> str:
    """An ASCII file name: ``visa-support-bp-som-2027-ge-42-nino-beridze.pdf``."""
    parts = [kind.replace("_", "-"), slugify(reference(nomination).replace("/", "-"))]
    name = slugify(nomination.full_name)
    if name:
        parts.append(name)
    return "-".join(parts) + ".pdf"


def sample_values(dialogue: Dialogue, language: str) -> dict[str, str]:
    """Fictional values for a preview of a template: nobody's personal data."""
    today = timezone.now().astimezone(SECRETARIAT_ZONE).date()
    first = today + datetime.timedelta(days=60)
    with translation.override(language):
        return {
            "full_name": _("Nino Beridze"),
            "title": _("Head of Division"),
            "affiliation": _("Ministry of Internal Affairs"),
            "delegation": _("Georgia"),
            "category": str(Category.HEAD_OF_DELEGATION.label),
            "dialogue": dialogue.name,
            "meeting_title": _("Senior Officials' Meeting"),
            "meeting_dates": date_range(first, first + datetime.timedelta(days=1), language),
            "city": _("Istanbul"),
            "venue": _("Congress Centre, Harbiye"),
            "country": _("Türkiye"),
            "passport_number": "12AB34567",
            "nationality": _("Georgian"),
            "date_of_birth": full_date(datetime.date(1984, 5, 17), language),
            "passport_expires": full_date(today.replace(year=today.year + 5), language),
            "checked_in_on": full_date(first, language),
            "days_attended": ", ".join(
                full_date(first + datetime.timedelta(days=n), language) for n in (0, 1)
            ),
            "reference": f"{dialogue.acronym}/SOM/{first.year}/GE/123",
            "today": full_date(today, language),
        }


def sample_letter(dialogue: Dialogue, kind: str, language: str, text: Wording) -> bytes:
    """``text`` printed as a letter of ``kind`` with fictional values, to preview a template."""
    _check_kind_and_language(kind, language)
    values = sample_values(dialogue, language)
    return render(compose(text, values, kind=kind, language=language, dialogue=dialogue))


# --- Badges ------------------------------------------------------------------------------------


def badge_language(meeting: Meeting) -> str:
    """The meeting's first working language when letters can be written in it, else English."""
    first = str(meeting.languages[0]) if meeting.languages else ""
    return first if first in LetterLanguage.values else LetterLanguage.EN


def badge_order(nominations: Iterable[Nomination], language: str) -> list[Nomination]:
    """Delegations by their name in ``language``, the head of each first, then the others by
    name."""

    def key(nomination: Nomination) -> tuple[str, bool, str]:
        return (
            nomination.delegation.member.name.casefold(),
            not nomination.is_head,
            nomination.full_name.casefold(),
        )

    with translation.override(language):
        return sorted(nominations, key=key)


def issue_badges(
    *, by: User, meeting: Meeting, nominations: Iterable[Nomination], delegation: str = ""
) -> bytes:
    """``badges_for``, handed to ``by`` (the secretariat: the caller asked the policy) and
    recorded in the permanent record: badges print names and the check-in code."""
    people = list(nominations)
    data = badges_for(meeting, people)
    with transaction.atomic():
        audit.record_meeting(
            AuditAction.PERSONAL_DATA_EXPORTED,
            meeting,
            by=by,
            object_type="badges",
            details={"delegation": delegation, "people": len(people), "format": "pdf"},
        )
    return data


def badges_for(meeting: Meeting, nominations: Iterable[Nomination]) -> bytes:
    """Badges of ``nominations`` (approved participants of ``meeting``, with their delegations
    loaded) as printable A4 sheets: name, state or organisation and category in the meeting's
    first working language, and a QR code of the check-in token. Erased people are left out.
    Raises ``ValidationError`` when no badge is left to print."""
    language = badge_language(meeting)
    people = [n for n in nominations if n.erased_at is None and n.full_name]
    if not people:
        raise ValidationError(_("There are no approved participants to print badges for."))
    ordered = badge_order(people, language)
    with translation.override(language):
        badges = [
            pdf.Badge(
                meeting=meeting.title,
                name=n.written_in(language)["full_name"],
                affiliation=n.delegation.member.name,
                category=str(Category(n.category).label),
                token=n.checkin_token,
            )
            for n in ordered
        ]
    if shaped.needs_shaping(
        language, *(text for b in badges for text in (b.meeting, b.name, b.affiliation))
    ):
        return shaped.render_badges(badges, language=language)
    return pdf.render_badges(badges)
