"""Registration of delegations.

The secretariat sets a meeting's registration up (``setup``: deadlines, capacity, quotas,
follow-up questions); focal points nominate their state's people within the quota
(``nominations``, ``quotas``) and upload one nomination letter for the delegation
(``nomination_letters``); the secretariat approves, waitlists or rejects, and a seat that
frees promotes the waitlist in order (``decisions``); approved participants confirm and answer
the follow-up questions, and at the door their badge is scanned (``attendance``); what is held
about a person is erased when its time is up, or on request (``personal_data``).

Every action owns its transaction, asks ``dialogue.permissions`` (``access``), takes its row
locks in one order (``locks``) and publishes its event last (``notify``). What the database
enforces whatever the code does: one running nomination per person and meeting, one head per
delegation, one nomination per idempotency key.

Reads are in ``queries``; the pages in ``views`` and ``forms``, the desk at the door in
``check_in_desk``; ``participants`` lists and counts who takes part, ``printing`` prints
letters and badges.

Named here: the write actions, what they return, and the reads other packages use.
"""

from .attendance import CheckIn, check_in, confirm_participation, undo_check_in
from .decisions import BulkResult, approve, bulk_decide, reject, waitlist, withdraw
from .nomination_letters import upload_letter, verify_letter
from .nominations import (
    decide_funding,
    designate_head,
    invitation_for,
    nominate,
    replace,
    request_funding,
    update_details,
)
from .personal_data import (
    download_personal_data,
    erase_expired,
    erase_person,
    link_to_account,
    personal_data_of,
)
from .quotas import quota_lines
from .reach import Participant, approved_participants
from .setup import add_question, configure_registration, remove_question, remove_quota, set_quota

__all__ = [
    "BulkResult",
    "CheckIn",
    "Participant",
    "add_question",
    "approve",
    "approved_participants",
    "bulk_decide",
    "check_in",
    "configure_registration",
    "confirm_participation",
    "decide_funding",
    "designate_head",
    "download_personal_data",
    "erase_expired",
    "erase_person",
    "invitation_for",
    "link_to_account",
    "nominate",
    "personal_data_of",
    "quota_lines",
    "reject",
    "remove_question",
    "remove_quota",
    "replace",
    "request_funding",
    "set_quota",
    "undo_check_in",
    "update_details",
    "upload_letter",
    "verify_letter",
    "waitlist",
    "withdraw",
]
