"""The direction of imports (docs/architecture.md): notifications ← dialogue ← meetings ←
documents, read from the code's own imports with ``ast``.

- A lower floor imports nothing of a higher one at module level. ``notifications`` imports no
  domain app at all, not even for a type: it knows them through protocols. Above it, a name
  imported under ``TYPE_CHECKING`` is allowed (it never runs: a type, not a dependency of
  behaviour), and so is an import inside a function of a higher floor's *models* (a lazy look-up
  of its types and enums, as ``apps.get_model`` does); any other import inside a function is
  still a dependency, and fails.
- No circle of imports between the modules of an app (``meetings/`` above all, the largest),
  counting imports inside functions (they run too, later: a circle closed inside a function is
  a circle hidden, not opened) and not those under ``TYPE_CHECKING``. Importing a module of a
  package runs the package's ``__init__.py`` first, so an import of
  ``meetings.registration.queries`` from outside the package also reaches
  ``meetings.registration``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {"notifications": 1, "dialogue": 2, "meetings": 3, "documents": 4}
MODULE, FUNCTION, TYPE_CHECKING = "module", "function", "type_checking"

# A module's name → (its source, whether it is a package's __init__.py).
Sources = Mapping[str, tuple[str, bool]]


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    where: str  # MODULE, FUNCTION or TYPE_CHECKING

    def __str__(self) -> str:
        return f"{self.source}:{self.line} imports {self.target} ({self.where})"


def _module(path: Path) -> tuple[str, bool]:
    """``meetings/calendar/ical.py`` → ("meetings.calendar.ical", False); an ``__init__.py``
    names its package."""
    parts = list(path.with_suffix("").parts)
    package = parts[-1] == "__init__"
    return ".".join(parts[:-1] if package else parts), package


def read_apps() -> dict[str, tuple[str, bool]]:
    sources = {}
    for app in FLOORS:
        for path in sorted((ROOT / app).rglob("*.py")):
            name, package = _module(path.relative_to(ROOT))
            sources[name] = (path.read_text(encoding="utf-8"), package)
    return sources


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, package: bool, known: Sources) -> None:
        self.module, self.known = module, known
        self.package = module if package else module.rpartition(".")[0]
        self.where = MODULE
        self.found: list[Import] = []

    def _add(self, target: str, node: ast.stmt) -> None:
        self.found.append(Import(self.module, target, node.lineno, self.where))

    def _inside(self, where: str, nodes: list[ast.stmt]) -> None:
        outer, self.where = self.where, where if self.where == MODULE else self.where
        for node in nodes:
            self.visit(node)
        self.where = outer

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._inside(FUNCTION, node.body)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._inside(FUNCTION, node.body)

    def visit_If(self, node: ast.If) -> None:
        if _is_type_checking(node.test):
            self._inside(TYPE_CHECKING, node.body)
            self._inside(self.where, node.orelse)
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = node.module or ""
        if node.level:
            package = self.package.split(".")
            package = package[: len(package) - (node.level - 1)]
            base = ".".join([*package, *([base] if base else [])])
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self._add(submodule if submodule in self.known else base, node)


def imports_of(sources: Sources) -> list[Import]:
    found = []
    for module, (text, package) in sources.items():
        collector = _Collector(module, package, sources)
        collector.visit(ast.parse(text))
        found.extend(collector.found)
    return found


def _app(module: str) -> str:
    return module.partition(".")[0]


def upward_imports(imports: list[Import]) -> list[str]:
    """Imports from a lower floor to a higher one that the rules above do not allow."""
    wrong = []
    for found in imports:
        low, high = _app(found.source), _app(found.target)
        if high not in FLOORS or FLOORS[high] <= FLOORS[low]:
            continue
        lazy_models = found.where == FUNCTION and (
            found.target == f"{high}.models" or found.target.startswith(f"{high}.models.")
        )
        allowed = found.where == TYPE_CHECKING or lazy_models
        if low == "notifications" or not allowed:
            wrong.append(str(found))
    return wrong


def _packages_entered(source: str, target: str) -> Iterator[str]:
    """``target`` and each package above it that ``source`` is not already inside."""
    parts = target.split(".")
    for end in range(len(parts), 0, -1):
        name = ".".join(parts[:end])
        if not source.startswith(name + "."):
            yield name


def circles(imports: list[Import], app: str, known: Sources) -> list[list[str]]:
    """The groups of ``app``'s modules that import each other in a loop (imports under
    ``TYPE_CHECKING`` left out): each group's modules, then the imports that tie them."""
    edges: dict[str, dict[str, list[str]]] = {}
    for found in imports:
        if found.where == TYPE_CHECKING or _app(found.source) != app:
            continue
        for target in _packages_entered(found.source, found.target):
            if target in known and target != found.source:
                tie = f"{found.source}:{found.line} -> {target} ({found.where})"
                edges.setdefault(found.source, {}).setdefault(target, []).append(tie)
    # Tarjan's strongly connected components.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, {}):
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = [stack.pop()]
            while group[-1] != node:
                group.append(stack.pop())
            if len(group) > 1:
                ties = [
                    tie
                    for source in sorted(group)
                    for target, found in sorted(edges[source].items())
                    if target in group
                    for tie in found
                ]
                groups.append(sorted(group) + ties)

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return groups


def test_no_import_runs_up_a_floor() -> None:
    assert upward_imports(imports_of(read_apps())) == []


@pytest.mark.parametrize("app", FLOORS)
def test_no_circle_of_imports_inside_an_app(app: str) -> None:
    sources = read_apps()
    assert circles(imports_of(sources), app, sources) == []


# --- The rules themselves, on made-up modules --------------------------------------------------


def _made_up(text: str) -> dict[str, tuple[str, bool]]:
    """Modules written one after another, each under its path: ``--- meetings/agenda.py``."""
    sources = {}
    for block in text.split("--- ")[1:]:
        path, _, body = block.partition("\n")
        name, package = _module(Path(path.strip()))
        sources[name] = (body, package)
    return sources


def test_upward_imports_are_caught_except_types_and_lazy_models() -> None:
    sources = _made_up("""
--- dialogue/permissions.py
from typing import TYPE_CHECKING
from meetings.services import transition
if TYPE_CHECKING:
    from meetings.models import Meeting
def nominee(user):
    from meetings.models import Nomination
    from meetings.services import schedule_meeting
--- notifications/hub.py
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from dialogue.models import User
--- documents/views.py
from meetings.views import visible_meeting
--- meetings/services.py
--- meetings/models/__init__.py
--- meetings/views.py
""")
    assert upward_imports(imports_of(sources)) == [
        "dialogue.permissions:2 imports meetings.services (module)",
        "dialogue.permissions:7 imports meetings.services (function)",
        "notifications.hub:3 imports dialogue.models (type_checking)",
    ]


def test_circles_are_caught_through_functions_and_packages_not_type_checking() -> None:
    sources = _made_up("""
--- meetings/agenda.py
from meetings import events
--- meetings/events.py
def invite():
    from .calendar.ical import itip_attachments
--- meetings/calendar/__init__.py
--- meetings/calendar/ical.py
from meetings.agenda import public_items
--- meetings/registration/__init__.py
from .setup import configure
--- meetings/registration/setup.py
from meetings.reminders import send
--- meetings/registration/queries.py
from typing import TYPE_CHECKING
if TYPE_CHECKING:
    from meetings.reminders import Reminder
--- meetings/reminders.py
from meetings.registration import queries
""")
    assert circles(imports_of(sources), "meetings", sources) == [
        [
            "meetings.agenda",
            "meetings.calendar.ical",
            "meetings.events",
            "meetings.agenda:1 -> meetings.events (module)",
            "meetings.calendar.ical:1 -> meetings.agenda (module)",
            "meetings.events:2 -> meetings.calendar.ical (function)",
        ],
        [
            "meetings.registration",
            "meetings.registration.setup",
            "meetings.reminders",
            "meetings.registration:1 -> meetings.registration.setup (module)",
            "meetings.registration.setup:1 -> meetings.reminders (module)",
            "meetings.reminders:1 -> meetings.registration (module)",
        ],
    ]
