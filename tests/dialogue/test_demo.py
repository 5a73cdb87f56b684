"""The demo loader (``manage.py load_demo``), as the deployment guide runs it in production."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from meetings.models import Meeting

pytestmark = pytest.mark.django_db


def test_demo_loads_with_two_factor_required_and_debug_off(settings: Any) -> None:
    """Without DEBUG the demo's secretariat gets no TOTP; the loader still writes the demo."""
    settings.DEBUG = False
    settings.SECRETARIAT_REQUIRES_2FA = True
    call_command("load_demo", "--quiet")
    assert Meeting.objects.count() > 0
