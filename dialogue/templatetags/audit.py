"""``{% load audit %}``: whether the reader may open a dialogue's permanent record (to offer
the link only to those it opens for)."""

from __future__ import annotations

from typing import Any

from django import template

from dialogue import permissions
from dialogue.models import Dialogue

register = template.Library()


@register.filter
def reads_audit_trail(user: Any, dialogue: Dialogue) -> bool:
    return permissions.can_read_audit_trail(user, dialogue)
