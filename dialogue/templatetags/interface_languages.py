"""``{% interface_languages as languages %}``: the languages the page's switch offers, decided
by ``dialogue.interface_languages`` from the meeting or dialogue the page shows."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from dialogue.interface_languages import InterfaceLanguage, offered

register = template.Library()


@register.simple_tag(takes_context=True)
def interface_languages(context: template.Context) -> list[InterfaceLanguage]:
    working: Any = None
    for name in ("meeting", "dialogue"):
        shown = context.get(name)
        languages = getattr(shown, "languages", None)
        if isinstance(languages, list) and languages:
            working = languages
            break
    return offered(working_languages=working, active=get_language() or "en")
