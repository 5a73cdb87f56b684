"""The API's browsable page (/api/v1/docs): Swagger UI from the platform's own static files runs
under the strict Content-Security-Policy (script-src 'self'), asks nothing of another origin,
and lists the operations of the OpenAPI document."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]


def test_api_docs_page_runs_same_origin_under_the_csp(
    new_page: Callable[[], Any], live_server: Any
) -> None:
    page = new_page()
    refused: list[str] = []
    origins: set[str] = set()
    page.on(
        "console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.on("request", lambda r: origins.add(urlsplit(r.url).netloc))
    response = page.goto("/api/v1/docs")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Dialogue platform API")
    expect(page.locator(".opblock-summary-path").first).to_be_visible()
    assert page.get_by_text("/api/v1/meetings/", exact=True).count() >= 1
    assert refused == []
    assert origins == {urlsplit(live_server.url).netloc}
