"""Who may receive an event: the permission policy's answer to every door that delivers one
(the socket's hub, replay after a reconnect, the HTTP long poll, the inbox and e-mail fan-out).

An event carries its *audience*: a kind and the facts the rule of that kind needs, as they were
when it was published, so that deciding per socket never reads the database. The facts of each
kind are typed below; each app builds them with one constructor per kind (``dialogue.live``,
``meetings.events``, ``documents.events``) and registers its kinds in ``AppConfig.ready``
with ``register_audience``:

- ``rule``: may this person, as they are now, see the event?
- ``candidates``: a filter of users holding everyone the rule may admit (and maybe more): the
  fan-out narrows a stream's followers by it in the database before loading each person;
- ``addressees``: the people an event is about, who hear of it whether or not they follow its
  stream.

``receivers(audience, users)`` is the one question every door asks.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Literal, NotRequired, TypedDict, TypeVar

from django.db.models import Q

from . import permissions
from .members import MemberIds
from .models import SECRETARIAT_ROLES, RoleKind
from .permissions import AnyUser

if TYPE_CHECKING:
    from documents.models import Marking

# --- The facts each kind carries -------------------------------------------------------------


class PublicAudience(TypedDict):
    kind: Literal["public"]


class DialogueMembersAudience(TypedDict):
    kind: Literal["dialogue_members"]
    dialogue: int


class SecretariatAudience(TypedDict):
    kind: Literal["secretariat"]
    dialogue: int


class MeetingAudience(TypedDict):
    """Everyone who may see a meeting, as it was: a draft is the secretariat's."""

    kind: Literal["meeting"]
    dialogue: int
    public: bool
    draft: bool


class OutcomeDraftAudience(TypedDict):
    """Those a draft outcome shared for comment is for."""

    kind: Literal["outcome_draft"]
    dialogue: int
    # The heads of delegation the secretariat lets comment on the outcome, as they were
    # (``permissions.outcome_heads``); events published before they existed lack it.
    heads: NotRequired[list[int]]


class OutcomeCommentAudience(TypedDict):
    """A state's comment on a revision: the secretariat and that state; every state (and the
    chair) only when the secretariat opened that revision's comments to them."""

    kind: Literal["outcome_comment"]
    dialogue: int
    state: int
    shared: bool
    heads: NotRequired[list[int]]  # that state's heads of delegation (every state's if shared)


class OutcomeObjectionAudience(TypedDict):
    """An objection breaking a silence: the secretariat, the chair and the objecting state."""

    kind: Literal["outcome_objection"]
    dialogue: int
    state: int
    heads: NotRequired[list[int]]  # the objecting state's heads of delegation, when they speak


class DelegationAudience(TypedDict):
    """A delegation's registration, and the person it is about (if any)."""

    kind: Literal["delegation"]
    dialogue: int
    state: int | None
    organisation: int | None
    person: int | None


# How the meeting of a document was seen: None for a document of the whole dialogue.
MeetingVisibility = Literal["draft", "public", "members"]


class DocumentAudience(TypedDict):
    """Who may see a document: its marking, its meeting's visibility, the named delegations,
    and the people entitled by their registration (``documents.queries``)."""

    kind: Literal["document"]
    dialogue: int
    meeting: MeetingVisibility | None
    marking: Marking
    chair: bool
    states: list[int]
    organisations: list[int]
    participant_states: list[int]
    users: list[int]


class CirculationAudience(TypedDict):
    """The recipients of documents, while they may still see every one of them."""

    kind: Literal["circulation"]
    dialogue: int
    users: list[int]
    documents: list[DocumentAudience]


Audience = (
    PublicAudience
    | DialogueMembersAudience
    | SecretariatAudience
    | MeetingAudience
    | OutcomeDraftAudience
    | OutcomeCommentAudience
    | OutcomeObjectionAudience
    | DelegationAudience
    | DocumentAudience
    | CirculationAudience
)


# --- The rules ---------------------------------------------------------------------------------


def receives_public_event(user: AnyUser | None, audience: PublicAudience) -> bool:
    return True


def receives_members_event(user: AnyUser | None, audience: DialogueMembersAudience) -> bool:
    return permissions.is_member_of_dialogue_id(user, audience["dialogue"])


def receives_secretariat_event(user: AnyUser | None, audience: SecretariatAudience) -> bool:
    return permissions.is_secretariat_of_dialogue_id(user, audience["dialogue"])


def receives_meeting_event(user: AnyUser | None, audience: MeetingAudience) -> bool:
    """The same answer as ``permissions.can_view_meeting``, from the facts."""
    if audience["draft"]:
        return permissions.is_secretariat_of_dialogue_id(user, audience["dialogue"])
    return audience["public"] or permissions.is_member_of_dialogue_id(user, audience["dialogue"])


def _is_named_head(
    user: AnyUser | None,
    audience: OutcomeDraftAudience | OutcomeCommentAudience | OutcomeObjectionAudience,
) -> bool:
    """One of the heads of delegation the audience names (``permissions.outcome_heads``)."""
    heads = audience.get("heads") or ()
    return (
        bool(heads)
        and user is not None
        and permissions.standing(user).authenticated
        and user.pk in heads
    )


def receives_outcome_draft_event(user: AnyUser | None, audience: OutcomeDraftAudience) -> bool:
    """Those who act for the dialogue's meetings: the secretariat, focal points, the chair;
    and the heads of delegation the secretariat lets comment."""
    s = permissions.standing(user)
    return (
        s.superuser
        or s.has(permissions.ACTING_ROLES, dialogue_id=audience["dialogue"])
        or _is_named_head(user, audience)
    )


def receives_outcome_comment_event(user: AnyUser | None, audience: OutcomeCommentAudience) -> bool:
    """The same answer as ``meetings.outcomes.negotiation.comments_visible_to``, from the
    facts."""
    dialogue_id = audience["dialogue"]
    if permissions.is_secretariat_of_dialogue_id(user, dialogue_id):
        return True
    s = permissions.standing(user)
    if s.has([RoleKind.FOCAL_POINT], dialogue_id=dialogue_id, state_id=audience["state"]):
        return True
    if _is_named_head(user, audience):
        return True
    return audience["shared"] and s.has(
        [RoleKind.FOCAL_POINT, RoleKind.CHAIR], dialogue_id=dialogue_id
    )


def receives_outcome_objection_event(
    user: AnyUser | None, audience: OutcomeObjectionAudience
) -> bool:
    dialogue_id = audience["dialogue"]
    if permissions.is_secretariat_of_dialogue_id(user, dialogue_id):
        return True
    s = permissions.standing(user)
    return (
        s.has([RoleKind.CHAIR], dialogue_id=dialogue_id)
        or s.has([RoleKind.FOCAL_POINT], dialogue_id=dialogue_id, state_id=audience["state"])
        or _is_named_head(user, audience)
    )


def outcome_objection_candidates(audience: OutcomeObjectionAudience) -> Q:
    dialogue_id = audience["dialogue"]
    return (
        permissions.role_holders(SECRETARIAT_ROLES, dialogue_id=dialogue_id)
        | permissions.role_holders([RoleKind.CHAIR], dialogue_id=dialogue_id)
        | permissions.role_holders(
            [RoleKind.FOCAL_POINT], dialogue_id=dialogue_id, state_id=audience["state"]
        )
        | Q(pk__in=audience.get("heads") or [])
    )


def receives_delegation_event(user: AnyUser | None, audience: DelegationAudience) -> bool:
    """Those who act for the delegation (``permissions.acts_for_delegation``) and the person."""
    if user is not None and user.is_authenticated and audience["person"] == user.pk:
        return permissions.standing(user).authenticated
    member = MemberIds(audience["state"], audience["organisation"])
    return permissions.acts_for_delegation(user, audience["dialogue"], member)


def receives_document_event(user: AnyUser | None, audience: DocumentAudience) -> bool:
    """May ``user`` see an event about a document whose facts are ``audience``? The same
    answer as ``permissions.documents_visible_to``, from the facts."""
    from documents.models import Marking

    dialogue_id = audience["dialogue"]
    if permissions.is_secretariat_of_dialogue_id(user, dialogue_id):
        return True
    seen = audience["meeting"]
    if seen == "draft" or (
        seen == "members" and not permissions.is_member_of_dialogue_id(user, dialogue_id)
    ):
        return False
    marking = audience["marking"]
    if marking == Marking.PUBLIC:
        return True
    s = permissions.standing(user)
    if not s.authenticated or user is None:
        return False
    if user.pk in audience["users"]:
        return True
    if marking == Marking.PARTICIPANTS:
        return s.has([RoleKind.CHAIR], dialogue_id=dialogue_id) or any(
            s.has([RoleKind.FOCAL_POINT], dialogue_id=dialogue_id, state_id=state)
            for state in audience["participant_states"]
        )
    if marking == Marking.MEMBER_STATES:
        return s.has(permissions.DOCUMENT_STATE_ROLES, dialogue_id=dialogue_id)
    if marking == Marking.DELEGATIONS:
        return any(
            s.has(permissions.DOCUMENT_STATE_ROLES, dialogue_id=dialogue_id, state_id=state)
            for state in audience["states"]
        ) or any(
            s.has([RoleKind.OBSERVER], dialogue_id=dialogue_id, organisation_id=organisation)
            for organisation in audience["organisations"]
        )
    if marking == Marking.INTERNAL:
        return audience["chair"] and s.has([RoleKind.CHAIR], dialogue_id=dialogue_id)
    return False


def receives_circulation_event(user: AnyUser | None, audience: CirculationAudience) -> bool:
    """A circulation's news is for its recipients, while they may still see every document in
    it (the secretariat follows receipts through ``documents.receipt``)."""
    return (
        permissions.standing(user).authenticated
        and user is not None
        and user.pk in audience["users"]
        and all(receives_document_event(user, facts) for facts in audience["documents"])
    )


# --- Candidates and addressees -----------------------------------------------------------------


def secretariat_candidates(audience: SecretariatAudience) -> Q:
    return permissions.role_holders(SECRETARIAT_ROLES, dialogue_id=audience["dialogue"])


def delegation_candidates(audience: DelegationAudience) -> Q:
    """Everyone ``receives_delegation_event`` may admit, as a filter of users."""
    dialogue_id = audience["dialogue"]
    who = permissions.role_holders(SECRETARIAT_ROLES, dialogue_id=dialogue_id)
    if audience["state"] is not None:
        who |= permissions.role_holders(
            [RoleKind.FOCAL_POINT], dialogue_id=dialogue_id, state_id=audience["state"]
        )
    if audience["person"]:
        who |= Q(pk=audience["person"])
    return who


def delegation_addressees(audience: DelegationAudience) -> list[int]:
    return [audience["person"]] if audience["person"] else []


def circulation_addressees(audience: CirculationAudience) -> list[int]:
    return list(audience["users"])


# --- The registry and the one question ---------------------------------------------------------

A = TypeVar("A", bound=Mapping[str, Any])
UserT = TypeVar("UserT", bound=AnyUser | None)


@dataclass(frozen=True)
class AudienceKind(Generic[A]):
    kind: str
    rule: Callable[[AnyUser | None, A], bool]
    candidates: Callable[[A], Q] | None
    addressees: Callable[[A], Iterable[int]] | None


_kinds: dict[str, AudienceKind[Any]] = {}


def register_audience(
    kind: str,
    *,
    rule: Callable[[AnyUser | None, A], bool],
    candidates: Callable[[A], Q] | None = None,
    addressees: Callable[[A], Iterable[int]] | None = None,
) -> None:
    """Name the rule of an audience kind (and, for the fan-out, its candidates and
    addressees). Called once per kind, from the ``AppConfig.ready`` of the app publishing it."""
    _kinds[kind] = AudienceKind(kind, rule, candidates, addressees)


def registered_kinds() -> Collection[str]:
    return _kinds.keys()


def _kind_of(audience: Mapping[str, Any]) -> AudienceKind[Any] | None:
    return _kinds.get(audience.get("kind", ""))


def receivers(audience: Mapping[str, Any], users: Iterable[UserT]) -> list[UserT]:
    """Those of ``users`` (anonymous, or with their standing loaded) who may see an event
    addressed to ``audience``, as they are now, in the order given. A deactivated account
    receives nothing; an unknown kind reaches nobody."""
    known = _kind_of(audience)
    if known is None:
        return []
    return [
        user
        for user in users
        if not (user is not None and user.is_authenticated and not user.is_active)
        and known.rule(user, audience)
    ]


def candidates(audience: Mapping[str, Any]) -> Q | None:
    """A filter of users narrowing the fan-out, or None to ask the rule of every follower."""
    known = _kind_of(audience)
    return known.candidates(audience) if known and known.candidates else None


def addressees(audience: Mapping[str, Any]) -> set[int]:
    known = _kind_of(audience)
    return set(known.addressees(audience)) if known and known.addressees else set()
