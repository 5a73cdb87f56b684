from __future__ import annotations

import zoneinfo
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from dialogue.models import Body, Dialogue
from dialogue.time_zones import TimeZoneField
from dialogue.translations import TranslationsFormField, language_name

from .agenda import ITEM_FIELDS
from .models import AgendaItem, Meeting

TRANSLATED = ("title", "description", "city")
LANGUAGE_CHOICES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("ar", _("Arabic")),
    ("fr", _("French")),
]


class MeetingForm(forms.ModelForm):
    """Start and end are entered as local times in the meeting's own time zone."""

    time_zone = TimeZoneField(
        label=_("Time zone"),
        help_text=_("The zone of the meeting's place: its times are entered and shown in it."),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts (local time)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=_("Ends (local time)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    languages = forms.MultipleChoiceField(
        label=_("Working languages"), choices=LANGUAGE_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    interpretation = forms.MultipleChoiceField(
        label=_("Interpretation into"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    online_url = forms.URLField(
        label=_("Online link"), required=False, assume_scheme="https", max_length=500
    )
    confirm_conflicts = forms.BooleanField(
        label=_("Schedule it anyway despite the overlaps listed above"), required=False
    )
    confirm_past = forms.BooleanField(
        label=_("This meeting is in the past: record it as a past meeting"), required=False
    )
    # Confirmations are asked only when their question arises (``ask``), never beforehand.
    CONFIRMATIONS = ("confirm_conflicts", "confirm_past")
    # One input per working language (``dialogue.translations``): named ``title_en``,
    # ``title_ru``, ... in the page.
    title = TranslationsFormField(label=_("Title"), max_length=300)
    description = TranslationsFormField(label=_("Description"), multiline=True, required=False)
    city = TranslationsFormField(label=_("City"), max_length=100, required=False)

    class Meta:
        model = Meeting
        fields = [
            "body",
            "kind",
            "format",
            "time_zone",
            "starts_at",
            "ends_at",
            "venue_name",
            "venue_address",
            "country",
            "room",
            "online_url",
            "languages",
            "interpretation",
            "is_public",
        ]

    def __init__(self, *args: Any, dialogue: Dialogue, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        if instance is not None and instance.pk and not kwargs.get("data"):
            zone = instance.zone
            kwargs.setdefault("initial", {})
            kwargs["initial"]["starts_at"] = instance.starts_at.astimezone(zone).replace(
                tzinfo=None
            )
            kwargs["initial"]["ends_at"] = instance.ends_at.astimezone(zone).replace(tzinfo=None)
            kwargs["initial"].update(
                title=instance.title_i18n,
                description=instance.description_i18n,
                city=instance.city_i18n,
            )
        super().__init__(*args, **kwargs)
        self.dialogue = dialogue
        # A confirmation given stays on the page with the input it confirms.
        self.asked: set[str] = {name for name in self.CONFIRMATIONS if self.data.get(name)}
        # The meeting's working languages once it has them; the dialogue's for a new one.
        working = (instance.working_languages if instance is not None else []) or list(
            dialogue.languages
        )
        for name in TRANSLATED:
            cast(TranslationsFormField, self.fields[name]).set_languages(working)
        self.fields["languages"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            (code, language_name(code)) for code in dialogue.languages
        ]
        self.fields["body"].queryset = Body.objects.filter(dialogue=dialogue)  # type: ignore[attr-defined]  # a ModelChoiceField

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        zone_name = data.get("time_zone")
        for name in ("starts_at", "ends_at"):
            value = data.get(name)
            if value is not None and zone_name:
                # The browser sends a wall-clock time; it is a time in the meeting's zone.
                data[name] = value.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(zone_name))
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", _("A meeting must end after it starts."))
        return data

    def ask(self, confirmation: str) -> None:
        """Show the checkbox of ``confirmation`` (the service refused without it)."""
        self.asked.add(confirmation)

    def confirmations(self) -> dict[str, bool]:
        """The confirmations given, as the services' arguments (``confirm_past``)."""
        return {"confirm_past": bool(self.cleaned_data.get("confirm_past"))}

    def visible_fields(self) -> list[Any]:
        return [
            field
            for field in super().visible_fields()
            if field.name not in self.CONFIRMATIONS or field.name in self.asked
        ]


class TransitionForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class AgendaItemForm(forms.ModelForm):
    title = TranslationsFormField(label=_("Title"), max_length=300)
    description = TranslationsFormField(label=_("Description"), multiline=True, required=False)
    starts_at = forms.DateTimeField(
        label=_("Starts (local time)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    ends_at = forms.DateTimeField(
        label=_("Ends (local time)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    class Meta:
        model = AgendaItem
        fields = ["position", *(name for name in ITEM_FIELDS if name not in TRANSLATED)]

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        if instance is not None and instance.pk and not kwargs.get("data"):
            kwargs.setdefault("initial", {})
            for name in ("starts_at", "ends_at"):
                value = getattr(instance, name)
                if value is not None:
                    kwargs["initial"][name] = value.astimezone(meeting.zone).replace(tzinfo=None)
            kwargs["initial"].update(
                title=instance.title_i18n, description=instance.description_i18n
            )
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        for name in ("title", "description"):
            cast(TranslationsFormField, self.fields[name]).set_languages(meeting.working_languages)
        self.fields["parent"].queryset = meeting.agenda_items.filter(kind=AgendaItem.Kind.SESSION)  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["position"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ("starts_at", "ends_at"):
            value = data.get(name)
            if value is not None:
                data[name] = value.replace(tzinfo=None).replace(tzinfo=self.meeting.zone)
        return data


class ReleaseForm(forms.Form):
    note = TranslationsFormField(label=_("What changed (changelog note)"), max_length=500)

    def __init__(self, *args: Any, meeting: Meeting | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if meeting is not None:
            cast(TranslationsFormField, self.fields["note"]).set_languages(
                meeting.working_languages
            )
