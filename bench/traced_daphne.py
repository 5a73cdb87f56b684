"""Daphne under ``tracemalloc``, for ``bench/memory.py``: the same command line as ``daphne``.

SIGUSR1 starts tracing (the start-up of Django is not slowed down by it); SIGUSR2 writes what
was allocated since then and is still alive, by allocation site (with its stack), to the JSON
file named by ``TRACED_DAPHNE_OUT`` (after a full collection when ``TRACED_DAPHNE_COLLECT`` is
set). The signals are handled between the event loop's steps, in the main thread.
"""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import sys
import tracemalloc
from pathlib import Path
from typing import Any

FRAMES = 10
STDLIB = re.compile(r"/lib/python3\.\d+/")


def _site(frame: tracemalloc.Frame) -> str:
    """``package/module.py:line``: site-packages and the standard library's folder left out
    (a module of the standard library is ``stdlib/...``), the project's files by its root."""
    path = frame.filename
    if "site-packages/" in path:
        path = path.split("site-packages/", 1)[1]
    elif STDLIB.search(path):
        path = "stdlib/" + STDLIB.split(path, 1)[1]
    else:
        path = path.removeprefix(str(Path(__file__).resolve().parent.parent) + "/")
    return f"{path}:{frame.lineno}"


def _start(signum: int, frame: Any) -> None:
    tracemalloc.start(FRAMES)


def _write_growth(signum: int, frame: Any) -> None:
    if os.environ.get("TRACED_DAPHNE_COLLECT"):
        gc.collect()  # what is left is alive, not garbage waiting for the collector
    snapshot = tracemalloc.take_snapshot()
    tracemalloc.stop()
    traces = [
        {
            "bytes": stat.size,
            "count": stat.count,
            "stack": [_site(f) for f in stat.traceback],  # innermost last
        }
        for stat in snapshot.statistics("traceback")
    ]
    out = os.environ.get("TRACED_DAPHNE_OUT", "traced-daphne.json")
    Path(out).write_text(json.dumps(traces))


def main() -> None:
    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _write_growth)
    from daphne.cli import CommandLineInterface

    sys.argv[0] = "daphne"
    CommandLineInterface.entrypoint()


if __name__ == "__main__":
    main()
