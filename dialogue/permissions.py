"""The permission policy: the one place that answers "may this user do this to that" and
"which of these may this user see".

Every door asks here: views, the admin, exports, the live consumers, replay and e-mail fan-out.
Predicates are plain functions named for the question they answer; ``allowed()`` maps the action
names used in the permission table (``tests/policy/matrix.toml``) onto them. Who may receive an
event is answered in ``dialogue.audiences``, from the same predicates.

A user's standing (active roles, verified address) is loaded once and kept on the user object
for the request; long-lived holders of a user (WebSocket consumers) call ``forget()`` before
asking again, so a revoked role or a deactivated account counts at once.

What HTTP enforces in a middleware is decided here too, so every door asks the same question:
a secretariat account (or a superuser) that has not set up TOTP while
``SECRETARIAT_REQUIRES_2FA`` is on stands with no roles at all, no more than an anonymous
visitor, until it does (``needs_two_factor_setup``; the middleware sends it to the set-up page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import F, Q, QuerySet

from .members import Member, OfMember, ids_of
from .models import (
    SECRETARIAT_ROLES,
    Dialogue,
    Invitation,
    Organisation,
    Role,
    RoleKind,
    State,
    User,
)

if TYPE_CHECKING:
    from documents.models import Circulation, Document
    from meetings.models import Meeting, Nomination, Outcome

AnyUser = User | AnonymousUser

_CACHE_ATTRIBUTE = "_dialogue_standing"
_PARTICIPANT_ATTRIBUTE = "_dialogue_participant_of"


@dataclass(frozen=True)
class Grant:
    dialogue_id: int
    kind: str
    state_id: int | None
    organisation_id: int | None


@dataclass(frozen=True)
class Standing:
    """What the policy knows about a user: frozen for one request."""

    authenticated: bool = False
    superuser: bool = False
    grants: tuple[Grant, ...] = field(default=())
    # Secretariat (or superuser) without TOTP while it is required: nothing else counts.
    needs_two_factor: bool = False

    def has(
        self,
        kinds: Iterable[str],
        *,
        dialogue_id: int | None = None,
        state_id: int | None = None,
        organisation_id: int | None = None,
    ) -> bool:
        wanted = set(kinds)
        return any(
            g.kind in wanted
            and (dialogue_id is None or g.dialogue_id == dialogue_id)
            and (state_id is None or g.state_id == state_id)
            and (organisation_id is None or g.organisation_id == organisation_id)
            for g in self.grants
        )

    def dialogue_ids(self, kinds: Iterable[str]) -> set[int]:
        wanted = set(kinds)
        return {g.dialogue_id for g in self.grants if g.kind in wanted}


NOBODY = Standing()
AWAITING_TWO_FACTOR = Standing(needs_two_factor=True)


def standing(user: AnyUser | None) -> Standing:
    """The user's active roles; an inactive or unverified account has none, and neither has a
    secretariat account that still has to set up two-factor authentication."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NOBODY
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    from allauth.account.models import EmailAddress

    verified = getattr(user, "email_verified", None)
    if verified is None:
        verified = EmailAddress.objects.filter(user_id=user.pk, verified=True).exists()
    grants: tuple[Grant, ...] = ()
    if verified:
        grants = tuple(
            Grant(*row)
            for row in Role.objects.active()
            .filter(user_id=user.pk)
            .values_list("dialogue_id", "kind", "state_id", "organisation_id")
        )
    result = _settled(user, verified, grants)
    setattr(user, _CACHE_ATTRIBUTE, result)
    return result


def settle(
    user: User, grants: tuple[Grant, ...], own: tuple[Participation, ...] | None = None
) -> None:
    """Keep on ``user`` the standing made of ``grants`` (their active roles, read with them:
    ``dialogue/signed_in.py``) and the address and second factor loaded with them, as
    ``standing`` would have read it; and ``own``, their nominations, as ``participations``
    would have read them."""
    verified = bool(getattr(user, "email_verified", False))
    setattr(user, _CACHE_ATTRIBUTE, _settled(user, verified, grants if verified else ()))
    if own is not None:
        setattr(user, _PARTICIPANT_ATTRIBUTE, own)


def _settled(user: User, verified: bool, grants: tuple[Grant, ...]) -> Standing:
    """The standing of a loaded user; the two-factor wall is asked here, for every door."""
    if not verified:
        return NOBODY
    full = Standing(authenticated=True, superuser=user.is_superuser, grants=grants)
    if (
        settings.SECRETARIAT_REQUIRES_2FA
        and (full.superuser or full.has(SECRETARIAT_ROLES))
        and not _has_second_factor(user)
    ):
        return AWAITING_TWO_FACTOR
    return full


def _has_second_factor(user: User) -> bool:
    """TOTP or a passkey (WebAuthn). Loaded with the user (``UserManager`` annotates it);
    asked of the database otherwise."""
    loaded = getattr(user, "two_factor_set_up", None)
    if loaded is not None:
        return bool(loaded)
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(
        user_id=user.pk, type__in=(Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
    ).exists()


def needs_two_factor_setup(user: AnyUser | None) -> bool:
    """A secretariat account (or superuser) that must set up TOTP before anything else: HTTP
    sends it to the set-up page, every other door treats it as having no roles."""
    return standing(user).needs_two_factor


def is_signed_in_as(user: AnyUser | None, person_id: int | None) -> bool:
    """``user`` is the person ``person_id``: signed in, active and past the two-factor wall."""
    return (
        user is not None
        and user.is_authenticated
        and user.is_active
        and user.pk == person_id
        and not needs_two_factor_setup(user)
    )


def forget(user: AnyUser | None) -> None:
    """Drop the cached standing so the next question reads the database again."""
    for attribute in (_CACHE_ATTRIBUTE, _PARTICIPANT_ATTRIBUTE):
        if user is not None and hasattr(user, attribute):
            delattr(user, attribute)


# --- Who someone is -------------------------------------------------------------------------


def is_secretariat(user: AnyUser | None, dialogue: Dialogue) -> bool:
    return is_secretariat_of_dialogue_id(user, dialogue.pk)


def is_secretariat_admin(user: AnyUser | None, dialogue: Dialogue | None = None) -> bool:
    s = standing(user)
    return s.superuser or s.has(
        [RoleKind.SECRETARIAT_ADMIN], dialogue_id=dialogue.pk if dialogue else None
    )


def can_read_audit_trail(user: AnyUser | None, dialogue: Dialogue) -> bool:
    """The permanent record of a dialogue (who decided what, who read whose personal data) is
    its secretariat admin's to read and export; nobody may change it."""
    return is_secretariat_admin(user, dialogue)


def is_member_of(user: AnyUser | None, dialogue: Dialogue) -> bool:
    """Has any active role in the dialogue (delegate, focal point, observer, chair, secretariat)."""
    return is_member_of_dialogue_id(user, dialogue.pk)


def is_focal_point(user: AnyUser | None, dialogue: Dialogue, state: State) -> bool:
    return standing(user).has([RoleKind.FOCAL_POINT], dialogue_id=dialogue.pk, state_id=state.pk)


def focal_point_states(user: AnyUser | None) -> set[int]:
    return {
        g.state_id for g in standing(user).grants if g.kind == RoleKind.FOCAL_POINT and g.state_id
    }


# --- Dialogue structure ---------------------------------------------------------------------


def can_view_dialogue(user: AnyUser | None, dialogue: Dialogue) -> bool:
    """Dialogues, their bodies, members and office-holders are public information."""
    return True


def can_view_focal_point_names(user: AnyUser | None, dialogue: Dialogue) -> bool:
    """Names of government officials are for the dialogue's own members only."""
    return is_member_of(user, dialogue)


def can_view_delegation(user: AnyUser | None, dialogue: Dialogue, state: State) -> bool:
    """The people holding roles for a state: the secretariat and that state's focal point."""
    return is_secretariat(user, dialogue) or is_focal_point(user, dialogue, state)


def can_change_reference_data(user: AnyUser | None, dialogue: Dialogue) -> bool:
    """Bodies, thematic areas, memberships and offices of a dialogue."""
    return is_secretariat(user, dialogue)


def can_change_shared_reference_data(user: AnyUser | None) -> bool:
    """States and organisations are shared by every dialogue: secretariat admins only."""
    return is_secretariat_admin(user)


def can_manage_roles(user: AnyUser | None, dialogue: Dialogue) -> bool:
    return is_secretariat_admin(user, dialogue)


# --- Invitations ----------------------------------------------------------------------------

INVITABLE_BY_STAFF = frozenset(
    {RoleKind.FOCAL_POINT, RoleKind.DELEGATE, RoleKind.OBSERVER, RoleKind.CHAIR}
)


def can_invite(
    user: AnyUser | None,
    dialogue: Dialogue,
    kind: str,
    state: State | None = None,
    organisation: Organisation | None = None,
) -> bool:
    """The secretariat invites anyone (admins also secretariat colleagues); a focal point
    invites delegates of their own state only."""
    if is_secretariat_admin(user, dialogue):
        return True
    if is_secretariat(user, dialogue):
        return kind in INVITABLE_BY_STAFF
    return (
        kind == RoleKind.DELEGATE
        and state is not None
        and organisation is None
        and is_focal_point(user, dialogue, state)
    )


def can_invite_anyone(user: AnyUser | None) -> bool:
    s = standing(user)
    return s.superuser or s.has([*SECRETARIAT_ROLES, RoleKind.FOCAL_POINT])


def invitations_visible_to(user: AnyUser | None) -> QuerySet[Invitation]:
    s = standing(user)
    qs = Invitation.objects.select_related("dialogue", "state", "organisation", "invited_by")
    if s.superuser:
        return qs
    condition = Q(dialogue_id__in=s.dialogue_ids(SECRETARIAT_ROLES))
    for g in s.grants:
        if g.kind == RoleKind.FOCAL_POINT:
            condition |= Q(dialogue_id=g.dialogue_id, state_id=g.state_id, kind=RoleKind.DELEGATE)
    return qs.filter(condition)


def can_withdraw_invitation(user: AnyUser | None, invitation: Invitation) -> bool:
    return invitations_visible_to(user).filter(pk=invitation.pk).exists()


# --- People and their personal data ---------------------------------------------------------


def people_visible_to(user: AnyUser | None) -> QuerySet[User]:
    """People whose profile (personal data) the user may see: themselves, everyone holding a
    role in a dialogue they serve as secretariat, and their own state's people as focal point."""
    s = standing(user)
    if s.superuser:
        return User.objects.all()
    if not s.authenticated or user is None:
        return User.objects.none()
    condition = Q(pk=user.pk)
    secretariat_of = s.dialogue_ids(SECRETARIAT_ROLES)
    if secretariat_of:
        condition |= Q(roles__dialogue_id__in=secretariat_of)
    for g in s.grants:
        if g.kind == RoleKind.FOCAL_POINT:
            condition |= Q(roles__dialogue_id=g.dialogue_id, roles__state_id=g.state_id)
    return User.objects.filter(condition).distinct()


def can_view_person(user: AnyUser | None, person: User) -> bool:
    if is_signed_in_as(user, person.pk):
        return True
    return people_visible_to(user).filter(pk=person.pk).exists()


# --- The admin ------------------------------------------------------------------------------


def can_use_admin(user: AnyUser | None) -> bool:
    return serves_any_dialogue(user)


def serves_any_dialogue(user: AnyUser | None) -> bool:
    """Secretariat of some dialogue (or a superuser): no query, from the standing."""
    s = standing(user)
    return s.superuser or s.has(SECRETARIAT_ROLES)


def dialogues_served_by(user: AnyUser | None) -> QuerySet[Dialogue]:
    """Dialogues in which the user is secretariat (all of them for a superuser)."""
    s = standing(user)
    if s.superuser:
        return Dialogue.objects.all()
    return Dialogue.objects.filter(pk__in=s.dialogue_ids(SECRETARIAT_ROLES))


def can_create_service_token(user: AnyUser | None, dialogue: Dialogue) -> bool:
    """An API token that reads one dialogue for another system: its secretariat admin."""
    return is_secretariat_admin(user, dialogue)


# --- The action table -----------------------------------------------------------------------

Predicate = Callable[[AnyUser | None, Any], bool]

ACTIONS: dict[str, Predicate] = {
    "dialogue.view": can_view_dialogue,
    "dialogue.view_focal_points": can_view_focal_point_names,
    "dialogue.change_reference_data": can_change_reference_data,
    "dialogue.manage_roles": can_manage_roles,
    "delegation.view": lambda user, target: can_view_delegation(user, *target),
    "invitation.create": lambda user, target: can_invite(user, *target),
    "invitation.withdraw": can_withdraw_invitation,
    "person.view": can_view_person,
    "admin.use": lambda user, _target: can_use_admin(user),
    "api_token.create_service": can_create_service_token,
    "reference.change_shared": lambda user, _target: can_change_shared_reference_data(user),
    "registration.manage": lambda user, meeting: can_manage_registration(user, meeting),
    "registration.act_for_delegation": lambda user, target: can_act_for_delegation(user, *target),
    "nomination.view": lambda user, nomination: can_view_nomination(user, nomination),
    "meeting.view_online_link": lambda user, meeting: can_view_online_link(user, meeting),
    "session.chair": lambda user, meeting: can_chair_session(user, meeting),
    "session.follow": lambda user, meeting: can_follow_session(user, meeting),
    "session.request_floor": lambda user, target: (
        target.pk in floor_delegation_ids(user, target.meeting)
    ),
    "session.open_online_link": lambda user, link: can_open_online_link(user, link),
    "meeting.prepare_next": lambda user, meeting: can_prepare_next_meeting(user, meeting),
    "audit.read": can_read_audit_trail,
}


def allowed(user: AnyUser | None, action: str, target: Any = None) -> bool:
    """Answer for an action by its name in the permission table. Unknown names raise."""
    return ACTIONS[action](user, target)


# --- Batches, for sockets that hold many users for long -------------------------------------


def role_holders(kinds: Iterable[str], *, dialogue_id: int, **scope: Any) -> Q:
    """A filter of ``User``: those holding an active role of ``kinds`` in the dialogue (within
    ``scope``: ``state_id=``...), and the superusers. For narrowing a fan-out in the database;
    the person-by-person answers stay with the rules."""
    roles = Role.objects.active().filter(kind__in=list(kinds), dialogue_id=dialogue_id, **scope)
    return Q(is_superuser=True) | Q(pk__in=roles.values("user_id"))


def load_users(user_ids: Iterable[int]) -> dict[int, User]:
    """Fresh, active users with their standing loaded, in two queries whatever the number (the
    people carry their verified address and TOTP with them, see ``UserManager``)."""
    users = {u.pk: u for u in User.objects.filter(pk__in=list(user_ids), is_active=True)}
    if not users:
        return {}
    verified = {pk for pk, user in users.items() if getattr(user, "email_verified", False)}
    grants: dict[int, list[Grant]] = {}
    if verified:
        for user_id, dialogue_id, kind, state_id, organisation_id in (
            Role.objects.active()
            .filter(user_id__in=verified)
            .values_list("user_id", "dialogue_id", "kind", "state_id", "organisation_id")
        ):
            grants.setdefault(user_id, []).append(
                Grant(dialogue_id, kind, state_id, organisation_id)
            )
    for user_id, user in users.items():
        setattr(
            user,
            _CACHE_ATTRIBUTE,
            _settled(user, user_id in verified, tuple(grants.get(user_id, ()))),
        )
    return users


def is_member_of_dialogue_id(user: AnyUser | None, dialogue_id: int) -> bool:
    s = standing(user)
    return s.superuser or s.has(RoleKind.values, dialogue_id=dialogue_id)


def is_secretariat_of_dialogue_id(user: AnyUser | None, dialogue_id: int) -> bool:
    s = standing(user)
    return s.superuser or s.has(SECRETARIAT_ROLES, dialogue_id=dialogue_id)


# --- Meetings -------------------------------------------------------------------------------
# Asked with objects of the meetings app. Imports flow one way (dialogue ← meetings ←
# documents): the upper floors' models and enums are named for the type checker and imported
# when a question is asked, never when this module loads.


def can_schedule_meetings(user: AnyUser | None, dialogue: Dialogue) -> bool:
    return is_secretariat(user, dialogue)


def can_manage_meeting(user: AnyUser | None, meeting: Meeting) -> bool:
    """Edit, move, release the agenda of, draft outcomes of: the dialogue's secretariat."""
    return is_secretariat_of_dialogue_id(user, meeting.dialogue_id)


def can_prepare_next_meeting(user: AnyUser | None, meeting: Meeting) -> bool:
    """Schedule a new draft with the set-up of this one: the dialogue's secretariat, who
    schedules its meetings."""
    return is_secretariat_of_dialogue_id(user, meeting.dialogue_id)


def can_view_meeting(user: AnyUser | None, meeting: Meeting) -> bool:
    """Until it is announced (a draft, or a draft cancelled) a meeting is the secretariat's; then
    a public meeting is everyone's and a members-only meeting the dialogue's members'."""
    if meeting.announced_at is None:
        return can_manage_meeting(user, meeting)
    if meeting.is_public:
        return True
    return is_member_of_dialogue_id(user, meeting.dialogue_id)


def meetings_visible_to(user: AnyUser | None) -> QuerySet[Meeting]:
    from meetings.models import Meeting

    s = standing(user)
    meetings = Meeting.objects.all()
    if s.superuser:
        return meetings
    served = s.dialogue_ids(SECRETARIAT_ROLES)
    member_of = s.dialogue_ids(RoleKind.values)
    return meetings.filter(
        Q(dialogue_id__in=served)
        | (Q(announced_at__isnull=False) & (Q(is_public=True) | Q(dialogue_id__in=member_of)))
    )


def acts_for_meeting(user: AnyUser | None, meeting: Meeting) -> bool:
    """The secretariat, focal points and the chair of the meeting's dialogue, and its registered
    participants: they follow it unless they opt out."""
    return standing(user).has(
        ACTING_ROLES, dialogue_id=meeting.dialogue_id
    ) or is_registered_participant(user, meeting)


ACTING_ROLES = (
    RoleKind.SECRETARIAT_ADMIN,
    RoleKind.SECRETARIAT_STAFF,
    RoleKind.FOCAL_POINT,
    RoleKind.CHAIR,
)


def can_see_internal_agenda(user: AnyUser | None, meeting: Meeting) -> bool:
    return can_manage_meeting(user, meeting)


def can_view_online_link(user: AnyUser | None, meeting: Meeting) -> bool:
    """The online link is for registered (approved) participants and the secretariat."""
    return can_manage_meeting(user, meeting) or is_registered_participant(user, meeting)


def can_chair_session(user: AnyUser | None, meeting: Meeting) -> bool:
    """Run the meeting in session (open and close items, state the delay, give the floor,
    order the list of speakers, run a tour de table): the dialogue's secretariat and its chair,
    on a meeting they may see."""
    if not can_view_meeting(user, meeting):
        return False
    return is_secretariat_of_dialogue_id(user, meeting.dialogue_id) or standing(user).has(
        [RoleKind.CHAIR], dialogue_id=meeting.dialogue_id
    )


def can_follow_session(user: AnyUser | None, meeting: Meeting) -> bool:
    """Where the room stands and the list of speakers (delegations only, no person's name)
    are as public as the meeting's agenda: whoever may see the meeting."""
    return can_view_meeting(user, meeting)


def floor_delegation_ids(user: AnyUser | None, meeting: Meeting) -> set[int]:
    """The delegations on whose behalf ``user`` asks for the floor at ``meeting``: those of
    their own approved nominations (the head or a member, in the room or online)."""
    from meetings.models import Nomination, NominationStatus

    if not standing(user).authenticated or user is None:
        return set()
    if meeting.pk not in participant_meeting_ids(user):
        return set()
    return set(
        Nomination.objects.filter(
            meeting_id=meeting.pk, person_id=user.pk, status=NominationStatus.APPROVED
        ).values_list("delegation_id", flat=True)
    )


def statement_delegation_ids(user: AnyUser | None, meeting: Meeting) -> set[int]:
    """The delegations whose written statements ``user`` submits at ``meeting``: the
    secretariat for any, a focal point for their state's, a participant for their own."""
    from meetings.models import Delegation

    if not can_view_meeting(user, meeting):
        return set()
    delegations = Delegation.objects.filter(meeting_id=meeting.pk)
    if is_secretariat_of_dialogue_id(user, meeting.dialogue_id):
        return set(delegations.values_list("pk", flat=True))
    states = nominating_states(user, meeting.dialogue_id)
    own = set(delegations.filter(state_id__in=states).values_list("pk", flat=True))
    return own | floor_delegation_ids(user, meeting)


def can_open_online_link(user: AnyUser | None, link: Any) -> bool:
    """A meeting's online link (``meetings.OnlineLink``): the secretariat opens any; an
    approved participant taking part online opens the interpretation channels and either the
    speaker link (when their focal point named them a speaker) or the listener link. Nobody
    else: not another state's focal point, not a participant in the room."""
    from meetings.models import (
        HybridParticipation,
        MeetingFormat,
        Nomination,
        NominationStatus,
        OnlineLinkKind,
        ParticipationMode,
    )

    meeting = link.meeting
    if not can_view_meeting(user, meeting):
        return False
    if is_secretariat_of_dialogue_id(user, meeting.dialogue_id):
        return True
    if not is_registered_participant(user, meeting) or user is None:
        return False
    nomination = Nomination.objects.filter(
        meeting_id=meeting.pk, person_id=user.pk, status=NominationStatus.APPROVED
    ).first()
    if nomination is None:
        return False
    chosen = HybridParticipation.objects.filter(nomination=nomination).first()
    online = meeting.format == MeetingFormat.ONLINE or (
        chosen is not None and chosen.mode == ParticipationMode.ONLINE
    )
    if not online:
        return False
    if link.kind == OnlineLinkKind.INTERPRETATION:
        return True
    speaker = chosen is not None and chosen.speaker
    return link.kind == (OnlineLinkKind.SPEAKER if speaker else OnlineLinkKind.LISTENER)


def can_view_outcome(user: AnyUser | None, outcome: Outcome) -> bool:
    from meetings.models import OutcomeStatus

    meeting = outcome.meeting
    if outcome.status == OutcomeStatus.ADOPTED:
        return can_view_meeting(user, meeting)
    if can_manage_meeting(user, meeting):
        return True
    s = standing(user)
    if outcome.shared_with_chair and s.has([RoleKind.CHAIR], dialogue_id=meeting.dialogue_id):
        return True
    if outcome.status != OutcomeStatus.FOR_COMMENT:
        return False
    return s.has([RoleKind.FOCAL_POINT, RoleKind.CHAIR], dialogue_id=meeting.dialogue_id) or bool(
        outcome.heads_may_comment and headed_states(user, meeting.pk)
    )


def headed_states(user: AnyUser | None, meeting_id: int) -> set[int]:
    """The states whose delegation to the meeting ``user`` heads: an approved nomination as
    head of delegation (read with the person's nominations, once per request)."""
    from meetings.models import Category, NominationStatus

    return {
        p.state_id
        for p in participations(user)
        if p.meeting_id == meeting_id
        and p.status == NominationStatus.APPROVED
        and p.category == Category.HEAD_OF_DELEGATION
        and p.state_id is not None
    }


def states_speaking_for(user: AnyUser | None, outcome: Outcome) -> set[int]:
    """The states ``user`` speaks for on an outcome, whatever its step: as their focal point
    in the dialogue; as the head of their delegation to the meeting when the secretariat lets
    heads of delegation comment (``Outcome.heads_may_comment``). Their comments and
    objections are the state's, seen as a focal point sees them."""
    dialogue_id = outcome.meeting.dialogue_id
    states = {
        g.state_id
        for g in standing(user).grants
        if g.kind == RoleKind.FOCAL_POINT and g.dialogue_id == dialogue_id and g.state_id
    }
    if outcome.heads_may_comment:
        states |= headed_states(user, outcome.meeting_id)
    return states


def states_commenting_for(user: AnyUser | None, outcome: Outcome) -> set[int]:
    """The states on whose behalf ``user`` may comment on a draft shared for comment (or
    object to its silence): ``states_speaking_for`` while it is out for comment."""
    from meetings.models import OutcomeStatus

    if outcome.status != OutcomeStatus.FOR_COMMENT:
        return set()
    return states_speaking_for(user, outcome)


def outcome_heads(outcome: Outcome, state_id: int | None = None) -> list[int]:
    """The people who speak for a state (``state_id``, or any) on ``outcome`` as heads of
    delegation: none unless the secretariat lets heads comment. Carried in the audience of
    the outcome's events, so deciding per socket never reads the database."""
    from meetings.models import Category, Nomination, NominationStatus

    if not outcome.heads_may_comment:
        return []
    heads = Nomination.objects.filter(
        meeting_id=outcome.meeting_id,
        status=NominationStatus.APPROVED,
        category=Category.HEAD_OF_DELEGATION,
        person__isnull=False,
        delegation__state__isnull=False,
    )
    if state_id is not None:
        heads = heads.filter(delegation__state_id=state_id)
    return sorted(set(heads.values_list("person_id", flat=True)))


# --- Registration of delegations ------------------------------------------------------------
# Nominations carry personal data of government officials: the secretariat, the focal point of
# the nominee's own state and the nominee see them; nobody else, through any door.


def can_manage_registration(user: AnyUser | None, meeting: Meeting) -> bool:
    """Set up registration, decide on nominations, check in, print badges, export the full
    list and the statistics: the dialogue's secretariat."""
    return can_manage_meeting(user, meeting)


def can_act_for_delegation(
    user: AnyUser | None, meeting: Meeting, member: Member | OfMember
) -> bool:
    """See a delegation's nominations and personal data; nominate, replace, withdraw, upload
    its nomination letter: the secretariat (for any delegation), a state's own focal point
    (for that state's). Organisations' delegations are registered by the secretariat.
    ``member``: the state or organisation, or its delegation."""
    return acts_for_delegation(user, meeting.dialogue_id, member)


def acts_for_delegation(user: AnyUser | None, dialogue_id: int, member: Member | OfMember) -> bool:
    """``can_act_for_delegation`` in a dialogue by its id (as a live audience carries it)."""
    if is_secretariat_of_dialogue_id(user, dialogue_id):
        return True
    state_id = ids_of(member).state_id
    return state_id is not None and standing(user).has(
        [RoleKind.FOCAL_POINT], dialogue_id=dialogue_id, state_id=state_id
    )


def nominating_states(user: AnyUser | None, dialogue_id: int) -> set[int]:
    """The states whose delegations ``user`` registers as focal point in a dialogue."""
    return {
        g.state_id
        for g in standing(user).grants
        if g.kind == RoleKind.FOCAL_POINT and g.dialogue_id == dialogue_id and g.state_id
    }


def is_nominee(user: AnyUser | None, nomination: Nomination) -> bool:
    """The person a nomination names (their account is linked once their address is verified)."""
    return (
        standing(user).authenticated
        and user is not None
        and nomination.person_id is not None
        and nomination.person_id == user.pk
    )


def can_view_nomination(user: AnyUser | None, nomination: Nomination) -> bool:
    """A nomination with the nominee's personal data: the secretariat, the focal point of the
    nominee's state, and the nominee."""
    return is_nominee(user, nomination) or can_act_for_delegation(
        user, nomination.meeting, nomination.delegation
    )


def nominations_visible_to(user: AnyUser | None) -> QuerySet[Nomination]:
    """Every nomination ``user`` may see, for lists, exports, search and bulk actions."""
    from meetings.models import Nomination

    s = standing(user)
    nominations = Nomination.objects.all()
    if s.superuser:
        return nominations
    if not s.authenticated or user is None:
        return nominations.none()
    condition = Q(person_id=user.pk) | Q(meeting__dialogue_id__in=s.dialogue_ids(SECRETARIAT_ROLES))
    for g in s.grants:
        if g.kind == RoleKind.FOCAL_POINT:
            condition |= Q(meeting__dialogue_id=g.dialogue_id, delegation__state_id=g.state_id)
    return nominations.filter(condition)


@dataclass(frozen=True)
class Participation:
    """One of a person's own nominations, as the policy needs it."""

    meeting_id: int
    nomination_id: int
    status: str
    category: str
    state_id: int | None  # the state of its delegation (None for an organisation's)


def participations(user: AnyUser | None) -> tuple[Participation, ...]:
    """The person's own nominations, whatever their status; read once per request (``forget``
    drops them with the standing)."""
    if not standing(user).authenticated or user is None:
        return ()
    cached = getattr(user, _PARTICIPANT_ATTRIBUTE, None)
    if cached is None:
        from meetings.models import Nomination

        cached = tuple(
            Participation(*row)
            for row in Nomination.objects.filter(person_id=user.pk)
            .order_by("nominated_at")
            .values_list("meeting_id", "pk", "status", "category", "delegation__state_id")
        )
        setattr(user, _PARTICIPANT_ATTRIBUTE, cached)
    return cached


def participant_meeting_ids(user: AnyUser | None) -> frozenset[int]:
    """The meetings ``user`` is approved to take part in."""
    from meetings.models import NominationStatus

    approved = NominationStatus.APPROVED
    return frozenset(p.meeting_id for p in participations(user) if p.status == approved)


def is_registered_participant(user: AnyUser | None, meeting: Meeting) -> bool:
    """An approved nominee of the meeting: gets the online link and participants' papers."""
    return meeting.pk in participant_meeting_ids(user)


def registered_participants(meeting: Meeting) -> QuerySet[User]:
    """The active people approved to take part in a meeting."""
    from meetings.models import Nomination, NominationStatus

    approved = Nomination.objects.filter(
        meeting_id=meeting.pk, status=NominationStatus.APPROVED, person__isnull=False
    )
    return User.objects.filter(is_active=True, pk__in=approved.values("person_id"))


# --- Documents ------------------------------------------------------------------------------
# Asked with objects of the documents app (imported when asked: dialogue ← meetings ←
# documents). ``documents_visible_to`` is the one filter behind every list, the library and
# its search, the meeting page, the ZIP and exports; ``can_view_document`` asks the same filter
# for one document, so a list and a page never disagree. The live audiences
# (``audiences.receives_document_event``) decide the same questions from facts carried in the
# event, without reading the database per socket.
#
# Who sees a document, by its marking (the dialogue's secretariat sees every one, and nobody
# but the secretariat sees anything of a meeting they may not see):
#   public         everyone
#   participants   the meeting's registered participants; the chair; the focal points of the
#                  states with an approved participant (they see what their delegates see)
#   member_states  the chair, focal points and delegates of states (roles in the dialogue),
#                  and registered participants from a state's delegation; never observers
#   delegations    people of the named states and organisations: by their role in the
#                  dialogue, or by their approved nomination to the meeting
#   internal       the secretariat; the chair when the document is shared with the chair

DOCUMENT_STATE_ROLES = (RoleKind.FOCAL_POINT, RoleKind.DELEGATE, RoleKind.CHAIR)


def can_manage_documents(user: AnyUser | None, dialogue: Dialogue) -> bool:
    """Upload, revise, withdraw, circulate, see receipts and remind: the secretariat."""
    return is_secretariat(user, dialogue)


def documents_visible_to(user: AnyUser | None) -> QuerySet[Document]:
    """Every document ``user`` may see (withdrawn ones included, labelled as such)."""
    from documents.models import Document, Marking

    s = standing(user)
    documents = Document.objects.all()
    if s.superuser:
        return documents
    served = s.dialogue_ids(SECRETARIAT_ROLES)
    member_of = s.dialogue_ids(RoleKind.values)
    meeting_seen = Q(meeting__isnull=True) | (
        Q(meeting__announced_at__isnull=False)
        & (Q(meeting__is_public=True) | Q(meeting__dialogue_id__in=member_of))
    )
    marking = Q(marking=Marking.PUBLIC)
    if s.authenticated and user is not None:
        marking |= _restricted_markings(s, user.pk or 0)
    return documents.filter(Q(dialogue_id__in=served) | (meeting_seen & marking))


def documents_policy_key(user: AnyUser | None) -> tuple[Standing, int | None]:
    """All that ``documents_visible_to(user)`` is built from: two users with equal keys get the
    same query (its rows are read when it runs), so its compiled SQL may be kept by this key."""
    s = standing(user)
    return s, (user.pk or 0) if s.authenticated and user is not None else None


def _restricted_markings(s: Standing, user_id: int) -> Q:
    from documents.models import Document, Marking
    from meetings.models import Nomination, NominationStatus

    approved = Nomination.objects.filter(status=NominationStatus.APPROVED)
    mine = approved.filter(person_id=user_id)
    chaired = s.dialogue_ids([RoleKind.CHAIR])

    participants = Q(meeting_id__in=mine.values("meeting_id")) | Q(dialogue_id__in=chaired)
    member_states = Q(dialogue_id__in=s.dialogue_ids(DOCUMENT_STATE_ROLES)) | Q(
        meeting_id__in=mine.filter(delegation__state__isnull=False).values("meeting_id")
    )
    by_state = Document.named_states.through.objects
    by_organisation = Document.named_organisations.through.objects
    # The documents naming a state or organisation whose delegation to the document's own
    # meeting has the user's approved nomination. Asked as one list of ids (not correlated with
    # each document): PostgreSQL hashes it once, where a correlated EXISTS ran its join again
    # for every document marked for delegations (4 ms of a 2,000-hit search).
    named = Q(
        pk__in=by_state.filter(
            state__delegations__meeting_id=F("document__meeting_id"),
            state__delegations__nominations__person_id=user_id,
            state__delegations__nominations__status=NominationStatus.APPROVED,
        ).values("document_id")
    ) | Q(
        pk__in=by_organisation.filter(
            organisation__delegations__meeting_id=F("document__meeting_id"),
            organisation__delegations__nominations__person_id=user_id,
            organisation__delegations__nominations__status=NominationStatus.APPROVED,
        ).values("document_id")
    )
    for g in s.grants:
        if g.kind == RoleKind.FOCAL_POINT and g.state_id:
            participants |= Q(
                dialogue_id=g.dialogue_id,
                meeting_id__in=approved.filter(delegation__state_id=g.state_id).values(
                    "meeting_id"
                ),
            )
        if g.kind in DOCUMENT_STATE_ROLES and g.state_id:
            named |= Q(
                dialogue_id=g.dialogue_id,
                pk__in=by_state.filter(state_id=g.state_id).values("document_id"),
            )
        if g.kind == RoleKind.OBSERVER and g.organisation_id:
            named |= Q(
                dialogue_id=g.dialogue_id,
                pk__in=by_organisation.filter(organisation_id=g.organisation_id).values(
                    "document_id"
                ),
            )
    return (
        (Q(marking=Marking.PARTICIPANTS) & participants)
        | (Q(marking=Marking.MEMBER_STATES) & member_states)
        | (Q(marking=Marking.DELEGATIONS) & named)
        | Q(marking=Marking.INTERNAL, shared_with_chair=True, dialogue_id__in=chaired)
    )


def markings_to_filter_by(user: AnyUser | None, dialogue: Dialogue) -> list[str]:
    """The distributions the library offers ``user`` as a filter: every one to the dialogue's
    secretariat; the restricted ones but "internal" to anyone signed in with a standing (the
    chair also "internal", for what is shared with them); none to the public, who sees only
    public documents. Read from the standing: no query."""
    from documents.models import Marking

    s = standing(user)
    if is_secretariat(user, dialogue):
        return list(Marking.values)
    if not s.authenticated:
        return []
    offered = [m for m in Marking.values if m != Marking.INTERNAL]
    if s.has([RoleKind.CHAIR], dialogue_id=dialogue.pk):
        offered.append(Marking.INTERNAL)
    return offered


def can_view_document(user: AnyUser | None, document: Document) -> bool:
    """One document, by the same filter as every list (one query)."""
    if is_secretariat_of_dialogue_id(user, document.dialogue_id):
        return True
    return documents_visible_to(user).filter(pk=document.pk).exists()


def circulations_visible_to(user: AnyUser | None) -> QuerySet[Circulation]:
    """Circulations ``user`` sent as secretariat or received (their receipt is the proof)."""
    from documents.models import Circulation

    s = standing(user)
    circulations = Circulation.objects.all()
    if s.superuser:
        return circulations
    if not s.authenticated or user is None:
        return circulations.none()
    return circulations.filter(
        Q(dialogue_id__in=s.dialogue_ids(SECRETARIAT_ROLES)) | Q(receipts__recipient_id=user.pk)
    ).distinct()


def can_view_circulation(user: AnyUser | None, circulation: Circulation) -> bool:
    if is_secretariat_of_dialogue_id(user, circulation.dialogue_id):
        return True
    return circulations_visible_to(user).filter(pk=circulation.pk).exists()


def can_acknowledge(user: AnyUser | None, circulation: Circulation) -> bool:
    """Only a recipient acknowledges, for themselves (the secretariat cannot do it for them)."""
    return (
        standing(user).authenticated
        and user is not None
        and circulation.receipts.filter(recipient_id=user.pk).exists()
    )


DOCUMENT_ACTIONS: dict[str, Predicate] = {
    "document.view": can_view_document,
    "document.manage": can_manage_documents,
    "circulation.view": can_view_circulation,
    "circulation.acknowledge": can_acknowledge,
}
ACTIONS.update(DOCUMENT_ACTIONS)
