"""Django's deployment checklist (``check --deploy``) against the production settings.

Each test runs ``manage.py`` in a fresh interpreter: the settings module reads the environment
once, at import, so production cannot be switched on inside the test process.
"""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
# Anything in the caller's environment that would change what production means here.
SETTINGS_VARIABLES = (
    "DIALOGUE_ENV",
    "DJANGO_SECRET_KEY",
    "DJANGO_DEBUG",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_CSRF_TRUSTED_ORIGINS",
    "WEBSOCKET_ALLOWED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "STATIC_ROOT",
)


def random_secret_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(length))


def run_deploy_check(**environment: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in SETTINGS_VARIABLES}
    env.update(environment)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_production_settings_pass() -> None:
    result = run_deploy_check(
        DIALOGUE_ENV="production",
        DJANGO_SECRET_KEY=random_secret_key(),
        DJANGO_ALLOWED_HOSTS="dialogue.example.org",
    )

    assert result.returncode == 0, result.stdout
    assert "no issues" in result.stdout, result.stdout


def test_deploy_check_production_without_secret_key_fails() -> None:
    result = run_deploy_check(
        DIALOGUE_ENV="production",
        DJANGO_ALLOWED_HOSTS="dialogue.example.org",
    )

    assert result.returncode == 1, result.stdout
    assert "DJANGO_SECRET_KEY" in result.stdout, result.stdout


def test_websocket_origin_without_a_scheme_stops_the_start_with_a_clear_message() -> None:
    result = run_deploy_check(
        DIALOGUE_ENV="production",
        DJANGO_SECRET_KEY=random_secret_key(),
        DJANGO_ALLOWED_HOSTS="dialogue.example.org",
        WEBSOCKET_ALLOWED_ORIGINS="dialogue.example.org",
    )

    assert result.returncode == 1, result.stdout
    assert "WEBSOCKET_ALLOWED_ORIGINS: 'dialogue.example.org' has no scheme" in result.stdout
