"""The Arabic interface: which pages offer it, the page's direction, the preference, formats
and the isolation of Latin-script symbols inside Arabic text."""

from __future__ import annotations

import datetime
import re

import pytest
from django.template import Context, Template
from django.test import Client
from django.utils import formats, translation

from dialogue.interface_languages import offered_codes
from dialogue.models import User
from tests.conftest import World, client_for

pytestmark = pytest.mark.django_db


def _switch(page: str) -> list[str]:
    select = page.split('id="language-select"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="([a-z]+)"', select)


def test_offered_codes_follow_the_working_languages() -> None:
    assert offered_codes(working_languages=["en", "ru", "ar"], active="en") == ["en", "ru", "ar"]
    assert offered_codes(working_languages=["en", "ru"], active="en") == ["en", "ru"]
    # The reader's language stays offered, and English, the secretariat's, always is.
    assert offered_codes(working_languages=["ru"], active="ar") == ["en", "ru", "ar"]
    assert offered_codes(working_languages=None, active="en") == ["en", "ru", "ar"]


def test_dialogue_page_offers_arabic_only_where_the_dialogue_works_in_it(world: World) -> None:
    world.dialogue.languages = ["en", "ru", "ar"]
    world.dialogue.save()
    client = Client()
    budapest = client.get(f"/dialogues/{world.dialogue.slug}/").content.decode()
    prague = client.get(f"/dialogues/{world.other_dialogue.slug}/").content.decode()
    assert _switch(budapest) == ["en", "ru", "ar"]
    assert ">العربية</option>" in budapest
    assert _switch(prague) == ["en", "ru"]


def test_arabic_page_is_right_to_left_and_saves_the_preference(world: World) -> None:
    person = world.person("focal_point_a")
    client = client_for(person)
    client.post("/language/", {"language": "ar", "next": "/"})
    page = client.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "الاجتماعات" in page  # "Meetings" in the main navigation
    assert User.objects.get(pk=person.pk).preferred_language == "ar"


def test_preferred_arabic_is_used_without_a_cookie(world: World) -> None:
    person = world.person("delegate_a")
    person.preferred_language = "ar"
    person.save()
    page = client_for(person).get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page


def test_arabic_formats_keep_latin_digits_with_cldr_separators() -> None:
    with translation.override("ar"):
        assert formats.number_format(1500.5, decimal_pos=1, force_grouping=True) == "1,500.5"
        shown = formats.date_format(datetime.date(2026, 12, 7), "DATE_FORMAT")
    assert shown == "7 ديسمبر، 2026"


def test_ltr_filter_isolates_symbols_and_escapes() -> None:
    template = Template("{% load bidi %}الوثيقة {{ symbol|ltr }} {{ empty|ltr|default:'—' }}")
    shown = template.render(Context({"symbol": "BP/SOM/2026/3<b>", "empty": ""}))
    assert shown == 'الوثيقة <bdi dir="ltr">BP/SOM/2026/3&lt;b&gt;</bdi> —'
    plain = Template("{% load bidi %}{{ symbol|ltr_text }}").render(Context({"symbol": "BP/1"}))
    assert plain == "\u2066BP/1\u2069"


def test_reference_data_names_everything_in_arabic_and_the_arabic_page_reads_it(db: None) -> None:
    from dialogue.models import Body, Dialogue, Organisation, State, ThematicArea
    from dialogue.reference import load_reference_data

    load_reference_data()
    for model in (State, Organisation, Dialogue, Body, ThematicArea):
        unnamed = [str(row) for row in model.objects.all() if not row.name_i18n.get("ar")]
        assert not unnamed, f"{model.__name__} without an Arabic name: {unnamed}"
    budapest = Dialogue.objects.get(slug="budapest-process")
    page = Client(headers={"cookie": "django_language=ar"}).get("/dialogues/budapest-process/")
    text = page.content.decode()
    assert "عملية بودابست" in text
    assert "اجتماع كبار المسؤولين (مجموعة بودابست)" in text
    assert budapest.description_i18n["ar"] in text
