"""The table of event types and their payloads that ``docs/live-protocol.md`` shows, made from
the registry (``notifications.registry``): print it, or ``--write`` it into the document
between its markers. A test checks the document lists exactly the registered types."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from notifications import payloads, registry

BEGIN = "<!-- BEGIN event types: `python manage.py event_types --write docs/live-protocol.md` -->"
END = "<!-- END event types -->"


def _own_fields(payload: type) -> tuple[type | None, list[tuple[str, str]]]:
    """The dataclass ``payload`` extends (if any), and the keys it adds."""
    base = next((b for b in payload.__bases__ if dataclasses.is_dataclass(b)), None)
    inherited = {name for name, _ in payloads.fields(base)} if base else set()
    return base, [(name, kind) for name, kind in payloads.fields(payload) if name not in inherited]


def _with_bases(payload: type) -> list[type]:
    """``payload``, the dataclasses it extends (first) and those its keys hold (after it)."""
    base, _ = _own_fields(payload)
    nested = [
        found for hint in typing.get_type_hints(payload).values() for found in _dataclasses_in(hint)
    ]
    return [*(_with_bases(base) if base else []), payload, *nested]


def _dataclasses_in(hint: Any) -> list[type]:
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _with_bases(hint)
    return [found for argument in typing.get_args(hint) for found in _dataclasses_in(argument)]


def table() -> str:
    """The Markdown between the markers: a row per type, then each payload's keys."""
    known = registry.event_types()
    with translation.override("en"):
        lines = [
            "| event | category | inbox and e-mail | payload |",
            "|---|---|---|---|",
            *(
                f"| `{t.name}` | {t.category.label} | {'yes' if t.in_inbox else 'live only'} "
                f"| `{t.payload.__name__}` |"
                for t in known
            ),
        ]
    lines += ["", "Payloads (every key is always sent, and no other):", ""]
    shown: list[type] = []
    for kind in known:
        shown += [p for p in _with_bases(kind.payload) if p not in shown]
    for payload in shown:
        base, own = _own_fields(payload)
        keys = ", ".join(f"`{name}` {kind}" for name, kind in own)
        extends = f"the keys of `{base.__name__}` and " if base else ""
        lines.append(f"- `{payload.__name__}`: {extends}{keys}")
    return "\n".join(lines)


def replace_table(text: str, generated: str) -> str:
    """``text`` with what stands between the markers replaced by ``generated``."""
    if BEGIN not in text or END not in text:
        raise CommandError(f"the document has no markers {BEGIN!r} … {END!r}")
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{generated}\n{END}{tail}"


class Command(BaseCommand):
    help = "Print the event types and their payloads (or --write them into a document)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--write", metavar="PATH", help="replace the table in this file")

    def handle(self, *args: Any, **options: Any) -> None:
        generated = table()
        if not options["write"]:
            self.stdout.write(generated)
            return
        path = Path(options["write"])
        path.write_text(replace_table(path.read_text(), generated))
        self.stdout.write(f"wrote {len(registry.event_types())} event types into {path}")
