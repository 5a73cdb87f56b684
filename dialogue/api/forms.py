from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dialogue.fields import OneLineField

from .models import Scope

DEFAULT_VALID_DAYS = 90


def _default_expiry() -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=DEFAULT_VALID_DAYS)


class TokenForm(forms.Form):
    """A personal token: its name, scopes and expiry (the rules are the service's)."""

    name = OneLineField(
        label=_("Name"),
        max_length=100,
        help_text=_("What the token is for, e.g. “Ministry intranet”."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may read"),
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.PUBLIC],
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        initial=_default_expiry,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
