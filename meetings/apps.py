from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dialogue.demo import DEMO_LOADERS

        from . import demo, events  # noqa: F401 - events registers its types and streams

        DEMO_LOADERS.append(demo.load_demo_meetings)
