"""dialogue/text.py and dialogue/fields.py: one-line text folded wherever it comes in, from a
form, a service, a bulk update, or a row stored before the folding existed."""

from __future__ import annotations

import pytest
from django.db import connection

from dialogue.fields import OneLineField
from dialogue.forms import AnnouncementForm, ProfileForm
from dialogue.models import User
from dialogue.text import multi_line, one_line
from tests.conftest import World, client_for
from tests.hostile_text import BIDI, CONTROLS

# --- The text functions ------------------------------------------------------------------------


def test_one_line_folds_line_breaks_and_tabs_into_one_space() -> None:
    assert one_line("Senior Officials'\r\nMeeting \n\n Istanbul\t2027") == (
        "Senior Officials' Meeting Istanbul 2027"
    )
    assert one_line("a\u2028b\u2029c\x85d\x0be\x0cf\x1cg") == "a b c d e f g"


def test_one_line_leaves_no_space_where_a_break_was_at_either_end() -> None:
    assert one_line("\r\n  Title\n") == "Title"


def test_one_line_keeps_text_that_needs_no_folding_as_typed() -> None:
    assert one_line(" two  spaces ") == " two  spaces "
    assert one_line("Азербайджан · Türkiye") == "Азербайджан · Türkiye"


def test_one_line_removes_control_characters_and_bidi_overrides() -> None:
    assert one_line(f"a{CONTROLS}\x00b") == "ab"
    assert one_line("invoice\u202efdp.exe") == "invoicefdp.exe"
    assert one_line("\u202a\u202b\u202c\u202d\u202e") == ""


def test_one_line_keeps_bidi_isolates_and_marks_for_mixed_scripts() -> None:
    text = "\u2066مرحبا\u2069 \u200fABC\u200e"
    assert one_line(text) == text


def test_one_line_replaces_an_unpaired_surrogate() -> None:
    assert one_line("a\ud800b") == "a\ufffdb"


def test_multi_line_keeps_line_breaks_as_newlines_and_tabs() -> None:
    assert multi_line("one\r\ntwo\rthree\u2028four\n\tfive") == "one\ntwo\nthree\nfour\n\tfive"


def test_multi_line_removes_controls_and_overrides_but_keeps_isolates() -> None:
    assert multi_line(f"a{CONTROLS}\x00b{BIDI}") == (
        "ab" + "evil ltr emb \u2066isolated\u2069 \u200fمرحبا\u200e"
    )


# --- The model field ---------------------------------------------------------------------------


def _stored(user: User) -> str:
    """The full name as the database holds it, not as the model shows it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT full_name FROM dialogue_user WHERE id = %s", [user.pk])
        (name,) = cursor.fetchone()
    assert isinstance(name, str)
    return name


def test_a_name_assigned_by_a_service_is_folded_before_it_is_saved(world: World) -> None:
    user = User.objects.create_user(email="new@example.org", full_name="Nino\r\nBeridze\x07")
    assert user.full_name == "Nino Beridze"
    assert _stored(user) == "Nino Beridze"


def test_a_bulk_update_is_folded_too(world: World) -> None:
    user = world.person("delegate_a")
    User.objects.filter(pk=user.pk).update(full_name="Nino\nBeridze\u202e")
    assert _stored(user) == "Nino Beridze"


def test_a_row_stored_before_the_folding_is_read_folded_and_saved_folded(world: World) -> None:
    user = world.person("delegate_a")
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dialogue_user SET full_name = %s WHERE id = %s", ["Old\r\nName\t", user.pk]
        )
    assert _stored(user) == "Old\r\nName\t"
    loaded = User.objects.get(pk=user.pk)
    assert loaded.full_name == "Old Name"
    assert User.objects.filter(pk=user.pk).values_list("full_name", flat=True).get() == "Old Name"
    loaded.save()
    assert _stored(user) == "Old Name"


# --- Forms ---------------------------------------------------------------------------------------


def test_form_field_checks_the_length_of_the_folded_text() -> None:
    field = OneLineField(max_length=5)
    assert field.clean("ab\r\ncd") == "ab cd"


def test_model_form_gets_the_folding_field(world: World) -> None:
    user = world.people["delegate_a"]
    form = ProfileForm(
        data={
            "full_name": "Nino\r\nBeridze",
            "title": "Head\tof Division",
            "affiliation": "Ministry\u202e",
            "preferred_language": "en",
            "time_zone": "Europe/Vienna",
        },
        instance=user,
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["full_name"] == "Nino Beridze"
    assert form.cleaned_data["title"] == "Head of Division"
    assert form.cleaned_data["affiliation"] == "Ministry"


def test_declared_form_field_folds_a_title_and_keeps_a_text_s_lines() -> None:
    form = AnnouncementForm(
        data={
            "title_en": "Registration\r\nopens",
            "body_en": "First line\r\nSecond line",
            "audience": "members",
            "idempotency_key": "k" * 32,
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["title"] == {"en": "Registration opens"}
    assert form.cleaned_data["body"] == {"en": "First line\r\nSecond line"}


def test_profile_page_saves_a_pasted_name_on_one_line(world: World) -> None:
    user = world.person("delegate_a")
    response = client_for(user).post(
        "/profile/",
        {
            "full_name": "Nino\r\nBeridze",
            "title": "",
            "affiliation": "",
            "preferred_language": "en",
            "time_zone": "Europe/Vienna",
        },
    )
    assert response.status_code == 302
    assert _stored(user) == "Nino Beridze"


@pytest.mark.parametrize("value", ["\r\n", "\x00\u202e"])
def test_a_required_name_of_only_breaks_and_controls_is_refused_as_empty(value: str) -> None:
    field = OneLineField(max_length=200)
    with pytest.raises(Exception, match="required"):
        field.clean(value)
