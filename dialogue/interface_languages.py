"""Which interface languages a page offers in its language switch.

The interface can speak every language of ``settings.LANGUAGES``; a page about one meeting or
one dialogue offers the ones that meeting or dialogue works in (the Budapest Process's pages
offer العربية, the Prague Process's do not), plus English, the secretariat's language, and the
language the reader has now, so nobody is left in a language the switch no longer lists. A
page about neither (the home page, the inbox, a person's profile) serves both dialogues and
offers every language.

Decided from rows the page already holds (``meeting.languages``, ``dialogue.languages``): the
switch costs no query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import get_language_info

SECRETARIAT_LANGUAGE = "en"
# A language's name in itself as the switch writes it; Django's "العربيّة" carries a shadda
# that Arabic signage and menus leave out.
_OWN_NAMES = {"ar": "العربية"}


@dataclass(frozen=True)
class InterfaceLanguage:
    code: str
    name_local: str
    bidi: bool


def interface_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def offered_codes(*, working_languages: Iterable[str] | None, active: str) -> list[str]:
    """The interface languages to offer, in ``settings.LANGUAGES`` order. ``working_languages``
    are those of the page's meeting or dialogue; ``None`` for a page about neither."""
    codes = interface_codes()
    if working_languages is None:
        return codes
    wanted = {str(code) for code in working_languages} | {SECRETARIAT_LANGUAGE, active}
    return [code for code in codes if code in wanted]


def offered(*, working_languages: Iterable[str] | None, active: str) -> list[InterfaceLanguage]:
    """As ``offered_codes``, each with its own name ("Русский", "العربية") and direction."""
    languages = []
    for code in offered_codes(working_languages=working_languages, active=active):
        info = get_language_info(code)
        languages.append(
            InterfaceLanguage(code, _OWN_NAMES.get(code, info["name_local"]), info["bidi"])
        )
    return languages
