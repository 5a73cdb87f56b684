"""The product's URLs plus the floor page of ``bench/pages.py``: the base template with an empty
content block, through the same process and middleware as the meeting page (its reference)."""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from config.urls import handler403  # noqa: F401 - its error handler too
from config.urls import urlpatterns as product

_FLOOR = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<h1>Floor</h1>{% endblock %}'
)


def floor(request: HttpRequest) -> HttpResponse:
    return HttpResponse(_FLOOR.render({}, request))


urlpatterns = [path("bench/floor/", floor), *product]
