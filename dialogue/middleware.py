from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

from . import permissions, signed_in
from .audit import trail

Handler = Callable[[HttpRequest], HttpResponse]


class PersonMiddleware(AuthenticationMiddleware):
    """Django's ``AuthenticationMiddleware``, with the signed-in person read in one query with
    their roles and inbox count (``dialogue/signed_in.py``) rather than three. Async callers
    (``request.auser``) keep Django's own path."""

    def process_request(self, request: HttpRequest) -> None:
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: signed_in.cached_user(request))  # type: ignore[assignment]  # as Django sets it


class UserPreferencesMiddleware:
    """Shows the signed-in person the platform in their language and time zone.

    An explicit choice in this browser (the language cookie) wins over the stored preference.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
                translation.activate(user.preferred_language)
                request.LANGUAGE_CODE = user.preferred_language
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            # The thread served someone else before: a visitor gets the default zone, not theirs.
            timezone.deactivate()
        return self.get_response(request)


class SecretariatTwoFactorMiddleware:
    """Secretariat roles must set up a second factor (TOTP or a passkey) before using the
    platform: until then every page leads to the two-factor page, which offers both (account
    pages, the language switch and static files excepted).

    The rule is the policy's (``permissions.needs_two_factor_setup``): the socket, the long
    poll, replay and the fan-out ask the same question and see no roles meanwhile."""

    # The API reads no session (a token, or nobody): the policy holds its wall (docs/api.md).
    EXEMPT_PREFIXES = ("/accounts/", "/language/", "/static/", "/healthz", "/api/v1/")

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and not request.path.startswith(self.EXEMPT_PREFIXES)
            and permissions.needs_two_factor_setup(request.user)
        ):
            return redirect(reverse("mfa_index"))
        return self.get_response(request)


class AuditClientMiddleware:
    """Entries of the permanent record written while serving a request say where it came from:
    the client's address, as ``config/client_address.py`` has set it."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with trail.client(request.META.get("REMOTE_ADDR")):
            return self.get_response(request)
