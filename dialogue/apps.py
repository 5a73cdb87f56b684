from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class DialogueConfig(AppConfig):
    default = True
    name = "dialogue"
    verbose_name = _("Dialogues, members and people")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # announcements registers the event types it publishes
        from . import announcements, audiences  # noqa: F401 - announcements, see above

        audiences.register_audience("public", rule=audiences.receives_public_event)
        audiences.register_audience("dialogue_members", rule=audiences.receives_members_event)
        audiences.register_audience(
            "secretariat",
            rule=audiences.receives_secretariat_event,
            candidates=audiences.secretariat_candidates,
        )


class PolicyAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with a site that asks the permission policy who may enter."""

    default = False
    default_site = "dialogue.admin_site.PolicyAdminSite"
