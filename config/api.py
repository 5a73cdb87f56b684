"""The read API at ``/api/v1/``: django-ninja, one ``NinjaAPI`` put together from each app's
``api/`` router (``dialogue.api``, ``meetings.api``, ``documents.api``), with

- authentication, language and the rate limit of ``dialogue.api.reading`` before every
  operation;
- every error as RFC 9457 problem details (``application/problem+json``): a row the policy
  denies answers 404 like one that does not exist;
- an ``ETag`` on every answer and ``304 Not Modified`` to a matching ``If-None-Match``
  (``Vary: Authorization, Accept-Language``: one reader's answer is not another's);
- the OpenAPI 3.1 document at ``/api/v1/openapi.json`` and Swagger UI at ``/api/v1/docs``, from
  django-ninja's own static files (same origin: the CSP allows no other).
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import get_conditional_response, patch_vary_headers, set_response_etag
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, Throttled, ValidationError
from ninja.renderers import JSONRenderer

from dialogue.api import endpoints as dialogue_endpoints
from dialogue.api.reading import PerTokenLimit, TokenBearer
from dialogue.api.schemas import PROBLEM_CONTENT_TYPE, languages
from documents.api import endpoints as document_endpoints
from meetings.api import endpoints as meeting_endpoints

logger = logging.getLogger(__name__)

DESCRIPTION = """\
Read-only access to the dialogues, their meetings, agendas, outcomes and documents, and, for
tokens that may see them, registrations, lists of participants, statistics, circulations and
receipts. Every answer is what the token's holder sees on the pages, never more.

Send `Authorization: Bearer <token>` (tokens are made on the profile page); without it you
read as an anonymous visitor. Lists are paged by cursor (`next`, `previous`); answers carry an
`ETag` (send `If-None-Match` to get `304`); `?lang=` or `Accept-Language` picks the language of
translated fields, and every such field also comes in all languages (`titles`, `names`).
Errors are RFC 9457 problem details. See docs/api.md.
"""


class Utf8Json(JSONRenderer):
    """Cyrillic and Arabic as themselves, not as ``\\u`` escapes (UTF-8, as the header says)."""

    media_type = "application/json; charset=utf-8"
    json_dumps_params = {"ensure_ascii": False}


class ReadApi(NinjaAPI):
    def create_response(
        self,
        request: HttpRequest,
        data: Any,
        *,
        status: int | None = None,
        temporal_response: HttpResponse | None = None,
    ) -> HttpResponse:
        response = super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )
        response["Content-Language"] = translation.get_language() or "en"
        patch_vary_headers(response, ("Authorization", "Accept-Language"))
        if response.status_code >= 400:
            response["Content-Type"] = PROBLEM_CONTENT_TYPE
            return response
        response["Cache-Control"] = "private, no-cache"
        if request.method in ("GET", "HEAD") and response.status_code == 200:
            set_response_etag(response)
            conditional = get_conditional_response(
                request, etag=response["ETag"], response=response
            )
            if conditional is not None and conditional.status_code == 304:
                return conditional
        return response

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """The generated document, with what django-ninja does not say: ``?lang=`` on every
        operation, errors as ``application/problem+json``, and the token optional (without it
        one reads as an anonymous visitor)."""
        schema = super().get_openapi_schema(*args, **kwargs)
        lang = {
            "in": "query",
            "name": "lang",
            "required": False,
            "description": "The language of translated fields (else Accept-Language).",
            "schema": {"type": "string", "enum": languages()},
        }
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                parameters = operation.setdefault("parameters", [])
                if not any(p.get("name") == "lang" for p in parameters):
                    parameters.append(lang)
                operation["security"] = [*operation.get("security", []), {}]
                for status, answer in operation.get("responses", {}).items():
                    content = answer.get("content", {})
                    for media_type in [t for t in content if t.startswith("application/json")]:
                        if int(status) >= 400:
                            content[PROBLEM_CONTENT_TYPE] = content.pop(media_type)
        return schema


api = ReadApi(
    title="Dialogue platform API",
    version="1",
    description=DESCRIPTION,
    auth=TokenBearer(),
    renderer=Utf8Json(),
    throttle=PerTokenLimit(),
    urls_namespace="api",
)


def problem(
    request: HttpRequest, status: int, title: str, detail: str = "", **headers: str
) -> HttpResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail or title,
        "instance": request.path,
    }
    response = api.create_response(request, body, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def not_found(request: HttpRequest, exc: Exception | None = None) -> HttpResponse:
    return problem(request, 404, _("Not found"), _("There is nothing here you may read."))


@api.exception_handler(Http404)
def _missing(request: HttpRequest, exc: Http404) -> HttpResponse:
    return not_found(request)


@api.exception_handler(PermissionDenied)
def _denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return not_found(request)  # denied looks like missing


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(
        request,
        401,
        _("Not authenticated"),
        _("The token is unknown, revoked or expired."),
        WWW_Authenticate='Bearer realm="api"',
    )


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, exc: Throttled) -> HttpResponse:
    return problem(
        request,
        429,
        _("Too many requests"),
        _("This token has made too many requests. Try again in a moment."),
    )


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = sorted({str((e.get("loc") or [*e.keys()][:1] or ["?"])[-1]) for e in exc.errors})
    return problem(
        request,
        422,
        _("Invalid request"),
        _("These parameters could not be read: %(fields)s.") % {"fields": ", ".join(fields)},
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def _failed(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("API request failed: %s", request.path, exc_info=exc)
    return problem(
        request, 500, _("Server error"), _("Something went wrong on our side. Try again later.")
    )


api.add_router("", dialogue_endpoints.router)
api.add_router("", meeting_endpoints.router)
api.add_router("", document_endpoints.router)
