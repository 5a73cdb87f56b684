from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Meetings")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from allauth.account.models import EmailAddress
        from django.db.models.signals import post_save

        from dialogue import audiences, permissions
        from dialogue.demo import DEMO_LOADERS

        from . import demo, events, queries  # noqa: F401 - events registers its types and streams
        from .calendar import ical
        from .registration import queries as registration_queries
        from .session import events as session_events  # noqa: F401 - registers its types

        ical.attach_invitations()
        from dialogue import desk

        from .outcomes.desk import comment_needs
        from .registration.desk import registration_needs

        desk.register(registration_needs)
        desk.register(comment_needs)
        queries.MEETING_PAGE_COLUMNS.append(
            queries.PageColumns(
                shape=permissions.serves_any_dialogue,
                columns=registration_queries.meeting_page_columns,
            )
        )
        DEMO_LOADERS.append(demo.load_demo_meetings)
        audiences.register_audience("meeting", rule=audiences.receives_meeting_event)
        audiences.register_audience("outcome_draft", rule=audiences.receives_outcome_draft_event)
        audiences.register_audience(
            "outcome_comment", rule=audiences.receives_outcome_comment_event
        )
        audiences.register_audience(
            "outcome_objection",
            rule=audiences.receives_outcome_objection_event,
            candidates=audiences.outcome_objection_candidates,
        )
        audiences.register_audience(
            "delegation",
            rule=audiences.receives_delegation_event,
            candidates=audiences.delegation_candidates,
            addressees=audiences.delegation_addressees,
        )
        post_save.connect(
            _link_nominations, sender=EmailAddress, dispatch_uid="meetings_link_nominations"
        )


def _link_nominations(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A verified address links the nominations naming it to its account."""
    if instance.verified:
        from .registration import link_to_account

        link_to_account(email=instance.email, user_id=instance.user_id)
