"""Texts per language (``dialogue.translations``): one fallback rule, forms with one input per
working language, a fourth language by settings alone, and the data migration that made the
*_en/*_ru pairs into texts per language."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.template import Context, Template
from django.test import override_settings
from django.utils import translation

from dialogue.models import State
from dialogue.translations import Localized, Translations
from documents import queries as document_queries
from meetings import agenda, services
from meetings.models import Meeting
from tests.conftest import World, client_for
from tests.factories import StateFactory
from tests.meetings.conftest import START, istanbul_meeting

# --- The value and its one fallback rule --------------------------------------------------


def test_the_readers_language_first_then_the_owners_languages_in_their_order() -> None:
    texts = Translations({"en": "Opening", "ru": "Открытие"})
    russian = texts.pick("ru", languages=["en", "ru"])
    assert (russian, russian.language, russian.is_fallback) == ("Открытие", "ru", False)
    # Arabic is not written yet: the owner's first language that has it stands in, marked.
    arabic = texts.pick("ar", languages=["ru", "en"])
    assert (arabic, arabic.language, arabic.is_fallback) == ("Открытие", "ru", True)
    assert texts.pick("ar", languages=["en", "ru"]) == "Opening"
    # Without an owner, the site's languages in settings order.
    assert texts.pick("ar") == "Opening"
    with translation.override("ru"):
        assert str(texts) == "Открытие"


def test_empty_texts_are_not_translations() -> None:
    texts = Translations({"en": " Opening ", "ru": "  ", "ar": ""})
    assert texts.as_dict() == {"en": "Opening"}
    assert texts.missing(["en", "ru", "ar"]) == ["ru", "ar"]
    assert Translations().pick("en") == ""


def test_a_meeting_title_falls_back_to_the_meetings_first_language(world: World) -> None:
    world.dialogue.languages = ["en", "ru", "ar"]
    world.dialogue.save()
    meeting = istanbul_meeting(world, title={"ru": "СДЛ Стамбул"})
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.languages == ["en", "ru", "ar"]
    with translation.override("ru"):
        assert meeting.title == "СДЛ Стамбул"
        assert not meeting.title.is_fallback
    with translation.override("ar"):
        assert meeting.title == "SOM Istanbul"
        assert (meeting.title.language, meeting.title.is_fallback) == ("en", True)


def test_a_fallback_text_is_marked_in_the_page_with_its_language() -> None:
    template = Template("{% load translations %}{{ text|marked }}")
    with translation.override("ar"):
        fallback = Localized("<b>Opening</b>", "en", is_fallback=True)
        html = template.render(Context({"text": fallback}))
    assert html.startswith('<span lang="en" class="translation-pending"')
    assert "&lt;b&gt;Opening&lt;/b&gt;" in html
    own = template.render(Context({"text": Localized("Открытие", "ru")}))
    assert own == "Открытие"


def test_stored_releases_and_events_are_read_in_either_shape() -> None:
    template = Template('{% load translations %}{{ item|text:"title" }}')
    old = {"title_en": "Opening", "title_ru": "Открытие"}  # a release from before
    new = {"title_i18n": {"en": "Opening", "ru": "Открытие"}}
    with translation.override("ru"):
        assert template.render(Context({"item": old})) == "Открытие"
        assert template.render(Context({"item": new})) == "Открытие"


def test_an_announcement_is_posted_in_each_working_language_of_its_dialogue(
    world: World,
) -> None:
    from dialogue import announcements

    staff = world.person("secretariat_staff")
    posted = announcements.post_announcement(
        by=staff,
        dialogue=world.dialogue,
        title={"en": "Venue confirmed", "ru": "Место подтверждено"},
        body={"en": "Istanbul"},
    )
    with translation.override("ru"):
        assert posted.title == "Место подтверждено"
        assert (posted.body, posted.body.is_fallback) == ("Istanbul", True)
    with pytest.raises(ValidationError, match="at least in English"):
        announcements.post_announcement(
            by=staff, dialogue=world.dialogue, title={"ru": "Только по-русски"}, body="Текст"
        )
    page = client_for(staff).get(f"/dialogues/{world.dialogue.slug}/")
    html = page.content.decode()
    assert 'name="title_ru"' in html
    assert "Title (Russian)" in html


# --- Ordering and searching in the database ------------------------------------------------


def test_states_are_ordered_by_their_english_name_in_the_database(db: None) -> None:
    for code, english, russian in [("HU", "Hungary", "Венгрия"), ("AT", "Austria", "Австрия")]:
        StateFactory(code=code, name_i18n={"en": english, "ru": russian})
    StateFactory(code="BE", name_i18n={"en": "Belgium"})
    assert [s.code for s in State.objects.all()] == ["AT", "BE", "HU"]


# --- Working languages: the dialogue's, a meeting's subset --------------------------------


def test_a_meetings_languages_are_its_dialogues_at_least_one_and_in_the_dialogues_order(
    world: World,
) -> None:
    with pytest.raises(ValidationError, match="does not work in"):
        istanbul_meeting(world, languages=["en", "fr"], announce=False)
    staff = world.person("secretariat_staff")
    meeting = istanbul_meeting(world, languages=["ru", "en"], announce=False)
    assert meeting.languages == ["en", "ru"]
    with pytest.raises(ValidationError, match="at least one working language"):
        services.change_meeting(by=staff, meeting=meeting, languages=[])
    russian_only = services.change_meeting(
        by=staff, meeting=meeting, languages=["ru"], title={"ru": "СДЛ Стамбул"}
    )
    assert russian_only.languages == ["ru"]
    with pytest.raises(ValidationError, match="title at least in Russian"):
        services.change_meeting(by=staff, meeting=meeting, title={"en": "SOM Istanbul"})


def test_an_agenda_item_needs_a_title_in_the_meetings_first_language(world: World) -> None:
    staff = world.person("secretariat_staff")
    meeting = istanbul_meeting(world, announce=False)
    with pytest.raises(ValidationError, match="at least in English"):
        agenda.add_item(by=staff, meeting=meeting, title={"ru": "Открытие"})
    item = agenda.add_item(by=staff, meeting=meeting, title={"en": "Opening", "ru": "Открытие"})
    assert item.title_i18n == {"en": "Opening", "ru": "Открытие"}


# --- Forms: one input per working language, the missing ones flagged ---------------------


def test_the_meeting_form_has_an_input_per_working_language_and_flags_the_missing(
    world: World,
) -> None:
    world.dialogue.languages = ["en", "ru", "ar"]
    world.dialogue.save()
    meeting = istanbul_meeting(world, title={"ru": "СДЛ Стамбул"})
    page = client_for(world.people["secretariat_staff"]).get(f"/meetings/{meeting.pk}/edit/")
    html = page.content.decode()
    for code in ("en", "ru", "ar"):
        assert f'name="title_{code}"' in html
        assert f'id="id_title_{code}"' in html
    assert 'value="СДЛ Стамбул"' in html
    # Arabic is not written: its title input is flagged; English and Russian are not.
    title_ar = html.index('name="title_ar"')
    assert html.rfind("translation pending", 0, title_ar) > html.index('name="title_ru"')


def test_the_meeting_form_saves_every_language_and_refuses_a_title_without_the_first(
    world: World,
) -> None:
    meeting = istanbul_meeting(world)
    client = client_for(world.people["secretariat_staff"])
    data: dict[str, Any] = {
        "body": meeting.body_id,
        "kind": meeting.kind,
        "format": meeting.format,
        "time_zone": meeting.time_zone,
        "starts_at": "2027-03-10T09:00",
        "ends_at": "2027-03-10T17:00",
        "languages": ["en", "ru"],
        "is_public": "on",
        "title_en": "",
        "title_ru": "СДЛ",
    }
    refused = client.post(f"/meetings/{meeting.pk}/edit/", data)
    assert refused.status_code == 200
    assert "Write it at least in English." in refused.content.decode()
    assert 'value="СДЛ"' in refused.content.decode()  # the input is kept
    data["title_en"] = "SOM Istanbul (revised)"
    assert client.post(f"/meetings/{meeting.pk}/edit/", data).status_code == 302
    meeting.refresh_from_db()
    assert meeting.title_i18n == {"en": "SOM Istanbul (revised)", "ru": "СДЛ"}


def test_the_admin_edits_a_states_name_in_each_site_language(world: World) -> None:
    client = client_for(world.people["secretariat_admin"])
    url = f"/admin/dialogue/state/{world.state_a.pk}/change/"
    html = client.get(url).content.decode()
    assert 'name="name_i18n_en" value="Georgia"' in html
    assert 'name="name_i18n_ru" value="Грузия"' in html
    saved = client.post(url, {"code": "GE", "name_i18n_en": "Georgia", "name_i18n_ru": ""})
    assert saved.status_code == 302
    world.state_a.refresh_from_db()
    assert world.state_a.name_i18n == {"en": "Georgia"}
    refused = client.post(url, {"code": "GE", "name_i18n_en": "", "name_i18n_ru": "Грузия"})
    assert "Write it at least in English." in refused.content.decode()


# --- A fourth language: settings and a catalogue, no schema change -------------------------

FRENCH = [("en", "English"), ("ru", "Russian"), ("ar", "Arabic"), ("fr", "French")]


@override_settings(LANGUAGES=FRENCH)
def test_french_is_stored_read_and_falls_back_without_a_schema_change(world: World) -> None:
    world.dialogue.languages = ["en", "ru", "fr"]
    world.dialogue.save()
    staff = world.person("secretariat_staff")
    columns = {f.column for f in Meeting._meta.concrete_fields}
    meeting = istanbul_meeting(world, title={"fr": "Réunion des hauts fonctionnaires"})
    item = agenda.add_item(by=staff, meeting=meeting, title={"en": "Opening"})

    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.languages == ["en", "ru", "fr"]
    with translation.override("fr"):
        assert meeting.title == "Réunion des hauts fonctionnaires"
        assert not meeting.title.is_fallback
        # Not yet in French: the meeting's first language stands in, marked as such.
        opening = meeting.agenda_items.get(pk=item.pk).title
        assert (opening, opening.language, opening.is_fallback) == ("Opening", "en", True)
    with translation.override("ru"):
        assert meeting.title == "SOM Istanbul"  # no Russian title: English, marked
        assert meeting.title.is_fallback
    # Found by its French title, and no column was added for it.
    assert Meeting.objects.filter(title_i18n__fr__startswith="Réunion").get() == meeting
    assert {f.column for f in Meeting._meta.concrete_fields} == columns
    assert not any(f.name.endswith("_fr") for f in Meeting._meta.get_fields())
    # The form offers a French input.
    page = client_for(world.people["secretariat_staff"]).get(f"/meetings/{meeting.pk}/edit/")
    assert 'name="title_fr"' in page.content.decode()


@override_settings(LANGUAGES=FRENCH)
def test_the_library_finds_a_document_by_its_french_title(world: World) -> None:
    from documents import services as documents
    from tests.documents.conftest import pdf

    world.dialogue.languages = ["en", "fr"]
    world.dialogue.save()
    document = documents.add_document(
        by=world.person("secretariat_staff"),
        dialogue=world.dialogue,
        kind="background_paper",
        title={"en": "Return partnerships", "fr": "Partenariats de retour"},
        marking="public",
        language="fr",
        upload=pdf("paper"),
    )
    found = document_queries.search(
        type(document).objects.all(),
        document_queries.LibraryFilter.from_query({"q": "Partenariats"}),
    )
    assert [hit.document_id for hit in found[0:10]] == [document.pk]


# --- The data migration -------------------------------------------------------------------

BEFORE = [
    ("dialogue", "0003_chair_acts_for_a_state"),
    ("meetings", "0005_original_name_255_bytes"),
    ("documents", "0002_original_name_255_bytes"),
]
AFTER = [
    ("dialogue", "0005_announcements_per_language"),
    ("meetings", "0007_release_notes_per_language"),
    ("documents", "0003_texts_per_language"),
]


@pytest.fixture
def back_to_today() -> Any:
    """Whatever the test leaves, the tests that follow find today's schema."""
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_every_english_and_russian_text(back_to_today: None) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    dialogue = old.get_model("dialogue", "Dialogue").objects.create(
        slug="bp",
        name_en="Budapest Process",
        name_ru="Будапештский процесс",
        acronym="BP",
        description_en="A forum.",
        languages=["en", "ru"],
    )
    state = old.get_model("dialogue", "State").objects.create(
        code="GE", name_en="Georgia", name_ru="Грузия"
    )
    body = old.get_model("dialogue", "Body").objects.create(
        dialogue=dialogue, kind="senior_officials_meeting", name_en="SOM", name_ru=""
    )
    user = old.get_model("dialogue", "User").objects.create(email="s@example.org")
    old.get_model("dialogue", "Announcement").objects.create(
        dialogue=dialogue, title="Venue confirmed", body="Istanbul", posted_by=user
    )
    meeting = old.get_model("meetings", "Meeting").objects.create(
        dialogue=dialogue,
        body=body,
        kind="senior_officials_meeting",
        title_en="SOM Istanbul",
        title_ru="СДЛ Стамбул",
        city="Istanbul",
        city_ru="Стамбул",
        country=state,
        time_zone="Europe/Istanbul",
        starts_at=START,
        ends_at=START + datetime.timedelta(hours=8),
        languages=[],
        created_by=user,
    )
    old.get_model("meetings", "AgendaRelease").objects.create(
        meeting=meeting, number=1, note="First version", released_by=user
    )
    old.get_model("meetings", "AgendaItem").objects.create(
        meeting=meeting, title_en="Opening", title_ru="Открытие", description_en="Words."
    )
    old.get_model("documents", "Document").objects.create(
        dialogue=dialogue,
        meeting=meeting,
        kind="agenda",
        series="SOM",
        year=2027,
        number=1,
        symbol="BP/SOM/2027/1",
        title_en="Annotated agenda",
        title_ru="Аннотированная повестка дня",
        marking="public",
        created_by=user,
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    migrated_dialogue = new.get_model("dialogue", "Dialogue").objects.get()
    assert migrated_dialogue.name_i18n == {"en": "Budapest Process", "ru": "Будапештский процесс"}
    assert migrated_dialogue.description_i18n == {"en": "A forum."}
    assert new.get_model("dialogue", "State").objects.get().name_i18n == {
        "en": "Georgia",
        "ru": "Грузия",
    }
    assert new.get_model("dialogue", "Body").objects.get().name_i18n == {"en": "SOM"}
    announcement = new.get_model("dialogue", "Announcement").objects.get()
    assert (announcement.title_i18n, announcement.body_i18n) == (
        {"en": "Venue confirmed"},
        {"en": "Istanbul"},
    )
    migrated = new.get_model("meetings", "Meeting").objects.get()
    assert migrated.title_i18n == {"en": "SOM Istanbul", "ru": "СДЛ Стамбул"}
    assert migrated.city_i18n == {"en": "Istanbul", "ru": "Стамбул"}
    assert migrated.description_i18n == {}
    assert migrated.languages == ["en", "ru"]  # the dialogue's, as the service would set
    assert new.get_model("meetings", "AgendaRelease").objects.get().note_i18n == {
        "en": "First version"
    }
    item = new.get_model("meetings", "AgendaItem").objects.get()
    assert (item.title_i18n, item.description_i18n) == (
        {"en": "Opening", "ru": "Открытие"},
        {"en": "Words."},
    )
    assert new.get_model("documents", "Document").objects.get().title_i18n == {
        "en": "Annotated agenda",
        "ru": "Аннотированная повестка дня",
    }


def test_a_list_is_written_as_the_readers_language_writes_it(world: World) -> None:
    """The Arabic comma between the items of a list in Arabic (the meeting's place, the
    languages it works in), the Latin one in English and Russian; empty items left out."""
    from dialogue.translations import listed

    world.dialogue.languages = ["en", "ru", "ar"]
    world.dialogue.save()
    meeting = istanbul_meeting(
        world, venue_name="Congress Center", room="Hall A", languages=["en", "ru", "ar"]
    )
    working = {
        "en": "English, Russian, Arabic",
        "ru": "Английский, Русский, Арабский",
        "ar": "الإنجليزية، الروسية، العربية",
    }
    for language, comma in (("en", ", "), ("ru", ", "), ("ar", "، ")):
        with translation.override(language):
            assert listed(["a", "", "b"]) == f"a{comma}b"
            assert meeting.place == f"Hall A{comma}Congress Center"
        visitor = client_for(None)
        visitor.cookies["django_language"] = language
        assert working[language] in visitor.get(f"/meetings/{meeting.pk}/").content.decode()
