"""Whom a circulation reaches, before it is sent (the secretariat's preview) and as it is sent
(``services.circulate``): nobody of the audience is left out silently.

The audience's people with an account receive it through the platform when every document's
distribution admits them; the approved participants of the meeting who have no account yet
receive the links by e-mail (the outbox), under the same rule applied to their delegation; the
others are listed with the reason. "Check their distribution" is said only when a marking is
the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext as _

from dialogue import audiences, permissions
from dialogue.models import Dialogue, Organisation, Role, RoleKind, State, User
from meetings.models import Meeting
from meetings.registration.reach import Participant, approved_participants

from . import events, queries
from .models import Audience, Document, Marking

# Why someone of the audience is not reached.
MARKING = "marking"
NO_ADDRESS = "no_address"
DEACTIVATED = "deactivated"
NOT_VERIFIED = "not_verified"


def why(reason: str) -> str:
    """The sentence for a reason someone is left out (kept as a code with the circulation)."""
    sentences = {
        MARKING: _("a document's distribution does not admit them"),
        NO_ADDRESS: _("no e-mail address (their personal data was erased)"),
        DEACTIVATED: _("their account is deactivated"),
        NOT_VERIFIED: _("they have not verified their e-mail address yet"),
    }
    return sentences.get(reason, reason)


@dataclass(frozen=True)
class Addressee:
    """One person of the audience: reached (how) or not (why)."""

    name: str
    email: str
    delegation: str
    how: str = ""  # "account" or "email"; empty when not reached
    why: str = ""  # a sentence when not reached
    reason: str = ""  # MARKING, NO_ADDRESS or DEACTIVATED


@dataclass
class Reach:
    """A circulation's audience: the accounts that get receipts, the participants written to
    by e-mail, and who is left out and why."""

    accounts: list[int] = field(default_factory=list)
    by_email: list[Participant] = field(default_factory=list)
    reached: list[Addressee] = field(default_factory=list)
    left_out: list[Addressee] = field(default_factory=list)

    def left_out_record(self) -> list[dict[str, str]]:
        """Who is left out, as the circulation keeps it."""
        return [
            {"name": a.name, "delegation": a.delegation, "reason": a.reason} for a in self.left_out
        ]

    @property
    def marking_is_a_reason(self) -> bool:
        return any(a.reason == MARKING for a in self.left_out)

    @property
    def nobody(self) -> bool:
        return not self.accounts and not self.by_email

    def refusal(self) -> str:
        """What to say when nobody would be reached."""
        if self.marking_is_a_reason:
            return _("Nobody in this audience may see these documents: check their distribution.")
        if self.left_out:
            return _("Nobody in this audience can be reached: see why each person is left out.")
        return _("Nobody is in this audience yet.")


def _marking_admits(document: Document, participant: Participant) -> bool:
    """Whether a document's distribution admits an approved participant of its meeting, by
    their delegation (as ``permissions.documents_visible_to`` does once they have an account)."""
    delegation = participant.nomination.delegation
    marking = document.marking
    if marking in (Marking.PUBLIC, Marking.PARTICIPANTS):
        return True
    if marking == Marking.MEMBER_STATES:
        return delegation.state_id is not None
    if marking == Marking.DELEGATIONS:
        named_states = {s.pk for s in document.named_states.all()}
        named_organisations = {o.pk for o in document.named_organisations.all()}
        return (
            delegation.state_id in named_states or delegation.organisation_id in named_organisations
        )
    return False  # internal


def _delegation_name(state: State | None, organisation: Organisation | None) -> str:
    member = state or organisation
    return str(member.name) if member is not None else ""


def audience_candidates(
    *,
    dialogue: Dialogue,
    meeting: Meeting | None,
    audience: str,
    states: Iterable[State] = (),
    organisations: Iterable[Organisation] = (),
) -> set[int]:
    """The people an audience names, before the documents' markings are applied."""
    if audience == Audience.PARTICIPANTS:
        if meeting is None:
            raise ValidationError(_("Only a meeting has registered participants."))
        return set(permissions.registered_participants(meeting).values_list("pk", flat=True))
    roles = Role.objects.active().filter(dialogue=dialogue, user__is_active=True)
    if audience == Audience.FOCAL_POINTS:
        return set(roles.filter(kind=RoleKind.FOCAL_POINT).values_list("user_id", flat=True))
    if audience != Audience.DELEGATIONS:
        raise ValidationError(_("Choose whom to send the documents to."))
    state_ids = [s.pk for s in states]
    organisation_ids = [o.pk for o in organisations]
    if not state_ids and not organisation_ids:
        raise ValidationError(_("Name the delegations to send the documents to."))
    people = set(
        roles.filter(
            Q(kind__in=[RoleKind.FOCAL_POINT, RoleKind.DELEGATE], state_id__in=state_ids)
            | Q(kind=RoleKind.OBSERVER, organisation_id__in=organisation_ids)
        ).values_list("user_id", flat=True)
    )
    if meeting is not None:
        people |= set(
            permissions.registered_participants(meeting)
            .filter(
                Q(nominations__meeting=meeting, nominations__delegation__state_id__in=state_ids)
                | Q(
                    nominations__meeting=meeting,
                    nominations__delegation__organisation_id__in=organisation_ids,
                )
            )
            .values_list("pk", flat=True)
        )
    return people


def reach_of(
    *,
    by: User,
    dialogue: Dialogue,
    meeting: Meeting | None,
    audience: str,
    documents: Sequence[Document],
    states: Iterable[State] = (),
    organisations: Iterable[Organisation] = (),
) -> Reach:
    """Whom sending ``documents`` to ``audience`` reaches, and who is left out and why (the
    sender is never counted). Raises ``ValidationError`` for an audience that names nobody."""
    states, organisations = list(states), list(organisations)
    candidates = audience_candidates(
        dialogue=dialogue,
        meeting=meeting,
        audience=audience,
        states=states,
        organisations=organisations,
    )
    candidates.discard(by.pk)
    users = permissions.load_users(candidates)
    facts = [events.document_audience(d) for d in documents]
    entitled = set(users.values())
    for fact in facts:
        entitled = set(audiences.receivers(fact, list(entitled)))
    accounts = sorted(u.pk for u in entitled)
    delegations = queries.delegations_of(
        candidates, dialogue_id=dialogue.pk, meeting_id=meeting.pk if meeting else None
    )
    state_names = {
        s.pk: s for s in State.objects.filter(pk__in=[d[0] for d in delegations.values() if d[0]])
    }
    organisation_names = {
        o.pk: o
        for o in Organisation.objects.filter(pk__in=[d[1] for d in delegations.values() if d[1]])
    }
    result = Reach(accounts=accounts)
    admitted = set(accounts)
    for uid, user in sorted(users.items(), key=lambda pair: str(pair[1])):
        state_id, organisation_id = delegations.get(uid, (None, None))
        name = _delegation_name(
            state_names.get(state_id or 0), organisation_names.get(organisation_id or 0)
        )
        if uid in admitted:
            result.reached.append(Addressee(str(user), user.email, name, how="account"))
        elif not getattr(user, "email_verified", True):
            result.left_out.append(
                Addressee(
                    str(user),
                    user.email,
                    name,
                    why=_("they have not verified their e-mail address yet"),
                    reason=NOT_VERIFIED,
                )
            )
        else:
            result.left_out.append(
                Addressee(
                    str(user),
                    user.email,
                    name,
                    why=_("a document's distribution does not admit them"),
                    reason=MARKING,
                )
            )
    if meeting is not None and audience in (Audience.PARTICIPANTS, Audience.DELEGATIONS):
        named = audience == Audience.DELEGATIONS
        for participant in approved_participants(
            meeting,
            states=[s.pk for s in states] if named else None,
            organisations=[o.pk for o in organisations] if named else None,
        ):
            nomination = participant.nomination
            if nomination.person_id is not None and participant.reachable_by_account:
                continue  # an account: counted above
            name = nomination.delegation.member.name
            why = participant.unreachable_because
            if why:
                reason = DEACTIVATED if nomination.person_id else NO_ADDRESS
                result.left_out.append(
                    Addressee(
                        nomination.full_name, nomination.email, str(name), why=why, reason=reason
                    )
                )
            elif not all(_marking_admits(d, participant) for d in documents):
                result.left_out.append(
                    Addressee(
                        nomination.full_name,
                        nomination.email,
                        str(name),
                        why=_("a document's distribution does not admit them"),
                        reason=MARKING,
                    )
                )
            else:
                result.by_email.append(participant)
                result.reached.append(
                    Addressee(nomination.full_name, nomination.email, str(name), how="email")
                )
    return result
