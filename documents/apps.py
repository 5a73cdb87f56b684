from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from dialogue import audiences
        from dialogue.demo import DEMO_LOADERS

        from . import demo, events  # noqa: F401 - events registers its types

        DEMO_LOADERS.append(demo.load_demo_documents)
        from meetings.registration import personal_data

        from .services import erase_mailed_copies

        personal_data.COPIES_ERASERS.append(erase_mailed_copies)
        from django.db.models.signals import post_migrate

        from .search import forget_gone

        # After migrate and after a flush (which empties Django's tables but not the index).
        post_migrate.connect(forget_gone, sender=self)
        from dialogue import desk

        from .desk import acknowledgement_needs

        desk.register(acknowledgement_needs)
        from meetings.registration.live_desk import register_counters

        from .live_desk import latest_circulation_receipts

        register_counters(latest_circulation_receipts)
        audiences.register_audience("document", rule=audiences.receives_document_event)
        audiences.register_audience(
            "circulation",
            rule=audiences.receives_circulation_event,
            addressees=audiences.circulation_addressees,
        )
