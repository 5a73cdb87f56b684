"""The maps (dialogue/world_map.py, dialogue/maps.py): drawn from the packaged vector map by ISO
3166 code (Kosovo XK included), valid SVG with a title, each shaded state a link to its page,
named for screen readers and on hover; on a dialogue's page and a meeting's public list."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from dialogue import world_map
from dialogue.maps import KIND_FILLS
from dialogue.models import Membership
from tests.conftest import World, client_for
from tests.factories import MembershipFactory, StateFactory

SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(markup)  # noqa: S314 - SVG this platform drew, not input


def test_packaged_map_has_the_dialogues_states_kosovo_included() -> None:
    shapes = world_map.shapes()
    for code in ("GE", "MD", "XK", "TR", "KZ", "AF", "IQ", "LI", "RU"):
        assert code in shapes, code
    assert shapes["XK"].rings
    # Liechtenstein is too small to see: it has a marker.
    assert shapes["LI"].marker is not None


def test_map_is_valid_svg_with_a_link_per_state_in_the_order_given() -> None:
    areas = [
        world_map.MapArea(
            "XK", "#0072B2", "/dialogues/x/states/XK/", "Kosovo: Participating state"
        ),
        world_map.MapArea("GE", "#E69F00", "/dialogues/x/states/GE/", "Georgia: Observer"),
        world_map.MapArea("ZZ", "#E69F00", "/nowhere/", "Nowhere"),
    ]
    drawn = str(world_map.render_map(areas, key="m", title="Members <map>", description="Two"))
    root = _svg(drawn)
    assert root.find(f"{SVG}title").text == "Members <map>"
    assert root.get("aria-labelledby") == "m-title m-desc"
    links = root.findall(f"{SVG}a")
    # A code the map does not know is left out of the drawing, not an error.
    assert [(a.get("href"), a.get("aria-label"), a.get("fill")) for a in links] == [
        ("/dialogues/x/states/XK/", "Kosovo: Participating state", "#0072B2"),
        ("/dialogues/x/states/GE/", "Georgia: Observer", "#E69F00"),
    ]
    assert links[0].find(f"{SVG}title").text == "Kosovo: Participating state"
    # The neighbours are drawn, hidden from assistive technology.
    grey = root.find(f"{SVG}g")
    assert grey.get("aria-hidden") == "true"
    assert len(grey) > 5


@pytest.mark.django_db
def test_dialogue_page_maps_its_member_states_by_kind(world: World) -> None:
    serbia = StateFactory(code="RS", name_i18n={"en": "Serbia"})
    kosovo = StateFactory(code="XK", name_i18n={"en": "Kosovo"})
    MembershipFactory(dialogue=world.dialogue, state=serbia)
    MembershipFactory(dialogue=world.dialogue, state=kosovo, kind=Membership.Kind.OBSERVER)
    MembershipFactory(
        dialogue=world.dialogue,
        state=None,
        organisation=world.organisation,
        kind=Membership.Kind.PARTNER,
    )
    page = client_for(None).get("/dialogues/budapest-process/").content.decode()
    start = page.index('<svg xmlns="http://www.w3.org/2000/svg" class="world-map"')
    root = _svg(page[start : page.index("</svg>", start) + 6])
    links = {a.get("data-code"): a for a in root.findall(f"{SVG}a")}
    assert set(links) == {"GE", "MD", "RS", "XK"}
    assert links["XK"].get("href") == "/dialogues/budapest-process/states/XK/"
    assert links["XK"].get("fill") == KIND_FILLS[Membership.Kind.OBSERVER]
    assert links["RS"].get("fill") == KIND_FILLS[Membership.Kind.PARTICIPATING]
    assert links["XK"].get("aria-label") == "Kosovo: Observer"
    # Partner organisations are listed beside the map.
    beside = page[page.index('<ul class="map-organisations">') :]
    assert world.organisation.label in beside[: beside.index("</ul>")]
    # Each link leads to a page that exists.
    assert client_for(None).get(links["XK"].get("href")).status_code == 200
