"""The maps the pages draw (``world_map`` draws them): a dialogue's member states shaded by the
kind of their membership, and the states whose delegations are at a meeting."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from .models import Dialogue, Membership
from .world_map import MapArea, render_map

# The charts' palette (dialogue/charts.py): apart for colour-blind readers and in grey.
KIND_FILLS: dict[str, str] = {
    Membership.Kind.PARTICIPATING: "#0072B2",
    Membership.Kind.OBSERVER: "#E69F00",
}
PRESENT_FILL = "#009E73"


def _state_href(dialogue: Dialogue, code: str) -> str:
    return reverse("state_detail", args=[dialogue.slug, code])


def membership_map(dialogue: Dialogue, memberships: Sequence[Membership]) -> SafeString:
    """The dialogue's member states (``memberships`` with a state, current ones), each linking
    to its page, participating states and observers in their colours."""
    areas = [
        MapArea(
            code=m.state.code,
            fill=KIND_FILLS.get(m.kind, KIND_FILLS[Membership.Kind.PARTICIPATING]),
            href=_state_href(dialogue, m.state.code),
            label=f"{m.state.name}: {m.get_kind_display()}",
        )
        for m in memberships
        if m.state is not None
    ]
    return render_map(
        areas,
        key="member-map",
        title=_("Map of the member states of %(dialogue)s") % {"dialogue": dialogue.name},
        description=_(
            "%(participating)d participating states and %(observers)d observers, shaded by "
            "kind; each state links to its page."
        )
        % {
            "participating": sum(
                1 for m in memberships if m.state and m.kind == Membership.Kind.PARTICIPATING
            ),
            "observers": sum(
                1 for m in memberships if m.state and m.kind == Membership.Kind.OBSERVER
            ),
        },
    )


def delegations_map(dialogue: Dialogue, states: Iterable[tuple[str, str]]) -> SafeString:
    """The states (``(code, name)``) whose delegations are at a meeting, each linking to its
    page in the dialogue."""
    listed = list(states)
    return render_map(
        [
            MapArea(
                code=code,
                fill=PRESENT_FILL,
                href=_state_href(dialogue, code),
                label=_("%(state)s: delegation present") % {"state": name},
            )
            for code, name in listed
        ],
        key="delegations-map",
        title=_("Map of the delegations present"),
        description=_("%(n)d states with a delegation in the list, each linking to its page.")
        % {"n": len(listed)},
    )
