"""The product's error pages in development (DEBUG on, as under `make run`): no list of URL
patterns, no traceback, no settings in the page; the traceback in the log."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.template import loader
from django.test import Client
from django.utils import translation

from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings: Any) -> None:
    settings.DEBUG = True
    settings.TECHNICAL_ERROR_PAGES = False
    settings.ROOT_URLCONF = "tests.error_pages_urls"


def test_unknown_address_with_debug_gets_the_product_404(debug: None, world: World) -> None:
    response = Client().get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page
    assert "Using the URLconf" not in page
    assert "admin/" not in page
    assert "documents/&lt;int:pk&gt;" not in page


def test_missing_object_with_debug_gets_the_product_404(debug: None, world: World) -> None:
    response = client_for(world.people["delegate_a"]).get("/meetings/987654/")
    page = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in page
    assert "No Meeting matches" not in page
    assert "Raised by:" not in page


@pytest.mark.parametrize("debug_on", [True, False])
def test_a_refusal_answers_like_a_missing_page(settings: Any, world: World, debug_on: bool) -> None:
    settings.DEBUG = debug_on
    settings.TECHNICAL_ERROR_PAGES = False
    settings.ROOT_URLCONF = "tests.error_pages_urls"
    refused = Client().get("/refuses/")
    assert refused.status_code == 404
    assert "<h1>Page not found</h1>" in refused.content.decode()
    assert "Forbidden" not in refused.content.decode()


def test_product_404_is_in_the_visitors_language(debug: None, world: World) -> None:
    response = Client().get("/no/such/page/", HTTP_ACCEPT_LANGUAGE="ru")
    page = response.content.decode()
    assert "<h1>Страница не найдена</h1>" in page
    assert "По этому адресу ничего нет" in page


def test_a_slash_is_still_added_before_the_404(debug: None, world: World) -> None:
    assert Client().get("/meetings")["Location"] == "/meetings/"


def test_failing_view_with_debug_gets_the_product_500_and_the_log_the_traceback(
    debug: None, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = Client(raise_request_exception=False).get("/fails/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "<h1>Something went wrong</h1>" in page
    assert "Traceback" not in page
    assert "RuntimeError" not in page
    assert "SECRET_KEY" not in page
    logged = [r for r in caplog.records if r.exc_info]
    assert [r.exc_info[0] for r in logged if r.exc_info] == [RuntimeError]


def test_a_refused_host_with_debug_gets_the_product_400(debug: None, world: World) -> None:
    response = Client().get("/", HTTP_HOST="evil.example")
    page = response.content.decode()
    assert response.status_code == 400
    assert "<h1>Request refused</h1>" in page
    assert "ALLOWED_HOSTS" not in page


def test_technical_pages_come_back_when_asked_for(debug: None, settings: Any) -> None:
    settings.TECHNICAL_ERROR_PAGES = True
    assert "Using the URLconf" in Client().get("/no/such/page/").content.decode()
    failed = Client(raise_request_exception=False).get("/fails/", HTTP_ACCEPT="text/html")
    assert "a bug near SECRET_KEY" in failed.content.decode()


@pytest.mark.parametrize("template", ["500.html", "400.html"])
def test_server_error_pages_need_no_database_nor_request(
    template: str, django_assert_num_queries: Any
) -> None:
    with translation.override("ru"), django_assert_num_queries(0):
        page = loader.get_template(template).render()
    assert '<html lang="ru">' in page
    assert ("Что-то пошло не так" if template == "500.html" else "Запрос отклонён") in page
    assert "/static/css/site.css" in page
