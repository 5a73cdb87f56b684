"""What an event's data must be.

Each event type declares its payload as a frozen dataclass (``registry.register(...,
payload=)``): its fields are the keys of ``data``, each of a JSON type, an enum of the domain
(a value of its choices), a ``Literal``, a list, a nested dataclass or ``X | None``. Nothing is
optional and nothing extra is allowed: a client reads the same keys from every event of a type.

``problems(payload, data)`` lists how ``data`` (as a client decodes it) differs from the
declaration; the tests run it on every event the services publish, as Zulip's
``verify_action`` does. ``fields(payload)`` describes a payload for the protocol's document.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from typing import Any

_JSON_NAMES: dict[Any, str] = {
    int: "int",
    str: "str",
    bool: "bool",
    float: "float",
    type(None): "null",
    Any: "any",
}


def check_declaration(payload: type) -> None:
    """Refuse a payload that is not a frozen dataclass (at registration, so it fails at start)."""
    params = getattr(payload, "__dataclass_params__", None)
    if not dataclasses.is_dataclass(payload) or params is None or not params.frozen:
        raise TypeError(f"an event payload is a frozen dataclass, not {payload!r}")


def problems(payload: type, data: Any, *, at: str = "data") -> list[str]:
    """How ``data`` differs from the dataclass ``payload``: a missing key, an extra key, a value
    of the wrong type; empty when it matches."""
    if not isinstance(data, Mapping):
        return [f"{at}: expected an object, got {type(data).__name__}"]
    hints = typing.get_type_hints(payload)
    declared = [f.name for f in dataclasses.fields(payload)]
    found = [f"{at}: missing key {name!r}" for name in declared if name not in data]
    found += [f"{at}: extra key {key!r}" for key in data if key not in hints]
    for name in declared:
        if name in data:
            found += _value_problems(hints[name], data[name], f"{at}.{name}")
    return found


def _value_problems(expected: Any, value: Any, at: str) -> list[str]:
    if expected is Any:
        return []
    origin = typing.get_origin(expected)
    arguments = typing.get_args(expected)
    if origin in (typing.Union, types.UnionType):
        if any(not _value_problems(option, value, at) for option in arguments):
            return []
        return [f"{at}: {value!r} is not {label(expected)}"]
    if origin is typing.Literal:
        return [] if value in arguments else [f"{at}: {value!r} is not one of {arguments}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{at}: expected a list, got {value!r}"]
        return [
            p
            for i, item in enumerate(value)
            for p in _value_problems(arguments[0], item, f"{at}[{i}]")
        ]
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            return [f"{at}: expected an object, got {value!r}"]
        return [
            p for k, item in value.items() for p in _value_problems(arguments[1], item, f"{at}.{k}")
        ]
    if dataclasses.is_dataclass(expected):
        return problems(expected, value, at=at)  # type: ignore[arg-type]  # a class, by the test
    if isinstance(expected, type) and issubclass(expected, enum.Enum):
        values = [member.value for member in expected]
        return [] if value in values else [f"{at}: {value!r} is not a value of {expected.__name__}"]
    if expected is type(None):
        return [] if value is None else [f"{at}: expected null, got {value!r}"]
    if expected is float:
        fits = isinstance(value, int | float) and not isinstance(value, bool)
    elif expected is int:
        fits = isinstance(value, int) and not isinstance(value, bool)
    else:
        fits = isinstance(value, expected)
    return [] if fits else [f"{at}: expected {label(expected)}, got {value!r}"]


def label(expected: Any) -> str:
    """A short name of a declared type, as the protocol's document shows it."""
    origin = typing.get_origin(expected)
    arguments = typing.get_args(expected)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(label(option) for option in arguments)
    if origin is typing.Literal:
        return " or ".join(f'"{value}"' for value in arguments)
    if origin is list:
        return f"list of {label(arguments[0])}"
    if origin is dict:
        return "object"
    if isinstance(expected, type) and issubclass(expected, enum.Enum):
        return f"{expected.__name__} (" + ", ".join(str(m.value) for m in expected) + ")"
    if isinstance(expected, type) and dataclasses.is_dataclass(expected):
        return expected.__name__
    return _JSON_NAMES.get(expected, getattr(expected, "__name__", str(expected)))


def fields(payload: type) -> list[tuple[str, str]]:
    """``(key, type)`` of each key of a payload, in declaration order."""
    hints = typing.get_type_hints(payload)
    return [(f.name, label(hints[f.name])) for f in dataclasses.fields(payload)]
