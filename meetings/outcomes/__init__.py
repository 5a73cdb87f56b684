"""Outcomes of a meeting (conclusions, decisions, the chair's summary) and its action points.

``services`` holds the write actions named here, and the reads of the comment table;
``views`` and ``forms`` the pages.
"""

from .services import (
    add_action_point,
    adopt,
    change_outcome,
    comment,
    draft_outcome,
    set_action_point_status,
    share_for_comment,
    share_with_chair,
)

__all__ = [
    "add_action_point",
    "adopt",
    "change_outcome",
    "comment",
    "draft_outcome",
    "set_action_point_status",
    "share_for_comment",
    "share_with_chair",
]
