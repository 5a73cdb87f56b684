"""Forms of the outcome pages. They validate input only; the services in ``meetings.outcomes``
decide and write."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from dialogue.models import Membership, Organisation, State
from dialogue.translations import TranslationsFormField, in_text
from meetings.models import ActionPoint, Meeting, OutcomeKind


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=OutcomeKind.choices)
    title = TranslationsFormField(label=_("Title"), max_length=300)
    text = TranslationsFormField(label=_("Text"), multiline=True)

    def __init__(self, *args: Any, meeting: Meeting | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if meeting is not None:
            for name in ("title", "text"):
                cast(TranslationsFormField, self.fields[name]).set_languages(
                    meeting.working_languages
                )


class ShareForCommentForm(forms.Form):
    """The deadline is entered as a wall-clock time in the meeting's own time zone."""

    deadline = forms.DateTimeField(
        label=_("Comments until (local time of the meeting)"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["deadline"].help_text = _("Time zone: %(zone)s") % {"zone": meeting.time_zone}

    def clean_deadline(self) -> Any:
        value = self.cleaned_data["deadline"]
        # The browser sends a wall-clock time; it is a time in the meeting's zone.
        return value.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(self.meeting.time_zone))


class LocalDeadlineField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"})


def _in_zone(value: Any, zone: str) -> Any:
    # The browser sends a wall-clock time; it is a time in the meeting's zone.
    return value.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(zone))


class ReleaseRevisionForm(forms.Form):
    note = forms.CharField(
        label=_("What changed (the changelog)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5_000,
        required=False,
    )
    taken_up = forms.MultipleChoiceField(
        label=_("Comments this revision takes up"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comments_shared = forms.BooleanField(
        label=_("States see each other's comments on this revision"), required=False
    )

    def __init__(self, *args: Any, comments: Iterable[tuple[int, str]] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["taken_up"]).choices = [
            (str(pk), label) for pk, label in comments
        ]


class SilenceForm(forms.Form):
    deadline = LocalDeadlineField(label=_("Silence until (local time of the meeting)"))

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        self.fields["deadline"].help_text = _("Time zone: %(zone)s") % {"zone": meeting.time_zone}

    def clean_deadline(self) -> Any:
        return _in_zone(self.cleaned_data["deadline"], self.meeting.time_zone)


class ExtendSilenceForm(SilenceForm):
    reason = forms.CharField(label=_("Reason"), max_length=5_000)


class WithdrawSilenceForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=5_000)


class ObjectionForm(forms.Form):
    state = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=State.objects.none(), to_field_name="code"
    )
    text = forms.CharField(
        label=_("Objection"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000
    )

    def __init__(self, *args: Any, state_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        states = State.objects.filter(pk__in=list(state_ids))
        field = cast(forms.ModelChoiceField, self.fields["state"])
        field.queryset = states
        if len(states) == 1:
            field.initial = states[0].code
            field.empty_label = None


class CompilationOrderForm(forms.Form):
    order = forms.CharField(
        label=_("Order of states in the compilation"),
        help_text=_("ISO codes separated by spaces or commas, e.g. GE AM AZ."),
        required=False,
        max_length=2_000,
    )


class CommentForm(forms.Form):
    """A state is chosen by its code among those the person comments for."""

    state = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=State.objects.none(), to_field_name="code"
    )
    text = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10_000,
        required=False,
    )
    paragraph = forms.IntegerField(
        label=_("On paragraph"),
        required=False,
        min_value=1,
        help_text=_("Leave empty to comment on the revision as a whole."),
    )
    proposed_text = forms.CharField(
        label=_("Proposed wording for the paragraph"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10_000,
        required=False,
    )
    no_objection = forms.BooleanField(label=_("No objection to the whole revision"), required=False)

    def __init__(self, *args: Any, state_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        states = State.objects.filter(pk__in=list(state_ids))
        field = cast(forms.ModelChoiceField, self.fields["state"])
        field.queryset = states
        if len(states) == 1:
            field.initial = states[0].code
            field.empty_label = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not (data.get("text") or "").strip()
            and not (data.get("proposed_text") or "").strip()
            and not data.get("no_objection")
        ):
            raise forms.ValidationError(
                _("Write a comment, or say that your state has no objection.")
            )
        return data


class ActionPointForm(forms.Form):
    text = TranslationsFormField(label=_("Action"), multiline=True)
    owner_state = forms.ModelChoiceField(
        label=_("Owner (state)"), queryset=State.objects.none(), required=False
    )
    owner_organisation = forms.ModelChoiceField(
        label=_("Owner (organisation)"), queryset=Organisation.objects.none(), required=False
    )
    due_on = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(TranslationsFormField, self.fields["text"]).set_languages(meeting.working_languages)
        memberships = Membership.objects.current().filter(dialogue_id=meeting.dialogue_id)
        # Owners are usually the dialogue's own states; any organisation may take one on.
        state_field = cast(forms.ModelChoiceField, self.fields["owner_state"])
        state_field.queryset = State.objects.filter(pk__in=memberships.values("state_id")).order_by(
            in_text("name_i18n")
        )
        organisation_field = cast(forms.ModelChoiceField, self.fields["owner_organisation"])
        organisation_field.queryset = Organisation.objects.order_by(in_text("name_i18n"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("owner_state") and data.get("owner_organisation"):
            raise forms.ValidationError(
                _("An action point has one owner: a state or an organisation.")
            )
        return data


class ActionPointStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionPoint.Status.choices)
