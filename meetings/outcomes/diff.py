"""A readable difference between two revisions of an outcome's text: paragraph by paragraph,
words within a changed paragraph, and paragraphs added, removed and moved.

Pure functions over plain text (a paragraph is a block separated by a blank line), so the page,
the PDF and the tests read the same result. Paragraphs are matched in order first (``difflib``
on the paragraphs); a removed paragraph whose text comes back elsewhere is *moved* (compared
word by word if it was also edited); a removed paragraph next to added ones is *changed* into
the most similar of them, and the rest are *added* (one paragraph split in two reads as the
first half changed and the second added).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Literal

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_WORDS = re.compile(r"\s+|[^\s]+")
# A paragraph edited this much or less is still "the same paragraph, changed"; below it, a
# removal and an addition.
SIMILAR_ENOUGH = 0.5

Status = Literal["same", "changed", "added", "removed", "moved"]


def paragraphs(text: str) -> list[str]:
    """The paragraphs of ``text``, numbered from 1 by their position in this list."""
    return [p.strip() for p in _PARAGRAPH_BREAK.split(text.replace("\r\n", "\n")) if p.strip()]


@dataclass(frozen=True)
class Piece:
    """A run of words: ``equal``, ``insert`` (only in the newer) or ``delete`` (only in the
    older)."""

    kind: Literal["equal", "insert", "delete"]
    text: str


@dataclass(frozen=True)
class ParagraphChange:
    status: Status
    old_number: int | None  # its number in the older revision (None when added)
    new_number: int | None  # in the newer (None when removed)
    pieces: list[Piece] = field(default_factory=list)

    @property
    def old_text(self) -> str:
        return "".join(p.text for p in self.pieces if p.kind != "insert")

    @property
    def new_text(self) -> str:
        return "".join(p.text for p in self.pieces if p.kind != "delete")


def words(old: str, new: str) -> list[Piece]:
    """Word-level difference of two paragraphs (spaces stay with the words around them)."""
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            pieces.append(Piece("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            pieces.append(Piece("insert", "".join(b[j1:j2])))
    return [p for p in pieces if p.text]


def _ratio(old: str, new: str) -> float:
    return difflib.SequenceMatcher(None, old.split(), new.split(), autojunk=False).ratio()


def compare(old_text: str, new_text: str) -> list[ParagraphChange]:
    """The changes from ``old_text`` to ``new_text``, in the order of the newer text (removed
    paragraphs where they stood)."""
    old, new = paragraphs(old_text), paragraphs(new_text)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    # First pass: what is equal in order, and the blocks that differ.
    rows: list[ParagraphChange] = []
    removed: list[int] = []  # indexes in ``old``
    added: list[int] = []  # indexes in ``new``
    blocks: list[tuple[list[int], list[int]]] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        blocks.append((list(range(i1, i2)), list(range(j1, j2))))
        removed.extend(range(i1, i2))
        added.extend(range(j1, j2))
    # Moved: a removed paragraph that comes back (the same, or nearly) somewhere else, outside
    # its own block.
    moved: dict[int, int] = {}  # new index -> old index
    for olds, news in blocks:
        for i in olds:
            candidates = [j for j in added if j not in news and j not in moved]
            best = max(candidates, key=lambda j: _ratio(old[i], new[j]), default=None)
            if best is not None and _ratio(old[i], new[best]) >= 0.9:
                moved[best] = i
    moved_old = set(moved.values())
    # Changed: within a block, each remaining old paragraph pairs with its most similar new one.
    changed: dict[int, int] = {}  # new index -> old index
    for olds, news in blocks:
        for i in olds:
            if i in moved_old:
                continue
            free = [j for j in news if j not in moved and j not in changed]
            best = max(free, key=lambda j: _ratio(old[i], new[j]), default=None)
            if best is not None and _ratio(old[i], new[best]) >= SIMILAR_ENOUGH:
                changed[best] = i
    paired_old = moved_old | set(changed.values())
    equal_new: dict[int, int] = {}
    for op, i1, i2, j1, _j2 in matcher.get_opcodes():
        if op == "equal":
            for k in range(i2 - i1):
                equal_new[j1 + k] = i1 + k
    # Removed paragraphs are shown before the paragraph that followed them in the older text.
    pending_removed = sorted(i for i in removed if i not in paired_old)
    old_position: dict[int, int] = {}  # new index -> the old index it stands for
    for j in range(len(new)):
        if j in equal_new:
            old_position[j] = equal_new[j]
        elif j in changed:
            old_position[j] = changed[j]
    for j, text in enumerate(new):
        anchor = old_position.get(j)
        if anchor is not None:
            while pending_removed and pending_removed[0] < anchor:
                i = pending_removed.pop(0)
                rows.append(ParagraphChange("removed", i + 1, None, [Piece("delete", old[i])]))
        if j in equal_new:
            i = equal_new[j]
            rows.append(ParagraphChange("same", i + 1, j + 1, [Piece("equal", text)]))
        elif j in moved:
            i = moved[j]
            rows.append(ParagraphChange("moved", i + 1, j + 1, words(old[i], text)))
        elif j in changed:
            i = changed[j]
            rows.append(ParagraphChange("changed", i + 1, j + 1, words(old[i], text)))
        else:
            rows.append(ParagraphChange("added", None, j + 1, [Piece("insert", text)]))
    for i in pending_removed:
        rows.append(ParagraphChange("removed", i + 1, None, [Piece("delete", old[i])]))
    return rows


def summary(changes: list[ParagraphChange]) -> dict[Status, int]:
    counts: dict[Status, int] = {"same": 0, "changed": 0, "added": 0, "removed": 0, "moved": 0}
    for change in changes:
        counts[change.status] += 1
    return counts
