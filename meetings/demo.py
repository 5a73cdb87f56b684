"""Demo meetings: a concluded Budapest Process SOM with adopted conclusions and open action
points, an upcoming hybrid SOM in Istanbul whose 20-item agenda was released twice, a Prague
Process working group meeting in English and Russian, and a cancelled meeting.

Idempotent: a meeting that exists (by dialogue and English title) is left as it is.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.db import transaction
from django.utils import timezone

from dialogue.models import Body, Dialogue, Organisation, State, User

from . import agenda, outcomes, registration, services
from .models import ActionPoint, Meeting, MeetingFormat, MeetingKind, OutcomeKind

ADMIN = "admin@demo.example.org"


def _at(day: datetime.date, hour: int, minute: int, zone: str) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=zoneinfo.ZoneInfo(zone)
    )


def _meeting(
    by: User, dialogue: Dialogue, body: Body, title_en: str, **fields: object
) -> Meeting | None:
    """The meeting created as a draft, or None when it exists already."""
    if Meeting.objects.filter(dialogue=dialogue, title_en=title_en).exists():
        return None
    return services.schedule_meeting(
        by=by, dialogue=dialogue, body=body, title_en=title_en, **fields
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
            text_en=text_en,
            text_ru=text_ru,
            required=required,
            retention_days=days,
        )


@transaction.atomic
def load_demo_meetings() -> str:
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
        title_ru="Совещание старших должностных лиц Будапештского процесса (весенняя сессия)",
        kind=MeetingKind.SENIOR_OFFICIALS_MEETING,
        format=MeetingFormat.IN_PERSON,
        time_zone="Europe/Vienna",
        starts_at=_at(day, 9, 30, "Europe/Vienna"),
        ends_at=_at(day + datetime.timedelta(days=1), 13, 0, "Europe/Vienna"),
        venue_name="ICMPD Headquarters",
        venue_address="Gonzagagasse 1",
        city="Vienna",
        country=State.objects.get(code="AT"),
        room="Conference room",
        languages=["en", "ru"],
        interpretation=["en", "ru"],
    )
    if past is not None:
        created += 1
        for status in ("announced", "in_session"):
            past = services.transition(by=by, meeting=past, to=status)
        conclusions = outcomes.draft_outcome(
            by=by,
            meeting=past,
            kind=OutcomeKind.CONCLUSIONS,
            title_en="Conclusions of the spring Senior Officials' Meeting",
            title_ru="Выводы весеннего совещания старших должностных лиц",
            text_en="Participating states welcomed the progress under the Istanbul Commitments and asked the Secretariat to prepare options for the next Ministerial Conference.",
            text_ru="Государства-участники приветствовали прогресс в выполнении Стамбульских обязательств и поручили Секретариату подготовить варианты для следующей министерской конференции.",
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
                text_en=text_en,
                text_ru=text_ru,
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
        services.transition(by=by, meeting=past, to="concluded")

    # The upcoming hybrid SOM in Istanbul, its agenda released twice.
    day = today + datetime.timedelta(days=15)
    istanbul = _meeting(
        by,
        bp,
        bp_som,
        "Budapest Process Senior Officials' Meeting, Istanbul",
        title_ru="Совещание старших должностных лиц Будапештского процесса, Стамбул",
        description_en="The annual meeting of the Budapest Group: progress under the Istanbul Commitments and preparation of the next Ministerial Conference.",
        description_ru="Ежегодное совещание Будапештской группы: ход выполнения Стамбульских обязательств и подготовка следующей министерской конференции.",
        kind=MeetingKind.SENIOR_OFFICIALS_MEETING,
        format=MeetingFormat.HYBRID,
        time_zone="Europe/Istanbul",
        starts_at=_at(day, 9, 0, "Europe/Istanbul"),
        ends_at=_at(day, 17, 30, "Europe/Istanbul"),
        venue_name="Istanbul Congress Center",
        venue_address="Harbiye Mah., Darülbedai Cad. No:3, Şişli",
        city="Istanbul",
        country=State.objects.get(code="TR"),
        room="Hall A",
        online_url="https://meet.example.org/bp-som-istanbul",
        languages=["en", "ru"],
        interpretation=["en", "ru", "tr"],
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
                "title_en": title_en,
                "title_ru": title_ru,
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
            title_en="Secretariat: logistics check with the host",
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
            title_en="Priorities and draft declaration for the next Ministerial Conference",
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
        "Prague Process working group on legal and labour migration",
        title_ru="Рабочая группа Пражского процесса по легальной и трудовой миграции",
        kind=MeetingKind.WORKING_GROUP,
        format=MeetingFormat.IN_PERSON,
        time_zone="Asia/Tbilisi",
        starts_at=_at(day, 10, 0, "Asia/Tbilisi"),
        ends_at=_at(day + datetime.timedelta(days=1), 16, 0, "Asia/Tbilisi"),
        venue_name="Ministry of Internal Affairs",
        city="Tbilisi",
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
        title_ru="Совещание старших должностных лиц Пражского процесса, Кишинёв",
        kind=MeetingKind.SENIOR_OFFICIALS_MEETING,
        format=MeetingFormat.IN_PERSON,
        time_zone="Europe/Chisinau",
        starts_at=_at(day, 9, 30, "Europe/Chisinau"),
        ends_at=_at(day, 18, 0, "Europe/Chisinau"),
        city="Chișinău",
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
        )
    return f"Demo meetings: {created} created, {Meeting.objects.count()} in all."
