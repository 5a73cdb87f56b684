"""Reads by key on the hottest paths, their SQL compiled once per connection and shape.

Building a queryset with joins and annotations and compiling it to SQL costs about 1 ms of CPU
(bench/pages.py --profile), for the same SQL on every request: the meeting page and the
meeting's calendar feed read one meeting that way each time. A ``KeptQuery`` builds its
queryset once per *shape* (what changes the SQL's text: which joins, which annotations) with
marks in place of the request's values, keeps the SQL, and runs it with each request's values,
making model instances as Django's own iterable does: the related objects of
``select_related``, the annotations as attributes, the database's converters.

The builder must pass each value straight into the queryset (``filter(pk=pk)``,
``Value(stream)``), never something computed from it: the SQL is compiled twice with different
marks, and a parameter or a text that differs between the two without being a mark (a value
built from a mark, a number written into the SQL) is refused when the shape is first compiled.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]  # Django's own, as its ModelIterable uses it

M = TypeVar("M", bound=Model)

_INT_MARK = -2_000_000_000  # far from any key, in the range of a 32-bit column


@dataclass(frozen=True)
class _Plan:
    sql: str
    # Per parameter: the name of the value it takes, or ``None`` and the constant it is.
    slots: tuple[tuple[str | None, Any], ...]
    make: Callable[[list[tuple[Any, ...]]], list[Any]]


class KeptQuery(Generic[M]):
    """``build(shape, **marks)`` returns the queryset for one shape with ``marks`` where the
    request's values go; ``rows(shape, **values)`` runs its kept SQL with ``values``."""

    def __init__(self, build: Callable[..., QuerySet[M]], *, using: str = "default") -> None:
        self.build = build
        self.using = using
        # Per connection (a thread's own), so a plan's compiler is never shared between threads.
        self._plans: weakref.WeakKeyDictionary[Any, dict[Hashable, _Plan]] = (
            weakref.WeakKeyDictionary()
        )

    def rows(self, shape: Hashable = (), **values: int | str) -> list[M]:
        connection = connections[self.using]
        plans = self._plans.get(connection)
        if plans is None:
            plans = self._plans[connection] = {}
        plan = plans.get(shape)
        if plan is None:
            plan = plans[shape] = self._compile(shape, values)
        params = [values[name] if name is not None else constant for name, constant in plan.slots]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            return plan.make(cursor.fetchall())

    def _compile(self, shape: Hashable, values: dict[str, Any]) -> _Plan:
        first, second = _marks(values, 0), _marks(values, 1)
        queryset = self.build(shape, **first)
        compiler = queryset.query.get_compiler(using=self.using)
        sql, params = compiler.as_sql()
        other_sql, other_params = self.build(shape, **second).query.sql_with_params()
        by_mark = {mark: name for name, mark in first.items()}
        slots: list[tuple[str | None, Any]] = []
        for param, other in zip(params, other_params, strict=True):
            name = by_mark.get(param)
            if name is not None and other == second[name]:
                slots.append((name, None))
            elif param == other and param not in by_mark:
                slots.append((None, param))
            else:
                raise ValueError(f"a value of the shape {shape!r} is not passed as it is given")
        if sql != other_sql or {name for name, _ in slots} - {None} != set(values):
            raise ValueError(f"a value of the shape {shape!r} is not passed as it is given")
        return _Plan(sql, tuple(slots), _maker(compiler, queryset.db))


def _marks(values: dict[str, Any], round_: int) -> dict[str, int | str]:
    counter = itertools.count(_INT_MARK + 1000 * round_)
    return {
        name: next(counter) if isinstance(value, int) else f"kept-mark-{round_}-{name}"
        for name, value in values.items()
    }


def _maker(compiler: Any, db: str) -> Callable[[list[tuple[Any, ...]]], list[Any]]:
    """Model instances from rows, as ``django.db.models.query.ModelIterable`` makes them."""
    select, klass_info = compiler.select, compiler.klass_info
    annotations = tuple(compiler.annotation_col_map.items())
    model = klass_info["model"]
    fields = klass_info["select_fields"]
    start, end = fields[0], fields[-1] + 1
    init_list = [column[0].target.attname for column in select[start:end]]
    populators = get_related_populators(klass_info, select, db)
    converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])
    width = compiler.col_count if compiler.has_extra_select else None

    def make(rows: list[tuple[Any, ...]]) -> list[Any]:
        found = []
        if width is not None:
            rows = [row[:width] for row in rows]
        for row in compiler.apply_converters(rows, converters) if converters else rows:
            obj = model.from_db(db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    return make
