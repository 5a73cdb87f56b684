"""The upcoming public meetings of a dialogue, for its website (``dialogue/embed.py``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from dialogue import permissions
from dialogue.embed import embed_response, embeddable, public_dialogue, rows_asked


@embeddable
def embedded_meetings(request: HttpRequest, slug: str) -> HttpResponse:
    dialogue = public_dialogue(slug)
    meetings = (
        permissions.meetings_visible_to(None)
        .filter(dialogue=dialogue, ends_at__gte=timezone.now())
        .select_related("country", "registration_settings")
        .order_by("starts_at")[: rows_asked(request)]
    )
    return embed_response(
        request, "meetings/embed/meetings.html", {"dialogue": dialogue, "meetings": meetings}
    )
