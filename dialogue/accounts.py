"""django-allauth glue: sign-up only through an invitation, locked to the invited address."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext as _

from . import services
from .models import Invitation, User

SESSION_KEY = "invitation_token"


def pending_invitation(request: HttpRequest | None) -> Invitation | None:
    if request is None or not hasattr(request, "session"):
        return None
    token = request.session.get(SESSION_KEY)
    return services.find_invitation(token) if token else None


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return pending_invitation(request) is not None

    def clean_email(self, email: str) -> str:
        invitation = pending_invitation(self.request)
        if invitation is not None and invitation.email.lower() != email.strip().lower():
            raise forms.ValidationError(
                _("This invitation is for %(email)s; sign up with that address.")
                % {"email": invitation.email}
            )
        return email

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> User:
        saved: User = super().save_user(request, user, form, commit=commit)
        token = request.session.get(SESSION_KEY)
        if commit and token:
            services.accept_invitation(token=token, user=saved)
            del request.session[SESSION_KEY]
        return saved
