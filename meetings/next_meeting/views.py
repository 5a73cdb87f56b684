"""The secretariat's page for preparing the next meeting like this one."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from dialogue import permissions
from dialogue.http import AuthenticatedRequest
from meetings.views import visible_meeting

from .forms import NextMeetingForm
from .services import Copied, prepare_next_meeting


def summary(copied: Copied) -> str:
    """What the secretariat reads once the draft exists: what was copied, what was not."""
    parts = [_("place, languages and public flag")]
    if copied.registration:
        parts.append(_("registration deadlines (shifted with the dates) and capacity"))
    if copied.quotas:
        parts.append(
            ngettext("%(count)d quota", "%(count)d quotas", copied.quotas)
            % {"count": copied.quotas}
        )
    if copied.questions:
        parts.append(
            ngettext(
                "%(count)d follow-up question", "%(count)d follow-up questions", copied.questions
            )
            % {"count": copied.questions}
        )
    if copied.agenda_items:
        parts.append(
            ngettext(
                "%(count)d agenda item (without times of day)",
                "%(count)d agenda items (without times of day)",
                copied.agenda_items,
            )
            % {"count": copied.agenda_items}
        )
    return _(
        "The next meeting was prepared as a draft. Copied: %(copied)s. Not copied: "
        "nominations, delegations, letters, documents and outcomes."
    ) % {"copied": "; ".join(str(part) for part in parts)}


@login_required
def prepare_next(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    original = visible_meeting(request, pk)
    if not permissions.can_prepare_next_meeting(request.user, original):
        raise Http404
    form = NextMeetingForm(request.POST or None, original=original)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            copied = prepare_next_meeting(
                by=request.user,
                original=original,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                title=data["title"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, summary(copied))
            return redirect("meeting_detail", pk=copied.meeting.pk)
    return render(request, "meetings/prepare_next.html", {"form": form, "original": original})


urlpatterns: list[URLPattern] = [
    path("meetings/<int:pk>/next/", prepare_next, name="meeting_prepare_next"),
]
