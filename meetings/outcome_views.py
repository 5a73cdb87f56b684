"""Outcome pages (filled in by the outcomes work)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
