"""Links in e-mails and calendars start with the address the site is reached at."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from icalendar import Calendar

from dialogue import services
from dialogue.models import RoleKind
from tests.conftest import World
from tests.meetings.conftest import istanbul_meeting

REPO_ROOT = Path(__file__).resolve().parent.parent


def _dry_run(*arguments: str) -> str:
    return subprocess.run(
        [shutil.which("make") or "/usr/bin/make", "-n", "run", *arguments],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    ).stdout


def test_make_run_on_another_port_links_to_that_port() -> None:
    assert 'SITE_URL="http://127.0.0.1:9123" bin/serve 127.0.0.1 9123' in _dry_run("PORT=9123")


def test_make_run_keeps_a_site_url_that_is_given() -> None:
    out = _dry_run("PORT=9123", "SITE_URL=https://dialogue.example.org")
    assert 'SITE_URL="https://dialogue.example.org" bin/serve 127.0.0.1 9123' in out


def test_serve_script_defaults_the_site_url_to_where_it_serves() -> None:
    script = (REPO_ROOT / "bin" / "serve").read_text()
    assert 'export SITE_URL="${SITE_URL:-http://$host:$port}"' in script


@pytest.mark.django_db
def test_calendar_links_use_the_site_url(world: World, settings: Any) -> None:
    meeting = istanbul_meeting(world)
    settings.SITE_URL = "https://dialogue.example.org:8443/"
    ics = Client().get(f"/meetings/{meeting.pk}/calendar.ics")
    [event] = Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(event["URL"]) == f"https://dialogue.example.org:8443/meetings/{meeting.pk}/"
    assert f"Agenda: https://dialogue.example.org:8443/meetings/{meeting.pk}/agenda/" in str(
        event["DESCRIPTION"]
    )
    assert "8000" not in ics.content.decode()


@pytest.mark.django_db
def test_invitation_without_a_request_links_to_the_site_url(
    world: World, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.SITE_URL = "https://dialogue.example.org/"
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.invite(
            by=world.person("secretariat_staff"),
            dialogue=world.dialogue,
            email="new.person@example.org",
            kind=RoleKind.FOCAL_POINT,
            state=world.state_a,
        )
    [message] = mail.outbox
    assert f"https://dialogue.example.org/invite/{sent.token}/" in message.body
