"""The meeting in session, live.

Where the room stands on the agenda (``room``: the item under discussion, closing it, the
room's delay, the protocol order and speaking time) and the list of speakers by delegation
(``speakers``: asking for the floor, points of order, withdrawing, giving the floor, moving,
closing the list, the tour de table). Every action owns its transaction, asks
``dialogue.permissions`` (``access``), takes the meeting's ``Sitting`` lock first (``locks``)
and publishes its event last (``events``: ``session.*`` and ``floor.*`` on ``meeting:<id>``).

Reads are in ``queries`` (what a meeting page, the big screen and the report show); the pages
in ``views`` and ``urls``: the session section of the meeting page and ``/meetings/<id>/now/``,
the big screen in the room.

Named here: the write actions, what they return, and the reads other packages use.
"""

from .room import close_item, configure_session, open_item, set_delay
from .speakers import (
    Requested,
    close_list,
    end_floor,
    give_floor,
    move_request,
    present_delegations,
    request_floor,
    tour_de_table,
    withdraw_floor,
)

__all__ = [
    "Requested",
    "close_item",
    "close_list",
    "configure_session",
    "end_floor",
    "give_floor",
    "move_request",
    "open_item",
    "present_delegations",
    "request_floor",
    "set_delay",
    "tour_de_table",
    "withdraw_floor",
]
