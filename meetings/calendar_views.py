"""Calendar feeds (filled in by the calendar work)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
