"""config/kept_queries.py: a read whose SQL is compiled once gives what the ORM gives, for every
request's values, in one query, and refuses a builder that would bake a value into the SQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import QuerySet, Value
from django.test.utils import CaptureQueriesContext

from config.kept_queries import KeptQuery
from dialogue.models import Body
from meetings.models import Meeting
from notifications.inbox import follow_choice_of
from notifications.models import Follow
from tests.conftest import World
from tests.meetings.conftest import istanbul_meeting, set_up_registration

pytestmark = pytest.mark.django_db


def _read(shape: bool, *, pk: int, user_id: int = 0, stream: str = "") -> QuerySet[Meeting]:
    meetings = Meeting.objects.select_related(
        "dialogue", "body", "country", "registration_settings"
    )
    if shape:
        meetings = meetings.annotate(follow_choice=follow_choice_of(user_id, Value(stream)))
    return meetings.filter(pk=pk).order_by()[:1]


def _facts(meeting: Meeting) -> dict[str, Any]:
    try:
        deadline = meeting.registration_settings.nomination_deadline
    except Meeting.registration_settings.RelatedObjectDoesNotExist:
        deadline = "none"
    return {
        "row": {f.attname: getattr(meeting, f.attname) for f in Meeting._meta.concrete_fields},
        "dialogue": meeting.dialogue.name_i18n,
        "body": meeting.body.name_i18n,
        "country": meeting.country,
        "deadline": deadline,
        "follow": getattr(meeting, "follow_choice", "absent"),
        "saved": not meeting._state.adding,
    }


def test_rows_are_the_orms_for_each_meeting_and_person(world: World, som: Body) -> None:
    staff = world.person("secretariat_staff")
    with_registration = istanbul_meeting(world, body=som, title={"ru": "СДЛ Стамбул"})
    set_up_registration(with_registration, staff)
    without = istanbul_meeting(world, body=som, announce=False, title={"en": "Second"})
    reader = world.person("focal_point_a")
    Follow.objects.create(user=reader, stream=f"meeting:{without.pk}", following=False)
    kept = KeptQuery(_read)

    for meeting in (with_registration, without):
        for user in (reader, staff):
            stream = f"meeting:{meeting.pk}"
            values = {"pk": meeting.pk, "user_id": user.pk, "stream": stream}
            expected = _facts(_read(True, **values).get())
            with CaptureQueriesContext(connection) as queries:
                found = kept.rows(True, **values)
            assert [_facts(m) for m in found] == [expected]
            assert len(queries) == 1
        assert [_facts(m) for m in kept.rows(False, pk=meeting.pk)] == [
            _facts(_read(False, pk=meeting.pk).get())
        ]
    # The follow choice is the person's own: the focal point's "no" is not the staff's.
    assert (
        kept.rows(True, pk=without.pk, user_id=reader.pk, stream=f"meeting:{without.pk}")[
            0
        ].follow_choice
        is False
    )
    assert (
        kept.rows(True, pk=without.pk, user_id=staff.pk, stream=f"meeting:{without.pk}")[
            0
        ].follow_choice
        is None
    )
    assert kept.rows(False, pk=without.pk + 1000) == []


def test_the_same_number_in_two_values_goes_to_each_place(world: World, som: Body) -> None:
    meeting = istanbul_meeting(world, body=som)
    reader = world.person("focal_point_a")
    Follow.objects.create(user=reader, stream=f"meeting:{meeting.pk}", following=True)
    kept = KeptQuery(_read)
    # A person whose id is the meeting's: each value still lands in its own place.
    assert (
        kept.rows(True, pk=meeting.pk, user_id=reader.pk, stream=f"meeting:{meeting.pk}")[
            0
        ].follow_choice
        is True
    )
    assert kept.rows(True, pk=meeting.pk, user_id=meeting.pk, stream=f"meeting:{meeting.pk}")[
        0
    ].follow_choice is (True if reader.pk == meeting.pk else None)


def test_a_value_built_into_the_sql_is_refused(world: World, som: Body) -> None:
    meeting = istanbul_meeting(world, body=som)

    def derived(shape: Any, *, pk: int) -> QuerySet[Meeting]:
        return Meeting.objects.filter(title_i18n__en=f"meeting {pk}").order_by()[:1]

    def in_the_text(shape: Any, *, pk: int) -> QuerySet[Meeting]:
        return Meeting.objects.extra(where=[f"id = {pk}"]).order_by()[:1]  # noqa: S610

    for build in (derived, in_the_text):
        with pytest.raises(ValueError, match="not passed as it is given"):
            KeptQuery(build).rows(pk=meeting.pk)
