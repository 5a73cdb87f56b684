"""Page benchmark: the meeting page and the meeting's `.ics` for a 2-day meeting with 100 agenda
items, served by one Daphne process under an HTTP load (anonymous, keep-alive), with requests/s,
latency, the server's CPU per request and the number of database queries per request.

    .venv/bin/python bench/pages.py              (about 1.5 minutes)
    .venv/bin/python bench/pages.py --quick      (shorter phases)
    .venv/bin/python bench/run.py --pages-only   the same, through `make bench`'s entry point
    .venv/bin/python bench/pages.py --only ics --profile   one group, with where the CPU goes

Scenarios:
  floor    ``/bench/floor/``: the base template with an empty block, the same process and
           middleware: the reference the others are divided by
  page     ``/meetings/<id>/`` anonymous; its body comes from the cache while the meeting does
           not change (meetings/page_cache.py); ``page (change)`` is the first view after a change
  page (signed in)  the same for a focal point of the dialogue with a session cookie, against
           ``floor (signed in)``, the floor page with the same cookie
  ics      ``/meetings/<id>/calendar.ics?agenda=1`` repeated without ``If-None-Match`` (the
           bytes come from Django's cache under the ETag; the view still reads the meeting)
  ics 304  the same with ``If-None-Match: <ETag>``
  bare 304 the same request to a second Daphne serving ``bench/bare_http_asgi.py`` (answers 304,
           nothing else): what Daphne costs before any of the product's code runs
  cold     the first request after the meeting changed (``change_meeting`` in a helper process
           on the same database), one request at a time, N times: a new ETag, so the `.ics`
           is rebuilt

The server runs the development settings with ``DJANGO_DEBUG=0`` (production minus HTTPS and
collected static files), on PostgreSQL + Redis when reachable (else SQLite + local memory).
Figures are for reading (see ../shared/QUALITY.md), never pass/fail. This module is also the
script of its Django helper process (``pages.py helper``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live import (
    DAPHNE,
    PG_ADMIN_URL,
    PY,
    REDIS_BASE,
    ROOT,
    cpu_seconds,
    describe_load,
    free_port,
    log,
    percentile,
    wait_port,
)

REDIS_DB = 10  # live.py uses 9
READER = "fp.moldova@demo.example.org"  # a focal point of the bench meeting's dialogue
SIGNED_IN = "page (signed in)"
SIGNED_IN_FLOOR = "floor (signed in)"
ITEMS = 100
# The peers, as measured in ../shared/QUALITY.md (CPU per request).
PEERS = {
    "page": [
        ("pretalx schedule page", "~35", "80-115 ms"),
        ("Indico event page", "~1,650", "~500 ms"),
    ],
    "ics": [
        ("pretalx .ics", "~33", "120-190 ms"),
        ("Indico .ics", "~500", "~1,000 ms"),
        ("feed rebuilt per request (icalendar, 50 events)", "-", "~30 ms"),
    ],
}
TARGETS = {
    "page": "≤ 10 queries, the same at 1 and at 100 items; ≥ 10x the peers' throughput",
    "ics": "≤ 5 queries; a repeat answered from cache or 304 (stable ETag)",
}


# ============================================================================================
# The helper process (Django environment): setup, query counts, changes on command
# ============================================================================================


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _make_meeting(user: Any, dialogue: Any, body: Any, items: int, title: str) -> Any:
    import datetime
    import zoneinfo

    from meetings import agenda, services
    from meetings.models import AgendaItem, MeetingFormat, MeetingKind, MeetingStatus

    zone = zoneinfo.ZoneInfo("Europe/Vienna")
    day1 = datetime.datetime.now(zone).replace(hour=9, minute=0, second=0, microsecond=0)
    day1 += datetime.timedelta(days=30)
    meeting = services.schedule_meeting(
        by=user,
        dialogue=dialogue,
        body=body,
        kind=MeetingKind.SENIOR_OFFICIALS_MEETING,
        title={"en": title, "ru": "Совещание старших должностных лиц"},
        description={"en": "Two days of sessions on the action plan, with working lunches."},
        format=MeetingFormat.IN_PERSON,
        venue_name="Hofburg Congress Center",
        venue_address="Heldenplatz 1",
        city={"en": "Vienna"},
        room="Festsaal",
        time_zone="Europe/Vienna",
        starts_at=day1,
        ends_at=day1 + datetime.timedelta(days=1, hours=9),
        is_public=True,
    )
    meeting = services.transition(by=user, meeting=meeting, to=MeetingStatus.ANNOUNCED)
    # Two sessions a day; the rest are items of 7 minutes in them (``items`` rows in all).
    # A small agenda (the 1-item comparison) has items and no session.
    sessions = 4 if items >= 8 else 0
    n = 0
    for s in range(max(sessions, 1)):
        start = day1 + datetime.timedelta(days=s // 2, hours=0 if s % 2 == 0 else 5)
        session = None
        room = "Festsaal" if s % 2 == 0 else "Zeremoniensaal"
        if sessions:
            session = agenda.add_item(
                by=user,
                meeting=meeting,
                kind=AgendaItem.Kind.SESSION,
                title={"en": f"Session {s + 1}", "ru": f"Заседание {s + 1}"},
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=3, minutes=30),
                room=room,
            )
        count = (items - sessions) // max(sessions, 1)
        if s == max(sessions, 1) - 1:
            count = items - sessions - n
        for i in range(count):
            n += 1
            item_start = start + datetime.timedelta(minutes=7 * i)
            agenda.add_item(
                by=user,
                meeting=meeting,
                parent=session,
                title={
                    "en": f"Item {n}: review of the action plan, part {i + 1}",
                    "ru": f"Пункт {n}: обзор плана действий, часть {i + 1}",
                },
                description={"en": "Presentation followed by a discussion among the delegations."},
                starts_at=item_start,
                ends_at=item_start + datetime.timedelta(minutes=7),
                duration_minutes=7,
                room=room,
                presenter_name=f"Presenter {n}",
            )
    agenda.release_agenda(by=user, meeting=meeting, note="First version.")
    first = meeting.agenda_items.filter(kind=AgendaItem.Kind.ITEM).order_by("position").first()
    agenda.change_item(by=user, item=first, title={"en": first.title_i18n["en"] + " (revised)"})
    agenda.release_agenda(by=user, meeting=meeting, note="Item 1 renamed.")
    return meeting


def _count(client: Any, url: str, **headers: Any) -> tuple[int, int, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, **headers)
    return len(ctx.captured_queries), response.status_code, response.get("ETag", "")


def _profile(paths: dict[str, str], etag: str, cookie: str, top: int) -> str:
    """Where a request's CPU goes, in this process: each request through the ASGI application
    (as Daphne calls it, without the sockets) and through the same middleware in sync mode (as
    under WSGI: the difference is the handler's thread hops), then a cProfile of the sync path
    by function, cumulative."""
    import cProfile
    import io
    import pstats

    from django.core.handlers.wsgi import WSGIHandler

    from config.asgi import application

    wsgi = WSGIHandler()
    loop = asyncio.new_event_loop()

    def environ(path: str, headers: dict[str, str]) -> dict[str, Any]:
        route, _, query = path.partition("?")
        env = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": route,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
        }
        env.update({"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()})
        return env

    def sync_call(path: str, headers: dict[str, str]) -> None:
        b"".join(wsgi(environ(path, headers), lambda status, headers: None))

    async def asgi_call(path: str, headers: dict[str, str]) -> None:
        route, _, query = path.partition("?")
        given = False

        async def receive() -> dict[str, Any]:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            pass

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": route,
            "raw_path": route.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1")]
            + [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
        }
        await application(scope, receive, send)

    def cpu_ms(call: Any, n: int = 100) -> float:
        for _ in range(10):
            call()
        best = float("inf")
        for _ in range(3):
            start = time.process_time()
            for _ in range(n):
                call()
            best = min(best, (time.process_time() - start) * 1000 / n)
        return best

    lines = ["request                   ASGI ms   sync ms   handler's hops ms"]
    profiles = []
    for name, path in paths.items():
        headers = {"If-None-Match": etag} if name == "ics 304" else {}
        if name in (SIGNED_IN, SIGNED_IN_FLOOR):
            headers = {"Cookie": cookie}
        a = cpu_ms(lambda p=path, h=headers: loop.run_until_complete(asgi_call(p, h)))
        w = cpu_ms(lambda p=path, h=headers: sync_call(p, h))
        lines.append(f"{name:<24} {a:8.2f}  {w:8.2f}  {a - w:8.2f}")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(50):
            sync_call(path, headers)
        profiler.disable()
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer)
        stats.sort_stats("cumulative").print_stats(
            rf"{re.escape(str(ROOT))}/|site-packages/(django|csp|allauth|whitenoise|psycopg)",
            top,
        )
        profiles.append(
            f"--- {name}: {path} (50 requests, sync path, cumulative)\n" + buffer.getvalue()
        )
    loop.close()
    return "\n".join(
        ["CPU per request (best of 3 x 100, in the helper process):", *lines, "", *profiles]
    )


def cmd_helper() -> None:
    """Set up the data, then answer commands on stdin (one JSON line each)."""
    _django()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from dialogue.models import Body, Dialogue, User
    from meetings import services
    from meetings.models import AgendaItem

    def out(obj: dict[str, Any]) -> None:
        print(json.dumps(obj), flush=True)

    call_command("load_demo", quiet=True)
    user = User.objects.get(email="admin@demo.example.org")
    dialogue = Dialogue.objects.get(slug="prague-process")
    body = Body.objects.filter(dialogue=dialogue).order_by("pk").first()
    big = _make_meeting(user, dialogue, body, ITEMS, "Senior officials' meeting (bench)")
    small = _make_meeting(user, dialogue, body, 1, "Senior officials' meeting (bench, 1 item)")
    rows = AgendaItem.objects.filter(meeting=big).count()
    # The signed-in reader: a focal point of the dialogue (not its secretariat, whose page is
    # made afresh each time), with a session as a browser has it.
    reader = User.objects.get(email=READER)
    signed_in = Client(HTTP_HOST="127.0.0.1")
    signed_in.force_login(reader)
    cookie = (
        f"{settings.SESSION_COOKIE_NAME}={signed_in.cookies[settings.SESSION_COOKIE_NAME].value}"
    )
    out({"ready": True, "meeting": big.pk, "small": small.pk, "rows": rows, "cookie": cookie})
    client = Client(HTTP_HOST="127.0.0.1")
    counter = 0
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "quit":
            break
        if cmd["cmd"] == "change":
            counter += 1
            services.change_meeting(
                by=user,
                meeting=big,
                description={"en": f"Two days of sessions on the action plan (change {counter})."},
            )
            out({"ok": True})
        elif cmd["cmd"] == "profile":
            out({"profile": _profile(cmd["paths"], cmd["etag"], cookie, cmd["top"])})
        elif cmd["cmd"] == "queries":
            counts: dict[str, Any] = {}
            for label, pk in (("100", big.pk), ("1", small.pk)):
                page = f"/meetings/{pk}/"
                ics = f"/meetings/{pk}/calendar.ics?agenda=1"
                services.change_meeting(  # a new ETag: the next .ics is built, not cached
                    by=user, meeting=services.Meeting.objects.get(pk=pk), room=f"Room {label}"
                )
                counts[f"page@{label}"] = _count(client, page)[:2]
                counts[f"page signed in@{label}"] = _count(signed_in, page)[:2]
                counts[f"page cached@{label}"] = _count(client, page)[:2]
                counts[f"page signed in cached@{label}"] = _count(signed_in, page)[:2]
                counts[f"ics cold@{label}"] = _count(client, ics)[:2]
                n, status, etag = _count(client, ics)
                counts[f"ics cached@{label}"] = (n, status)
                counts[f"ics 304@{label}"] = _count(client, ics, HTTP_IF_NONE_MATCH=etag)[:2]
            out({"counts": counts})


# ============================================================================================
# The environment: throwaway database, Redis db, one Daphne
# ============================================================================================


class Environment:
    def __init__(self, force_sqlite: bool) -> None:
        self.tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
        self.dbname = f"bench_pages_{os.getpid()}"
        self.prefix = f"benchpages{os.getpid()}"
        self.kind = "sqlite + locmem cache"
        self.pg_created = False
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "DIALOGUE_ENV")
        }
        self.env.update(
            # pages_settings: the product's settings and the floor page's URL (pages_urls.py).
            DJANGO_SETTINGS_MODULE=os.environ.get("BENCH_DJANGO_SETTINGS", "pages_settings"),
            PYTHONPATH=os.pathsep.join(
                [str(ROOT / "bench"), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
            ),
            DIALOGUE_ENV="development",
            DJANGO_DEBUG="0",
            DJANGO_ALLOWED_HOSTS="127.0.0.1",
            SECRETARIAT_REQUIRES_2FA="0",
            LOG_LEVEL="WARNING",
            EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
            PYTHONUNBUFFERED="1",
            MEDIA_ROOT=str(self.tmp / "media"),
        )
        redis_url = f"{REDIS_BASE}/{REDIS_DB}"
        if not force_sqlite and self._redis_ok(redis_url) and self._create_pg():
            self.kind = "postgres + redis cache"
            self.env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{self.dbname}"
            self.env["REDIS_URL"] = redis_url
            self.env["CHANNEL_LAYER_PREFIX"] = self.prefix
            self.env["CACHE_KEY_PREFIX"] = self.prefix
        else:
            self.env["DATABASE_URL"] = f"sqlite:///{self.tmp / 'bench.sqlite3'}"

    @staticmethod
    def _redis_ok(url: str) -> bool:
        try:
            import redis

            client = redis.Redis.from_url(url, socket_timeout=3)
            client.ping()
            client.close()
            return True
        except Exception as exc:
            log(f"Redis not usable ({type(exc).__name__}: {exc}); using SQLite + locmem")
            return False

    def _create_pg(self) -> bool:
        try:
            import psycopg

            with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
                conn.execute(f'CREATE DATABASE "{self.dbname}"')
            self.pg_created = True
            return True
        except Exception as exc:
            log(f"PostgreSQL not usable ({type(exc).__name__}: {exc}); using SQLite + locmem")
            return False

    def migrate(self) -> None:
        subprocess.run(  # noqa: S603 - our own argv, no shell
            [PY, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
            timeout=300,
        )

    def cleanup(self) -> None:
        if self.pg_created:
            try:
                import psycopg

                with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)')
            except Exception as exc:
                log(f"could not drop database {self.dbname}: {exc}")
        if "REDIS_URL" in self.env:
            with contextlib.suppress(Exception):
                import redis

                client = redis.Redis.from_url(self.env["REDIS_URL"], socket_timeout=3)
                keys = list(client.scan_iter(match=f"*{self.prefix}*", count=1000))
                if keys:
                    client.delete(*keys)
                client.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


class Helper:
    """The Django helper process, kept open to change the meeting on command."""

    def __init__(self, env: Environment) -> None:
        self.log = env.tmp / "helper.log"
        self.proc = subprocess.Popen(  # noqa: S603 - our own argv, no shell
            [PY, str(Path(__file__).resolve()), "helper"],
            cwd=ROOT,
            env=env.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(self.log, "w"),  # noqa: SIM115
            text=True,
        )

    def read(self, timeout: float = 180) -> dict[str, Any]:
        import selectors

        if self.proc.stdout is None:
            raise RuntimeError("no helper")
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise TimeoutError("helper did not answer")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("helper died:\n" + self.log.read_text()[-3000:])
        return dict(json.loads(line))

    def ask(self, cmd: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
        if self.proc.stdin is None:
            raise RuntimeError("no helper")
        self.proc.stdin.write(json.dumps(cmd) + "\n")
        self.proc.stdin.flush()
        return self.read(timeout)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.stdin.write('{"cmd": "quit"}\n')
            self.proc.stdin.flush()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


def start_daphne(
    env: Environment, app: str = "config.asgi:application"
) -> tuple[subprocess.Popen[Any], int, Path]:
    port = free_port()
    logfile = env.tmp / f"daphne-{port}.log"
    with open(logfile, "w") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own argv, no shell
            [DAPHNE, "-b", "127.0.0.1", "-p", str(port), app],
            cwd=ROOT,
            env=env.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_port(port, proc)
    except BaseException:
        stop_process(proc)
        raise
    return proc, port, logfile


def stop_process(proc: subprocess.Popen[Any]) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


# ============================================================================================
# The load: asyncio keep-alive HTTP/1.1 clients
# ============================================================================================


class Conn:
    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict, int]:
        """One request on the kept-alive connection: (status, headers, body length)."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        if self.reader is None:
            raise RuntimeError("not connected")
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench\r\n{extra}\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        hdrs = {}
        for ln in lines[1:]:
            if ":" in ln:
                k, v = ln.split(":", 1)
                hdrs[k.strip().lower()] = v.strip()
        size = 0
        if "content-length" in hdrs:
            size = int(hdrs["content-length"])
            await self.reader.readexactly(size)
        elif hdrs.get("transfer-encoding", "").lower() == "chunked":
            while True:
                n = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                await self.reader.readexactly(n + 2)
                size += n
                if n == 0:
                    break
        elif status not in (204, 304):
            size = len(await self.reader.read())  # close-delimited
            await self.close()
        if hdrs.get("connection", "").lower() == "close":
            await self.close()
        return status, hdrs, size

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def _load(
    port: int, path: str, headers: dict[str, str], concurrency: int, seconds: float
) -> dict[str, Any]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    sizes: list[int] = []
    deadline = time.monotonic() + seconds

    async def worker() -> None:
        nonlocal errors
        conn = Conn(port)
        while time.monotonic() < deadline:
            t0 = time.perf_counter()
            try:
                status, _h, size = await conn.get(path, headers)
            except Exception:
                errors += 1
                await conn.close()
                continue
            latencies.append(time.perf_counter() - t0)
            statuses[status] = statuses.get(status, 0) + 1
            if len(sizes) < 1:
                sizes.append(size)
        await conn.close()

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall = time.monotonic() - started
    return {
        "requests": len(latencies),
        "errors": errors,
        "statuses": statuses,
        "wall_s": wall,
        "bytes": sizes[0] if sizes else 0,
        "latencies": latencies,
    }


def run_load(
    pid: int, port: int, path: str, headers: dict[str, str], concurrency: int, seconds: float
) -> dict[str, Any]:
    cpu0, client0 = cpu_seconds(pid), time.process_time()
    r = asyncio.run(_load(port, path, headers, concurrency, seconds))
    cpu1, client1 = cpu_seconds(pid), time.process_time()
    lat = r.pop("latencies")
    n = r["requests"]
    r.update(
        concurrency=concurrency,
        rps=n / r["wall_s"] if r["wall_s"] else 0.0,
        p50_ms=percentile(lat, 50) * 1000,
        p99_ms=percentile(lat, 99) * 1000,
        server_cpu_s=cpu1 - cpu0,
        server_cpu_share=(cpu1 - cpu0) / r["wall_s"],
        cpu_ms_per_req=(cpu1 - cpu0) * 1000 / n if n else float("nan"),
        client_cpu_share=(client1 - client0) / r["wall_s"],
    )
    return r


def run_cold(pid: int, port: int, helper: Helper, path: str, times: int) -> dict[str, Any]:
    """The first request after each change of the meeting, one at a time."""

    async def one(conn: Conn) -> tuple[float, int]:
        t0 = time.perf_counter()
        status, _h, _size = await conn.get(path)
        return time.perf_counter() - t0, status

    lat: list[float] = []
    statuses: dict[int, int] = {}
    cpu = 0.0
    loop = asyncio.new_event_loop()
    conn = Conn(port)
    try:
        loop.run_until_complete(one(conn))  # warm the connection and the process
        for _ in range(times):
            helper.ask({"cmd": "change"})
            time.sleep(0.05)  # let the helper's event settle before measuring the CPU
            cpu0 = cpu_seconds(pid)
            seconds, status = loop.run_until_complete(one(conn))
            cpu += cpu_seconds(pid) - cpu0
            lat.append(seconds)
            statuses[status] = statuses.get(status, 0) + 1
        loop.run_until_complete(conn.close())
    finally:
        loop.close()
    return {
        "requests": times,
        "statuses": statuses,
        "concurrency": 1,
        "rps": times / sum(lat),
        "p50_ms": percentile(lat, 50) * 1000,
        "p99_ms": percentile(lat, 99) * 1000,
        "cpu_ms_per_req": cpu * 1000 / times,
        "server_cpu_s": cpu,
        "note": "one request after each change; rps = 1 / mean latency",
    }


# ============================================================================================
# Report
# ============================================================================================


def _table(header: list[str], rows: list[list[Any]]) -> None:
    cells = [header, *[[str(c) for c in r] for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    for i, r in enumerate(cells):
        print(
            "  "
            + "  ".join(
                c.rjust(w) if j else c.ljust(w)
                for j, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
        if i == 0:
            print("  " + "  ".join("-" * w for w in widths))


def print_report(results: dict[str, Any]) -> None:
    counts = results["queries"]
    print()
    print(
        f"Meeting page and .ics, meeting with {results['rows']} agenda rows over 2 days, "
        f"one Daphne process, {results['database']}, DEBUG off, anonymous requests but "
        f"'{SIGNED_IN}'"
    )
    rows = []
    for s in results["scenarios"]:
        status = ",".join(f"{k}:{v}" for k, v in sorted(s["statuses"].items()))
        rows.append(
            [
                s["name"],
                s["concurrency"],
                s["requests"],
                f"{s['rps']:.0f}",
                f"{s['p50_ms']:.1f}",
                f"{s['p99_ms']:.1f}",
                f"{s['cpu_ms_per_req']:.2f}",
                s.get("queries", "-"),
                s.get("bytes", "-"),
                status + (f" err:{s['errors']}" if s.get("errors") else ""),
            ]
        )
    _table(
        [
            "scenario",
            "conc",
            "reqs",
            "req/s",
            "p50 ms",
            "p99 ms",
            "CPU ms/req",
            "queries",
            "bytes",
            "statuses",
        ],
        rows,
    )
    floors = {
        (s["name"], s["concurrency"]): s
        for s in results["scenarios"]
        if s["name"] in ("floor", SIGNED_IN_FLOOR)
    }
    for s in results["scenarios"]:
        if s["name"] not in ("page", SIGNED_IN, "ics cached", "ics 304"):
            continue
        # The signed-in page against the floor page signed in (the same session, user and
        # inbox count); the rest against the anonymous floor.
        for name in (SIGNED_IN_FLOOR, "floor") if s["name"] == SIGNED_IN else ("floor",):
            floor = floors.get((name, s["concurrency"]))
            if floor is None:
                continue
            ref = floor["cpu_ms_per_req"]
            print(
                f"  {s['name']} at c={s['concurrency']}: {s['cpu_ms_per_req'] / ref:.2f}x the "
                f"{name} page's CPU ({ref:.2f} ms: base template, same process and middleware)"
            )
    bare = {s["concurrency"]: s for s in results["scenarios"] if s["name"] == "bare 304"}
    for s in results["scenarios"]:
        if s["name"] == "ics 304" and s["concurrency"] in bare:
            ref = bare[s["concurrency"]]["cpu_ms_per_req"]
            print(
                f"  ics 304 at c={s['concurrency']}: {s['cpu_ms_per_req'] - ref:.2f} ms more than "
                f"the bare 304 ({ref:.2f} ms: Daphne and an application that only answers 304)"
            )
    print()
    print(
        "Queries per request (Django test client, same database), at 100 and at 1 agenda rows "
        "(the page after a change of the meeting, then again from the cache):"
    )
    _table(
        ["request", "100 items", "1 item"],
        [
            [name, f"{counts[name + '@100'][0]}", f"{counts[name + '@1'][0]}"]
            for name in (
                "page",
                "page cached",
                "page signed in",
                "page signed in cached",
                "ics cold",
                "ics cached",
                "ics 304",
            )
        ],
    )
    print()
    print("Peers (../shared/QUALITY.md, CPU per request):")
    _table(
        ["peer", "queries", "CPU/req"],
        [[n, q, c] for key in ("page", "ics") for n, q, c in PEERS[key]],
    )
    print(f"  targets: page {TARGETS['page']}")
    print(f"           .ics {TARGETS['ics']}")
    loaded = [s for s in results["scenarios"] if "client_cpu_share" in s]
    print(
        "  One Daphne process: its CPU share under load was "
        f"{min(s['server_cpu_share'] for s in loaded):.2f}-"
        f"{max(s['server_cpu_share'] for s in loaded):.2f} of a core, the load client's "
        f"{max(s['client_cpu_share'] for s in loaded):.2f} (so the server is the limit)."
    )
    print(
        "  CPU ms/req is utime+stime of the Daphne process over the phase (10 ms ticks: "
        "single cold requests are summed over all of them)."
    )


# ============================================================================================
# Main
# ============================================================================================


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="duration of each load phase")
    parser.add_argument("--concurrency", default="8,32", help="comma-separated client counts")
    parser.add_argument("--cold", type=int, default=20, help="cold requests per URL")
    parser.add_argument("--quick", action="store_true", help="3 s phases, 5 cold requests")
    parser.add_argument("--sqlite", action="store_true", help="SQLite + locmem even if PG/Redis")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print where a request's CPU goes (in-process: ASGI against sync, cProfile)",
    )
    parser.add_argument("--profile-top", type=int, default=25, help="functions per profile")
    parser.add_argument(
        "--only",
        default="floor,page,signed-in,ics",
        help="comma-separated groups to run: floor (both floors), page, signed-in, ics",
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    if args.quick:
        args.seconds, args.cold = 3.0, 5
    levels = [int(c) for c in args.concurrency.split(",") if c]

    started = time.monotonic()
    env = Environment(args.sqlite)
    helper: Helper | None = None
    daphne: subprocess.Popen[Any] | None = None
    try:
        env.migrate()
        helper = Helper(env)
        ready = helper.read()
        meeting = ready["meeting"]
        log(
            f"database ready ({env.kind}): meeting {meeting} with {ready['rows']} agenda rows, "
            f"in {time.monotonic() - started:.1f} s"
        )
        counts = helper.ask({"cmd": "queries"}, timeout=120)["counts"]
        daphne, port, logfile = start_daphne(env)
        load_note = describe_load("before")
        page = f"/meetings/{meeting}/"
        ics = f"/meetings/{meeting}/calendar.ics?agenda=1"

        # Warm up: imports, templates, connections; and learn the current ETag.
        warm = asyncio.run(_load(port, page, {}, 4, 1.0))
        asyncio.run(_load(port, ics, {}, 4, 0.5))

        async def etag() -> str:
            conn = Conn(port)
            _s, hdrs, _n = await conn.get(ics)
            await conn.close()
            return hdrs.get("etag", "")

        if warm["statuses"].keys() != {200}:
            raise RuntimeError(f"meeting page answered {warm['statuses']}")
        scenarios: list[dict[str, Any]] = []

        def add(name: str, r: dict[str, Any], queries: Any) -> None:
            r["name"], r["queries"] = name, queries
            scenarios.append(r)
            log(
                f"{name:<14} c={r['concurrency']:<3} {r['rps']:8.0f} req/s  "
                f"p50 {r['p50_ms']:6.1f} ms  p99 {r['p99_ms']:7.1f} ms  "
                f"CPU {r['cpu_ms_per_req']:.2f} ms/req  {r['statuses']}"
            )

        pid = daphne.pid
        floor = "/bench/floor/"
        has_floor = asyncio.run(_load(port, floor, {}, 1, 0.3))["statuses"].keys() == {200}
        reader = {"Cookie": ready["cookie"]}
        if has_floor and "floor" in only:
            for c in levels:
                add("floor", run_load(pid, port, floor, {}, c, args.seconds), "-")
            for c in levels:
                add(SIGNED_IN_FLOOR, run_load(pid, port, floor, reader, c, args.seconds), "-")
        if "page" in only:
            r = run_cold(pid, port, helper, page, args.cold)
            add("page (change)", r, counts["page@100"][0])
        for c in levels if "page" in only else ():
            add(
                "page", run_load(pid, port, page, {}, c, args.seconds), counts["page cached@100"][0]
            )
        for c in levels if "signed-in" in only else ():
            add(
                SIGNED_IN,
                run_load(pid, port, page, reader, c, args.seconds),
                counts["page signed in cached@100"][0],
            )
        if "ics" in only:
            r = run_cold(pid, port, helper, ics, args.cold)
            add("ics cold", r, counts["ics cold@100"][0])
        tag = asyncio.run(etag())
        for c in levels if "ics" in only else ():
            add(
                "ics cached",
                run_load(pid, port, ics, {}, c, args.seconds),
                counts["ics cached@100"][0],
            )
        for c in levels if "ics" in only else ():
            add(
                "ics 304",
                run_load(pid, port, ics, {"If-None-Match": tag}, c, args.seconds),
                counts["ics 304@100"][0],
            )
        if "ics" in only:
            # The bare reference: Daphne with an application that only answers 304.
            bare, bare_port, _bare_log = start_daphne(env, "bare_http_asgi:application")
            try:
                for c in levels:
                    tag_header = {"If-None-Match": '"bare"'}
                    r = run_load(bare.pid, bare_port, ics, tag_header, c, args.seconds)
                    add("bare 304", r, 0)
            finally:
                stop_process(bare)
        if daphne.poll() is not None:
            raise RuntimeError("daphne exited:\n" + logfile.read_text()[-2000:])
        profile = ""
        if args.profile:
            paths = {"page": page, SIGNED_IN: page, "ics cached": ics, "ics 304": ics}
            if has_floor:
                paths = {"floor": floor, SIGNED_IN_FLOOR: floor, **paths}
            profile = helper.ask(
                {"cmd": "profile", "paths": paths, "etag": tag, "top": args.profile_top},
                timeout=600,
            )["profile"]

        results = {
            "benchmark": "pages",
            "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
            "database": env.kind,
            "settings": "DIALOGUE_ENV=development DJANGO_DEBUG=0",
            "meeting": meeting,
            "rows": ready["rows"],
            "seconds_per_phase": args.seconds,
            "etag": tag,
            "queries": counts,
            "scenarios": scenarios,
            "machine_before": load_note,
            "peers": PEERS,
            "cpu_count": os.cpu_count(),
        }
        print_report(results)
        if profile:
            print()
            print(profile)
        out_dir = ROOT / "bench" / "results"
        out_dir.mkdir(exist_ok=True)
        out = out_dir / f"pages-{time.strftime('%Y%m%d-%H%M%S')}.json"
        out.write_text(json.dumps(results, indent=2, default=str))
        log(f"written {out.relative_to(ROOT)}; total {time.monotonic() - started:.0f} s")
        return 0
    finally:
        if daphne is not None:
            stop_process(daphne)
        if helper is not None:
            helper.stop()
        env.cleanup()


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "helper":
        cmd_helper()
    else:
        sys.exit(main(sys.argv[1:]))
