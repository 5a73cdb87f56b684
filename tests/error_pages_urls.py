"""The project's addresses and one view that fails, for the error page tests."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import handler403 as handler403
from config.urls import urlpatterns as project


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug near SECRET_KEY")


def refuses(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


urlpatterns = [path("fails/", fails), path("refuses/", refuses), *project]
