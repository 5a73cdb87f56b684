from django.contrib import admin
from django.urls import include, path, re_path

from config.api import api, not_found
from dialogue import views as dialogue_views
from notifications import views as notification_views

admin.site.site_header = "Dialogue platform"
# Denied looks like missing: a PermissionDenied answers the 404 page (config/error_pages.py).
handler403 = "config.error_pages.denied_as_missing"

urlpatterns = [
    path("", dialogue_views.home, name="home"),
    path("healthz", notification_views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    re_path(r"^api/v1/", not_found),  # problem details for any other address of the API
    path("accounts/", include("allauth.urls")),
    path("", include("dialogue.urls")),
    path("", include("notifications.urls")),
    path("", include("meetings.urls")),
    path("", include("documents.urls")),
]
