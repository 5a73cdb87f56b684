from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class DialogueConfig(AppConfig):
    default = True
    name = "dialogue"
    verbose_name = _("Dialogues, members and people")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import announcements  # noqa: F401 - registers the event types it publishes


class PolicyAdminConfig(admin_apps.AdminConfig):
    """Django's admin, with a site that asks the permission policy who may enter."""

    default = False
    default_site = "dialogue.admin_site.PolicyAdminSite"
