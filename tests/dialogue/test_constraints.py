from __future__ import annotations

import datetime

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import transaction

from dialogue.constraints import SENTENCES, SentencedConstraints, violations_as_sentences
from meetings.models import AgendaItem, QuotaRule
from tests.conftest import World, client_for
from tests.meetings.conftest import START, istanbul_meeting

PROJECT_APPS = {"dialogue", "meetings", "documents", "notifications"}


def _constraints() -> list[tuple[type, str]]:
    return [
        (model, constraint.name)
        for model in apps.get_models()
        for constraint in model._meta.constraints
    ]


def test_every_constraint_of_every_model_has_a_sentence() -> None:
    names = {name for _model, name in _constraints()}
    assert len(names) >= 40  # the enumeration does find them
    assert sorted(names - set(SENTENCES)) == []


def test_every_model_of_ours_with_a_constraint_says_its_sentences() -> None:
    missing = [
        model.__name__
        for model, _name in _constraints()
        if model._meta.app_label in PROJECT_APPS - {"notifications"}
        and not issubclass(model, SentencedConstraints)
    ]
    assert missing == []


def test_no_sentence_names_its_constraint() -> None:
    assert [name for name, sentence in SENTENCES.items() if name in str(sentence)] == []


@pytest.mark.django_db
def test_full_clean_says_the_sentence_not_the_constraint(world: World) -> None:
    rule = QuotaRule(
        meeting=istanbul_meeting(world), member_kind="", categories=["delegate"], seats=2
    )
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert "A quota is for one kind of member, or for one state, or for one organisation." in (
        refused.value.messages
    )
    assert "quota_rule_one_scope" not in str(refused.value)


@pytest.mark.django_db
def test_agenda_item_ending_before_it_starts_gets_a_sentence_on_the_form(world: World) -> None:
    meeting = istanbul_meeting(world)
    response = client_for(world.person("secretariat_staff")).post(
        f"/meetings/{meeting.pk}/agenda/draft/",
        {
            "title_en": "Backwards",
            "kind": "item",
            "starts_at": "2027-03-10T11:00",
            "ends_at": "2027-03-10T10:00",
        },
    )
    page = response.content.decode()
    assert "An item cannot end before it starts." in page
    assert "agenda_item_ends_after_start" not in page
    assert 'value="Backwards"' in page  # the input is kept
    assert not AgendaItem.objects.filter(title_i18n__en="Backwards").exists()


@pytest.mark.django_db
def test_a_write_the_database_refuses_reads_as_a_sentence(world: World) -> None:
    meeting = istanbul_meeting(world)
    # a write no validation looked at, as when two requests race past it
    with (
        pytest.raises(ValidationError) as refused,
        violations_as_sentences(),
        transaction.atomic(),
    ):
        AgendaItem.objects.create(
            meeting=meeting,
            title_i18n={"en": "Backwards"},
            starts_at=START,
            ends_at=START - datetime.timedelta(hours=1),
        )
    assert refused.value.messages == ["An item cannot end before it starts."]
