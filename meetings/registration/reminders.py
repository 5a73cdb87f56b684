"""The secretariat's page of a meeting's reminder: when it goes, whom it would reach and how and
who not and why (before), and each reminder as it went, with the same lists and what became of
each e-mail copy: sent, waiting in the outbox, or not delivered and why (after)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_safe

from meetings import reminders
from meetings.models import ReminderEmail
from meetings.views import registration_meeting

from .reach import Addressee


@require_safe
def meeting_reminders(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = registration_meeting(request, pk)
    sent = [
        {
            "reminder": reminder,
            "reached": [Addressee.from_record(kept) for kept in reminder.reached],
            "left_out": [Addressee.from_record(kept) for kept in reminder.left_out],
            "emails": list(reminder.emails.all()),
        }
        for reminder in meeting.reminders_sent.prefetch_related(
            Prefetch(
                "emails",
                queryset=ReminderEmail.objects.select_related("outbox", "state", "organisation"),
            )
        )
    ]
    context = {
        "meeting": meeting,
        "due_at": reminders.due_at(meeting),
        "preview": reminders.reminder_reach(meeting) if reminders.will_remind(meeting) else None,
        "sent": sent,
    }
    response = render(request, "meetings/reminders.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("meetings/<int:pk>/reminders/", meeting_reminders, name="meeting_reminders"),
]
