from __future__ import annotations

import datetime
import zoneinfo
from typing import Any, cast

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue.fields import OneLineField
from dialogue.models import Dialogue, Membership, Organisation, State
from dialogue.translations import TranslationsFormField, in_text
from meetings.models import AgendaItem, Delegation, Meeting

from .models import Audience, Document, DocumentKind, Language, Marking
from .queries import working_languages


def _members(dialogue: Dialogue) -> tuple[Any, Any]:
    current = Membership.objects.current().filter(dialogue=dialogue)
    states = State.objects.filter(pk__in=current.filter(state__isnull=False).values("state_id"))
    organisations = Organisation.objects.filter(
        pk__in=current.filter(organisation__isnull=False).values("organisation_id")
    )
    return states.order_by(in_text("name_i18n")), organisations.order_by(in_text("name_i18n"))


def _languages(dialogue: Dialogue, meeting: Meeting | None) -> list[tuple[str, Any]]:
    first = list(meeting.languages) if meeting is not None and meeting.languages else []
    first += [code for code in dialogue.languages or [] if code not in first]
    labels = dict(Language.choices)
    return [(code, labels[code]) for code in first if code in labels] + [
        (code, label) for code, label in Language.choices if code not in first
    ]


class DelegationsMixin(forms.Form):
    named_states = forms.ModelMultipleChoiceField(
        label=_("States"),
        queryset=State.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    named_organisations = forms.ModelMultipleChoiceField(
        label=_("Organisations"),
        queryset=Organisation.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )

    def set_members(self, dialogue: Dialogue) -> None:
        states, organisations = _members(dialogue)
        self.fields["named_states"].queryset = states  # type: ignore[attr-defined]  # a ModelMultipleChoiceField
        self.fields["named_organisations"].queryset = organisations  # type: ignore[attr-defined]  # a ModelMultipleChoiceField


class DocumentForm(DelegationsMixin):
    """A new document and its first file."""

    kind = forms.ChoiceField(label=_("Type"), choices=DocumentKind.choices)
    title = TranslationsFormField(label=_("Title"), max_length=300)
    series = OneLineField(
        label=_("Series"),
        max_length=20,
        help_text=_("The symbol is <dialogue>/<series>/<year>/<number>, e.g. BP/SOM/2026/3."),
    )
    agenda_item = forms.ModelChoiceField(
        label=_("Agenda item"), queryset=AgendaItem.objects.none(), required=False
    )
    marking = forms.ChoiceField(
        label=_("Who may see it"), choices=Marking.choices, widget=forms.RadioSelect
    )
    shared_with_chair = forms.BooleanField(
        label=_("Share with the chair (internal documents)"), required=False
    )
    language = forms.ChoiceField(label=_("Language of the file"))
    file = forms.FileField(label=_("File"))
    note = OneLineField(label=_("Note"), max_length=300, required=False)

    field_order = [
        "kind",
        "title",
        "series",
        "agenda_item",
        "marking",
        "named_states",
        "named_organisations",
        "shared_with_chair",
        "language",
        "file",
        "note",
    ]

    def __init__(
        self, *args: Any, dialogue: Dialogue, meeting: Meeting | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.set_members(dialogue)
        self.fields["language"].choices = _languages(dialogue, meeting)  # type: ignore[attr-defined]  # a ChoiceField
        working = list(meeting.languages) if meeting is not None and meeting.languages else []
        cast(TranslationsFormField, self.fields["title"]).set_languages(
            working or list(dialogue.languages or [settings.LANGUAGE_CODE])
        )
        if meeting is None:
            del self.fields["agenda_item"]
            self.fields["marking"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
                c for c in Marking.choices if c[0] != Marking.PARTICIPANTS
            ]
        else:
            self.fields["agenda_item"].queryset = meeting.agenda_items.filter(  # type: ignore[attr-defined]  # a ModelChoiceField
                kind=AgendaItem.Kind.ITEM
            ).order_by("position", "id")


class DocumentChangeForm(DocumentForm):
    """Type, titles, agenda item and distribution of an existing document."""

    def __init__(self, *args: Any, document: Document, **kwargs: Any) -> None:
        super().__init__(*args, dialogue=document.dialogue, meeting=document.meeting, **kwargs)
        for name in ("series", "language", "file", "note"):
            del self.fields[name]


class StatementForm(forms.Form):
    """A delegation's written statement on an item of the released agenda."""

    delegation = forms.ModelChoiceField(
        label=_("Delegation"), queryset=Delegation.objects.none(), empty_label=None
    )
    agenda_item = forms.ModelChoiceField(
        label=_("Agenda item"), queryset=AgendaItem.objects.none(), empty_label=None
    )
    title_en = OneLineField(
        label=_("Title (English)"),
        max_length=300,
        required=False,
        help_text=_("Leave empty for “Statement of <delegation> on item <item>”."),
    )
    marking = forms.ChoiceField(
        label=_("Who may see it"),
        choices=[
            (Marking.PARTICIPANTS, Marking.PARTICIPANTS.label),
            (Marking.PUBLIC, Marking.PUBLIC.label),
        ],
        initial=Marking.PARTICIPANTS,
        widget=forms.RadioSelect,
    )
    language = forms.ChoiceField(label=_("Language of the file"))
    file = forms.FileField(label=_("File"))

    def __init__(
        self,
        *args: Any,
        meeting: Meeting,
        delegations: Any,
        items: list[AgendaItem],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["delegation"].queryset = delegations  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["delegation"].label_from_instance = lambda d: d.member.name  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["agenda_item"].queryset = AgendaItem.objects.filter(  # type: ignore[attr-defined]  # a ModelChoiceField
            pk__in=[i.pk for i in items]
        ).order_by("position", "id")
        self.fields["agenda_item"].label_from_instance = lambda i: i.title  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["language"].choices = _languages(meeting.dialogue, meeting)  # type: ignore[attr-defined]  # a ChoiceField


class RevisionForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the file"))
    file = forms.FileField(label=_("File"))
    note = OneLineField(label=_("What changed"), max_length=300, required=False)

    def __init__(self, *args: Any, document: Document, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = _languages(document.dialogue, document.meeting)  # type: ignore[attr-defined]  # a ChoiceField
        self.initial.setdefault("language", working_languages(document)[0])


class WithdrawForm(forms.Form):
    reason = OneLineField(label=_("Reason"), max_length=300)


class CirculateForm(DelegationsMixin):
    documents = forms.ModelMultipleChoiceField(
        label=_("Documents"), queryset=Document.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    audience = forms.ChoiceField(label=_("To"), choices=Audience.choices, widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        required=False,
    )
    comments_until = forms.DateTimeField(
        label=_("Comments until (local time)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    field_order = [
        "documents",
        "audience",
        "named_states",
        "named_organisations",
        "message",
        "comments_until",
        "idempotency_key",
    ]

    def __init__(
        self, *args: Any, dialogue: Dialogue, meeting: Meeting | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.set_members(dialogue)
        documents = Document.objects.filter(dialogue=dialogue, withdrawn_at__isnull=True).filter(
            Q(meeting=meeting) if meeting is not None else Q(meeting__isnull=True)
        )
        self.fields["documents"].queryset = documents.order_by("series", "number")  # type: ignore[attr-defined]  # a ModelMultipleChoiceField
        self.fields["documents"].label_from_instance = lambda d: (  # type: ignore[attr-defined]  # a ModelMultipleChoiceField
            f"{d.symbol} · {d.title} ({d.get_marking_display()})"
        )
        if meeting is None:
            self.fields["audience"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
                c for c in Audience.choices if c[0] != Audience.PARTICIPANTS
            ]
        zone = meeting.time_zone if meeting is not None else timezone.get_current_timezone_name()
        self.zone = zone
        self.fields["comments_until"].help_text = _("Time zone: %(zone)s") % {"zone": zone}

    def clean_comments_until(self) -> datetime.datetime | None:
        value = self.cleaned_data.get("comments_until")
        if value is None:
            return None
        # The browser sends a wall-clock time: a time in the meeting's zone.
        return value.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(self.zone))
