"""The Node.js tools of the tests, locked in ``tests/js`` (ical.js, axe-core): installed with
``npm ci`` the first time one is missing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import _missing

JS_DIR = Path(__file__).resolve().parent / "js"


def node_module(name: str) -> Path:
    """``tests/js/node_modules/<name>``, installing the locked tools first when it is missing."""
    path = JS_DIR / "node_modules" / name
    if not path.is_dir():
        npm = shutil.which("npm")
        if npm is None:
            _missing(f"needs npm to install {name} (`npm ci --prefix tests/js`)")
        assert npm is not None
        subprocess.run([npm, "ci", "--prefix", str(JS_DIR)], check=True, timeout=300)
    return path
