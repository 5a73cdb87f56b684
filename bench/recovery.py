"""Recovery after a fault, measured from outside (`make bench`; `bench/run.py --recovery-only`).

Two figures, each against its bar in ../shared/QUALITY.md:

- **Reconnect storm**: 1,000 clients on one Daphne, which is stopped with SIGTERM and started
  again while a change is published; the clients resume as the page does (at once with a
  second of jitter after 1001 "going away", quickly while the server restarts). Measured: the
  time from the restarted server accepting connections until every client is subscribed again
  and has the change it missed (bar: within 3 s), and from the SIGTERM; the close codes seen.
- **Redis restarted empty**: a Redis of its own under one Daphne, killed and started again
  empty; a change published every 50 ms from then on. Measured: the time from Redis accepting
  connections until the first change that reaches every client by the fast path has reached them
  (the hub's one-second log backstop is slowed down for this figure, so nothing else delivers;
  bar: within 1 s).

Throwaway PostgreSQL database and Redis as `bench/live.py` (the storm uses Redis db 9; the
Redis restart a redis-server of its own on a free port).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import functools
import json
import math
import random
import shutil
import signal
import socket
import statistics
import subprocess
import time
from typing import Any

import live
from live import STREAM, ClientState, Environment, Load, Servers, log

RESTART_WINDOW = 20.0  # as static/js/live.js: after 1001, retry within a second for this long
RESTART_RETRY = 1.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
GOING_AWAY = 1001


# ============================================================================================
# Clients that resume (the load processes)
# ============================================================================================


class _ResumingProtocol(live._ClientProtocol):
    """A socket of a resuming client: subscribes from the last id the client saw."""

    def __init__(self, url: str, origin: str, state: ClientState, owner: Resumer) -> None:
        super().__init__(url, origin, state)
        self.owner = owner
        self.seen = owner.seen  # de-duplicated across reconnects, as the page does
        self.closed: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()

    def subscribe_frame(self) -> bytes:
        message: dict[str, Any] = {"type": "subscribe", "streams": [STREAM]}
        if self.owner.last_id is not None:
            message["since"] = self.owner.last_id
        return json.dumps(message).encode()

    def _event(self, event_id: int, now: float) -> None:
        super()._event(event_id, now)
        self.owner.last_id = max(self.owner.last_id or 0, event_id)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        # The close frame received, if any (the state's close code waits for a clean end).
        code = self.ws.close_rcvd.code if self.ws.close_rcvd is not None else None
        if self.subscribed.done() and not self.subscribed.exception():
            self.state.closes[str(code) if code is not None else "abnormal"] += 1
        if not self.closed.done():
            self.closed.set_result(code)


class Resumer:
    """One client as the page behaves (static/js/live.js): on 1001 it comes back within a
    second and keeps retrying that quickly while the server restarts; otherwise full-jitter
    exponential back-off."""

    def __init__(self, url: str, origin: str, state: ClientState) -> None:
        self.url, self.origin, self.state = url, origin, state
        self.seen: set[int] = set()
        self.last_id: int | None = None
        self.subscribed_at = 0.0
        self.attempts = 0
        self.restart_until = 0.0

    async def run(self) -> None:
        from websockets.uri import parse_uri

        loop = asyncio.get_running_loop()
        uri = parse_uri(self.url)
        backoff = 0
        while True:
            proto: _ResumingProtocol | None = None
            code: int | None = None
            self.attempts += 1
            try:
                async with asyncio.timeout(live.CONNECT_TIMEOUT):
                    _, proto = await loop.create_connection(
                        lambda: _ResumingProtocol(self.url, self.origin, self.state, self),
                        uri.host,
                        uri.port,
                    )
                    await proto.subscribed
                if proto.last_id is not None:
                    self.last_id = max(self.last_id or 0, proto.last_id)
                self.subscribed_at = time.time()
                backoff = 0
                code = await proto.closed
            except asyncio.CancelledError:
                if proto is not None and proto.transport is not None:
                    proto.transport.abort()
                raise
            except Exception:  # refused or failed: retry below
                if proto is not None and proto.transport is not None:
                    proto.transport.abort()
            now = time.monotonic()
            if code == GOING_AWAY:
                self.restart_until = now + RESTART_WINDOW
            if now < self.restart_until:
                delay = random.uniform(0, RESTART_RETRY)  # noqa: S311 - jitter
            else:
                delay = random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2**backoff))  # noqa: S311
                backoff += 1
            await asyncio.sleep(delay)


async def _worker_main(conn: Any) -> None:
    state = ClientState()
    resumers: list[Resumer] = []
    tasks: list[asyncio.Task[None]] = []
    async for cmd in live.commands(conn):
        kind = cmd[0]
        if kind == "connect":
            _, url, origin, n, timeout = cmd
            for _ in range(n):
                resumer = Resumer(url, origin, state)
                resumers.append(resumer)
                tasks.append(asyncio.create_task(resumer.run()))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and not all(r.subscribed_at for r in resumers):
                await asyncio.sleep(0.01)
            conn.send({"subscribed": sum(1 for r in resumers if r.subscribed_at)})
        elif kind == "caught_up":
            # Until every client subscribed again after ``after`` and has every id in ``ids``.
            _, after, ids, timeout = cmd
            wanted = set(ids)
            deadline = time.monotonic() + timeout

            def done(r: Resumer, after: float = after, wanted: set[int] = wanted) -> bool:
                return r.subscribed_at > after and wanted <= r.seen

            while time.monotonic() < deadline and not all(done(r) for r in resumers):
                await asyncio.sleep(0.005)
            finished = [r.subscribed_at for r in resumers if done(r)]
            conn.send(
                {
                    "caught_up": len(finished),
                    "times": finished,
                    "attempts": sum(r.attempts for r in resumers),
                    "closes": dict(state.closes),
                    "dups": state.dups,
                }
            )
        elif kind == "received":
            _, ids = cmd
            conn.send({"recv": {i: state.recv.get(i, []) for i in ids}, "live": len(resumers)})
        elif kind == "close":
            await live.closed(conn, tasks)
            break


worker_entry = functools.partial(live.worker_entry, main=_worker_main)


def _connect(load: Load, servers: Servers, clients: int, workers: int) -> int:
    url, origin = servers.urls[0], servers.origins[servers.urls[0]]
    shares = [clients // workers + (1 if i < clients % workers else 0) for i in range(workers)]
    answers = load.ask([("connect", url, origin, n, 60.0) for n in shares], 90)
    return sum(a["subscribed"] for a in answers)


def _wait_all(load: Load, event_id: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answers = load.all(("received", [event_id]), 30)
        if sum(len(a["recv"][event_id]) for a in answers) >= sum(a["live"] for a in answers):
            return
        time.sleep(0.05)


# ============================================================================================
# The reconnect storm
# ============================================================================================


def storm(env: Environment, clients: int, workers: int) -> dict[str, Any]:
    log(f"--- reconnect storm: {clients} clients on one Daphne, SIGTERM and restart")
    result: dict[str, Any] = {"figure": "reconnect storm", "clients": clients}
    servers: Servers | None = None
    load: Load | None = None
    try:
        servers = Servers(env, "ours", 1)
        load = Load(workers, target=worker_entry)
        connected = _connect(load, servers, clients, workers)
        result["connected"] = connected
        log(f"{connected} clients subscribed")
        warm = servers.command({"cmd": "post"}, 30)
        _wait_all(load, warm["id"])
        time.sleep(1.0)

        terminated = time.time()
        servers.stop_one(0, signal.SIGTERM)
        stopped = time.time()
        missed = servers.command({"cmd": "post"}, 30)  # published while the server is down
        listening = servers.start_one(0)
        cpu_at_listen = live.cpu_seconds(servers.procs[0].pid)
        answers = load.all(("caught_up", terminated, [missed["id"]], 60.0), 90)
        cpu_catching_up = live.cpu_seconds(servers.procs[0].pid) - cpu_at_listen
        times = sorted(t for a in answers for t in a["times"])
        closes: dict[str, int] = {}
        for a in answers:
            for code, n in a["closes"].items():
                closes[code] = closes.get(code, 0) + n
        caught_up = len(times)
        last = times[-1] if times else math.nan
        result.update(
            caught_up=caught_up,
            stop_s=stopped - terminated,
            restart_s=listening - stopped,
            all_after_listen_s=last - listening if caught_up == connected else math.nan,
            p50_after_listen_s=statistics.median(times) - listening if times else math.nan,
            all_after_sigterm_s=last - terminated if caught_up == connected else math.nan,
            attempts=sum(a["attempts"] for a in answers) - connected,
            cpu_ms_per_reconnect=cpu_catching_up * 1000 / max(caught_up, 1),
            closes=closes,
            duplicates=sum(a["dups"] for a in answers),
        )
        log(
            f"storm: {caught_up}/{connected} caught up; all {result['all_after_listen_s']:.2f} s "
            f"after the restarted server listened ({result['all_after_sigterm_s']:.2f} s after "
            f"SIGTERM; stop {result['stop_s']:.2f} s, start {result['restart_s']:.2f} s); "
            f"server CPU {result['cpu_ms_per_reconnect']:.1f} ms per reconnect; closes {closes}"
        )
    except Exception as exc:
        live.failed(result, "storm", exc)
    finally:
        live.tear_down(result, load, servers)
    return result


# ============================================================================================
# Redis restarted empty
# ============================================================================================


class PrivateRedis:
    """A redis-server of this run's own on a free port, keeping nothing on disk."""

    def __init__(self) -> None:
        self.port = live.free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> float:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        argv = [binary, "--bind", "127.0.0.1", "--port", str(self.port), "--save", ""]
        self.proc = subprocess.Popen(  # noqa: S603 - our own argv, no shell
            [*argv, "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), 0.2),
            ):
                return time.time()
            time.sleep(0.002)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.kill()
            proc.wait(10)


def redis_restart(env: Environment, clients: int, workers: int) -> dict[str, Any]:
    log(f"--- Redis restarted empty under one Daphne, {clients} clients")
    result: dict[str, Any] = {"figure": "Redis restarted empty", "clients": clients}
    redis_server = PrivateRedis()
    servers: Servers | None = None
    load: Load | None = None
    try:
        redis_server.start()
        own = copy.copy(env)
        own.env = {**env.env, "REDIS_URL": redis_server.url, "PYTHONPATH": str(live.ROOT)}
        # The hub's log backstop is slowed to once an hour: what arrives came by the fast path.
        servers = Servers(own, "ours", 1, app="bench.fast_path_only_asgi:application")
        load = Load(workers, target=worker_entry)
        result["connected"] = _connect(load, servers, clients, workers)
        warm = servers.command({"cmd": "post"}, 30)
        _wait_all(load, warm["id"])

        redis_server.kill()
        time.sleep(3.0)
        back = redis_server.start()
        sent = []
        while time.time() - back < 5.0:
            sent.append(servers.command({"cmd": "post"}, 30))
            time.sleep(0.05)
        time.sleep(1.0)
        ids = [e["id"] for e in sent]
        answers = load.all(("received", ids), 30)
        live_clients = sum(a["live"] for a in answers)
        reached = [e for e in sent if sum(len(a["recv"][e["id"]]) for a in answers) >= live_clients]
        first = reached[0] if reached else None
        delivered = (
            max(t for a in answers for t in a["recv"][first["id"]]) - back if first else math.nan
        )
        result.update(
            fast_path_after_s=first["t"] - back if first else math.nan,
            delivered_after_s=delivered,
            changes=len(sent),
            missed_by_fast_path=sum(1 for e in sent if first is None or e["t"] < first["t"]),
            later_missed=len(sent)
            - len(reached)
            - sum(1 for e in sent if first is None or e["t"] < first["t"]),
        )
        log(
            f"Redis back: the first change on the fast path was committed "
            f"{result['fast_path_after_s']:.2f} s and reached every client "
            f"{delivered:.2f} s after Redis accepted connections "
            f"({result['missed_by_fast_path']} earlier ones left to the backstop)"
        )
    except Exception as exc:
        live.failed(result, "Redis restart", exc)
    finally:
        live.tear_down(result, load, servers)
        redis_server.kill()
    return result


# ============================================================================================
# Entry
# ============================================================================================


def print_table(results: list[dict[str, Any]]) -> None:
    rows: list[list[Any]] = []
    for r in results:
        if "error" in r:
            rows.append([r["figure"], r["clients"], "ERROR", r["error"][:70], ""])
        elif r["figure"] == "reconnect storm":
            rows.append(
                [
                    r["figure"],
                    f"{r['caught_up']}/{r['connected']}",
                    f"{r['all_after_listen_s']:.2f} s after the restarted server listens "
                    f"(p50 {r['p50_after_listen_s']:.2f} s; {r['all_after_sigterm_s']:.2f} s "
                    "after SIGTERM)",
                    "all subscribed and replayed within 3 s",
                    f"{r['cpu_ms_per_reconnect']:.1f} ms server CPU per reconnect; closes "
                    f"{r['closes']}, {r['attempts']} retries, {r['duplicates']} dups",
                ]
            )
        else:
            rows.append(
                [
                    r["figure"],
                    r["connected"],
                    f"a change on the fast path reached all {r['delivered_after_s']:.2f} s "
                    f"after Redis was back (committed at {r['fast_path_after_s']:.2f} s)",
                    "within 1 s",
                    f"{r['changes']} changes, {r['missed_by_fast_path']} before it and "
                    f"{r['later_missed']} after it not on the fast path",
                ]
            )
    print()
    live._table(["figure", "clients", "measured", "bar", "notes"], rows)
    print(
        "Storm: clients resume as static/js/live.js does; 'after the restarted server listens' "
        "counts from the moment its port accepts connections until the last client is "
        "subscribed again with the change published while the server was down. Redis: from "
        "redis-server accepting connections until the first change that reaches every client "
        "by the fast path has reached them (the hub's log backstop is slowed to once an hour for "
        "this figure: bench/fast_path_only_asgi.py); a change every 50 ms."
    )


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--storm-clients", type=int, default=1000)
    parser.add_argument("--redis-clients", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2, help="load processes")
    parser.add_argument("--quick", action="store_true", help="200 clients in the storm")
    args, _ = parser.parse_known_args(argv)
    if args.quick:
        args.storm_clients = min(args.storm_clients, 200)
    live.raise_nofile()
    env = Environment(False)
    if not env.redis:
        log("recovery figures need PostgreSQL and Redis: skipped")
        env.cleanup()
        return 0
    results: list[dict[str, Any]] = []
    try:
        env.prepare()
        results.append(storm(env, args.storm_clients, args.workers))
        results.append(redis_restart(env, args.redis_clients, args.workers))
    finally:
        env.cleanup()
    print_table(results)
    out_dir = live.BENCH / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"recovery-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=1, default=str))
    log(f"results written to {path.relative_to(live.ROOT)}")
    return 0
