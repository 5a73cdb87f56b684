"""Content written in several languages, stored once per language in one JSON column.

Every text the secretariat writes in the working languages (a meeting's title, an agenda
item's description, a state's name, an outcome's text, ...) is a ``TranslatedField``: one JSON
object per row, ``{"en": "...", "ru": "...", "ar": "..."}``, read as a ``Translations`` value.
Adding a language is a settings change (``LANGUAGES``) plus a catalogue: no column, no
migration. Why this and not a library: docs/architecture.md, "Languages as data".

One fallback rule, everywhere (``Translations.pick``): the reader's language if the text
exists in it; else the owner's working languages in their order (a meeting's, its dialogue's);
else the site's languages in settings order. What comes back is a ``Localized`` string that
knows which language it is in and whether it is a fallback, so a page can mark it
(``lang="..."``, the "translation pending" hint: ``{% translated %}`` in ``dialogue_tags``).

Models keep their language-aware read properties (``meeting.title``, ``state.name``): views and
templates read those, never a language key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.core import exceptions
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields.json import KeyTextTransform
from django.utils.translation import get_language, get_language_info, pgettext
from django.utils.translation import gettext_lazy as _

from .text import multi_line, one_line


def site_languages() -> list[str]:
    """The interface's languages, in settings order (``LANGUAGE_CODE`` first)."""
    codes = [code for code, _name in settings.LANGUAGES]
    first = settings.LANGUAGE_CODE
    return [first, *[code for code in codes if code != first]]


def reader_language() -> str:
    return (get_language() or settings.LANGUAGE_CODE).split("-")[0]


def language_name(code: str) -> str:
    """The language's name in the reader's language: the site's own name for it, else
    Django's (which knows every ISO 639-1 code a dialogue may work in)."""
    if code in dict(settings.LANGUAGES):
        return str(dict(settings.LANGUAGES)[code])
    try:
        return str(get_language_info(code)["name_translated"])
    except KeyError:
        return code


class Localized(str):
    """A text picked from ``Translations``: a ``str`` that knows its language and whether it
    stands in for the reader's (``is_fallback``)."""

    language: str
    is_fallback: bool

    def __new__(cls, text: str, language: str, *, is_fallback: bool = False) -> Localized:
        made = super().__new__(cls, text)
        made.language = language
        made.is_fallback = is_fallback
        return made


class Translations(Mapping[str, str]):
    """An immutable mapping from language code to text; empty texts are dropped."""

    __slots__ = ("_texts",)

    def __init__(self, texts: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None):
        pairs = texts.items() if isinstance(texts, Mapping) else (texts or ())
        self._texts = {
            str(code): str(text).strip() for code, text in pairs if text and str(text).strip()
        }

    @classmethod
    def of(cls, value: Any) -> Translations:
        """A ``Translations`` from a stored or given value: a mapping, ``None`` or (from a text
        stored before this field existed) a plain string taken as English."""
        if isinstance(value, Translations):
            return value
        if value is None or value == "":
            return cls()
        if isinstance(value, str):
            return cls({settings.LANGUAGE_CODE: value})
        return cls(value)

    def __getitem__(self, code: str) -> str:
        return self._texts[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._texts == Translations.of(other)._texts
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._texts.items())))

    def __repr__(self) -> str:
        return f"Translations({self._texts!r})"

    def __str__(self) -> str:
        return self.pick()

    def as_dict(self) -> dict[str, str]:
        return dict(self._texts)

    def with_text(self, code: str, text: str) -> Translations:
        return Translations({**self._texts, code: text})

    def missing(self, languages: Iterable[str]) -> list[str]:
        """The languages (of those given, in their order) this text is not yet written in."""
        return [code for code in languages if code not in self._texts]

    def pick(self, language: str | None = None, languages: Iterable[str] = ()) -> Localized:
        """The text in ``language`` (the reader's when not given); else, marked as a fallback,
        in the first of ``languages`` (the owner's working languages) that has it; else in the
        first of the site's languages that has it; else in any."""
        wanted = language or reader_language()
        if wanted in self._texts:
            return Localized(self._texts[wanted], wanted)
        for code in [*languages, *site_languages(), *self._texts]:
            if code in self._texts:
                return Localized(self._texts[code], code, is_fallback=True)
        return Localized("", wanted)


class TranslationsWidget(forms.MultiWidget):
    """One input per language, each labelled and marked with its ``lang``."""

    template_name = "dialogue/widgets/translations.html"
    # The field's label: each input is labelled "Title (English)", "Title (Russian)", ...
    label: Any = ""

    def __init__(
        self, languages: list[str], *, multiline: bool = False, attrs: dict | None = None
    ) -> None:
        self.languages = languages
        self.multiline = multiline
        widgets: dict[str, forms.Widget | type[forms.Widget]] = {
            code: (
                forms.Textarea(attrs={"rows": 3, "lang": code})
                if multiline
                else forms.TextInput(attrs={"lang": code})
            )
            for code in languages
        }
        super().__init__(widgets, attrs)

    def decompress(self, value: Any) -> list[str]:
        texts = Translations.of(value)
        return [texts.get(code, "") for code in self.languages]

    def get_context(self, name: str, value: Any, attrs: dict | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        texts = self.decompress(value) if not isinstance(value, list) else value
        for code, sub, text in zip(
            self.languages, context["widget"]["subwidgets"], texts, strict=False
        ):
            if sub["attrs"].get("id"):  # id_title_en rather than id_title_0
                sub["attrs"]["id"] = f"{context['widget']['attrs']['id']}_{code}"
            sub["language"] = code
            sub["language_name"] = (
                _("%(field)s (%(language)s)")
                % {"field": self.label, "language": language_name(code)}
                if self.label
                else language_name(code)
            )
            sub["pending"] = not (text or "").strip()
        context["widget"]["first_language"] = self.languages[0] if self.languages else ""
        return context


class TranslationsFormField(forms.MultiValueField):
    """A form field with one input per working language. The first language is required when
    the field is; the others may wait ("translation pending" is shown beside each empty one)."""

    def __init__(
        self,
        *,
        languages: Iterable[str] | None = None,
        max_length: int | None = None,
        multiline: bool = False,
        required: bool = True,
        **kwargs: Any,
    ) -> None:
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        self.languages = list(languages or site_languages())
        self.max_length = max_length
        self.multiline = multiline
        self.text_required = required
        fields = [self._subfield(code) for code in self.languages]
        super().__init__(
            fields=fields,
            require_all_fields=False,
            required=required,
            widget=TranslationsWidget(self.languages, multiline=multiline),
            **kwargs,
        )
        self.widget.label = self.label

    def _subfield(self, code: str) -> forms.CharField:
        field_class = forms.CharField if self.multiline else _OneLine
        return field_class(max_length=self.max_length, required=False, strip=True)

    def set_languages(self, languages: Iterable[str]) -> None:
        """Show an input for each of these languages (a meeting's working languages)."""
        self.languages = list(languages)
        self.fields = tuple(self._subfield(code) for code in self.languages)
        self.widget = TranslationsWidget(self.languages, multiline=self.multiline)
        self.widget.label = self.label

    def clean(self, value: Any) -> Translations:
        if not isinstance(value, list | tuple):
            value = self.widget.decompress(value)
        texts = Translations(
            {
                code: field.clean(text)
                for code, field, text in zip(self.languages, self.fields, value, strict=False)
            }
        )
        if self.text_required and self.languages and self.languages[0] not in texts:
            raise exceptions.ValidationError(
                _("Write it at least in %(language)s."),
                code="required",
                params={"language": language_name(self.languages[0])},
            )
        return texts

    def compress(self, data_list: list[str]) -> Translations:  # pragma: no cover - clean() above
        return Translations(zip(self.languages, data_list, strict=False))

    def has_changed(self, initial: Any, data: Any) -> bool:
        old = Translations.of(initial)
        new = Translations(zip(self.languages, data or [], strict=False))
        return old != new


class _OneLine(forms.CharField):
    def to_python(self, value: Any) -> Any:
        return super().to_python(one_line(value) if isinstance(value, str) else value)


class TranslatedField(models.JSONField):
    """A text in several languages, as one JSON object ``{language code: text}``.

    Read as ``Translations``; written from any mapping (empty texts dropped; one-line texts
    folded). ``max_length`` limits each language's text."""

    description = "Text in several languages"

    def __init__(
        self,
        *args: Any,
        max_length: int | None = None,
        multiline: bool = False,
        **kwargs: Any,
    ) -> None:
        self.text_max_length = max_length
        self.multiline = multiline
        kwargs.setdefault("default", dict)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        # Migrations see a JSONField: a data migration's historical model should not depend on
        # this module, and adding a language changes nothing here.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs

    def _clean_texts(self, value: Any) -> dict[str, str] | None:
        if value is None:
            return None
        texts = Translations.of(value)
        if not self.multiline:
            texts = Translations({code: one_line(text) for code, text in texts.items()})
        return texts.as_dict()

    def from_db_value(
        self, value: Any, expression: Any, connection: BaseDatabaseWrapper
    ) -> Translations | None:
        loaded = super().from_db_value(value, expression, connection)
        # A key lookup (``values("title_i18n__en")``) reads one text: leave it a string.
        if isinstance(loaded, str):
            return loaded  # type: ignore[return-value]
        # Cleaned when read too, as OneLineCharField is: a row written before (or around) the
        # field's cleaning must not carry a lone surrogate or an override into a page.
        clean = multi_line if self.multiline else one_line
        return Translations({code: clean(text) for code, text in Translations.of(loaded).items()})

    def to_python(self, value: Any) -> Any:
        return Translations.of(value)

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = Translations.of(getattr(model_instance, self.attname))
        if not self.multiline:
            value = Translations({code: one_line(text) for code, text in value.items()})
        setattr(model_instance, self.attname, value)
        return value

    def get_prep_value(self, value: Any) -> Any:
        if isinstance(value, Translations):
            value = value.as_dict()
        elif isinstance(value, Mapping):
            value = self._clean_texts(value)
        return super().get_prep_value(value)

    def validate(self, value: Any, model_instance: models.Model | None) -> None:
        texts = Translations.of(value)
        if not self.blank and not texts:
            raise exceptions.ValidationError(self.error_messages["blank"], code="blank")
        if self.text_max_length:
            for text in texts.values():
                if len(text) > self.text_max_length:
                    raise exceptions.ValidationError(
                        _("Ensure this text has at most %(limit)d characters."),
                        code="max_length",
                        params={"limit": self.text_max_length},
                    )

    def formfield(self, **kwargs: Any) -> forms.Field | None:  # type: ignore[override]
        defaults: dict[str, Any] = {
            "form_class": TranslationsFormField,
            "max_length": self.text_max_length,
            "multiline": self.multiline,
            "required": not self.blank,
            "label": self.verbose_name,
            "help_text": self.help_text,
        }
        defaults.update(kwargs)
        form_class = defaults.pop("form_class")
        if not issubclass(form_class, TranslationsFormField):
            form_class = TranslationsFormField
        for key in ("encoder", "decoder", "widget", "choices_form_class"):
            defaults.pop(key, None)
        return form_class(**defaults)


def in_text(field: str, language: str | None = None) -> KeyTextTransform:
    """The text of ``field`` in ``language`` (the site's first by default), for ordering and
    searching in the database: ``order_by(in_text("name"))``."""
    return KeyTextTransform(language or settings.LANGUAGE_CODE, field)


def texts(**by_language: str) -> Translations:
    """``texts(en="Opening", ru="Открытие")``: a short way to write a ``Translations``."""
    return Translations(by_language)


def owner_languages(instance: models.Model, relation: str) -> list[str]:
    """The working languages of ``instance``'s owner (its ``meeting`` or ``dialogue``) when
    that owner is already loaded; else none, and ``Translations.pick`` goes on to the site's
    languages. Never a query: a list of agenda items must not fetch its meeting per row."""
    field = instance._meta.get_field(relation)
    if not field.is_cached(instance):  # type: ignore[union-attr]
        return []
    owner = getattr(instance, relation)
    return list(getattr(owner, "working_languages", None) or getattr(owner, "languages", ()) or ())


def from_data(data: Mapping[str, Any], key: str) -> Translations:
    """The texts of ``key`` in stored JSON (an agenda release, an event's data): written as
    ``{key}_i18n`` since texts are kept per language; before that as ``{key}``/``{key}_en``
    (English) and ``{key}_ru``, which old releases and events still hold."""
    if f"{key}_i18n" in data:
        return Translations.of(data[f"{key}_i18n"])
    return Translations(
        {
            "en": data.get(f"{key}_en") or data.get(key) or "",
            "ru": data.get(f"{key}_ru") or "",
        }
    )


def model_fields(model: type[models.Model], values: Mapping[str, Any]) -> dict[str, Any]:
    """Service arguments as model fields: a translatable ``title`` (any mapping of language to
    text) becomes the ``title_i18n`` field's ``Translations``; other names are kept."""
    names = {f.name for f in model._meta.get_fields()}
    result: dict[str, Any] = {}
    for name, value in values.items():
        if f"{name}_i18n" in names:
            result[f"{name}_i18n"] = Translations.of(value)
        else:
            result[name] = value
    return result


def missing_first(texts: Translations, languages: Iterable[str]) -> str | None:
    """The name of the first working language when ``texts`` lacks it (what a service says
    when a title is not written in it), else ``None``."""
    first = next(iter(languages), None) or settings.LANGUAGE_CODE
    return None if first in texts else language_name(first)


def listed(items: Iterable[object]) -> str:
    """The items, empty ones left out, joined as the active language writes a list: "a, b" in
    English and Russian, "a، b" in Arabic."""
    return pgettext("between the items of a list", ", ").join(s for s in map(str, items) if s)
