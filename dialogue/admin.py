"""The admin, guarded by the permission policy: each model admin shows only the dialogues the
person serves, and writes with side effects (memberships, roles, people) go through services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import permissions, services, webhooks  # noqa: F401  # webhooks registers its admin
from .http import acting_user
from .models import (
    Body,
    Dialogue,
    Invitation,
    Membership,
    Office,
    Organisation,
    Role,
    State,
    ThematicArea,
    User,
)
from .translations import site_languages


class DialogueScopedAdmin(admin.ModelAdmin):
    """For models that belong to one dialogue: the secretariat of that dialogue manages them."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        served = permissions.dialogues_served_by(request.user)
        return super().get_queryset(request).filter(dialogue__in=served)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "dialogue":
            kwargs["queryset"] = permissions.dialogues_served_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def _may_change(self, request: HttpRequest, obj: Model | None) -> bool:
        if obj is None:
            return permissions.dialogues_served_by(request.user).exists()
        return permissions.can_change_reference_data(request.user, obj.dialogue)  # type: ignore[attr-defined]  # every subclass's model has a dialogue

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_use_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may_change(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._may_change(request, None)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self._may_change(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # history is ended, never deleted


class SharedReferenceAdmin(admin.ModelAdmin):
    """States and organisations: every secretariat reads them, admins correct them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_use_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_use_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_change_shared_reference_data(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_change_shared_reference_data(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


def _names(prefix: str = "") -> list[str]:
    """Search a name in each of the site's languages."""
    return [f"{prefix}name_i18n__{code}" for code in site_languages()]


@admin.register(Dialogue)
class DialogueAdmin(admin.ModelAdmin):
    list_display = ["name", "acronym", "slug", "languages"]
    readonly_fields = ["slug"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dialogue]:
        return permissions.dialogues_served_by(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_use_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_use_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if obj is None:
            return permissions.can_use_admin(request.user)
        return permissions.is_secretariat_admin(request.user, obj)  # type: ignore[arg-type]  # obj is a Dialogue here

    def has_add_permission(self, request: HttpRequest) -> bool:
        return permissions.can_change_shared_reference_data(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(ThematicArea)
class ThematicAreaAdmin(DialogueScopedAdmin):
    list_display = ["name", "dialogue", "position"]
    list_filter = ["dialogue"]


@admin.register(Body)
class BodyAdmin(DialogueScopedAdmin):
    list_display = ["name", "kind", "dialogue"]
    list_filter = ["dialogue", "kind"]
    filter_horizontal = ["thematic_areas"]


@admin.register(Office)
class OfficeAdmin(DialogueScopedAdmin):
    list_display = ["kind", "state", "dialogue", "body", "starts_on", "ends_on"]
    list_filter = ["dialogue", "kind"]
    list_select_related = ["state", "dialogue", "body"]


@admin.register(Membership)
class MembershipAdmin(DialogueScopedAdmin):
    """Recording a change of membership ends the open one: history is kept."""

    list_display = ["member_name", "kind", "dialogue", "valid_from", "valid_until"]
    list_filter = ["dialogue", "kind"]
    list_select_related = ["state", "organisation", "dialogue"]
    search_fields = [*_names("state__"), "state__code", *_names("organisation__")]

    @admin.display(description=_("member"))
    def member_name(self, obj: Membership) -> str:
        return str(obj.member)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        if obj is not None:
            return ["dialogue", "state", "organisation", "kind", "valid_from"]
        return []

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if change:
            if obj.valid_until is not None:
                services.end_membership(
                    by=acting_user(request), membership=obj, valid_until=obj.valid_until
                )
            Membership.objects.filter(pk=obj.pk).update(note=obj.note, source=obj.source)
            return
        saved = services.record_membership(
            by=acting_user(request),
            dialogue=obj.dialogue,
            kind=obj.kind,
            valid_from=obj.valid_from,
            state=obj.state,
            organisation=obj.organisation,
            note=obj.note,
            source=obj.source,
        )
        obj.pk = saved.pk


@admin.register(Role)
class RoleAdmin(DialogueScopedAdmin):
    list_display = ["user", "kind", "dialogue", "state", "organisation", "granted_at", "revoked_at"]
    list_filter = ["dialogue", "kind", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["user", "dialogue", "state", "organisation"]
    search_fields = ["user__email", "user__full_name"]
    autocomplete_fields = ["user"]
    fields = ["user", "dialogue", "kind", "state", "organisation"]
    actions = ["revoke"]

    def _may_change(self, request: HttpRequest, obj: Model | None) -> bool:
        if obj is None:
            return any(
                permissions.can_manage_roles(request.user, d)
                for d in permissions.dialogues_served_by(request.user)
            )
        return permissions.can_manage_roles(request.user, obj.dialogue)  # type: ignore[attr-defined]  # a Role

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_use_admin(request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return self.fields if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Role, form: Any, change: bool) -> None:
        saved = services.grant_role(
            by=acting_user(request),
            user=obj.user,
            dialogue=obj.dialogue,
            kind=obj.kind,
            state=obj.state,
            organisation=obj.organisation,
        )
        obj.pk = saved.pk

    @admin.action(description=_("Revoke the selected roles"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Role]) -> None:
        revoked = 0
        for role in queryset.filter(revoked_at__isnull=True).select_related("dialogue", "user"):
            if permissions.can_manage_roles(request.user, role.dialogue):
                services.revoke_role(by=acting_user(request), role=role)
                revoked += 1
        self.message_user(
            request,
            ngettext("%(count)d role revoked.", "%(count)d roles revoked.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )


@admin.register(Invitation)
class InvitationAdmin(DialogueScopedAdmin):
    list_display = ["email", "kind", "dialogue", "state", "created_at", "expires_at", "accepted_at"]
    list_filter = ["dialogue", "kind"]
    list_select_related = ["dialogue", "state"]
    search_fields = ["email"]
    readonly_fields = [f.name for f in Invitation._meta.fields if f.name != "id"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invitation]:
        return permissions.invitations_visible_to(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # invitations are sent from the invitations page, which e-mails the link


@admin.register(State)
class StateAdmin(SharedReferenceAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", *_names()]


@admin.register(Organisation)
class OrganisationAdmin(SharedReferenceAdmin):
    list_display = ["name", "short", "kind"]
    search_fields = [*_names(), "short"]


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    """People: the secretariat sees those in their dialogues; profile edits go through the
    profile service, and accounts and roles are for secretariat admins."""

    list_display = ["email", "full_name", "affiliation", "is_active", "date_joined"]
    search_fields = ["email", "full_name", "affiliation"]
    list_filter = ["is_active"]
    fields = [
        "email",
        "full_name",
        "title",
        "affiliation",
        "preferred_language",
        "time_zone",
        "is_active",
        "date_joined",
        "last_login",
    ]
    readonly_fields = ["email", "date_joined", "last_login"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return permissions.people_visible_to(request.user)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_use_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_use_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.is_secretariat_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people join through invitations

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        active = changed.pop("is_active", None)
        if changed:
            services.update_profile(user=obj, **changed)
        if active is not None:
            services.set_account_active(by=acting_user(request), user=obj, active=active)
