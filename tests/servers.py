"""Real servers for the tests that cross processes: Daphne serving ``config.asgi`` on the test
database, and a private Redis the test may kill and restart without disturbing anyone."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DAPHNE = Path(sys.executable).with_name("daphne")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_database_url() -> str:
    """The URL of the test database pytest-django created (not the one in ``DATABASE_URL``)."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"] != "django.db.backends.postgresql":
        raise RuntimeError("a server in another process needs the PostgreSQL test database")
    user = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        user += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def server_env(*, redis_url: str, prefix: str, **extra: str) -> dict[str, str]:
    """The environment of a Daphne process on the test database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DJANGO_ALLOW_ASYNC_UNSAFE",
            "DATABASE_URL",
            "PYTEST_CURRENT_TEST",
            "PYTEST_XDIST_WORKER",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DATABASE_URL=test_database_url(),
        REDIS_URL=redis_url,
        CHANNEL_LAYER_PREFIX=prefix,
        CACHE_KEY_PREFIX=prefix,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        SECRETARIAT_REQUIRES_2FA="0",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        LOG_LEVEL="WARNING",
        **extra,
    )
    return env


class AsgiServer:
    """Daphne serving ``config.asgi`` in a subprocess, on a fixed port across restarts (so a
    client can lose its server and find it again at the same address)."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        assert self.process is None, "already running"
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(DAPHNE), "-b", "127.0.0.1", "-p", str(self.port), "config.asgi:application"],
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"daphne exited at start:\n{self.log()}")
            try:
                # A loopback URL built here, never user input.
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"daphne did not answer /healthz in {timeout}s:\n{self.log()}")
            time.sleep(0.1)

    def stop(self, grace: float = 3.0, sig: int = signal.SIGTERM) -> None:
        """Stop the server; open connections drop as in a restart. Daphne waits for running
        requests (a long poll holds one for 25 s): after ``grace`` it is killed."""
        process, self.process = self.process, None
        if process is None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""


class RedisServer:
    """A Redis of the test's own, on a free port, keeping nothing on disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        self.process = subprocess.Popen(
            [
                binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            process.kill()
            process.wait(timeout=10)
