"""The dialogues, their bodies, the member states and memberships: public reference data
(``permissions.can_view_dialogue``), narrowed to its dialogue for a service token."""

# No ``from __future__ import annotations``: django-ninja reads the signatures at run time.
import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Router, Schema
from ninja.pagination import paginate

from dialogue import permissions
from dialogue.models import Body, Dialogue, Membership, State

from .reading import reader_of
from .schemas import Cursor, answers, in_each_language

router = Router(tags=["dialogues"])


class DialogueOut(Schema):
    id: int
    slug: str
    acronym: str
    name: str
    names: dict[str, str]
    description: str
    descriptions: dict[str, str]
    languages: list[str]
    founded: str

    @staticmethod
    def resolve_names(obj: Dialogue) -> dict[str, str]:
        return in_each_language(lambda: obj.name)

    @staticmethod
    def resolve_descriptions(obj: Dialogue) -> dict[str, str]:
        return in_each_language(lambda: obj.description)


class BodyOut(Schema):
    id: int
    kind: str
    name: str
    names: dict[str, str]

    @staticmethod
    def resolve_names(obj: Body) -> dict[str, str]:
        return in_each_language(lambda: obj.name)


class StateOut(Schema):
    id: int
    code: str
    name: str
    names: dict[str, str]

    @staticmethod
    def resolve_names(obj: State) -> dict[str, str]:
        return in_each_language(lambda: obj.name)


class MemberOut(Schema):
    """A state (``code``) or an organisation (``slug``) of a dialogue."""

    kind: str
    key: str
    name: str
    names: dict[str, str]


class MembershipOut(Schema):
    id: int
    member: MemberOut
    kind: str
    valid_from: datetime.date
    valid_until: datetime.date | None
    current: bool

    @staticmethod
    def resolve_member(obj: Membership) -> dict[str, Any]:
        member = obj.member
        is_state = obj.state_id is not None
        return {
            "kind": "state" if is_state else "organisation",
            "key": obj.state.code if obj.state is not None else obj.organisation.slug,  # type: ignore[union-attr]  # one of them is set (a constraint)
            "name": member.name,
            "names": in_each_language(lambda: member.name),
        }

    @staticmethod
    def resolve_current(obj: Membership) -> bool:
        return obj.is_current(timezone.localdate())


def _dialogues(request: HttpRequest) -> QuerySet[Dialogue]:
    return reader_of(request).within(Dialogue.objects.all(), "id")


def visible_dialogue(request: HttpRequest, slug: str) -> Dialogue:
    """A dialogue by its slug, if the reader may see it (and, for a service token, it is its
    dialogue); else 404."""
    dialogue = _dialogues(request).filter(slug=slug).first()
    reader = reader_of(request)
    if dialogue is None or not permissions.can_view_dialogue(reader.viewer, dialogue):
        raise Http404
    return dialogue


@router.get("/dialogues/", response=answers(list[DialogueOut]), operation_id="list_dialogues")
@paginate(Cursor)
def list_dialogues(request: HttpRequest) -> QuerySet[Dialogue]:
    """The dialogues."""
    return _dialogues(request)


@router.get("/dialogues/{slug}/", response=answers(DialogueOut), operation_id="get_dialogue")
def get_dialogue(request: HttpRequest, slug: str) -> Dialogue:
    """One dialogue."""
    return visible_dialogue(request, slug)


@router.get(
    "/dialogues/{slug}/bodies/", response=answers(list[BodyOut]), operation_id="list_bodies"
)
@paginate(Cursor)
def list_bodies(request: HttpRequest, slug: str) -> QuerySet[Body]:
    """The bodies of a dialogue (senior officials' meeting, working groups, …)."""
    return visible_dialogue(request, slug).bodies.all()


@router.get(
    "/dialogues/{slug}/memberships/",
    response=answers(list[MembershipOut]),
    operation_id="list_memberships",
)
@paginate(Cursor)
def list_memberships(request: HttpRequest, slug: str) -> QuerySet[Membership]:
    """The memberships of a dialogue, past ones included (``current`` tells)."""
    dialogue = visible_dialogue(request, slug)
    return Membership.objects.filter(dialogue=dialogue).select_related("state", "organisation")


@router.get("/states/", response=answers(list[StateOut]), operation_id="list_states")
@paginate(Cursor)
def list_states(request: HttpRequest) -> QuerySet[State]:
    """The states that are or were members of a dialogue (of the token's, for a service
    token)."""
    memberships = reader_of(request).within(Membership.objects.filter(state__isnull=False))
    return State.objects.filter(pk__in=memberships.values("state_id"))
