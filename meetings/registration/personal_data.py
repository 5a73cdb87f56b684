"""What registration holds about people: erased field by field when its retention ends, or for
one person on request; downloaded by the person; linked to their account when they verify
their address.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dialogue import permissions
from dialogue.audit import trail
from dialogue.models import AuditAction, User
from meetings import events
from meetings.models import (
    RUNNING,
    FollowUpAnswer,
    Nomination,
    NominationLetter,
    NominationStatus,
    ReminderEmail,
)

from . import access, audit, decisions
from .nominations import DETAIL_FIELDS

S = NominationStatus

# What other apps keep about a nominated person under their nomination (a document's mailed
# copy keeps the name and address it went to): each function erases it for the nominations
# whose ids it is given, in the erasing transaction. Registered by those apps (``ready``).
COPIES_ERASERS: list[Callable[[list[int]], None]] = []


def _erase_copies(nomination_ids: list[int]) -> None:
    """The name kept with each reminder e-mailed to these nominations, and what other apps keep
    under them (``COPIES_ERASERS``)."""
    ReminderEmail.objects.filter(nomination_id__in=nomination_ids).update(full_name="")
    for erase in COPIES_ERASERS:
        erase(nomination_ids)


ERASED_VALUES: dict[str, Any] = {
    "email": "",
    "full_name": "",
    "title": "",
    "affiliation": "",
    "phone": "",
    "nationality": "",
    "citizenship": "",
    "names": {},
    "date_of_birth": None,
    "passport_number": "",
    "passport_expires": None,
}


def erase_person(*, by: User, nomination: Nomination) -> int:
    """Erase, on the person's request, what is held about the person a nomination names in
    every meeting of the dialogues ``by`` serves: their details, answers and link to their
    account. Category, delegation, status, travel support and attendance stay, so the
    statistics still add up. A running nomination for a meeting not yet over is withdrawn
    first. Returns how many nominations were erased."""
    access.check_manager(by, nomination.meeting)
    served = permissions.dialogues_served_by(by)
    same_person = Q(email__iexact=nomination.email) if nomination.email else Q(pk=nomination.pk)
    if nomination.person_id:
        same_person |= Q(person_id=nomination.person_id)
    targets = Nomination.objects.filter(
        same_person, meeting__dialogue__in=served, erased_at__isnull=True
    )
    now = timezone.now()
    for running in targets.filter(status__in=RUNNING, meeting__ends_at__gt=now).select_related(
        "meeting"
    ):
        decisions.decide(
            by=by,
            nomination=running,
            to=S.WITHDRAWN,
            reason=_("Personal data erased on request"),
            event_type=events.NOMINATION_WITHDRAWN,
        )
    with transaction.atomic():
        erased = list(
            targets.select_for_update(of=("self",)).select_related(
                "meeting", "delegation__state", "delegation__organisation"
            )
        )
        ids = [n.pk for n in erased]
        FollowUpAnswer.objects.filter(nomination_id__in=ids).delete()
        _erase_copies(ids)
        count = Nomination.objects.filter(pk__in=ids).update(
            **ERASED_VALUES, person=None, listed_publicly=False, erased_at=now, updated_at=now
        )
        for nomination in erased:
            # Which nomination, by whom and what went; never who it was (that is what went).
            nomination.person, nomination.email = None, ""
            audit.record_nomination(
                AuditAction.PERSONAL_DATA_ERASED,
                nomination,
                by=by,
                details={"on_request": True, "fields": sorted(ERASED_VALUES)},
            )
        return count


def erase_expired(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Erase each personal field of nominations, each follow-up answer and each nomination
    letter once its retention after the meeting's end has passed
    (``settings.REGISTRATION_RETENTION_DAYS``, a question's own ``retention_days``). Returns the
    count erased per field. Run daily (``manage.py erase_expired_registration_data``)."""
    now = now or timezone.now()
    done: dict[str, int] = {}
    retention: dict[str, int] = settings.REGISTRATION_RETENTION_DAYS
    for name, days in retention.items():
        ended_before = now - datetime.timedelta(days=days)
        if name == "nomination_letters":
            letters = NominationLetter.objects.filter(delegation__meeting__ends_at__lt=ended_before)
            for letter in letters:
                letter.file.delete(save=False)
            done[name] = letters.delete()[0]
            continue
        expired = Nomination.objects.filter(meeting__ends_at__lt=ended_before).exclude(
            **{name: ERASED_VALUES[name]}
        )
        with transaction.atomic():
            per_meeting = list(
                expired.values("meeting_id", "meeting__dialogue_id")
                .annotate(n=Count("id"))
                .order_by("meeting_id")
            )
            if name in ("email", "full_name"):
                _erase_copies(list(expired.values_list("id", flat=True)))
                done[name] = expired.update(
                    **{name: ERASED_VALUES[name]}, person=None, listed_publicly=False, erased_at=now
                )
            else:
                done[name] = expired.update(**{name: ERASED_VALUES[name]})
            for row in per_meeting:
                trail.record(
                    AuditAction.PERSONAL_DATA_ERASED,
                    by=None,
                    dialogue=row["meeting__dialogue_id"],
                    meeting_id=row["meeting_id"],
                    object_type="meeting",
                    object_id=row["meeting_id"],
                    details={"on_request": False, "fields": [name], "nominations": row["n"]},
                )
    answers = FollowUpAnswer.objects.filter(question__meeting__ends_at__lt=now).select_related(
        "question__meeting"
    )
    expired_answers = [
        a.pk
        for a in answers
        if a.question.meeting.ends_at + datetime.timedelta(days=a.question.retention_days) < now
    ]
    done["follow_up_answers"] = FollowUpAnswer.objects.filter(pk__in=expired_answers).delete()[0]
    return done


def download_personal_data(*, user: User) -> dict[str, Any]:
    """Everything registration holds about ``user`` (``personal_data_of``), for them to
    download, the download recorded in the permanent record of each dialogue whose
    nominations it holds (which nominations, never their data). A download that holds no
    dialogue's data records nothing: it holds only the account's own name and address."""
    with transaction.atomic():
        data, nominations = _personal_data(user)
        by_dialogue: dict[int, list[Nomination]] = {}
        for nomination in nominations:
            by_dialogue.setdefault(nomination.meeting.dialogue_id, []).append(nomination)
        for dialogue_id, held in sorted(by_dialogue.items()):
            meetings = sorted({n.meeting_id for n in held})
            trail.record(
                AuditAction.PERSONAL_DATA_DOWNLOADED,
                by=user,
                dialogue=dialogue_id,
                meeting_id=meetings[0] if len(meetings) == 1 else None,
                object_type="account",
                object_id=user.pk,
                label=user.full_name or "",
                person=user,
                details={"nominations": [n.pk for n in held], "meetings": meetings},
            )
    return data


def personal_data_of(user: User) -> dict[str, Any]:
    """Everything registration holds about ``user``, for them to download."""
    return _personal_data(user)[0]


def _personal_data(user: User) -> tuple[dict[str, Any], list[Nomination]]:
    nominations = (
        Nomination.objects.filter(Q(person=user) | Q(person__isnull=True, email__iexact=user.email))
        .filter(erased_at__isnull=True)
        .select_related("meeting", "delegation__state", "delegation__organisation")
        .prefetch_related("follow_up_answers__question")
        .order_by("nominated_at")
    )
    held = list(nominations)
    return {
        "person": {"email": user.email, "full_name": user.full_name},
        "nominations": [
            {
                "meeting": n.meeting.title_i18n.as_dict(),
                "meeting_starts": n.meeting.starts_at.isoformat(),
                "delegation": n.delegation.member.name_i18n.as_dict(),
                "category": n.category,
                "status": n.status,
                "travel_support": n.funding,
                "nominated_at": n.nominated_at.isoformat(),
                "confirmed_at": n.confirmed_at.isoformat() if n.confirmed_at else None,
                "checked_in_at": n.checked_in_at.isoformat() if n.checked_in_at else None,
                "email": n.email,
                **{
                    name: (value.isoformat() if hasattr(value, "isoformat") else value)
                    for name in DETAIL_FIELDS
                    for value in [getattr(n, name)]
                },
                "follow_up_answers": [
                    {"question": a.question.text_i18n.as_dict(), "answer": a.answer}
                    for a in n.follow_up_answers.all()
                ],
            }
            for n in held
        ],
    }, held


def link_to_account(*, email: str, user_id: int) -> int:
    """Link the nominations naming ``email`` to the account that has just verified it (the
    address is the nominee's lock: whoever proves it is the nominee)."""
    return Nomination.objects.filter(
        person__isnull=True, erased_at__isnull=True, email__iexact=email
    ).update(person_id=user_id)
