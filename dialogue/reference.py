"""Reference data: states, organisations and the two dialogues as published.

Loaded from ``dialogue/data/*.json`` (facts with their sources). Loading twice changes
nothing; rows the secretariat corrected later are left as they are, except names.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any

from django.db import transaction

from . import services
from .models import Body, Dialogue, Membership, Office, Organisation, State, ThematicArea
from .translations import Translations

DATA_DIR = Path(__file__).resolve().parent / "data"

BODY_KINDS = {
    "ministerial_conference": Body.Kind.MINISTERIAL_CONFERENCE,
    "senior_officials_meeting": Body.Kind.SENIOR_OFFICIALS_MEETING,
    "working_group": Body.Kind.WORKING_GROUP,
    "strategic_group": Body.Kind.STRATEGIC_GROUP,
    "reference_group": Body.Kind.REFERENCE_GROUP,
    "advisory_group": Body.Kind.FRIENDS_OF_THE_CHAIR,
    "contact_point_network": Body.Kind.CONTACT_POINT_NETWORK,
}

# How the published organisation names map to our organisations.
ORGANISATION_ALIASES = {
    "European Commission (DG HOME)": "european-commission",
    "European Commission": "european-commission",
    "General Secretariat of the Council of the EU": "council-eu-general-secretariat",
    "European External Action Service": "eeas",
    "Frontex": "frontex",
    "European Union Agency for Asylum": "euaa",
    "UNHCR": "unhcr",
    "IOM": "iom",
    "OSCE": "osce",
    "Council of Europe": "council-of-europe",
    "ILO": "ilo",
}

DIALOGUE_DETAILS = {
    "prague-process": {
        "acronym": "PP",
        "name_ru": "Пражский процесс",
        "name_ar": "عملية براغ",
        "description": (
            "A migration dialogue of some fifty states of the European Union, the Schengen "
            "area, the Eastern Partnership, the Western Balkans, Central Asia, the Russian "
            "Federation and Türkiye, launched at the Prague Ministerial Conference of 2009."
        ),
        "description_in_russian": (
            "Диалог по вопросам миграции около пятидесяти государств Европейского союза, "
            "Шенгенской зоны, Восточного партнёрства, Западных Балкан, Центральной Азии, "
            "Российской Федерации и Турции, начатый на Пражской министерской конференции 2009 года."
        ),
        "description_in_arabic": (
            "حوار بشأن الهجرة يضم نحو خمسين دولة من الاتحاد الأوروبي ومنطقة شنغن والشراكة "
            "الشرقية وغرب البلقان وآسيا الوسطى والاتحاد الروسي وتركيا، أُطلق في المؤتمر "
            "الوزاري في براغ عام 2009."
        ),
    },
    "budapest-process": {
        "acronym": "BP",
        "name_ru": "Будапештский процесс",
        "name_ar": "عملية بودابست",
        "description": (
            "A consultative forum of more than fifty governments and international "
            "organisations on orderly migration, from Europe to the Silk Routes region, "
            "active since 1993; chaired by Türkiye."
        ),
        "description_in_russian": (
            "Консультативный форум более пятидесяти правительств и международных организаций "
            "по вопросам упорядоченной миграции, от Европы до региона Шёлкового пути, "
            "действующий с 1993 года; председательствует Турция."
        ),
        "description_in_arabic": (
            "منتدى تشاوري يضم أكثر من خمسين حكومة ومنظمة دولية بشأن الهجرة المنظمة، من أوروبا "
            "إلى منطقة طرق الحرير، ناشط منذ عام 1993؛ وتتولى تركيا رئاسته."
        ),
    },
}

BODY_NAMES_RU = {
    "Ministerial Conference": "Министерская конференция",
    "Senior Officials' Meeting": "Совещание старших должностных лиц",
    "Senior Officials' Meeting (Budapest Group)": "Совещание старших должностных лиц (Будапештская группа)",
    "Strategic Group": "Стратегическая группа",
    "National Contact Points network": "Сеть национальных контактных пунктов",
    "Working Group on South Eastern Europe": "Рабочая группа по Юго-Восточной Европе",
    "Working Group on the Black Sea Region": "Рабочая группа по Черноморскому региону",
    "Working Group on the Silk Routes Region": "Рабочая группа по региону Шёлкового пути",
    "Reference Group": "Референтная группа",
    "Friends of the Chair": "Друзья председателя",
}

BODY_NAMES_AR = {
    "Ministerial Conference": "المؤتمر الوزاري",
    "Senior Officials' Meeting": "اجتماع كبار المسؤولين",
    "Senior Officials' Meeting (Budapest Group)": "اجتماع كبار المسؤولين (مجموعة بودابست)",
    "Strategic Group": "المجموعة الاستراتيجية",
    "National Contact Points network": "شبكة نقاط الاتصال الوطنية",
    "Working Group on South Eastern Europe": "الفريق العامل المعني بجنوب شرق أوروبا",
    "Working Group on the Black Sea Region": "الفريق العامل المعني بمنطقة البحر الأسود",
    "Working Group on the Silk Routes Region": "الفريق العامل المعني بمنطقة طرق الحرير",
    "Reference Group": "الفريق المرجعي",
    "Friends of the Chair": "أصدقاء الرئيس",
}

THEMATIC_AREAS_AR = {
    "Preventing and fighting irregular migration": "منع الهجرة غير النظامية ومكافحتها",
    "Integration": "الإدماج",
    "Readmission, return and reintegration": "إعادة القبول والعودة وإعادة الإدماج",
    "Migration, mobility and development": "الهجرة والتنقل والتنمية",
    "Legal and labour migration": "الهجرة القانونية وهجرة اليد العاملة",
    "Asylum and international protection": "اللجوء والحماية الدولية",
}

THEMATIC_AREAS_RU = {
    "Preventing and fighting irregular migration": "Предотвращение незаконной миграции и борьба с ней",
    "Integration": "Интеграция",
    "Readmission, return and reintegration": "Реадмиссия, возвращение и реинтеграция",
    "Migration, mobility and development": "Миграция, мобильность и развитие",
    "Legal and labour migration": "Легальная и трудовая миграция",
    "Asylum and international protection": "Убежище и международная защита",
}


def _read(name: str) -> Any:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


def _date(value: str | None) -> datetime.date | None:
    if not value:
        return None
    if len(value) == 4:
        return datetime.date(int(value), 1, 1)
    return datetime.date.fromisoformat(value)


def _names(row: dict[str, str]) -> Translations:
    """A state's or organisation's name in each language the data gives it in."""
    return Translations(
        {
            language: row[f"name_{language}"]
            for language in ("en", "ru", "ar")
            if row.get(f"name_{language}")
        }
    )


@transaction.atomic
def load_reference_data() -> None:
    """Create or refresh states, organisations, dialogues, bodies, memberships and offices."""
    for row in _read("states.json"):
        State.objects.update_or_create(
            code=row["code"],
            defaults={"name_i18n": _names(row)},
        )
    for row in _read("organisations.json"):
        Organisation.objects.update_or_create(
            slug=row["slug"],
            defaults={
                "short": row["short"],
                "kind": row["kind"],
                "name_i18n": _names(row),
            },
        )
    states = {s.code: s for s in State.objects.all()}
    organisations = {o.slug: o for o in Organisation.objects.all()}

    for data in _read("dialogues.json")["dialogues"]:
        details = DIALOGUE_DETAILS[data["slug"]]
        dialogue, _created = Dialogue.objects.update_or_create(
            slug=data["slug"],
            defaults={
                "name_i18n": Translations(
                    {"en": data["name"], "ru": details["name_ru"], "ar": details["name_ar"]}
                ),
                "description_i18n": Translations(
                    {
                        "en": details["description"],
                        "ru": details["description_in_russian"],
                        "ar": details["description_in_arabic"],
                    }
                ),
                "acronym": details["acronym"],
                "founded": data["founded"],
                "languages": data["languages"],
                "sources": data["sources"],
            },
        )
        areas = {}
        for position, name in enumerate(data.get("thematic_areas", [])):
            areas[name], _c = ThematicArea.objects.update_or_create(
                dialogue=dialogue,
                name_i18n__en=name,
                defaults={
                    "name_i18n": Translations(
                        {
                            "en": name,
                            "ru": THEMATIC_AREAS_RU.get(name, ""),
                            "ar": THEMATIC_AREAS_AR.get(name, ""),
                        }
                    ),
                    "position": position,
                },
            )
        for position, body_data in enumerate(data["bodies"]):
            body, _c = Body.objects.update_or_create(
                dialogue=dialogue,
                name_i18n__en=body_data["name"],
                defaults={
                    "kind": BODY_KINDS[body_data["kind"]],
                    "name_i18n": Translations(
                        {
                            "en": body_data["name"],
                            "ru": BODY_NAMES_RU.get(body_data["name"], ""),
                            "ar": BODY_NAMES_AR.get(body_data["name"], ""),
                        }
                    ),
                    "note": _body_note(body_data),
                    "position": position,
                },
            )
            for office in body_data.get("offices", []):
                _office(dialogue, body, office, states)
        for office in data.get("offices", []):
            _office(dialogue, None, office, states)

        joined = _date(data["founded"])
        assert joined is not None  # noqa: S101 - every dialogue in the data has a founding date
        for code in data["participating_states"]:
            if not Membership.objects.filter(dialogue=dialogue, state=states[code]).exists():
                services.record_membership(
                    by=None,
                    dialogue=dialogue,
                    kind=Membership.Kind.PARTICIPATING,
                    valid_from=joined,
                    state=states[code],
                    note=data.get("participating_states_note", "")[:500]
                    if code in ("RU", "BY")
                    else "",
                    source=data["sources"][0],
                )
        for name in data.get("partner_organisations", []):
            organisation = organisations[ORGANISATION_ALIASES[name]]
            if not Membership.objects.filter(dialogue=dialogue, organisation=organisation).exists():
                services.record_membership(
                    by=None,
                    dialogue=dialogue,
                    kind=Membership.Kind.PARTNER,
                    valid_from=joined,
                    organisation=organisation,
                    source=data["sources"][0],
                )


def _body_note(body_data: dict[str, Any]) -> str:
    parts = [body_data.get("note", "")]
    if body_data.get("members"):
        parts.append("Members: " + ", ".join(body_data["members"]))
    return "; ".join(part for part in parts if part)


def _office(
    dialogue: Dialogue, body: Body | None, data: dict[str, Any], states: dict[str, State]
) -> None:
    Office.objects.update_or_create(
        dialogue=dialogue,
        body=body,
        kind=data["office"],
        state=states[data["holder"]],
        defaults={"starts_on": _date(data.get("since")), "note": data.get("note", "")},
    )
