from __future__ import annotations

from typing import Any, cast

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import permissions
from .fields import OneLineField
from .models import Announcement, Dialogue, Organisation, RoleKind, State, User
from .translations import TranslationsFormField


class SignupProfileForm(forms.Form):
    """Extra fields on allauth's sign-up form (used as its base class)."""

    full_name = OneLineField(label=_("Full name"), max_length=200)
    title = OneLineField(label=_("Title or position"), max_length=200, required=False)
    affiliation = OneLineField(label=_("Ministry or organisation"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from allauth.core import context

        from .accounts import pending_invitation

        invitation = pending_invitation(context.request)
        if invitation is not None and not self.is_bound:
            self.fields["full_name"].initial = invitation.full_name

    def signup(self, request: HttpRequest, user: User) -> None:
        from . import services

        services.update_profile(
            user=user,
            full_name=self.cleaned_data["full_name"],
            title=self.cleaned_data["title"],
            affiliation=self.cleaned_data["affiliation"],
        )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["full_name", "title", "affiliation", "preferred_language", "time_zone"]


class InvitationForm(forms.Form):
    """Offers only the dialogues, roles and states the inviter may invite to."""

    email = forms.EmailField(label=_("E-mail address"))
    full_name = OneLineField(label=_("Full name"), max_length=200, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        served = set(permissions.dialogues_served_by(user).values_list("pk", flat=True))
        standing = permissions.standing(user)
        fp_dialogues = {g.dialogue_id for g in standing.grants if g.kind == RoleKind.FOCAL_POINT}
        if served:
            kinds = [
                kind
                for kind in RoleKind
                if kind in permissions.INVITABLE_BY_STAFF or permissions.is_secretariat_admin(user)
            ]
            states = State.objects.all()
        else:  # a focal point invites delegates of their own state
            kinds = [RoleKind.DELEGATE]
            states = State.objects.filter(pk__in=permissions.focal_point_states(user))
        # Built here, in order, so each offers only what this inviter may choose.
        self.fields = {
            "dialogue": forms.ModelChoiceField(
                queryset=Dialogue.objects.filter(pk__in=served | fp_dialogues), label=_("Dialogue")
            ),
            "kind": forms.ChoiceField(
                label=_("Role"), choices=[(kind.value, kind.label) for kind in kinds]
            ),
            "state": forms.ModelChoiceField(queryset=states, label=_("State"), required=False),
            **(
                {
                    "organisation": forms.ModelChoiceField(
                        queryset=Organisation.objects.all(),
                        label=_("Organisation"),
                        required=False,
                    )
                }
                if served
                else {}
            ),
            **self.fields,
        }


class AnnouncementForm(forms.Form):
    """The title and text in each working language of the dialogue (the first required)."""

    title = TranslationsFormField(label=_("Title"), max_length=200)
    body = TranslationsFormField(label=_("Text"), max_length=5000, multiline=True)
    audience = forms.ChoiceField(label=_("Audience"), choices=Announcement.Audience.choices)
    # Generated with the form: a retried or double-clicked post creates one announcement.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, dialogue: Dialogue | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if dialogue is not None and dialogue.languages:
            for name in ("title", "body"):
                cast(TranslationsFormField, self.fields[name]).set_languages(dialogue.languages)
