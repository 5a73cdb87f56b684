"""Outcomes' part of the focal point's desk (``dialogue.desk``): each draft shared for comment
on which one of their states has not answered yet, with the deadline for comments; the same
for a head of delegation where the secretariat lets heads comment."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.desk import Need
from meetings.models import Outcome, OutcomeComment, OutcomeStatus


def comment_needs(user: Any) -> list[Need]:
    dialogues = {
        g.dialogue_id for g in permissions.standing(user).grants if g.kind == "focal_point"
    }
    # meetings where they may head their state's delegation (the outcome's setting decides)
    headed = {
        p.meeting_id
        for p in permissions.participations(user)
        if p.category == "head_of_delegation" and p.status == "approved" and p.state_id
    }
    if not dialogues and not headed:
        return []
    outcomes = (
        Outcome.objects.filter(status=OutcomeStatus.FOR_COMMENT)
        .filter(
            Q(meeting__dialogue_id__in=dialogues) | Q(heads_may_comment=True, meeting_id__in=headed)
        )
        .filter(Q(comment_deadline__isnull=True) | Q(comment_deadline__gt=timezone.now()))
        .select_related("meeting", "meeting__dialogue")
    )
    rows = [o for o in outcomes if permissions.can_view_outcome(user, o)]
    answered = set(
        OutcomeComment.objects.filter(outcome__in=rows).values_list("outcome_id", "state_id")
    )
    needs = []
    for outcome in rows:
        waiting = [
            s
            for s in permissions.states_commenting_for(user, outcome)
            if (outcome.pk, s) not in answered
        ]
        if waiting:
            needs.append(
                Need(
                    kind="comment",
                    text=_("Comment on the draft “%(title)s” (%(meeting)s)")
                    % {"title": outcome.title, "meeting": outcome.meeting.title},
                    url=reverse("outcome_detail", args=[outcome.pk]),
                    due=outcome.comment_deadline,
                    meeting_id=outcome.meeting_id,
                    zone=outcome.meeting.time_zone,
                )
            )
    return needs
