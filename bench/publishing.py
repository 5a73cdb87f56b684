"""Publishing benchmark: announcements posted at once by 1, 2 and 4 processes (each a loop of
``post_announcement``, the secretariat's action) on PostgreSQL, on a dialogue with 307 followers
and on one with a handful, with events committed per second and the commit latency (p50/p99,
from the start of the service's transaction to its COMMIT), three ways in the same run: the
inbox lines and e-mails written in the publishing transaction, under the log's lock; written by
the fan-out worker (``fan_out_events``, running beside the publishers, with how long after the
last commit it had written every line); and the fan-out turned off (the reference).

    .venv/bin/python bench/publishing.py              (about 1.5 minutes)
    .venv/bin/python bench/publishing.py --quick      (shorter phases)
    .venv/bin/python bench/run.py --publishing-only   the same, through `make bench`'s entry point

Needs PostgreSQL on 127.0.0.1 (a throwaway database ``bench_pub_<pid>``, dropped at the end) and
Redis (db 11, flushed; the relay after commit is part of each action). Figures are for reading
(see ../shared/QUALITY.md), never pass/fail. This module is also the script of its Django
worker processes (``publishing.py setup|worker``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from live import PG_ADMIN_URL, PY, REDIS_BASE, ROOT, describe_load, log, percentile

REDIS_DB = 11  # live.py uses 9, pages.py 10
SIZES = {"many": 307, "few": 5}
SECRETARIAT = "secretariat@pub.invalid"


def _django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def cmd_setup() -> None:
    """Two dialogues (``many``: 307 delegates following, ``few``: 5), their secretariat."""
    _django()
    from allauth.account.models import EmailAddress
    from allauth.mfa.totp.internal.auth import TOTP

    from dialogue.models import Dialogue, Role, RoleKind, State, User

    staff = User.objects.create(email=SECRETARIAT, full_name="Bench Secretariat")
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    TOTP.activate(staff, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # required of the secretariat
    state = State.objects.create(code="QQ", name_i18n={"en": "Bench state"})
    for slug, followers in SIZES.items():
        dialogue = Dialogue.objects.create(
            slug=slug, name_i18n={"en": f"Bench {slug}"}, acronym=slug.upper(), languages=["en"]
        )
        Role.objects.create(user=staff, dialogue=dialogue, kind=RoleKind.SECRETARIAT_STAFF)
        people = User.objects.bulk_create(
            [
                User(email=f"{slug}{n}@pub.invalid", full_name=f"Delegate {n}")
                for n in range(followers)
            ]
        )
        EmailAddress.objects.bulk_create(
            [EmailAddress(user=p, email=p.email, verified=True, primary=True) for p in people]
        )
        Role.objects.bulk_create(
            [Role(user=p, dialogue=dialogue, kind=RoleKind.DELEGATE, state=state) for p in people]
        )
    print("ok")


MODES = ("transaction", "worker", "off")


def cmd_worker(slug: str, mode: str, seconds: float) -> None:
    """Once told to start (a line on stdin), post announcements for ``seconds``; print the
    commit latencies. Each action runs as a view's does under Daphne: in a thread of an event
    loop, so the relay after commit goes out on that loop's open Redis connections."""
    _django()
    from asgiref.sync import sync_to_async
    from django.db import transaction

    import notifications.publishing
    from dialogue.announcements import post_announcement
    from dialogue.models import Dialogue, User

    if mode == "off":
        notifications.publishing._who_hears = lambda *args, **kwargs: {}  # type: ignore[assignment]
    dialogue = Dialogue.objects.get(slug=slug)
    staff = User.objects.get(email=SECRETARIAT)

    def action(title: str) -> float:
        committed: list[float] = []
        t0 = time.perf_counter()
        with transaction.atomic():
            transaction.on_commit(lambda c=committed: c.append(time.perf_counter()))
            post_announcement(by=staff, dialogue=dialogue, title=title, body="A bench text.")
        return committed[0] - t0

    async def loop() -> tuple[int, list[float]]:
        view = sync_to_async(action, thread_sensitive=True)
        await view("warm-up")
        print("ready", flush=True)
        start_at = float(await asyncio.to_thread(sys.stdin.readline))
        await asyncio.sleep(max(0.0, start_at - time.time()))
        latencies: list[float] = []
        end = start_at + seconds
        while time.time() < end:
            latencies.append(await view(f"Bench {len(latencies)}"))
        return start_at, latencies

    start_at, latencies = asyncio.run(loop())
    done = len(latencies)
    print(json.dumps({"done": done, "latencies": latencies, "seconds": time.time() - start_at}))


def _pending(env: dict[str, str]) -> int:
    import psycopg

    with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as conn:
        row = conn.execute(
            "SELECT count(*) FROM notifications_event WHERE fan_out_in_worker AND id > "
            "(SELECT coalesce(max(through), 0) FROM notifications_fanoutmark)"
        ).fetchone()
        return int(row[0]) if row else 0


def _cpu_seconds(pid: int) -> float:
    """CPU time (user and system) a process has used so far (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_phase(env: dict[str, str], slug: str, processes: int, mode: str, seconds: float):
    env = {**env, "NOTIFICATIONS_FAN_OUT_WORKER": "true" if mode == "worker" else "false"}
    fan_out_worker = (
        subprocess.Popen(  # noqa: S603 - our own argv, no shell
            [PY, "manage.py", "fan_out_events"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL
        )
        if mode == "worker"
        else None
    )
    procs = [
        subprocess.Popen(  # noqa: S603 - our own argv, no shell
            [PY, __file__, "worker", slug, mode, str(seconds)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(processes)
    ]
    for proc in procs:  # every worker set up and warmed up
        if proc.stdout is None or proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a publishing worker failed to start")
    start_at = f"{time.time() + 0.2}\n"
    for proc in procs:
        if proc.stdin is not None:
            proc.stdin.write(start_at)
            proc.stdin.close()
    results = []
    for proc in procs:
        out = proc.stdout.read() if proc.stdout is not None else ""
        proc.wait(timeout=60)
        results.append(json.loads(out.strip().splitlines()[-1]))
    drained = worker_cpu = 0.0
    if fan_out_worker is not None:
        last_commit = time.time()
        while _pending(env) and time.time() - last_commit < 120:
            time.sleep(0.05)
        drained = time.time() - last_commit
        worker_cpu = _cpu_seconds(fan_out_worker.pid)
        fan_out_worker.terminate()
        fan_out_worker.wait(timeout=30)
    done = sum(r["done"] for r in results)
    elapsed = max(r["seconds"] for r in results)
    latencies = sorted(x for r in results for x in r["latencies"])
    return {
        "per_second": done / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000,
        "p99_ms": percentile(latencies, 99) * 1000,
        "events": done,
        "drained_s": drained,
        "worker_cpu_s": worker_cpu,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 s phases instead of 8 s")
    parser.add_argument("--seconds", type=float, default=None, help="length of each phase")
    parser.add_argument("--processes", default="1,2,4", help="publishing processes per phase")
    args = parser.parse_args(argv)
    seconds = args.seconds or (3.0 if args.quick else 8.0)
    counts = [int(n) for n in args.processes.split(",") if n]
    dbname = f"bench_pub_{os.getpid()}"
    import psycopg
    import redis

    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        redis.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB}", socket_timeout=3).flushdb()
    except Exception as exc:
        log(f"publishing bench needs PostgreSQL and Redis ({type(exc).__name__}: {exc})")
        return 0
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE",)}
    env.update(
        DJANGO_SETTINGS_MODULE=os.environ.get("BENCH_DJANGO_SETTINGS", "config.settings"),
        DJANGO_DEBUG="false",
        LOG_LEVEL="WARNING",
        EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{dbname}",
        REDIS_URL=f"{REDIS_BASE}/{REDIS_DB}",
        CHANNEL_LAYER_PREFIX=f"benchpub{os.getpid()}",
        CACHE_KEY_PREFIX=f"benchpub{os.getpid()}",
    )
    rows: list[list[str]] = []
    try:
        before = describe_load("before")
        for argv_ in (["manage.py", "migrate", "--noinput", "-v", "0"], [__file__, "setup"]):
            subprocess.run([PY, *argv_], cwd=ROOT, env=env, check=True, timeout=300)  # noqa: S603
        for slug in SIZES:
            for n in counts:
                tx, worker, off = (run_phase(env, slug, n, mode, seconds) for mode in MODES)
                log(
                    f"{slug} x{n}: in the transaction {tx['per_second']:.1f}/s, worker "
                    f"{worker['per_second']:.1f}/s, fan-out off {off['per_second']:.1f}/s"
                )
                rows.append(
                    [
                        f"{SIZES[slug]} followers",
                        str(n),
                        f"{tx['per_second']:.1f}",
                        f"{tx['p50_ms']:.0f} / {tx['p99_ms']:.0f}",
                        f"{worker['per_second']:.1f}",
                        f"{worker['p50_ms']:.0f} / {worker['p99_ms']:.0f}",
                        f"+{worker['drained_s']:.1f} / {worker['worker_cpu_s']:.1f}",
                        f"{off['per_second']:.1f}",
                        f"{off['p50_ms']:.0f} / {off['p99_ms']:.0f}",
                        f"{worker['per_second'] / off['per_second']:.2f}",
                        f"{worker['p99_ms'] / off['p99_ms']:.2f}",
                    ]
                )
        after = describe_load("after")
    finally:
        with contextlib.suppress(Exception), psycopg.connect(PG_ADMIN_URL, autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
        with contextlib.suppress(Exception):
            redis.Redis.from_url(f"{REDIS_BASE}/{REDIS_DB}", socket_timeout=3).flushdb()
    header = [
        "dialogue",
        "publishers",
        "in tx: events/s",
        "p50 / p99 ms",
        "worker: events/s",
        "p50 / p99 ms",
        "lines done s / worker CPU s",
        "off: events/s",
        "p50 / p99 ms",
        "worker/off",
        "p99 worker/off",
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(
        f"\nPublishing: post_announcement, {seconds:.0f} s per phase, PostgreSQL; fan-out in the "
        "transaction (in tx), by the worker (lines done: seconds after the last commit until "
        "the worker had written every inbox line; CPU seconds the worker used in the phase), "
        "off (the reference)"
    )
    for row in [header, *rows]:
        print("  " + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    print(
        f"  machine busy before: {before['busy_share'] * 100:.0f} %, "
        f"after: {after['busy_share'] * 100:.0f} % (of {100 * (os.cpu_count() or 1)}); "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "setup":
        cmd_setup()
    elif len(sys.argv) > 1 and sys.argv[1] == "worker":
        cmd_worker(sys.argv[2], sys.argv[3], float(sys.argv[4]))
    else:
        sys.exit(main(sys.argv[1:]))
