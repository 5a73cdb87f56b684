from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_healthz_reports_both_stores_up() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "channel_layer": "ok"}


def test_healthz_is_503_when_the_channel_layer_is_down(monkeypatch: Any) -> None:
    class BrokenLayer:
        async def send(self, channel: str, message: dict[str, Any]) -> None:
            raise ConnectionError("redis is down")

    monkeypatch.setattr("notifications.health.get_channel_layer", lambda: BrokenLayer())
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["channel_layer"] == "down"
