"""The Node.js tools of the tests, locked in ``tests/js`` (ical.js, axe-core): installed with
``npm ci`` the first time one is missing."""

from __future__ import annotations

import fcntl
import shutil
import subprocess
from pathlib import Path

from tests.conftest import _missing

JS_DIR = Path(__file__).resolve().parent / "js"


def node_module(name: str) -> Path:
    """``tests/js/node_modules/<name>``, installing the locked tools first when it is missing."""
    path = JS_DIR / "node_modules" / name
    if path.is_dir():
        return path
    npm = shutil.which("npm")
    if npm is None:
        _missing(f"needs npm to install {name} (`npm ci --prefix tests/js`)")
    assert npm is not None
    # Parallel test processes: one installs, the others wait for it and find the tools there.
    with (JS_DIR / ".install.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.is_dir():
            subprocess.run([npm, "ci", "--prefix", str(JS_DIR)], check=True, timeout=300)
    return path
