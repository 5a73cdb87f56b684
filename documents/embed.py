"""The latest public documents of a dialogue, for its website (``dialogue/embed.py``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from dialogue import permissions
from dialogue.embed import embed_response, embeddable, public_dialogue, rows_asked


@embeddable
def embedded_documents(request: HttpRequest, slug: str) -> HttpResponse:
    dialogue = public_dialogue(slug)
    documents = (
        permissions.documents_visible_to(None)
        .filter(dialogue=dialogue, withdrawn_at__isnull=True)
        .order_by("-created_at", "-id")[: rows_asked(request)]
    )
    return embed_response(
        request, "documents/embed/documents.html", {"dialogue": dialogue, "documents": documents}
    )
