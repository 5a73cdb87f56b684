"""Lists that the dialogues' own websites embed (an iframe): public data only, in the language
the snippet asks (``?lang=``) or the reader's browser says, cached by ETag, and framable from
any site (they carry links and nothing a click could misuse). The meetings' and documents'
lists are their apps' (``meetings/embed.py``, ``documents/embed.py``); the page that shows the
copy-paste snippets is here."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from csp.decorators import csp_replace
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_safe

from . import permissions
from .models import Dialogue

MAX_ROWS = 20
DEFAULT_ROWS = 5


def public_dialogue(slug: str) -> Dialogue:
    dialogue = get_object_or_404(Dialogue, slug=slug)
    if not permissions.can_view_dialogue(None, dialogue):
        raise Http404
    return dialogue


def rows_asked(request: HttpRequest) -> int:
    try:
        return max(1, min(MAX_ROWS, int(request.GET.get("rows", DEFAULT_ROWS))))
    except ValueError:
        return DEFAULT_ROWS


def embeddable(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponseBase]:
    """Framable from any site, GET only."""
    framed = csp_replace({"frame-ancestors": ["*"]})(view)
    return require_safe(xframe_options_exempt(framed))


def embed_response(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render ``template`` in the language asked (``?lang=``, else the browser's), with an ETag
    of the content: a site polling the list gets 304 until something changes."""
    asked = request.GET.get("lang", "")
    language = asked if asked in dict(settings.LANGUAGES) else translation.get_language()
    with translation.override(language):
        content = render_to_string(
            template,
            {**context, "site_url": settings.SITE_URL.rstrip("/"), "language": language},
            request=None,
        )
    etag = f'"{hashlib.sha256(content.encode()).hexdigest()[:32]}"'
    response: HttpResponse | None = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(content)
        response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=300)
    patch_vary_headers(response, ["Accept-Language"])
    return response


def embed_help(request: HttpRequest, slug: str) -> HttpResponse:
    """The snippets to paste into a website, with a preview of each list."""
    dialogue = public_dialogue(slug)
    site = settings.SITE_URL.rstrip("/")
    lists = [
        (kind, f"{site}{reverse(name, args=[dialogue.slug])}", reverse(name, args=[dialogue.slug]))
        for kind, name in (
            ("meetings", "embed_meetings"),
            ("documents", "embed_documents"),
        )
    ]
    return render(
        request,
        "dialogue/embed_help.html",
        {"dialogue": dialogue, "lists": lists, "snippet_languages": settings.LANGUAGES},
    )
