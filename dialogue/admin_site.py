from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import permissions


class PolicyAdminSite(admin.AdminSite):
    site_header = _("Dialogue platform administration")
    site_title = _("Dialogue platform")

    def has_permission(self, request: HttpRequest) -> bool:
        return permissions.can_use_admin(request.user)
