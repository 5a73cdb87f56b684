"""Where the memory of an idle live connection goes (`bench/run.py --memory-only`).

One Daphne runs the product under ``tracemalloc`` (``bench/traced_daphne.py``); after a
warm-up, N clients connect and subscribe as in ``bench/live.py``, then stay idle. Printed: the
server's RSS growth per connection (the figure ``bench/live.py`` reports, here slowed down by
tracing, so read it beside that one) and the Python allocations still alive per connection,
by the package that made them (the innermost frame outside the standard library: asyncio's
own objects count for whoever asked for them) and by allocation site. For reading; needs
PostgreSQL and Redis like ``bench/live.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import live
from live import Environment, Load, Servers, log

WAVE = 100


def _owner(stack: list[str]) -> str:
    """The package of the innermost frame that is not the standard library."""
    for site in reversed(stack):
        if not site.startswith("stdlib/"):
            return site.split("/", 1)[0]
    return "stdlib"


def measure(env: Environment, clients: int, workers: int, top: int) -> dict[str, Any]:
    out_file = env.tmp / "traced.json"
    env.env["TRACED_DAPHNE_OUT"] = str(out_file)
    os.environ["BENCH_OURS_COMMAND"] = (
        f"{live.PY} {live.BENCH / 'traced_daphne.py'} "
        "-e tcp:port={port}:interface=127.0.0.1:backlog=4096 {app}"
    )
    os.environ.setdefault("BENCH_OURS_LABEL", "Daphne under tracemalloc")
    servers: Servers | None = None
    load: Load | None = None
    try:
        servers = Servers(env, "ours", 1)
        asyncio.run(live._one_client_roundtrip(servers))
        time.sleep(1.0)
        pid = servers.procs[0].pid
        servers.procs[0].send_signal(signal.SIGUSR1)
        time.sleep(1.0)
        rss0 = servers.rss()
        live.CONNECT_TIMEOUT = 120.0  # tracing slows the server down (the clients are forked)
        load = Load(workers)
        # In waves: tracing slows the server down, and clients it kept waiting too long would
        # be refused and counted as alive until they are cleaned up.
        answers: list[dict[str, Any]] = []
        for start in range(0, clients, WAVE):
            wave = min(WAVE, clients - start)
            shares = [wave // workers + (1 if i < wave % workers else 0) for i in range(workers)]
            answers = load.ask([("connect", servers.urls, servers.origins, n) for n in shares], 300)
        ok = sum(a["ok"] for a in answers)
        failed = sum(a["failed"] for a in answers)
        live.settle(servers)
        time.sleep(1.0)
        rss1 = servers.rss()
        servers.procs[0].send_signal(signal.SIGUSR2)
        deadline = time.monotonic() + 120
        while not out_file.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(1.0)  # the file is written at once; let it be complete
        traces = json.loads(out_file.read_text())
        log(f"server pid {pid}: {ok} connected, {failed} failed; {len(traces)} allocation sites")
    finally:
        if load is not None:
            load.close()
        if servers is not None:
            servers.stop()
        os.environ.pop("BENCH_OURS_COMMAND", None)
    total = sum(t["bytes"] for t in traces)
    owners: Counter[str] = Counter()
    sites: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for t in traces:
        owners[_owner(t["stack"])] += t["bytes"]
        site = t["stack"][-1]
        sites[site] += t["bytes"]
        counts[site] += t["count"]
        examples.setdefault(site, t["stack"][-4:])
    n = max(ok, 1)
    print()
    print(
        f"{ok} idle connections: RSS +{(rss1 - rss0) / n:.1f} KB each (traced, slower); "
        f"Python allocations alive +{total / n / 1024:.1f} KB each"
    )
    print()
    print("by package (innermost frame outside the standard library), bytes per connection:")
    for owner, size in owners.most_common(top):
        print(f"  {size / n:8.0f}  {owner}")
    print()
    print("by allocation site, bytes and objects per connection (with the calling frames):")
    for site, size in sites.most_common(top):
        print(f"  {size / n:8.0f}  {counts[site] / n:5.1f}  {site}")
        for caller in reversed(examples[site][:-1]):
            print(f"  {'':8}  {'':5}    <- {caller}")
    return {
        "clients": ok,
        "rss_kb_per_conn": (rss1 - rss0) / n,
        "traced_bytes_per_conn": total / n,
        "owners": {k: v / n for k, v in owners.most_common()},
        "sites": {k: v / n for k, v in sites.most_common(200)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--top", type=int, default=25, help="rows per table")
    parser.add_argument("--quick", action="store_true", help="200 clients")
    parser.add_argument(
        "--collect",
        action="store_true",
        help="a full garbage collection before the snapshot (what is alive, not waiting)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.clients = 200
    live.raise_nofile()
    env = Environment(False)
    if args.collect:
        env.env["TRACED_DAPHNE_COLLECT"] = "1"
    log(f"backend: {env.kind}")
    live.describe_load("before the run")
    try:
        env.prepare()
        result = measure(env, args.clients, args.workers, args.top)
    finally:
        env.cleanup()
    live.describe_load("after the run")
    out_dir = live.BENCH / "results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"memory-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=1))
    log(f"results written to {path.relative_to(live.ROOT)}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
