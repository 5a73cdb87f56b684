"""The admin door to webhooks (``notifications.webhooks``): the secretariat registers endpoints
for the events its members may see. Each subscription is its owner's: it receives what the
owner may see, asked again at every delivery, and only its owner (or a secretariat admin) sees
its secret and deliveries."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from notifications import registry
from notifications.webhooks import delivery
from notifications.webhooks.models import WebhookSubscription

from . import permissions


class StreamsField(forms.Field):
    """One stream (or stream family) per line, as a list."""

    widget = forms.Textarea(attrs={"rows": 3})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        return [line.strip() for line in str(value or "").splitlines() if line.strip()]


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(label=_("endpoint"), max_length=500, assume_scheme="https")
    event_types = forms.MultipleChoiceField(
        label=_("event types"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave all unticked for every type."),
    )
    streams = StreamsField(
        label=_("streams"),
        required=False,
        help_text=_(
            "One per line: a meeting (meeting:12) or a dialogue (dialogue:budapest-process, "
            "with its meetings); leave empty for all."
        ),
    )
    replay_from = forms.IntegerField(
        label=_("replay from event"),
        required=False,
        min_value=1,
        help_text=_("Deliver again from this event number on, and resume if paused."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["url", "event_types", "streams"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        types = cast(forms.MultipleChoiceField, self.fields["event_types"])
        types.choices = sorted(
            (kind.name, f"{kind.name} ({kind.category.label})") for kind in registry.event_types()
        )
        if self.instance.pk is None:
            del self.fields["replay_from"]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        delivery.check_endpoint(url)
        return url

    def clean_replay_from(self) -> int | None:
        event_id: int | None = self.cleaned_data.get("replay_from")
        if event_id is not None:
            mark = delivery.pruned_through()
            if event_id <= mark:
                raise ValidationError(
                    _("The log no longer holds events before #%(id)d.") % {"id": mark + 1}
                )
        return event_id


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["url", "owner", "status", "delivered_through", "paused_reason"]
    readonly_fields = [
        "owner",
        "secret",
        "status",
        "paused_reason",
        "delivered_through",
        "latest_deliveries",
    ]
    actions = ["resume"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[WebhookSubscription]:
        mine = super().get_queryset(request).select_related("owner")
        if permissions.is_secretariat_admin(request.user):
            return mine
        return mine.filter(owner_id=request.user.pk)

    def has_module_permission(self, request: HttpRequest) -> bool:
        return permissions.can_use_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_use_admin(request.user)

    has_add_permission = has_module_permission

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_use_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return permissions.can_use_admin(request.user)

    def save_model(
        self, request: HttpRequest, obj: WebhookSubscription, form: Any, change: bool
    ) -> None:
        if not change:
            obj.owner = request.user  # type: ignore[assignment]  # a signed-in admin
            obj.delivered_through = delivery.newest_event_id()  # from now on, not the past
        super().save_model(request, obj, form, change)
        replay = form.cleaned_data.get("replay_from")
        if replay is not None:
            delivery.replay_from(obj, replay)
            self.message_user(
                request, _("Deliveries start again from event #%(id)d.") % {"id": replay}
            )

    @admin.display(description=_("latest deliveries"))
    def latest_deliveries(self, obj: WebhookSubscription) -> str:
        rows = obj.deliveries.order_by("-id")[:50] if obj.pk else []
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            _("event"),
            _("attempt"),
            _("time"),
            _("answer"),
            _("delivered"),
            format_html_join(
                "",
                "<tr><td>#{} {}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        row.event_id,
                        row.event_type,
                        row.attempt,
                        date_format(localtime(row.at), "SHORT_DATETIME_FORMAT"),
                        row.status_code or row.error,
                        _("yes") if row.succeeded else _("no"),
                    )
                    for row in rows
                ),
            ),
        )

    @admin.action(description=_("Resume the selected subscriptions"))
    def resume(self, request: HttpRequest, queryset: QuerySet[WebhookSubscription]) -> None:
        for subscription in queryset:
            delivery.resume(subscription)
        self.message_user(request, _("Resumed."), messages.SUCCESS)
