"""Demo meetings: a concluded Budapest Process SOM with adopted conclusions and open action
points, an upcoming hybrid SOM in Istanbul whose 20-item agenda was released twice, a Prague
Process working group meeting in English and Russian, and a cancelled meeting.

Registration: the Istanbul SOM has nominations in every status (focal points of Georgia and
Pakistan, the secretariat for other states and for IOM), nomination letters, travel support and
confirmations, so the secretariat finds a real review queue; the Tbilisi working group has its
registration open with two nominations from Moldova. The nominees are made up, with fake
passport numbers; what registration would e-mail them goes nowhere.

Idempotent: a meeting that exists (by dialogue and English title) is left as it is; a
meeting's registration is filled in once, while it is open and before its deadline.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from dialogue.models import Body, Dialogue, Organisation, State, User
from notifications.models import OutboxEmail

from . import agenda, outcomes, registration, services
from .models import (
    ActionPoint,
    FollowUpQuestion,
    Meeting,
    MeetingFormat,
    MeetingKind,
    MeetingStatus,
    Nomination,
    NominationLetter,
    OutcomeKind,
    RegistrationSettings,
)
from .registration.printing import pdf

ADMIN = "admin@demo.example.org"
ISTANBUL = "Budapest Process Senior Officials' Meeting, Istanbul"
TBILISI = "Prague Process working group on legal and labour migration"


def _at(day: datetime.date, hour: int, minute: int, zone: str) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(zone)
    )


def _meeting(
    by: User,
    dialogue: Dialogue,
    body: Body,
    title_en: str,
    *,
    title: dict[str, str] | None = None,
    confirm_past: bool = False,
    **fields: object,
) -> Meeting | None:
    """The meeting created as a draft, or None when it exists already."""
    if Meeting.objects.filter(dialogue=dialogue, title_i18n__en=title_en).exists():
        return None
    return services.schedule_meeting(
        by=by,
        dialogue=dialogue,
        body=body,
        title={"en": title_en, **(title or {})},
        confirm_past=confirm_past,
        **fields,
    )


ISTANBUL_AGENDA = [
    ("session", "Opening session", "Открытие", None),
    ("item", "Welcome by the Chair (Türkiye)", "Приветствие Председателя (Турция)", 15),
    ("item", "Welcome by the Co-Chair (Hungary)", "Приветствие Сопредседателя (Венгрия)", 10),
    ("item", "Adoption of the agenda", "Утверждение повестки дня", 5),
    (
        "item",
        "Report of the Secretariat on activities since the last SOM",
        "Доклад Секретариата о деятельности со времени последнего СДЛ",
        30,
    ),
    ("break", "Coffee break", "Перерыв на кофе", 30),
    ("session", "Session I: Silk Routes partnership", "Сессия I: партнёрство Шёлкового пути", None),
    (
        "item",
        "Progress under the Istanbul Commitments",
        "Ход выполнения Стамбульских обязательств",
        30,
    ),
    (
        "item",
        "Legal migration pathways: country experiences",
        "Пути легальной миграции: опыт стран",
        45,
    ),
    (
        "item",
        "Return and reintegration cooperation",
        "Сотрудничество в области возвращения и реинтеграции",
        40,
    ),
    ("break", "Lunch", "Обед", 75),
    ("session", "Session II: Working groups", "Сессия II: рабочие группы", None),
    (
        "item",
        "Working Group on South Eastern Europe: report",
        "Рабочая группа по Юго-Восточной Европе: доклад",
        20,
    ),
    (
        "item",
        "Working Group on the Black Sea Region: report",
        "Рабочая группа по Черноморскому региону: доклад",
        20,
    ),
    (
        "item",
        "Working Group on the Silk Routes Region: report",
        "Рабочая группа по региону Шёлкового пути: доклад",
        20,
    ),
    ("break", "Coffee break", "Перерыв на кофе", 20),
    ("session", "Session III: The way ahead", "Сессия III: дальнейшие шаги", None),
    (
        "item",
        "Priorities for the next Ministerial Conference",
        "Приоритеты следующей министерской конференции",
        45,
    ),
    ("item", "Draft conclusions of the meeting", "Проект выводов совещания", 30),
    ("item", "Closing remarks", "Заключительные замечания", 15),
]


# The Arabic titles of the Istanbul meeting and its agenda, by English title (the meeting works
# in English, Russian and Arabic; fp.iraq@demo.example.org reads them).
ISTANBUL_TITLE_AR = "اجتماع كبار المسؤولين في عملية بودابست، إسطنبول"
ISTANBUL_AGENDA_AR: dict[str, str] = {
    "Opening session": "الجلسة الافتتاحية",
    "Welcome by the Chair (Türkiye)": "كلمة ترحيب من الرئيس (تركيا)",
    "Welcome by the Co-Chair (Hungary)": "كلمة ترحيب من الرئيس المشارك (هنغاريا)",
    "Adoption of the agenda": "اعتماد جدول الأعمال",
    "Report of the Secretariat on activities since the last SOM": (
        "تقرير الأمانة عن الأنشطة منذ آخر اجتماع لكبار المسؤولين"
    ),
    "Coffee break": "استراحة قهوة",
    "Session I: Silk Routes partnership": "الجلسة الأولى: شراكة طرق الحرير",
    "Progress under the Istanbul Commitments": "التقدم المحرز في تنفيذ التزامات إسطنبول",
    "Legal migration pathways: country experiences": "مسارات الهجرة النظامية: تجارب البلدان",
    "Return and reintegration cooperation": "التعاون في مجال العودة وإعادة الإدماج",
    "Lunch": "غداء",
    "Session II: Working groups": "الجلسة الثانية: الأفرقة العاملة",
    "Working Group on South Eastern Europe: report": "الفريق العامل المعني بجنوب شرق أوروبا: تقرير",
    "Working Group on the Black Sea Region: report": "الفريق العامل المعني بمنطقة البحر الأسود: تقرير",
    "Working Group on the Silk Routes Region: report": (
        "الفريق العامل المعني بمنطقة طرق الحرير: تقرير"
    ),
    "Session III: The way ahead": "الجلسة الثالثة: الطريق إلى الأمام",
    "Priorities for the next Ministerial Conference": "أولويات المؤتمر الوزاري المقبل",
    "Draft conclusions of the meeting": "مشروع استنتاجات الاجتماع",
    "Closing remarks": "الملاحظات الختامية",
}


def _set_up_registration(by: User, meeting: Meeting, *, closes: datetime.date) -> None:
    """Journey 1 of the brief: 3 seats per participating state (head and delegates), 1 of them
    funded; observers and partner organisations 2 each; a room for 150; three questions."""
    registration.configure_registration(
        by=by,
        meeting=meeting,
        nomination_deadline=_at(closes, 18, 0, meeting.time_zone),
        confirmation_deadline=_at(closes + datetime.timedelta(days=4), 18, 0, meeting.time_zone),
        capacity=150,
    )
    quotas = (
        ("participating", ["head_of_delegation", "delegate"], 3, 1),
        ("participating", ["expert"], 1, 0),
        ("observer", ["observer"], 2, 0),
        ("partner_organisation", ["observer", "expert"], 2, 0),
    )
    for kind, categories, seats, funded in quotas:
        registration.set_quota(
            by=by,
            meeting=meeting,
            member_kind=kind,
            categories=categories,
            seats=seats,
            funded_seats=funded,
        )
    questions = (
        ("travel", "Arrival and departure flights", "Рейсы прибытия и отъезда", False, 30),
        ("visa", "Do you need a visa for Türkiye?", "Нужна ли вам виза в Турцию?", True, 30),
        ("dietary", "Dietary requirements", "Особые требования к питанию", False, 7),
    )
    for topic, text_en, text_ru, required, days in questions:
        registration.add_question(
            by=by,
            meeting=meeting,
            topic=topic,
            text={"en": text_en, "ru": text_ru},
            required=required,
            retention_days=days,
        )


@transaction.atomic
def load_demo_meetings() -> str:
    summary = _load_demo_meetings()
    # The demo's nominees are made up: the messages registration wrote to them go nowhere.
    OutboxEmail.objects.filter(
        user__isnull=True, sent_at__isnull=True, to_address__endswith="@demo.example.org"
    ).delete()
    return summary


def _load_demo_meetings() -> str:
    by = User.objects.get(email=ADMIN)
    bp = Dialogue.objects.get(slug="budapest-process")
    pp = Dialogue.objects.get(slug="prague-process")
    bp_som = Body.objects.get(dialogue=bp, kind=Body.Kind.SENIOR_OFFICIALS_MEETING)
    pp_som = Body.objects.get(dialogue=pp, kind=Body.Kind.SENIOR_OFFICIALS_MEETING)
    pp_group = Body.objects.get(dialogue=pp, kind=Body.Kind.STRATEGIC_GROUP)
    today = timezone.localdate()
    created = 0

    # A concluded SOM with adopted conclusions and open action points.
    day = today - datetime.timedelta(days=180)
    past = _meeting(
        by,
        bp,
        bp_som,
        "Budapest Process Senior Officials' Meeting (spring session)",
        title={"ru": "Совещание старших должностных лиц Будапештского процесса (весенняя сессия)"},
        kind=MeetingKind.SENIOR_OFFICIALS_MEETING,
        format=MeetingFormat.IN_PERSON,
        time_zone="Europe/Vienna",
        starts_at=_at(day, 9, 30, "Europe/Vienna"),
        ends_at=_at(day + datetime.timedelta(days=1), 13, 0, "Europe/Vienna"),
        venue_name="ICMPD Headquarters",
        venue_address="Gonzagagasse 1",
        city={"en": "Vienna", "ru": "Вена"},
        country=State.objects.get(code="AT"),
        room="Conference room",
        languages=["en", "ru"],
        interpretation=["en", "ru"],
        confirm_past=True,  # recorded after the fact
    )
    if past is not None:
        created += 1
        for status in ("announced", "in_session"):
            past = services.transition(by=by, meeting=past, to=status)
        conclusions = outcomes.draft_outcome(
            by=by,
            meeting=past,
            kind=OutcomeKind.CONCLUSIONS,
            title={
                "en": "Conclusions of the spring Senior Officials' Meeting",
                "ru": "Выводы весеннего совещания старших должностных лиц",
            },
            text={
                "en": "Participating states welcomed the progress under the Istanbul Commitments and asked the Secretariat to prepare options for the next Ministerial Conference.",
                "ru": "Государства-участники приветствовали прогресс в выполнении Стамбульских обязательств и поручили Секретариату подготовить варианты для следующей министерской конференции.",
            },
        )
        outcomes.adopt(by=by, outcome=conclusions)
        points = [
            (
                "Prepare options for the venue and dates of the next Ministerial Conference",
                "Подготовить варианты места и сроков следующей министерской конференции",
                None,
                "icmpd",
                60,
            ),
            (
                "Share national data on return and reintegration for the annual report",
                "Представить национальные данные о возвращении и реинтеграции для ежегодного доклада",
                "GE",
                None,
                90,
            ),
            (
                "Host a study visit on legal migration pathways",
                "Провести ознакомительный визит по путям легальной миграции",
                "TR",
                None,
                150,
            ),
        ]
        for text_en, text_ru, state, organisation, due in points:
            outcomes.add_action_point(
                by=by,
                meeting=past,
                text={"en": text_en, "ru": text_ru},
                owner_state=State.objects.get(code=state) if state else None,
                owner_organisation=Organisation.objects.get(slug=organisation)
                if organisation
                else None,
                due_on=day + datetime.timedelta(days=due),
            )
        done = ActionPoint.objects.filter(meeting=past).order_by("id").first()
        if done is not None:
            outcomes.set_action_point_status(
                by=by, action_point=done, status=ActionPoint.Status.DONE
            )
        services.transition(by=by, meeting=past, to="concluded", confirm=True)

    # The upcoming hybrid SOM in Istanbul, its agenda released twice.
    day = today + datetime.timedelta(days=15)
    istanbul = _meeting(
        by,
        bp,
        bp_som,
        ISTANBUL,
        title={
            "ru": "Совещание старших должностных лиц Будапештского процесса, Стамбул",
            "ar": ISTANBUL_TITLE_AR,
        },
        description={
            "en": "The annual meeting of the Budapest Group: progress under the Istanbul Commitments and preparation of the next Ministerial Conference.",
            "ru": "Ежегодное совещание Будапештской группы: ход выполнения Стамбульских обязательств и подготовка следующей министерской конференции.",
        },
        kind=MeetingKind.SENIOR_OFFICIALS_MEETING,
        format=MeetingFormat.HYBRID,
        time_zone="Europe/Istanbul",
        starts_at=_at(day, 9, 0, "Europe/Istanbul"),
        ends_at=_at(day, 17, 30, "Europe/Istanbul"),
        venue_name="Istanbul Congress Center",
        venue_address="Harbiye Mah., Darülbedai Cad. No:3, Şişli",
        city={"en": "Istanbul", "ru": "Стамбул"},
        country=State.objects.get(code="TR"),
        room="Hall A",
        online_url="https://meet.example.org/bp-som-istanbul",
        languages=["en", "ru", "ar"],
        interpretation=["en", "ru", "ar", "tr"],
    )
    if istanbul is not None:
        created += 1
        istanbul = services.transition(by=by, meeting=istanbul, to="announced")
        _set_up_registration(by, istanbul, closes=today + datetime.timedelta(days=8))
        istanbul = services.transition(by=by, meeting=istanbul, to="registration_open")
        session = None
        cursor = istanbul.starts_at
        items = {}
        for position, (kind, title_en, title_ru, minutes) in enumerate(ISTANBUL_AGENDA, start=1):
            fields: dict[str, object] = {
                "kind": kind,
                "title": {"en": title_en, "ru": title_ru, "ar": ISTANBUL_AGENDA_AR[title_en]},
                "position": position * 10,
            }
            if kind == "session":
                session = agenda.add_item(by=by, meeting=istanbul, **fields)
                continue
            fields.update(parent=session, starts_at=cursor, duration_minutes=minutes, room="Hall A")
            items[position] = agenda.add_item(by=by, meeting=istanbul, **fields)
            cursor += datetime.timedelta(minutes=minutes or 0)
        agenda.add_item(
            by=by,
            meeting=istanbul,
            kind="item",
            title={"en": "Secretariat: logistics check with the host"},
            internal=True,
            position=5,
        )
        agenda.release_agenda(
            by=by, meeting=istanbul, note="First version for registered delegations"
        )
        legal = items[9]  # "Legal migration pathways" moves to the afternoon
        agenda.change_item(by=by, item=legal, starts_at=_at(day, 14, 30, "Europe/Istanbul"))
        agenda.change_item(by=by, item=items[14], room="Hall B")
        agenda.change_item(
            by=by,
            item=items[18],
            title={"en": "Priorities and draft declaration for the next Ministerial Conference"},
        )
        agenda.release_agenda(
            by=by,
            meeting=istanbul,
            note="Legal migration item moved to the afternoon; Black Sea report in Hall B",
        )

    # A Prague Process working group meeting, in English and Russian.
    day = today + datetime.timedelta(days=45)
    group = _meeting(
        by,
        pp,
        pp_group,
        TBILISI,
        title={"ru": "Рабочая группа Пражского процесса по легальной и трудовой миграции"},
        kind=MeetingKind.WORKING_GROUP,
        format=MeetingFormat.IN_PERSON,
        time_zone="Asia/Tbilisi",
        starts_at=_at(day, 10, 0, "Asia/Tbilisi"),
        ends_at=_at(day + datetime.timedelta(days=1), 16, 0, "Asia/Tbilisi"),
        venue_name="Ministry of Internal Affairs",
        city={"en": "Tbilisi", "ru": "Тбилиси"},
        country=State.objects.get(code="GE"),
        languages=["en", "ru"],
        interpretation=["en", "ru"],
    )
    if group is not None:
        created += 1
        services.transition(by=by, meeting=group, to="announced")

    # A cancelled meeting.
    day = today + datetime.timedelta(days=70)
    cancelled = _meeting(
        by,
        pp,
        pp_som,
        "Prague Process Senior Officials' Meeting, Chișinău",
        title={"ru": "Совещание старших должностных лиц Пражского процесса, Кишинёв"},
        kind=MeetingKind.SENIOR_OFFICIALS_MEETING,
        format=MeetingFormat.IN_PERSON,
        time_zone="Europe/Chisinau",
        starts_at=_at(day, 9, 30, "Europe/Chisinau"),
        ends_at=_at(day, 18, 0, "Europe/Chisinau"),
        city={"en": "Chișinău", "ru": "Кишинёв"},
        country=State.objects.get(code="MD"),
        languages=["en", "ru"],
    )
    if cancelled is not None:
        created += 1
        cancelled = services.transition(by=by, meeting=cancelled, to="announced")
        services.transition(
            by=by,
            meeting=cancelled,
            to="cancelled",
            reason="Merged into the Ministerial Conference preparations.",
            confirm=True,
        )

    registered = _register_istanbul(Meeting.objects.get(dialogue=bp, title_i18n__en=ISTANBUL))
    registered += _register_tbilisi(Meeting.objects.get(dialogue=pp, title_i18n__en=TBILISI))
    return (
        f"Demo meetings: {created} created, {Meeting.objects.count()} in all; "
        f"{registered} nominations added, {Nomination.objects.count()} in all."
    )


# --- Registration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoNominee:
    """A made-up nominee: a plausible name, post and ministry; a passport number no state
    issues (``DEMO-…``)."""

    email: str
    full_name: str
    title: str
    affiliation: str
    gender: str
    nationality: str
    born: datetime.date
    passport: str
    category: str = "delegate"
    language: str = "en"
    travel_support: bool = False  # requested by the delegation

    def details(self) -> dict[str, Any]:
        expires = datetime.date(timezone.localdate().year + 6, self.born.month, 1)
        return {
            "full_name": self.full_name,
            "title": self.title,
            "affiliation": self.affiliation,
            "gender": self.gender,
            "nationality": self.nationality,
            "date_of_birth": self.born,
            "passport_number": self.passport,
            "passport_expires": expires,
            "language": self.language,
            "listed_publicly": self.category == "head_of_delegation",
        }


def _person(
    email: str,
    full_name: str,
    title: str,
    affiliation: str,
    gender: str,
    nationality: str,
    born: str,
    passport: str,
    **more: Any,
) -> DemoNominee:
    return DemoNominee(
        f"{email}@demo.example.org",
        full_name,
        title,
        affiliation,
        gender,
        nationality,
        datetime.date.fromisoformat(born),
        passport,
        **more,
    )


HEAD = {"category": "head_of_delegation"}
MIA_GE = "Ministry of Internal Affairs of Georgia"
PMM_TR = "Presidency of Migration Management, Ministry of Interior of Türkiye"
MOPHRD = "Ministry of Overseas Pakistanis and Human Resource Development"

# The Istanbul SOM, by delegation. Georgia's and Pakistan's focal points nominate their own;
# the secretariat enters the others from their notes verbales, and IOM's observer.
ISTANBUL_NOMINEES: dict[str, list[DemoNominee]] = {
    "GE": [
        _person(
            "tamar.lomidze", "Tamar Lomidze", "Head of the Migration Department", MIA_GE,
            "female", "Georgian", "1979-04-12", "DEMO-GE-204817", **HEAD,
        ),
        _person(
            "delegate.georgia", "Giorgi Kapanadze", "Chief Specialist",
            "Public Service Development Agency, Georgia",
            "male", "Georgian", "1987-09-03", "DEMO-GE-311560",
        ),
        _person(
            "mariam.chkheidze", "Mariam Chkheidze", "Counsellor, Consular Department",
            "Ministry of Foreign Affairs of Georgia",
            "female", "Georgian", "1990-01-25", "DEMO-GE-418023", travel_support=True,
        ),
    ],
    "PK": [
        _person(
            "farah.siddiqui", "Farah Siddiqui", "Joint Secretary (Emigration)", MOPHRD,
            "female", "Pakistani", "1975-11-08", "DEMO-PK-550913", travel_support=True, **HEAD,
        ),
        _person(
            "bilal.chaudhry", "Bilal Ahmed Chaudhry", "Deputy Director (Immigration)",
            "Federal Investigation Agency, Ministry of Interior of Pakistan",
            "male", "Pakistani", "1983-06-17", "DEMO-PK-662104",
        ),
        _person(
            "sana.mirza", "Sana Mirza", "Assistant Director",
            "Bureau of Emigration and Overseas Employment, Pakistan",
            "female", "Pakistani", "1991-03-02", "DEMO-PK-773295",
        ),
    ],
    "TR": [
        _person(
            "chair.turkiye", "Mehmet Yılmaz", "Deputy Director General", PMM_TR,
            "male", "Turkish", "1972-02-14", "DEMO-TR-120448", **HEAD,
        ),
        _person(
            "ayse.demir", "Ayşe Demir", "Head of Department, International Relations", PMM_TR,
            "female", "Turkish", "1984-07-21", "DEMO-TR-231559",
        ),
    ],
    "HU": [
        _person(
            "katalin.szabo", "Katalin Szabó", "Head of Unit, Migration Policy",
            "Ministry of Interior of Hungary",
            "female", "Hungarian", "1981-10-05", "DEMO-HU-342660", **HEAD,
        ),
    ],
    "BD": [
        _person(
            "nusrat.jahan", "Nusrat Jahan", "Joint Secretary",
            "Ministry of Expatriates' Welfare and Overseas Employment, Bangladesh",
            "female", "Bangladeshi", "1977-12-19", "DEMO-BD-453771", **HEAD,
        ),
        _person(
            "tanvir.hossain", "Tanvir Hossain", "Director (Consular and Welfare)",
            "Ministry of Foreign Affairs of Bangladesh",
            "male", "Bangladeshi", "1985-05-30", "DEMO-BD-564882",
        ),
    ],
    "UZ": [
        _person(
            "dilnoza.karimova", "Dilnoza Karimova", "Chief Specialist",
            "Agency for External Labour Migration of Uzbekistan",
            "female", "Uzbek", "1988-08-11", "DEMO-UZ-675993",
        ),
        _person(
            "sardor.rakhimov", "Sardor Rakhimov", "Consultant", "Silk Road Recruitment LLC",
            "male", "Uzbek", "1990-04-27", "DEMO-UZ-786004",
        ),
    ],
    "IQ": [
        _person(
            "omar.alrawi", "Omar Al-Rawi", "Director General of Migration Affairs",
            "Ministry of Migration and Displaced of Iraq",
            "male", "Iraqi", "1970-09-09", "DEMO-IQ-897115", **HEAD,
        ),
    ],
    "AZ": [
        _person(
            "rashad.mammadov", "Rashad Mammadov", "Head of Department",
            "State Migration Service of the Republic of Azerbaijan",
            "male", "Azerbaijani", "1980-03-16", "DEMO-AZ-908226", **HEAD,
        ),
    ],
    "iom": [
        _person(
            "observer.iom", "Maria Costa", "Regional Migration Officer",
            "International Organization for Migration (IOM)",
            "female", "Portuguese", "1986-06-06", "DEMO-PT-019337", category="observer",
        ),
    ],
}  # fmt: skip

# Answers to the Istanbul questions (travel, visa, dietary) of those who confirm.
ISTANBUL_ANSWERS: dict[str, dict[str, str]] = {
    "tamar.lomidze": {
        "travel": "Arriving from Tbilisi the evening before; leaving the day after the meeting.",
        "visa": "No: citizens of Georgia enter Türkiye without a visa for short stays.",
    },
    "delegate.georgia": {
        "travel": "Travelling with the head of delegation.",
        "visa": "No.",
        "dietary": "Vegetarian.",
    },
    "chair.turkiye": {"visa": "No (host country)."},
    "katalin.szabo": {
        "travel": "Arriving from Budapest on the morning of the meeting.",
        "visa": "No.",
        "dietary": "No lactose, please.",
    },
    "observer.iom": {"travel": "Coming from the IOM office in Vienna.", "visa": "No."},
}

# The Tbilisi working group: Moldova's focal point nominates two.
TBILISI_NOMINEES = [
    _person(
        "natalia.rusnac", "Natalia Rusnac", "Head of the Labour Migration Division",
        "Ministry of Labour and Social Protection of the Republic of Moldova",
        "female", "Moldovan", "1982-02-09", "DEMO-MD-130448", language="ru", **HEAD,
    ),
    _person(
        "victor.munteanu", "Victor Munteanu", "Senior Inspector",
        "General Inspectorate for Migration, Ministry of Internal Affairs of the Republic of Moldova",
        "male", "Moldovan", "1989-11-23", "DEMO-MD-241559",
    ),
]  # fmt: skip


def _takes_demo_nominations(meeting: Meeting) -> bool:
    """Open for nominations and none yet: a fresh demo, or one loaded before registration
    existed. Not once its deadline has passed (a demo database kept for weeks)."""
    reg = RegistrationSettings.objects.filter(meeting=meeting).first()
    return (
        meeting.status == MeetingStatus.REGISTRATION_OPEN
        and reg is not None
        and timezone.now() < reg.nomination_deadline
        and not meeting.nominations.exists()
    )


def _note_verbale(
    meeting: Meeting,
    *,
    ministry: str,
    city: str,
    reference: str,
    nominees: list[DemoNominee],
    travel_support_for: DemoNominee | None = None,
) -> SimpleUploadedFile:
    """A nomination letter as a state sends it: a note verbale to the secretariat, as a PDF."""
    day = meeting.starts_at.astimezone(meeting.zone)
    paragraphs = [
        f"The {ministry} presents its compliments to the Secretariat of the Budapest Process at "
        "the International Centre for Migration Policy Development (ICMPD) and has the honour "
        f"to nominate the following officials to the {meeting.title_i18n.pick('en')}, on {day:%d %B %Y}:",
        *(f"{n.full_name}, {n.title}, {n.affiliation}" for n in nominees),
    ]
    if travel_support_for is not None:
        paragraphs.append(
            f"The Ministry kindly requests travel support for {travel_support_for.full_name}."
        )
    paragraphs.append(
        f"The {ministry} avails itself of this opportunity to renew to the Secretariat the "
        "assurances of its highest consideration."
    )
    content = pdf.render_letter(
        pdf.Letter(
            language="en",
            dialogue=ministry,
            secretariat=city,
            place_and_date=f"{city}, {timezone.localdate():%d %B %Y}",
            reference=reference,
            addressee=(
                "Budapest Process Secretariat",
                "International Centre for Migration Policy Development (ICMPD)",
                "Gonzagagasse 1, 1010 Vienna, Austria",
            ),
            title="Note verbale",
            paragraphs=tuple(paragraphs),
            signature=("(seal of the Ministry)",),
        )
    )
    name = f"note-verbale-{slugify(ministry)}.pdf"
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _answers(meeting: Meeting, name: str) -> dict[int, str]:
    given = ISTANBUL_ANSWERS[name]
    questions = FollowUpQuestion.objects.filter(meeting=meeting)
    return {q.pk: given[q.topic] for q in questions if q.topic in given}


def _register_istanbul(meeting: Meeting) -> int:
    """Nominations in every status, letters verified and not, travel support, confirmations."""
    if not _takes_demo_nominations(meeting):
        return 0
    secretariat = User.objects.get(email="staff.budapest@demo.example.org")
    focal_points = {
        "GE": User.objects.get(email="fp.georgia@demo.example.org"),
        "PK": User.objects.get(email="fp.pakistan@demo.example.org"),
    }
    made: dict[str, Nomination] = {}
    for key, nominees in ISTANBUL_NOMINEES.items():
        member: State | Organisation = (
            State.objects.get(code=key) if key.isupper() else Organisation.objects.get(slug=key)
        )
        for nominee in nominees:
            made[nominee.email.split("@")[0]] = registration.nominate(
                by=focal_points.get(key, secretariat),
                meeting=meeting,
                member=member,
                email=nominee.email,
                category=nominee.category,
                funding_requested=nominee.travel_support,
                funding_priority=1 if nominee.travel_support else None,
                **nominee.details(),
            )

    georgia, pakistan, turkiye = (State.objects.get(code=c) for c in ("GE", "PK", "TR"))
    year = timezone.localdate().year
    letters: list[NominationLetter] = [
        registration.upload_letter(
            by=focal_points["GE"],
            meeting=meeting,
            member=georgia,
            upload=_note_verbale(
                meeting,
                ministry="Ministry of Foreign Affairs of Georgia",
                city="Tbilisi",
                reference="No. 01/27-4518",
                nominees=ISTANBUL_NOMINEES["GE"],
                travel_support_for=ISTANBUL_NOMINEES["GE"][2],
            ),
        ),
        registration.upload_letter(
            by=secretariat,  # received by e-mail, filed by the secretariat
            meeting=meeting,
            member=turkiye,
            upload=_note_verbale(
                meeting,
                ministry="Ministry of Foreign Affairs of the Republic of Türkiye",
                city="Ankara",
                reference=f"No. {year}/GGY-1187",
                nominees=ISTANBUL_NOMINEES["TR"],
            ),
        ),
    ]
    for letter in letters:
        registration.verify_letter(by=secretariat, letter=letter)
    registration.upload_letter(  # not yet verified
        by=focal_points["PK"],
        meeting=meeting,
        member=pakistan,
        upload=_note_verbale(
            meeting,
            ministry="Ministry of Foreign Affairs of Pakistan",
            city="Islamabad",
            reference=f"No. MP-II/4/{year}",
            nominees=ISTANBUL_NOMINEES["PK"],
            travel_support_for=ISTANBUL_NOMINEES["PK"][0],
        ),
    )

    for name in (
        "tamar.lomidze",
        "delegate.georgia",
        "mariam.chkheidze",
        "farah.siddiqui",
        "chair.turkiye",
        "ayse.demir",
        "katalin.szabo",
        "nusrat.jahan",
        "observer.iom",
    ):
        made[name] = registration.approve(by=secretariat, nomination=made[name])
    made["mariam.chkheidze"] = registration.decide_funding(
        by=secretariat, nomination=made["mariam.chkheidze"], granted=True
    )
    registration.waitlist(by=secretariat, nomination=made["bilal.chaudhry"])
    registration.reject(
        by=secretariat,
        nomination=made["sardor.rakhimov"],
        reason=(
            "The Senior Officials' Meeting is open to government officials; a private "
            "recruitment company cannot be part of the delegation. The Agency may nominate an "
            "official instead."
        ),
    )
    registration.withdraw(
        by=secretariat,
        nomination=made["omar.alrawi"],
        reason="The Ministry wrote that the Director General cannot travel on these dates.",
        confirm=True,
    )

    # Confirmations: by the nominee where they have an account, else by whoever acts for them.
    confirmed_by = {
        "tamar.lomidze": focal_points["GE"],
        "delegate.georgia": made["delegate.georgia"].person,
        "chair.turkiye": made["chair.turkiye"].person,
        "katalin.szabo": secretariat,
        "observer.iom": made["observer.iom"].person,
    }
    for name, by in confirmed_by.items():
        assert by is not None  # noqa: S101 - the demo accounts are loaded before the meetings
        registration.confirm_participation(
            by=by, nomination=made[name], answers=_answers(meeting, name)
        )
    return len(made)


def _register_tbilisi(meeting: Meeting) -> int:
    """Registration set up and opened, two seats a state; Moldova's focal point nominates two."""
    if (
        meeting.status != MeetingStatus.ANNOUNCED
        or RegistrationSettings.objects.filter(meeting=meeting).exists()
    ):
        return 0
    first_day = meeting.starts_at.astimezone(meeting.zone).date()
    closes = _at(first_day - datetime.timedelta(days=14), 18, 0, meeting.time_zone)
    if closes <= timezone.now():
        return 0
    secretariat = User.objects.get(email="staff.prague@demo.example.org")
    registration.configure_registration(
        by=secretariat,
        meeting=meeting,
        nomination_deadline=closes,
        confirmation_deadline=_at(first_day - datetime.timedelta(days=7), 18, 0, meeting.time_zone),
        capacity=60,
    )
    for kind, categories, seats, funded in (
        ("participating", ["head_of_delegation", "delegate"], 2, 1),
        ("partner_organisation", ["observer", "expert"], 1, 0),
    ):
        registration.set_quota(
            by=secretariat,
            meeting=meeting,
            member_kind=kind,
            categories=categories,
            seats=seats,
            funded_seats=funded,
        )
    registration.add_question(
        by=secretariat,
        meeting=meeting,
        topic="visa",
        text={"en": "Do you need a visa for Georgia?", "ru": "Нужна ли вам виза в Грузию?"},
        required=True,
    )
    registration.add_question(
        by=secretariat,
        meeting=meeting,
        topic="dietary",
        text={"en": "Dietary requirements", "ru": "Особые требования к питанию"},
        retention_days=7,
    )
    meeting = services.transition(by=secretariat, meeting=meeting, to="registration_open")
    moldova = State.objects.get(code="MD")
    focal_point = User.objects.get(email="fp.moldova@demo.example.org")
    for nominee in TBILISI_NOMINEES:
        registration.nominate(
            by=focal_point,
            meeting=meeting,
            member=moldova,
            email=nominee.email,
            category=nominee.category,
            **nominee.details(),
        )
    return len(TBILISI_NOMINEES)
