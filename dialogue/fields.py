"""Model and form fields for text that is one line by meaning: titles, names, places.

A line break in a meeting's title once broke its calendar feed for everyone (an iCalendar
property is one line), and the same text goes into PDF letters, badges, spreadsheets and
e-mail subjects. Such text is folded into one line (``dialogue.text.one_line``) rather than
refused: what arrives with a line break has been pasted, and the words are what the person meant.

Why in the model field, not in each form or service: the field is the one place every door
goes through. A value is folded

- in forms (``OneLineField``, which model forms and the admin get from ``formfield``; forms
  that declare their fields use it directly), so the length is checked on what is kept and a
  form shown again after an error shows it;
- when an instance is saved (``pre_save``, which also puts the folded text back on the
  instance): services, ``objects.create``, the demo loader, a future API;
- when rows are written without an instance (``get_db_prep_save``): ``QuerySet.update`` and
  fixtures;
- when it is read from the database (``from_db_value``), into a model or by ``values()``, so
  text stored before this field existed reaches pages, lists and files already folded, and is
  written back folded when its row is next saved.

Lookups are left alone (``to_python`` is not overridden, since ``get_prep_value`` calls it): a
search is not a write. Outputs with rules of their own (iCalendar, PDF, spreadsheets) still
clean what they print, because not everything they print is one of these fields (an agenda
release is a JSON snapshot; a description has several lines).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from .text import one_line


def _folded(value: Any) -> Any:
    return one_line(value) if isinstance(value, str) else value


class OneLineField(forms.CharField):
    """A form's text input for one line: line breaks folded, control characters removed,
    before the length and the other validators see it."""

    def to_python(self, value: Any) -> Any:
        return super().to_python(_folded(value))


class OneLineCharField(models.CharField):
    """A ``CharField`` whose text is always one line (see the module docstring)."""

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = _folded(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        return value

    def get_db_prep_save(self, value: Any, connection: BaseDatabaseWrapper) -> Any:
        return super().get_db_prep_save(_folded(value), connection)

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        return _folded(value)

    def formfield(
        self,
        form_class: type[forms.Field] | None = None,
        choices_form_class: type[forms.ChoiceField] | None = None,
        **kwargs: Any,
    ) -> forms.Field | None:
        return super().formfield(
            form_class=form_class or OneLineField, choices_form_class=choices_form_class, **kwargs
        )

    def deconstruct(self) -> Any:
        # Migrations see a CharField: the folding changes no column, so it needs no migration,
        # and a data migration's historical model should not run today's rules.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.CharField", args, kwargs
