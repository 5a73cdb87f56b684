from __future__ import annotations

import zoneinfo
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from dialogue.translations import TranslationsFormField
from meetings.models import Meeting


class NextMeetingForm(forms.Form):
    """The new dates (local times in the original's time zone) and the title per language,
    prefilled with the original's."""

    starts_at = forms.DateTimeField(
        label=_("Starts (local time)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends (local time)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    title = TranslationsFormField(label=_("Title"), max_length=300)

    def __init__(self, *args: Any, original: Meeting, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("title", original.title_i18n)
        super().__init__(*args, **kwargs)
        self.zone = original.zone
        cast(TranslationsFormField, self.fields["title"]).set_languages(original.working_languages)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("starts_at", "ends_at"):
            value = data.get(name)
            if value is not None:
                # The browser sends a wall-clock time; it is a time in the meeting's zone.
                data[name] = value.replace(tzinfo=None).replace(
                    tzinfo=zoneinfo.ZoneInfo(str(self.zone))
                )
        return data
