"""Demo documents on the demo meetings: English and Russian versions, several markings, a
second revision, a translation still pending, a withdrawn paper, and one circulation to
named delegations whose receipts are partial (Georgia opened and acknowledged, Pakistan has
not opened).

Idempotent: a document that exists (by dialogue and English title) is left as it is. The files
are small PDFs made here with the fonts the meetings app ships (nothing is fetched).
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from dialogue.models import Dialogue, State, User
from meetings.models import AgendaItem, Meeting

from . import services
from .models import Document

ADMIN = "admin@demo.example.org"


def _pdf(symbol: str, title: str, language: str, revision: int) -> SimpleUploadedFile:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from meetings.registration.printing.pdf import REGULAR, _register_fonts

    _register_fonts()
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4, pageCompression=1)
    page.setTitle(title)
    page.setFont(REGULAR, 11)
    page.drawString(72, 770, f"{symbol}    {language.upper()}    rev. {revision}")
    page.setFont(REGULAR, 16)
    page.drawString(72, 730, title[:80])
    page.setFont(REGULAR, 11)
    body = {
        "en": "Demonstration document of the dialogue platform.",
        "ru": "Демонстрационный документ платформы диалога.",
    }.get(language, "")
    page.drawString(72, 700, body)
    page.showPage()
    page.save()
    name = f"{symbol.replace('/', '-')}-{language}-r{revision}.pdf"
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def _item(meeting: Meeting, title_start: str) -> AgendaItem | None:
    return meeting.agenda_items.filter(title_i18n__en__startswith=title_start).first()


def _add(by: User, meeting: Meeting | None, dialogue: Dialogue, **spec: Any) -> Document | None:
    title = spec.pop("title")
    if Document.objects.filter(dialogue=dialogue, title_i18n__en=title["en"]).exists():
        return None
    languages: dict[str, int] = spec.pop("languages")
    withdrawn = spec.pop("withdrawn", "")
    first_language = next(iter(languages))
    document = services.add_document(
        by=by,
        dialogue=dialogue,
        meeting=meeting,
        language=first_language,
        upload=_pdf("", title["en"], first_language, 1),  # the symbol is not known yet
        title=title,
        **spec,
    )
    for language, revisions in languages.items():
        start = 2 if language == first_language else 1
        for number in range(start, revisions + 1):
            services.add_revision(
                by=by,
                document=document,
                language=language,
                upload=_pdf(document.symbol, title["en"], language, number),
                note="Corrected figures in annex 2" if number > 1 else "",
            )
    if withdrawn:
        services.withdraw_document(by=by, document=document, reason=withdrawn)
    return document


@transaction.atomic
def load_demo_documents() -> str:
    by = User.objects.get(email=ADMIN)
    bp = Dialogue.objects.get(slug="budapest-process")
    pp = Dialogue.objects.get(slug="prague-process")
    istanbul = Meeting.objects.filter(dialogue=bp, title_i18n__en__icontains="Istanbul").first()
    spring = Meeting.objects.filter(dialogue=bp, title_i18n__en__icontains="spring session").first()
    group = Meeting.objects.filter(dialogue=pp, title_i18n__en__icontains="working group").first()
    created: list[Document] = []

    def add(meeting: Meeting | None, dialogue: Dialogue, **spec: Any) -> Document | None:
        document = _add(by, meeting, dialogue, **spec)
        if document is not None:
            created.append(document)
        return document

    if istanbul is not None:
        agenda_doc = add(
            istanbul,
            bp,
            kind="annotated_agenda",
            title={
                "en": "Annotated agenda of the Senior Officials' Meeting",
                "ru": "Аннотированная повестка дня совещания старших должностных лиц",
            },
            marking="public",
            agenda_item=_item(istanbul, "Adoption of the agenda"),
            languages={"en": 2, "ru": 1},
        )
        background = add(
            istanbul,
            bp,
            kind="background_paper",
            title={
                "en": "Progress under the Istanbul Commitments: background paper",
                "ru": "Ход выполнения Стамбульских обязательств: справочный документ",
            },
            marking="member_states",
            agenda_item=_item(istanbul, "Progress under the Istanbul Commitments"),
            languages={"en": 1},  # the Russian translation is pending
        )
        add(
            istanbul,
            bp,
            kind="concept_note",
            title={
                "en": "Concept note: return and reintegration partnerships",
                "ru": "Концептуальная записка: партнёрства в области возвращения и реинтеграции",
            },
            marking="delegations",
            named_states=list(State.objects.filter(code__in=["GE", "PK", "TR"])),
            languages={"en": 1, "ru": 1},
        )
        add(
            istanbul,
            bp,
            kind="draft_conclusions",
            title={
                "en": "Draft conclusions (for the Chair)",
                "ru": "Проект выводов (для Председателя)",
            },
            marking="internal",
            shared_with_chair=True,
            languages={"en": 2},
        )
        add(
            istanbul,
            bp,
            kind="other",
            title={"en": "Logistics note (first version)"},
            marking="public",
            languages={"en": 1},
            withdrawn="Replaced by the practical information on the meeting page.",
        )
        if agenda_doc is not None and background is not None:
            circulation = services.circulate(
                by=by,
                documents=[agenda_doc, background],
                audience="delegations",
                named_states=list(State.objects.filter(code__in=["GE", "PK"])),
                message=(
                    "Dear colleagues, please find the annotated agenda and the background paper "
                    "for the Senior Officials' Meeting in Istanbul."
                ),
            )
            georgia = {r.recipient.email: r.recipient for r in circulation.receipts.all()}
            delegate = georgia.get("delegate.georgia@demo.example.org")
            focal_point = georgia.get("fp.georgia@demo.example.org")
            if delegate is not None:
                services.record_opened(user=delegate, documents=[agenda_doc])
            if focal_point is not None:
                services.acknowledge(by=focal_point, circulation=circulation)
    if spring is not None:
        add(
            spring,
            bp,
            kind="conclusions",
            title={
                "en": "Conclusions of the spring Senior Officials' Meeting (document)",
                "ru": "Выводы весеннего совещания старших должностных лиц (документ)",
            },
            marking="public",
            languages={"en": 1, "ru": 1},
        )
        add(
            spring,
            bp,
            kind="chair_summary",
            title={"en": "Chair's summary of the spring session"},
            marking="public",
            languages={"en": 1},
        )
    if group is not None:
        add(
            group,
            pp,
            kind="concept_note",
            title={
                "en": "Concept note: legal and labour migration pathways",
                "ru": "Концептуальная записка: пути легальной и трудовой миграции",
            },
            marking="public",
            languages={"en": 1, "ru": 1},
        )
        add(
            group,
            pp,
            kind="presentation",
            title={"en": "Labour market needs in the region (presentation)"},
            marking="member_states",
            languages={"en": 1},
        )
    return f"Demo documents: {len(created)} created, {Document.objects.count()} in all."
