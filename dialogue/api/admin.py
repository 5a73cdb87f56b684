"""The admin door to service tokens: a secretariat admin makes a token that reads one
dialogue for another system (a dialogue's website, a travel or finance system). Its secret is
shown once, on the page that follows; the admin revokes tokens here (personal tokens are their
holders', on the profile page)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from dialogue import permissions
from dialogue.models import Dialogue

from . import tokens
from .forms import _default_expiry
from .models import ApiToken, Scope

_NEW_SECRET = "_new_api_token_secret"  # noqa: S105 - the name of a request attribute, not a secret


def _administered(request: HttpRequest) -> QuerySet[Dialogue]:
    served = permissions.dialogues_served_by(request.user)
    return served.filter(
        pk__in=[d.pk for d in served if permissions.can_create_service_token(request.user, d)]
    )


class ServiceTokenForm(forms.ModelForm):
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

    class Meta:
        model = ApiToken
        fields = ["dialogue", "name"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if {"name", "scopes", "expires_on"} <= set(data):
            try:
                data["scopes"] = tokens.check(data["name"], data["scopes"], data["expires_on"])
            except ValidationError as refusal:
                self.add_error(None, refusal)
        return data


@admin.register(ApiToken)
class ServiceTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "dialogue",
        "prefix",
        "scopes",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = [
        "user",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiToken]:
        return (
            super()
            .get_queryset(request)
            .filter(dialogue__in=_administered(request))
            .select_related("dialogue", "user")
        )

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = ServiceTokenForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["dialogue", "name", "scopes", "expires_on"]
        return ["dialogue", "name", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else ["dialogue", "name", *self.readonly_fields]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "dialogue":
            kwargs["queryset"] = _administered(request)
            kwargs["required"] = True
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_use_admin(request.user) and _administered(request).exists()

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.has_module_permission(request)

    has_add_permission = has_module_permission

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # a token is made and revoked, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # revoked, so its history stays

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        data = form.cleaned_data
        token, secret = tokens.create_token(
            by=request.user,  # type: ignore[arg-type]  # a signed-in admin
            name=data["name"],
            scopes=data["scopes"],
            expires_on=data["expires_on"],
            dialogue=data["dialogue"],
        )
        obj.pk = token.pk
        obj.__dict__.update({k: v for k, v in token.__dict__.items() if not k.startswith("_")})
        setattr(request, _NEW_SECRET, secret)

    def response_add(
        self, request: HttpRequest, obj: ApiToken, post_url_continue: Any = None
    ) -> HttpResponse:
        """The page that shows the new secret, once."""
        context = {
            **self.admin_site.each_context(request),
            "title": _("The new token"),
            "token": obj,
            "secret": getattr(request, _NEW_SECRET, ""),
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/dialogue/api_token_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            tokens.revoke_token(by=request.user, token=token)  # type: ignore[arg-type]  # a signed-in admin
        self.message_user(request, _("Revoked."), messages.SUCCESS)
