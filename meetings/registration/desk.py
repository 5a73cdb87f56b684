"""Registration's part of the focal point's desk (``dialogue.desk``): each open registration
of their delegations with its deadline and seats left, and the nomination letter still to
upload once someone is nominated."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue.desk import Need

from .queries import open_delegations_for


def registration_needs(user: Any) -> list[Need]:
    needs: list[Need] = []
    for open in open_delegations_for(user):
        meeting, view = open.meeting, open.view
        due = view.settings.nomination_deadline if view.settings else None
        url = reverse("delegation_detail", args=[meeting.pk, open.state.code])
        seats = ngettext("%(n)s seat left", "%(n)s seats left", view.remaining) % {
            "n": view.remaining
        }
        needs.append(
            Need(
                kind="registration",
                text=_("Nominate the delegation of %(state)s to %(meeting)s")
                % {"state": open.state.name, "meeting": meeting.title},
                detail=seats,
                url=url,
                due=due,
                meeting_id=meeting.pk,
                zone=meeting.time_zone,
            )
        )
        if view.running and not view.letters:
            needs.append(
                Need(
                    kind="letter",
                    text=_("Upload the nomination letter of %(state)s for %(meeting)s")
                    % {"state": open.state.name, "meeting": meeting.title},
                    url=url + "#letter",
                    due=due,
                    meeting_id=meeting.pk,
                    zone=meeting.time_zone,
                )
            )
    return needs
