from django.urls import path

from . import embed, views
from .audit.views import urlpatterns as audit_urls
from .calendar.views import urlpatterns as calendar_urls
from .next_meeting.views import urlpatterns as next_meeting_urls
from .outcomes.views import urlpatterns as outcome_urls
from .registration.urls import urlpatterns as registration_urls
from .session.urls import urlpatterns as session_urls

urlpatterns = [
    path("meetings/", views.meeting_list, name="meeting_list"),
    path(
        "dialogues/<slug:slug>/embed/meetings/",
        embed.embedded_meetings,
        name="embed_meetings",
    ),
    path("dialogues/<slug:slug>/meetings/", views.dialogue_month, name="dialogue_month"),
    path("dialogues/<slug:slug>/meetings/new/", views.meeting_create, name="meeting_create"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/facts/", views.meeting_facts, name="meeting_facts"),
    path("meetings/<int:pk>/outcomes/", views.meeting_outcomes, name="meeting_outcomes"),
    path("meetings/<int:pk>/status/", views.meeting_transition, name="meeting_transition"),
    path("meetings/<int:pk>/agenda/", views.agenda_fragment, name="agenda"),
    path("meetings/<int:pk>/agenda/changelog/", views.agenda_changelog, name="agenda_changelog"),
    path("meetings/<int:pk>/agenda/draft/", views.agenda_edit, name="agenda_edit"),
    path(
        "meetings/<int:pk>/agenda/draft/<int:item_pk>/",
        views.agenda_item_edit,
        name="agenda_item_edit",
    ),
    path("meetings/<int:pk>/agenda/release/", views.agenda_release, name="agenda_release"),
    *audit_urls,
    *calendar_urls,
    *outcome_urls,
    *next_meeting_urls,
    *registration_urls,
    *session_urls,
]
