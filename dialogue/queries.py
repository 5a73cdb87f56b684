"""Reads that cross relations or serve more than one page."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import Body, Dialogue, Membership, Office, Role, RoleKind, State
from .translations import in_text


def dialogue_with_structure(slug: str) -> Dialogue:
    """A dialogue with its bodies, offices and thematic areas, in a fixed number of queries."""
    offices = Office.objects.select_related("state").order_by("kind", "-starts_on")
    return Dialogue.objects.prefetch_related(
        "thematic_areas",
        Prefetch(
            "bodies",
            queryset=Body.objects.prefetch_related(
                Prefetch("offices", queryset=offices), "thematic_areas"
            ),
        ),
        Prefetch("offices", queryset=offices.filter(body__isnull=True), to_attr="own_offices"),
    ).get(slug=slug)


def memberships_of(dialogue: Dialogue) -> QuerySet[Membership]:
    """Every membership of the dialogue, current and past, members' names included."""
    return (
        Membership.objects.filter(dialogue=dialogue)
        .select_related("state", "organisation")
        .order_by(
            "kind", in_text("state__name_i18n"), in_text("organisation__name_i18n"), "-valid_from"
        )
    )


def focal_points_of(dialogue: Dialogue, state: State | None = None) -> QuerySet[Role]:
    roles = Role.objects.active().filter(
        dialogue=dialogue, kind=RoleKind.FOCAL_POINT, user__is_active=True
    )
    if state is not None:
        roles = roles.filter(state=state)
    return roles.select_related("user", "state").order_by(
        in_text("state__name_i18n"), "user__full_name"
    )


def delegation_of(dialogue: Dialogue, state: State) -> QuerySet[Role]:
    return (
        Role.objects.active()
        .filter(dialogue=dialogue, state=state, user__is_active=True)
        .select_related("user")
        .order_by("kind", "user__full_name")
    )


def current_memberships_of_states(state_ids: set[int]) -> QuerySet[Membership]:
    return (
        Membership.objects.current(timezone.localdate())
        .filter(state_id__in=state_ids)
        .select_related("dialogue", "state")
        .order_by(in_text("state__name_i18n"), in_text("dialogue__name_i18n"))
    )
