"""The demo loader (``manage.py load_demo``), as the deployment guide runs it in production."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.utils import translation

from meetings.models import Meeting

pytestmark = pytest.mark.django_db


def test_demo_loads_with_two_factor_required_and_debug_off(settings: Any) -> None:
    """Without DEBUG the demo's secretariat gets no TOTP; the loader still writes the demo."""
    settings.DEBUG = False
    settings.SECRETARIAT_REQUIRES_2FA = True
    call_command("load_demo", "--quiet")
    assert Meeting.objects.count() > 0


def test_demo_has_the_iraqi_focal_point_in_arabic_and_an_arabic_document(
    settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from dialogue.models import RoleKind, User
    from documents.models import Revision
    from meetings.demo import ISTANBUL, ISTANBUL_AGENDA, ISTANBUL_AGENDA_AR

    settings.DEBUG = True
    call_command("load_demo")
    printed = capsys.readouterr().out
    assert "fp.iraq@demo.example.org" in printed
    iraq = User.objects.get(email="fp.iraq@demo.example.org")
    assert iraq.preferred_language == "ar"
    assert iraq.roles.filter(kind=RoleKind.FOCAL_POINT, state__code="IQ").exists()
    istanbul = Meeting.objects.get(title_i18n__en=ISTANBUL)
    assert istanbul.languages == ["en", "ru", "ar"]
    assert Revision.objects.filter(document__meeting=istanbul, language="ar").exists()
    assert {title for _kind, title, _ru, _minutes in ISTANBUL_AGENDA} <= set(ISTANBUL_AGENDA_AR)
    with translation.override("ar"):
        titles = {item.title for item in istanbul.agenda_items.all()}
    assert "اعتماد جدول الأعمال" in titles
