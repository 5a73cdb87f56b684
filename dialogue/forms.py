from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import permissions
from .models import Dialogue, Organisation, RoleKind, State, User


class SignupProfileForm(forms.Form):
    """Extra fields on allauth's sign-up form (used as its base class)."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    title = forms.CharField(label=_("Title or position"), max_length=200, required=False)
    affiliation = forms.CharField(label=_("Ministry or organisation"), max_length=300, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from .accounts import pending_invitation

        request = getattr(self, "request", None)
        invitation = pending_invitation(request)
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

    dialogue = forms.ModelChoiceField(queryset=Dialogue.objects.none(), label=_("Dialogue"))
    kind = forms.ChoiceField(label=_("Role"), choices=())
    state = forms.ModelChoiceField(queryset=State.objects.none(), label=_("State"), required=False)
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Organisation"), required=False
    )
    email = forms.EmailField(label=_("E-mail address"))
    full_name = forms.CharField(label=_("Full name"), max_length=200, required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        served = permissions.dialogues_served_by(user)
        fp_states = permissions.focal_point_states(user)
        s = permissions.standing(user)
        fp_dialogues = {g.dialogue_id for g in s.grants if g.kind == RoleKind.FOCAL_POINT}
        self.fields["dialogue"].queryset = Dialogue.objects.filter(
            pk__in={*served.values_list("pk", flat=True), *fp_dialogues}
        )
        if served.exists():
            kinds = [k for k in RoleKind if permissions.is_secretariat_admin(user) or k in permissions.INVITABLE_BY_STAFF]
            self.fields["state"].queryset = State.objects.all()
            self.fields["organisation"].queryset = Organisation.objects.all()
        else:
            kinds = [RoleKind.DELEGATE]
            self.fields["state"].queryset = State.objects.filter(pk__in=fp_states)
            del self.fields["organisation"]
        self.fields["kind"].choices = [(k.value, k.label) for k in kinds]
