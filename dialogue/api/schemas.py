"""What every endpoint shares: the problem details of an error (RFC 9457), the responses every
operation may give besides its answer, cursor paging, and translated fields.

Translated content is read through the models' language-aware properties (``meeting.title``),
once per language the platform speaks, so the API never reads a column per language itself.
"""

from __future__ import annotations

import binascii
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import translation
from ninja import Schema
from ninja.errors import ValidationError
from ninja.pagination import CursorPagination

PROBLEM_CONTENT_TYPE = "application/problem+json"


class Problem(Schema):
    """An error as RFC 9457 problem details (served as ``application/problem+json``)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str


# Besides its answer, every operation may answer these (problem details each).
ERRORS: dict[int, Any] = {401: Problem, 404: Problem, 422: Problem, 429: Problem}


def answers(schema: Any) -> dict[int, Any]:
    """An operation's responses: ``schema`` for 200, problem details for the errors."""
    return {200: schema, **ERRORS}


def languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def in_each_language(read: Callable[[], str]) -> dict[str, str]:
    """``read()`` (a language-aware property) in every language of the platform it is written
    in: a language that would only get another one's text (a fallback) is left out."""
    found = {}
    for code in languages():
        with translation.override(code):
            text = read()
        if text and not getattr(text, "is_fallback", False):
            found[code] = text
    return found


class Cursor(CursorPagination):
    """Cursor paging by id (stable while rows are added): ``next`` and ``previous`` are whole
    addresses; ``page_size`` up to ``API_MAX_PAGE_SIZE``. A cursor that was not made here names
    no page: 404, whatever it holds."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("ordering", ("id",))
        kwargs.setdefault("page_size", settings.API_PAGE_SIZE)
        kwargs.setdefault("max_page_size", settings.API_MAX_PAGE_SIZE)
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        try:
            cursor = self.Cursor.from_encoded_param(pagination.cursor)
        except (ValueError, binascii.Error, UnicodeError, ValidationError) as error:
            raise Http404 from error
        if cursor.p is not None and not (cursor.p.isdigit() and len(cursor.p) <= 18):
            raise Http404
        return super().paginate_queryset(queryset, pagination, request, **params)
