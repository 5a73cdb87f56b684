"""Texts written in several languages, in templates.

``{{ item|text:"title" }}`` reads a text from stored JSON (an agenda release, an event's data)
in the reader's language, by the one fallback rule of ``dialogue.translations``;
``{{ meeting.title|marked }}`` shows a fallback text with its ``lang`` and a "translation
pending" hint, so a reader sees that the text is not (yet) in their language.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from dialogue.translations import Localized, from_data, language_name
from dialogue.translations import listed as listed_text

register = template.Library()


@register.filter
def text(data: Any, key: str) -> Localized:
    if not isinstance(data, dict):
        return Localized("", "")
    return from_data(data, key).pick()


@register.filter
def listed(items: Any) -> str:
    """``{{ labels|listed }}``: joined as the active language writes a list."""
    return listed_text(items)


@register.filter
def marked(value: Any) -> SafeString:
    if isinstance(value, Localized) and value.is_fallback and value:
        return format_html(
            '<span lang="{}" class="translation-pending" title="{}">{}</span>',
            value.language,
            _("Translation pending: shown in %(language)s")
            % {"language": language_name(value.language)},
            value,
        )
    return format_html("{}", value)
