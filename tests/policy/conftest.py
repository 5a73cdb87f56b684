from __future__ import annotations

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The tests of the permission table ordered by the parts of the scene they build (stable
    within the same parts): consecutive tests share them instead of building them again
    (``test_matrix._shared_world``). The other tests keep their places."""
    places = [i for i, item in enumerate(items) if item.nodeid.startswith(_MATRIX)]
    if not places:
        return
    matrix = [items[i] for i in places]

    def parts(item: pytest.Item) -> tuple[str, ...]:
        callspec = getattr(item, "callspec", None)
        row = callspec.params.get("row") if callspec else None
        return item.module.scene_parts(item.originalname, row)  # type: ignore[attr-defined,no-any-return]

    matrix.sort(key=parts)
    for place, item in zip(places, matrix, strict=True):
        items[place] = item


_MATRIX = "tests/policy/test_matrix.py::"
