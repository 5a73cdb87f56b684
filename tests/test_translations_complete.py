"""The catalogue check that `make check` runs: what it reports, and when it fails."""

from pathlib import Path

import pytest

from tests.translations_complete import main

RU_HEADER = (
    'msgid ""\nmsgstr ""\n"Language: ru\\n"\n'
    '"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 '
    '&& (n%100<10 || n%100>=20) ? 1 : 2);\\n"\n'
)
AR_HEADER = (
    'msgid ""\nmsgstr ""\n"Language: ar\\n"\n'
    '"Plural-Forms: nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : '
    'n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);\\n"\n'
)
RU_ENTRIES = """
msgid "Save"
msgstr "Сохранить"

#, python-format
msgid "%(n)d seat"
msgid_plural "%(n)d seats"
msgstr[0] "%(n)d место"
msgstr[1] "%(n)d места"
msgstr[2] "%(n)d мест"

msgid ""
"Two lines "
"of text"
msgstr "Две строки текста"
"""
AR_ENTRIES = """
msgid "Save"
msgstr "حفظ"

#, python-format
msgid "%(n)d seat"
msgid_plural "%(n)d seats"
msgstr[0] "لا مقاعد"
msgstr[1] "مقعد واحد"
msgstr[2] "مقعدان"
msgstr[3] "%(n)d مقاعد"
msgstr[4] "%(n)d مقعدًا"
msgstr[5] "%(n)d مقعد"

msgid "Two lines of text"
msgstr "سطران من النص"

#~ msgid "Gone"
#~ msgstr ""
"""


def write(root: Path, language: str, text: str) -> None:
    folder = root / "locale" / language / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / "django.po").write_text(text, encoding="utf-8")


def test_catalogues_complete_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "ru", RU_HEADER + RU_ENTRIES)
    write(tmp_path, "ar", AR_HEADER + AR_ENTRIES)

    assert main(tmp_path / "locale") == 0
    assert capsys.readouterr().out.splitlines() == [
        "ar: complete, 3 msgids (locale/ar/LC_MESSAGES/django.po)",
        "ru: complete, 3 msgids (locale/ru/LC_MESSAGES/django.po)",
    ]


def test_catalogues_incomplete_reported_per_language(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "ru", RU_HEADER + RU_ENTRIES + '\nmsgid "Only in Russian"\nmsgstr "Лишь"\n')
    arabic = (
        AR_ENTRIES.replace('msgstr "حفظ"', 'msgstr ""')
        .replace('msgstr[4] "%(n)d مقعدًا"\nmsgstr[5] "%(n)d مقعد"\n', "")
        .replace('msgid "Two lines', '#, fuzzy\nmsgid "Two lines')
    )
    write(tmp_path, "ar", AR_HEADER + arabic)

    assert main(tmp_path / "locale") == 1
    assert capsys.readouterr().out.splitlines() == [
        "ar: 4 problem(s) in locale/ar/LC_MESSAGES/django.po",
        '  missing: "Only in Russian" is not in the catalogue',
        '  missing: "Save"',
        '  plural forms: "%(n)d seat" has 4, the header says 6',
        '  fuzzy: "Two lines of text"',
        "ru: complete, 4 msgids (locale/ru/LC_MESSAGES/django.po)",
        "1 of 2 catalogues incomplete",
    ]


def test_catalogue_empty_plural_form_and_fuzzy_header_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, "ru", "#, fuzzy\n" + RU_HEADER + RU_ENTRIES.replace('"%(n)d мест"', '""'))

    assert main(tmp_path / "locale") == 1
    assert capsys.readouterr().out.splitlines() == [
        "ru: 2 problem(s) in locale/ru/LC_MESSAGES/django.po",
        "  header: marked fuzzy (compilemessages would drop it)",
        '  missing: "%(n)d seat" (msgstr[2])',
        "1 of 1 catalogues incomplete",
    ]


def test_catalogue_dropped_placeholder_reported_unless_number_spelled_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Arabic's forms for 0, 1 and 2 may write the number as a word (as AR_ENTRIES does); its
    # form for 3-10, and every Russian form (each serves many numbers), must keep %(n)d.
    write(tmp_path, "ru", RU_HEADER + RU_ENTRIES.replace('"%(n)d место"', '"одно место"'))
    write(tmp_path, "ar", AR_HEADER + AR_ENTRIES.replace('"%(n)d مقاعد"', '"بضعة مقاعد"'))

    assert main(tmp_path / "locale") == 1
    assert capsys.readouterr().out.splitlines() == [
        "ar: 1 problem(s) in locale/ar/LC_MESSAGES/django.po",
        '  placeholders: "%(n)d seat": msgstr[3] lacks %(n)d',
        "ru: 1 problem(s) in locale/ru/LC_MESSAGES/django.po",
        '  placeholders: "%(n)d seat": msgstr[0] lacks %(n)d',
        "2 of 2 catalogues incomplete",
    ]
