"""The person's API tokens, on their profile: make one (its secret shown once), revoke one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from dialogue.http import AuthenticatedRequest, show_refusal

from . import tokens
from .forms import TokenForm
from .models import ApiToken


@login_required
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def token_list(request: AuthenticatedRequest) -> HttpResponse:
    """The person's tokens, and the form to make one; the new token's secret is in this answer
    only (not stored, not put in the session)."""
    form = TokenForm(request.POST or None)
    secret = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = tokens.create_token(by=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as refusal:
            show_refusal(request, refusal, form)
        else:
            form = TokenForm()
    context = {
        "form": form,
        "secret": secret,
        "tokens": tokens.tokens_of(request.user),
        "api_docs": request.build_absolute_uri(reverse("api:openapi-view")),
    }
    return render(request, "dialogue/api_tokens.html", context)


@login_required
@require_POST
def token_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user, dialogue__isnull=True)
    try:
        tokens.revoke_token(by=request.user, token=token)
    except PermissionDenied as denied:
        raise Http404 from denied
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return redirect("api_tokens")
