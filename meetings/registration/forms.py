"""Forms of the registration pages. They validate input only; ``meetings.registration``
decides and writes."""

from __future__ import annotations

import datetime
import secrets
import zoneinfo
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from dialogue.fields import OneLineField
from dialogue.models import Membership, Organisation, State
from dialogue.translations import TranslationsFormField
from meetings.models import (
    Category,
    FollowUpQuestion,
    Gender,
    LetterLanguage,
    Meeting,
    Nomination,
    RegistrationSettings,
)

from .decisions import BULK_ACTIONS
from .nominations import DETAIL_FIELDS

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _in_zone(value: datetime.datetime, meeting: Meeting) -> datetime.datetime:
    # The browser sends a wall-clock time: it is a time in the meeting's own zone.
    return value.replace(tzinfo=None).replace(tzinfo=zoneinfo.ZoneInfo(meeting.time_zone))


class RegistrationSettingsForm(forms.Form):
    nomination_deadline = forms.DateTimeField(label=_("Nominations until"), widget=LOCAL)
    confirmation_deadline = forms.DateTimeField(label=_("Participants confirm until"), widget=LOCAL)
    capacity = forms.IntegerField(
        label=_("Capacity of the room"),
        min_value=1,
        required=False,
        help_text=_("Approved participants at most; empty for no limit."),
    )
    collect_gender = forms.BooleanField(
        label=_("Ask for gender (for donor reporting; answering is optional)"), required=False
    )

    def __init__(
        self,
        data: Any = None,
        *,
        meeting: Meeting,
        current: RegistrationSettings | None,
        **kwargs: Any,
    ) -> None:
        self.meeting = meeting
        if current is not None and data is None:
            zone = meeting.zone
            # Naive wall-clock times: a form would otherwise show them in the viewer's zone.
            kwargs["initial"] = {
                "nomination_deadline": current.nomination_deadline.astimezone(zone).replace(
                    tzinfo=None
                ),
                "confirmation_deadline": current.confirmation_deadline.astimezone(zone).replace(
                    tzinfo=None
                ),
                "capacity": current.capacity,
                "collect_gender": current.collect_gender,
            }
        elif current is None:
            kwargs.setdefault("initial", {"collect_gender": True})
        super().__init__(data, **kwargs)
        for name in ("nomination_deadline", "confirmation_deadline"):
            self.fields[name].help_text = _("Local time of the meeting (%(zone)s)") % {
                "zone": meeting.time_zone
            }
            self.fields[name].widget.attrs["data-zone"] = meeting.time_zone

    def clean_nomination_deadline(self) -> datetime.datetime:
        return _in_zone(self.cleaned_data["nomination_deadline"], self.meeting)

    def clean_confirmation_deadline(self) -> datetime.datetime:
        return _in_zone(self.cleaned_data["confirmation_deadline"], self.meeting)


SCOPE_CHOICES = [
    *[(kind, label) for kind, label in Membership.Kind.choices],
    ("state", _("One state")),
    ("organisation", _("One organisation")),
]


class QuotaForm(forms.Form):
    scope = forms.ChoiceField(label=_("For"), choices=SCOPE_CHOICES)
    state = forms.ModelChoiceField(
        label=_("State"), queryset=State.objects.none(), required=False, to_field_name="code"
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.none(),
        required=False,
        to_field_name="slug",
    )
    categories = forms.MultipleChoiceField(
        label=_("Categories"), choices=Category.choices, widget=forms.CheckboxSelectMultiple
    )
    seats = forms.IntegerField(label=_("Seats"), min_value=0, max_value=500)
    funded_seats = forms.IntegerField(
        label=_("Funded seats among them"), min_value=0, max_value=500, initial=0
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Membership.objects.current().filter(dialogue_id=meeting.dialogue_id)
        state_field: Any = self.fields["state"]
        state_field.queryset = State.objects.filter(
            pk__in=members.filter(state__isnull=False).values("state_id")
        )
        organisation_field: Any = self.fields["organisation"]
        organisation_field.queryset = Organisation.objects.filter(
            pk__in=members.filter(organisation__isnull=False).values("organisation_id")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        scope = data.get("scope")
        if scope == "state" and not data.get("state"):
            self.add_error("state", _("Choose the state."))
        if scope == "organisation" and not data.get("organisation"):
            self.add_error("organisation", _("Choose the organisation."))
        return data

    def scope_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        scope = data["scope"]
        if scope == "state":
            return {"state": data["state"]}
        if scope == "organisation":
            return {"organisation": data["organisation"]}
        return {"member_kind": scope}


class QuestionForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=FollowUpQuestion.Topic.choices)
    text = TranslationsFormField(label=_("Question"), max_length=300)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    retention_days = forms.IntegerField(
        label=_("Answers kept for (days after the meeting)"),
        min_value=0,
        max_value=3650,
        initial=30,
    )

    def __init__(self, *args: Any, meeting: Meeting | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if meeting is not None:
            cast(TranslationsFormField, self.fields["text"]).set_languages(
                meeting.working_languages
            )


class NomineeForm(forms.Form):
    """A nominee's details as a focal point or the secretariat enters them. A hidden key makes
    a double-clicked or retried submission count once."""

    email = forms.EmailField(label=_("E-mail address"))
    full_name = OneLineField(label=_("Full name"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    title = OneLineField(label=_("Title or position"), max_length=200, required=False)
    affiliation = OneLineField(label=_("Ministry or organisation"), max_length=300, required=False)
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", "—"), *Gender.choices], required=False
    )
    language = forms.ChoiceField(
        label=_("Language of letters"), choices=LetterLanguage.choices, initial="en"
    )
    phone = OneLineField(label=_("Phone"), max_length=50, required=False)
    nationality = OneLineField(label=_("Nationality"), max_length=100, required=False)
    date_of_birth = forms.DateField(label=_("Date of birth"), required=False, widget=DATE)
    passport_number = OneLineField(label=_("Passport number"), max_length=50, required=False)
    passport_expires = forms.DateField(label=_("Passport valid until"), required=False, widget=DATE)
    funding_requested = forms.BooleanField(label=_("Request travel support"), required=False)
    funding_priority = forms.IntegerField(
        label=_("Priority of the request (1 = first)"),
        min_value=1,
        max_value=99,
        required=False,
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(
        self,
        *args: Any,
        categories: list[str] | None = None,
        collect_gender: bool = True,
        replacing: bool = False,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", secrets.token_urlsafe(16))
        super().__init__(*args, **kwargs)
        if categories is not None:
            category_field: Any = self.fields["category"]
            category_field.choices = [(c, Category(c).label) for c in categories]
        if not collect_gender:
            del self.fields["gender"]
        if replacing:
            for name in ("category", "funding_requested", "funding_priority"):
                del self.fields[name]

    def details(self) -> dict[str, Any]:
        skip = {"email", "category", "funding_requested", "funding_priority", "idempotency_key"}
        return {k: v for k, v in self.cleaned_data.items() if k not in skip}


class DetailsForm(forms.ModelForm):
    """A nominee's details changed later by them, their focal point or the secretariat; the
    consent to appear in the public list is the person's own (or recorded by the secretariat)."""

    class Meta:
        model = Nomination
        fields = list(DETAIL_FIELDS)
        widgets = {"date_of_birth": DATE, "passport_expires": DATE}

    def __init__(self, *args: Any, may_consent: bool, collect_gender: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_consent:
            del self.fields["listed_publicly"]
        if not collect_gender:
            del self.fields["gender"]


class ConfirmationForm(forms.Form):
    """The follow-up questions, one field each."""

    def __init__(self, *args: Any, questions: list[FollowUpQuestion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.CharField(
                label=question.text,
                required=question.required,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def answers(self) -> dict[int, str]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}", "") for q in self.questions}


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the focal point and the nominee see it)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[(a, a) for a in BULK_ACTIONS],
    )
    nominations = forms.TypedMultipleChoiceField(coerce=int, choices=[])
    reason = forms.CharField(max_length=1000, required=False)

    def __init__(self, *args: Any, nomination_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["nominations"]
        field.choices = [(pk, pk) for pk in nomination_ids]
