"""The addresses of registration's pages: set-up, delegations and nominations, the check-in
desk, lists of participants and statistics, letters and badges, reminders."""

from django.urls import URLPattern

from .check_in_desk import urlpatterns as check_in_desk_urls
from .live_desk import urlpatterns as live_desk_urls
from .participants.views import urlpatterns as participant_urls
from .printing.views import urlpatterns as printing_urls
from .reminders import urlpatterns as reminder_urls
from .views import urlpatterns as registration_urls

urlpatterns: list[URLPattern] = [
    *printing_urls,
    *check_in_desk_urls,
    *live_desk_urls,
    *participant_urls,
    *reminder_urls,
    *registration_urls,
]
