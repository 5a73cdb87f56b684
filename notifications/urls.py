from django.urls import path

from . import views

urlpatterns = [
    path("api/events/", views.live_events, name="live_events"),
    path("inbox/", views.inbox_list, name="inbox"),
    path("inbox/read/", views.inbox_read, name="inbox_read"),
    path("inbox/count/", views.inbox_count, name="inbox_count"),
    path("notifications/settings/", views.preferences, name="notification_preferences"),
    path("notifications/follow/", views.follow, name="follow"),
]
