"""The product's own error pages, in development too.

With ``DEBUG`` on (``make run``), Django answers a missing page with every URL pattern of the
site and a failure with the traceback, the settings and the request: anyone who can reach a
development server would read them. Here development answers like production (``404.html``,
``500.html``, ``400.html`` for a refused request such as an unknown host), and the traceback
goes only to the console, where Django's ``django.request`` logger has always written it.
``DJANGO_TECHNICAL_ERROR_PAGES=1`` brings Django's pages back on a developer's own machine.

A refusal (``PermissionDenied``) answers the same 404 page (``denied_as_missing``, the
``handler403``): denied looks like missing, in development and in production.

Two doors, because Django has two: ``ProductNotFound`` (a middleware) answers the 404s, which
Django renders itself when ``DEBUG`` is on; ``ProductErrorReporter`` (the
``DEFAULT_EXCEPTION_REPORTER``) renders the page Django shows for an uncaught exception.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponseBase
from django.template import loader
from django.urls import get_resolver
from django.utils.safestring import SafeString, mark_safe
from django.views.debug import ExceptionReporter


def _replacing() -> bool:
    """Whether Django would show a technical page that the product's page replaces."""
    return bool(settings.DEBUG) and not settings.TECHNICAL_ERROR_PAGES


def _not_found(request: HttpRequest, exception: Exception) -> HttpResponseBase:
    handler: Callable[[HttpRequest, Exception], HttpResponseBase]
    handler = get_resolver().resolve_error_handler(404)  # type: ignore[assignment]  # the stubs know no arguments
    return handler(request, exception)


def denied_as_missing(request: HttpRequest, exception: Exception | None = None) -> HttpResponseBase:
    """``handler403``: a ``PermissionDenied`` that reaches Django answers the product's 404
    page with 404, like a missing page, so a status code never tells that something exists.
    (A refused CSRF token is Django's own 403 page, ``CSRF_FAILURE_VIEW``, not this.)"""
    return _not_found(request, Http404(request.path))


class ProductNotFound:
    """With ``DEBUG`` on, a missing page (no URL matches, or a view raised ``Http404``) gets the
    product's 404 page instead of Django's list of URL patterns."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        # No view was found for the address: Django rendered its technical 404 already.
        if response.status_code == 404 and request.resolver_match is None and _replacing():
            return _not_found(request, Http404(request.path))
        return response

    def process_exception(
        self, request: HttpRequest, exception: Exception
    ) -> HttpResponseBase | None:
        if isinstance(exception, Http404) and _replacing():
            return _not_found(request, exception)
        return None


class ProductErrorReporter(ExceptionReporter):
    """What Django shows for an uncaught exception with ``DEBUG`` on: the product's page. Error
    e-mails and production (``DEBUG`` off) get Django's full report as before."""

    def _template(self) -> str:
        return "400.html" if isinstance(self.exc_value, SuspiciousOperation) else "500.html"

    def get_traceback_html(self) -> SafeString:
        if not _replacing():
            return super().get_traceback_html()
        # Like Django's own server_error view: no request context, no database.
        return mark_safe(loader.get_template(self._template()).render())  # noqa: S308 - a rendered template

    def get_traceback_text(self) -> SafeString:
        if not _replacing():
            return super().get_traceback_text()
        if self._template() == "400.html":
            return mark_safe("Bad Request (400)\n")
        return mark_safe("Server Error (500)\n")
