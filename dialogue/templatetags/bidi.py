"""Bidirectional isolation for Latin-script values inside text of either direction.

In an Arabic page a document symbol (``BP/SOM/2026/3``), an e-mail address, a phone number or a
passport number is a left-to-right island in right-to-left text. Without isolation the Unicode
bidi algorithm reorders its neutral characters (``/``, ``.``, ``@``, ``+``) with the Arabic
around it, so ``BP/SOM/2026/3`` shows as ``3/2026/SOM/BP``. ``{% load bidi %}``, then:

- ``{{ document.symbol|ltr }}``: ``<bdi dir="ltr">BP/SOM/2026/3</bdi>`` (escaped); nothing for
  an empty value, so ``|ltr|default:"—"`` still shows the dash.
- ``{{ document.symbol|ltr_text }}``: the value between U+2066 LEFT-TO-RIGHT ISOLATE and U+2069
  POP DIRECTIONAL ISOLATE, for places that take no markup (``<title>``, attributes, plain-text
  e-mail).

Stored text never carries directional controls (``dialogue.text`` removes them): the isolates
are added on the way out, closed in the same value, so nothing a person typed can open one that
leaks into the rest of the page.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

LEFT_TO_RIGHT_ISOLATE = "\u2066"
POP_DIRECTIONAL_ISOLATE = "\u2069"


@register.filter
def ltr(value: Any) -> SafeString | str:
    """``value`` escaped inside ``<bdi dir="ltr">``; an empty value stays empty."""
    if value is None or value == "":
        return ""
    return format_html('<bdi dir="ltr">{}</bdi>', value)


@register.filter
def ltr_text(value: Any) -> str:
    """``value`` between the Unicode left-to-right isolate and its pop (no markup)."""
    if value is None or value == "":
        return ""
    return f"{LEFT_TO_RIGHT_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"
