"""The project's addresses and one view that fails, for the error page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from config.urls import urlpatterns as project


def fails(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug near SECRET_KEY")


urlpatterns = [path("fails/", fails), *project]
