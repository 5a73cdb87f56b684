"""Meetings, released agendas and their changelog, outcomes and their comments, registrations,
lists of participants and statistics, as ``/api/v1/meetings/…`` (and ``/api/v1/outcomes/…``).

Each answer asks the policy the pages ask (``permissions.meetings_visible_to``,
``can_see_internal_agenda``, ``can_view_outcome``, the outcome page's
``negotiation.comments_visible_to``, ``nominations_visible_to``, ``can_manage_registration``)
about the token's reader (``dialogue.api.reading.Reader``); a meeting the reader may not see
answers 404 like one that does not exist.
"""

# No ``from __future__ import annotations``: django-ninja reads the signatures at run time.
import datetime
from typing import Any

from django.db import transaction
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from dialogue import permissions
from dialogue.api.reading import Reader, reader_of
from dialogue.api.schemas import Cursor, answers, in_each_language, languages
from dialogue.models import AuditAction, Dialogue, Scope
from dialogue.translations import Translations, from_data
from meetings import agenda
from meetings.models import (
    AgendaRelease,
    Meeting,
    MeetingStatus,
    Nomination,
    Outcome,
    OutcomeComment,
)
from meetings.outcomes import negotiation
from meetings.registration import audit
from meetings.registration.participants import reports
from meetings.registration.participants.views import FIRST_YEAR, LAST_YEAR

router = Router(tags=["meetings"])
# Numbers asked for are bounded where the database's integers are (a larger one names nothing).
MAX_ID = 2**31 - 1


def _translations(row: dict[str, Any], name: str) -> dict[str, str]:
    """A text of an agenda snapshot (a release's row or change) in each language it is written
    in."""
    texts = from_data(row, name)
    return {code: texts[code] for code in languages() if code in texts}


def _in_reader_language(texts: dict[str, str]) -> str:
    """The reader's language, else as the pages fall back."""
    return str(Translations.of(texts).pick()) if texts else ""


class MeetingOut(Schema):
    id: int
    dialogue: str
    body_id: int
    kind: str
    title: str
    titles: dict[str, str]
    description: str
    descriptions: dict[str, str]
    format: str
    status: str
    time_zone: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    local_start: str
    local_end: str
    city: str
    venue: str
    country: str | None
    languages: list[str]
    is_public: bool
    online_url: str | None
    sequence: int
    updated_at: datetime.datetime
    page: str

    @staticmethod
    def resolve_dialogue(obj: Meeting) -> str:
        return obj.dialogue.slug

    @staticmethod
    def resolve_titles(obj: Meeting) -> dict[str, str]:
        return in_each_language(lambda: obj.title)

    @staticmethod
    def resolve_descriptions(obj: Meeting) -> dict[str, str]:
        return in_each_language(lambda: obj.description)

    @staticmethod
    def resolve_local_start(obj: Meeting) -> str:
        return obj.starts_at.astimezone(obj.zone).isoformat()

    @staticmethod
    def resolve_local_end(obj: Meeting) -> str:
        return obj.ends_at.astimezone(obj.zone).isoformat()

    @staticmethod
    def resolve_city(obj: Meeting) -> str:
        return obj.city_name

    @staticmethod
    def resolve_venue(obj: Meeting) -> str:
        return obj.venue_name

    @staticmethod
    def resolve_country(obj: Meeting) -> str | None:
        return obj.country.code if obj.country is not None else None

    @staticmethod
    def resolve_online_url(obj: Meeting, context: dict[str, Any]) -> str | None:
        viewer = reader_of(context["request"]).viewer
        if obj.online_url and permissions.can_view_online_link(viewer, obj):
            return obj.online_url
        return None

    @staticmethod
    def resolve_page(obj: Meeting, context: dict[str, Any]) -> str:
        return str(context["request"].build_absolute_uri(reverse("meeting_detail", args=[obj.pk])))


def _meetings(reader: Reader) -> QuerySet[Meeting]:
    return reader.within(permissions.meetings_visible_to(reader.viewer)).select_related(
        "dialogue", "country"
    )


def visible_meeting(request: HttpRequest, pk: int) -> Meeting:
    """A meeting by its id if the reader may see it (the meeting page's question), else 404."""
    meeting = _meetings(reader_of(request)).filter(pk=pk).first()
    if meeting is None:
        raise Http404
    return meeting


@router.get("/meetings/", response=answers(list[MeetingOut]), operation_id="list_meetings")
@paginate(Cursor)
def list_meetings(
    request: HttpRequest,
    dialogue: str | None = None,
    status: MeetingStatus | None = None,
    since: datetime.date | None = None,
) -> QuerySet[Meeting]:
    """The meetings the reader may see (anonymous: the announced public ones), optionally of one
    dialogue (its slug), in one status, or ending on or after a day (``since``)."""
    meetings = _meetings(reader_of(request))
    if dialogue:
        meetings = meetings.filter(dialogue__slug=dialogue)
    if status:
        meetings = meetings.filter(status=status)
    if since:
        meetings = meetings.filter(ends_at__date__gte=since)
    return meetings


@router.get("/meetings/{int:meeting_id}/", response=answers(MeetingOut), operation_id="get_meeting")
def get_meeting(request: HttpRequest, meeting_id: int) -> Meeting:
    """One meeting, with its time zone and status."""
    return visible_meeting(request, meeting_id)


# --- The agenda -------------------------------------------------------------------------------


class AgendaItemOut(Schema):
    key: int
    parent: int | None
    kind: str
    number: str
    title: str
    titles: dict[str, str]
    description: str
    descriptions: dict[str, str]
    starts_at: str | None
    ends_at: str | None
    room: str
    presenter: str


class ChangeOut(Schema):
    """One change of a release: ``added``, ``removed``, ``moved``, ``renamed``, ``room`` or
    ``details``, with the sentence the pages show (``text``)."""

    change: str
    key: int
    number: str
    title: str
    titles: dict[str, str]
    text: str


class ReleaseOut(Schema):
    version: int
    note: str
    released_at: datetime.datetime
    changes: list[ChangeOut]


class AgendaOut(ReleaseOut):
    items: list[AgendaItemOut]


def _item(row: dict[str, Any]) -> dict[str, Any]:
    titles, descriptions = _translations(row, "title"), _translations(row, "description")
    return {
        "key": row["key"],
        "parent": row["parent"],
        "kind": row["kind"],
        "number": row["number"],
        "title": _in_reader_language(titles),
        "titles": titles,
        "description": _in_reader_language(descriptions),
        "descriptions": descriptions,
        "starts_at": row["starts_at"],
        "ends_at": row["ends_at"],
        "room": row["room"],
        "presenter": row["presenter"],
    }


def _release(
    reader: Reader, meeting: Meeting, release: AgendaRelease, previous: AgendaRelease | None
) -> dict[str, Any]:
    changes = agenda.visible_changes(release, reader.viewer, previous) if previous else []
    described = []
    for change in changes:
        titles = _translations(change, "title")
        described.append(
            {
                "change": change["change"],
                "key": change["key"],
                "number": change["number"],
                "title": _in_reader_language(titles),
                "titles": titles,
                "text": agenda.describe_change(change, meeting.zone),
            }
        )
    return {
        "version": release.number,
        "note": release.note,
        "released_at": release.released_at,
        "changes": described,
    }


@router.get(
    "/meetings/{int:meeting_id}/agenda/",
    response=answers(AgendaOut),
    operation_id="get_agenda",
)
def get_agenda(
    request: HttpRequest, meeting_id: int, version: int | None = Query(None, ge=1, le=MAX_ID)
) -> dict[str, Any]:
    """The released agenda (the latest, or ``version``) as the reader sees it: internal items
    only for the secretariat; with what changed since the release before. A meeting without a
    release (or without that version) answers 404."""
    reader = reader_of(request)
    meeting = visible_meeting(request, meeting_id)
    releases = meeting.agenda_releases.order_by("-number")
    if version is not None:
        releases = releases.filter(number__lte=version)
    latest_two = list(releases[:2])
    if not latest_two or (version is not None and latest_two[0].number != version):
        raise Http404
    release = latest_two[0]
    release.meeting = meeting
    previous = latest_two[1] if len(latest_two) > 1 else None
    items = release.items
    if not permissions.can_see_internal_agenda(reader.viewer, meeting):
        items = agenda.public_items(items)
    return {**_release(reader, meeting, release, previous), "items": [_item(i) for i in items]}


@router.get(
    "/meetings/{int:meeting_id}/agenda/versions/",
    response=answers(list[ReleaseOut]),
    operation_id="list_agenda_versions",
)
def list_agenda_versions(request: HttpRequest, meeting_id: int) -> list[dict[str, Any]]:
    """The changelog: every release of the agenda, the newest first, with what the reader may
    see of its changes."""
    reader = reader_of(request)
    meeting = visible_meeting(request, meeting_id)
    releases = list(meeting.agenda_releases.order_by("number"))
    for release in releases:
        release.meeting = meeting
    return [
        _release(reader, meeting, release, releases[n - 1] if n else None)
        for n, release in reversed(list(enumerate(releases)))
    ]


# --- Outcomes ---------------------------------------------------------------------------------


class OutcomeOut(Schema):
    id: int
    kind: str
    status: str
    title: str
    titles: dict[str, str]
    text: str
    texts: dict[str, str]
    comment_deadline: datetime.datetime | None
    adopted_at: datetime.datetime | None

    @staticmethod
    def resolve_titles(obj: Outcome) -> dict[str, str]:
        return in_each_language(lambda: obj.title)

    @staticmethod
    def resolve_texts(obj: Outcome) -> dict[str, str]:
        return in_each_language(lambda: obj.text)


@router.get(
    "/meetings/{int:meeting_id}/outcomes/",
    response=answers(list[OutcomeOut]),
    operation_id="list_outcomes",
)
def list_outcomes(request: HttpRequest, meeting_id: int) -> list[Outcome]:
    """The outcomes of a meeting the reader may see: adopted ones for everyone who sees the
    meeting; drafts shared for comment for focal points and the chair; all for the
    secretariat."""
    reader = reader_of(request)
    meeting = visible_meeting(request, meeting_id)
    outcomes = list(meeting.outcomes.order_by("id"))
    for outcome in outcomes:
        outcome.meeting = meeting
    return [o for o in outcomes if permissions.can_view_outcome(reader.viewer, o)]


class OutcomeCommentOut(Schema):
    """A state's comment on a revision of an outcome (``paragraph`` ``null``: on the whole
    revision). ``author`` as the pages name them: to the secretariat, and to those who speak
    for the comment's state; ``null`` to anyone else."""

    id: int
    revision: int | None
    paragraph: int | None
    state: str
    state_name: str
    text: str
    proposed_text: str
    no_objection: bool
    created_at: datetime.datetime
    author: str | None

    @staticmethod
    def resolve_revision(obj: OutcomeComment) -> int | None:
        return obj.revision.number if obj.revision is not None else None

    @staticmethod
    def resolve_state(obj: OutcomeComment) -> str:
        return obj.state.code

    @staticmethod
    def resolve_state_name(obj: OutcomeComment) -> str:
        return str(obj.state.name)

    @staticmethod
    def resolve_author(obj: OutcomeComment) -> str | None:
        return str(obj.author) if getattr(obj, "author_shown", False) else None


@router.get(
    "/outcomes/{int:outcome_id}/comments/",
    response=answers(list[OutcomeCommentOut]),
    operation_id="list_outcome_comments",
)
@paginate(Cursor)
def list_outcome_comments(request: HttpRequest, outcome_id: int) -> QuerySet[OutcomeComment]:
    """The comments on an outcome the reader may read, as its page shows them: the secretariat
    all; a focal point (or a head of delegation the secretariat lets comment) their own
    states'; they and the chair the other states' on revisions whose comments the secretariat
    shared. An outcome the reader may not see answers 404."""
    reader = reader_of(request)
    outcome = Outcome.objects.filter(pk=outcome_id).first()
    if outcome is None:
        raise Http404
    outcome.meeting = visible_meeting(request, outcome.meeting_id)
    if not permissions.can_view_outcome(reader.viewer, outcome):
        raise Http404
    if permissions.can_manage_meeting(reader.viewer, outcome.meeting):
        author_shown: Value | Case = Value(True)
    else:
        own = permissions.states_speaking_for(reader.viewer, outcome)
        author_shown = Case(
            When(state_id__in=sorted(own), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    return negotiation.comments_visible_to(reader.viewer, outcome).annotate(
        author_shown=author_shown
    )


# --- Registration -----------------------------------------------------------------------------


class DelegationOut(Schema):
    kind: str
    key: str
    name: str


class NominationOut(Schema):
    id: int
    delegation: DelegationOut
    category: str
    status: str
    full_name: str
    title: str
    affiliation: str
    email: str
    funding: str
    waitlist_position: int | None
    nominated_at: datetime.datetime
    decided_at: datetime.datetime | None
    confirmed_at: datetime.datetime | None
    checked_in_at: datetime.datetime | None
    erased: bool

    @staticmethod
    def resolve_delegation(obj: Nomination) -> dict[str, str]:
        delegation = obj.delegation
        if delegation.state is not None:
            return {"kind": "state", "key": delegation.state.code, "name": delegation.state.name}
        organisation = delegation.organisation
        return {
            "kind": "organisation",
            "key": organisation.slug if organisation else "",
            "name": organisation.name if organisation else "",
        }

    @staticmethod
    def resolve_erased(obj: Nomination) -> bool:
        return obj.erased_at is not None


@router.get(
    "/meetings/{int:meeting_id}/registrations/",
    response=answers(list[NominationOut]),
    operation_id="list_registrations",
)
@paginate(Cursor)
def list_registrations(request: HttpRequest, meeting_id: int) -> QuerySet[Nomination]:
    """Nominations to a meeting: with the ``delegation`` scope, the holder's own and those of
    the states they are focal point of; with ``secretariat``, every one the holder may see.
    A token with neither gets 404, as an anonymous visitor does."""
    reader = reader_of(request)
    if reader.person is None or not (
        reader.reads(Scope.DELEGATION) or reader.reads(Scope.SECRETARIAT)
    ):
        raise Http404
    meeting = visible_meeting(request, meeting_id)
    nominations = permissions.nominations_visible_to(reader.person).filter(meeting=meeting)
    if not reader.reads(Scope.SECRETARIAT):
        own = Q(person_id=reader.person.pk) | Q(
            delegation__state_id__in=permissions.nominating_states(
                reader.person, meeting.dialogue_id
            )
        )
        nominations = nominations.filter(own)
    _record_read(reader, meeting, "registrations")
    return nominations.select_related("delegation__state", "delegation__organisation")


def _record_read(reader: Reader, meeting: Meeting, what: str, **details: Any) -> None:
    """A read of personal data through the API goes into the permanent record, as an export
    from the pages does: who (the token's holder), when, from where, which list."""
    with transaction.atomic():
        audit.record_meeting(
            AuditAction.PERSONAL_DATA_EXPORTED,
            meeting,
            by=reader.person,
            object_type=what,
            details={"via": "api", **details},
        )


class ParticipantOut(Schema):
    name: str
    title: str
    affiliation: str
    category: str
    in_full: bool
    email: str
    phone: str
    gender: str
    funding: str
    confirmed_at: datetime.datetime | None
    checked_in_at: datetime.datetime | None


class DelegationListOut(Schema):
    name: str
    key: str
    is_state: bool
    participants: list[ParticipantOut]


class ParticipantListOut(Schema):
    full: bool
    delegations: list[DelegationListOut]


@router.get(
    "/meetings/{int:meeting_id}/participants/",
    response=answers(ParticipantListOut),
    operation_id="get_participants",
)
def get_participants(request: HttpRequest, meeting_id: int, full: bool = False) -> dict[str, Any]:
    """The list of participants as its page shows it to the reader: the public list (those who
    agreed to be listed); with the ``delegation`` scope, the holder's own delegation in full;
    with ``secretariat`` and ``full=true``, everyone approved in full (the secretariat's
    list)."""
    reader = reader_of(request)
    meeting = visible_meeting(request, meeting_id)
    manager = reader.reads(Scope.SECRETARIAT) and permissions.can_manage_registration(
        reader.person, meeting
    )
    full = manager and full
    viewer = reader.person if reader.reads(Scope.DELEGATION) and not manager else None
    delegations = reports.participant_list(meeting, full=full, viewer=viewer)
    if full or viewer is not None:
        _record_read(
            reader,
            meeting,
            "participant_list",
            full=full,
            people=sum(len(d.participants) for d in delegations),
        )
    return {"full": full, "delegations": delegations}


class FiguresOut(Schema):
    nominations: int
    participants: int
    funded: int
    confirmed: int
    attended: int
    attendance_rate: float | None


class StatisticsRowOut(Schema):
    label: str
    figures: FiguresOut


class StatisticsOut(Schema):
    total: FiguresOut
    by_delegation: list[StatisticsRowOut]
    by_category: list[StatisticsRowOut]
    by_gender: list[StatisticsRowOut] | None
    by_status: list[StatisticsRowOut]
    states: int
    organisations: int
    erased: int


@router.get(
    "/meetings/{int:meeting_id}/statistics/",
    response=answers(StatisticsOut),
    operation_id="get_statistics",
)
def get_statistics(request: HttpRequest, meeting_id: int) -> reports.RegistrationStatistics:
    """A meeting's registration figures for donor reporting: a token with the ``secretariat``
    scope of a holder who manages the meeting's registration; 404 for anyone else."""
    reader = reader_of(request)
    meeting = visible_meeting(request, meeting_id)
    if not (
        reader.reads(Scope.SECRETARIAT)
        and permissions.can_manage_registration(reader.person, meeting)
    ):
        raise Http404
    return reports.statistics(meeting)


class MeetingFiguresOut(Schema):
    meeting_id: int
    title: str
    figures: FiguresOut

    @staticmethod
    def resolve_meeting_id(obj: reports.MeetingFigures) -> int:
        return obj.meeting.pk

    @staticmethod
    def resolve_title(obj: reports.MeetingFigures) -> str:
        return obj.meeting.title


class DialogueStatisticsOut(Schema):
    year: int
    meetings: list[MeetingFiguresOut]
    statistics: StatisticsOut


@router.get(
    "/dialogues/{slug}/statistics/",
    response=answers(DialogueStatisticsOut),
    operation_id="get_dialogue_statistics",
)
def get_dialogue_statistics(
    request: HttpRequest, slug: str, year: int = Query(..., ge=FIRST_YEAR, le=LAST_YEAR)
) -> reports.DialogueStatistics:
    """A dialogue's meetings of one year with their figures, and the year's together: a token
    with the ``secretariat`` scope of a holder who serves the dialogue; 404 for anyone else."""
    reader = reader_of(request)
    dialogue = reader.within(Dialogue.objects.filter(slug=slug), "id").first()
    if (
        dialogue is None
        or not reader.reads(Scope.SECRETARIAT)
        or not permissions.is_secretariat(reader.person, dialogue)
    ):
        raise Http404
    return reports.dialogue_statistics(dialogue, year)
