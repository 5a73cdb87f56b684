"""A dialogue's public knowledge page: its outcome documents and resources that anyone may
read, by year and theme (the thematic areas of the meeting's body), each with its language
versions. Fit to be linked from the dialogue's own website: what an anonymous visitor sees,
whoever opens it, at a fixed address (``/dialogues/<slug>/knowledge/``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from dialogue import permissions
from dialogue.embed import public_dialogue
from dialogue.http import QueryFilters, whole_number
from dialogue.models import ThematicArea

from .models import DocumentKind
from .queries import LARGEST_ID, DocumentRow, document_rows

OUTCOMES = (DocumentKind.CONCLUSIONS, DocumentKind.CHAIR_SUMMARY, DocumentKind.REPORT)
RESOURCES = (
    DocumentKind.BACKGROUND_PAPER,
    DocumentKind.CONCEPT_NOTE,
    DocumentKind.PRESENTATION,
    DocumentKind.STATEMENT,
    DocumentKind.OTHER,
)
GROUPS = ((_("Outcome documents"), OUTCOMES), (_("Resources"), RESOURCES))


@dataclass(frozen=True)
class KnowledgeFilter(QueryFilters):
    theme: int | None = whole_number()


@dataclass
class Year:
    year: int
    groups: list[tuple[str, list[DocumentRow]]] = field(default_factory=list)


def knowledge(request: HttpRequest, slug: str) -> HttpResponse:
    """The public outcome documents and resources of a dialogue, newest year first; one theme
    when ``?theme=`` names one of the dialogue's (anything else is no filter). Five queries
    whatever their number."""
    dialogue = public_dialogue(slug)
    themes = list(ThematicArea.objects.filter(dialogue=dialogue))
    chosen = KnowledgeFilter.from_query(request.GET).theme
    theme = next((t for t in themes if t.pk == chosen and chosen <= LARGEST_ID), None)
    documents = (
        permissions.documents_visible_to(None)  # the public's view, whoever reads
        .filter(dialogue=dialogue, withdrawn_at__isnull=True, kind__in=OUTCOMES + RESOURCES)
        .select_related("meeting__body")
        .prefetch_related(
            Prefetch(
                "meeting__body__thematic_areas",
                queryset=ThematicArea.objects.all(),
                to_attr="themes",
            )
        )
        .order_by("-year", "kind", "series", "-number")
    )
    if theme is not None:
        documents = documents.filter(meeting__body__thematic_areas=theme)
    years: dict[int, Year] = {}
    rows = document_rows(documents)
    for year in sorted({row.document.year for row in rows}, reverse=True):
        in_year = [row for row in rows if row.document.year == year]
        groups = []
        for label, kinds in GROUPS:
            listed = [row for row in in_year if row.document.kind in kinds]
            if listed:
                groups.append((str(label), listed))
        years[year] = Year(year, groups)
    return render(
        request,
        "documents/knowledge.html",
        {
            "dialogue": dialogue,
            "themes": themes,
            "theme": theme,
            "years": list(years.values()),
        },
    )
