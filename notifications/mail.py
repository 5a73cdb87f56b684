"""The outbox worker's pass: send the e-mails that are due, each once, in the recipient's
language; retry failures with back-off.

A claimed e-mail's ``send_after`` moves forward by the claim timeout, so no other worker takes
it while it is being sent, and a worker that dies mid-send leaves it due again later: delivery
is at least once, and a notification belongs to one e-mail only.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import ngettext

from . import registry
from .models import OutboxEmail

logger = logging.getLogger(__name__)

CLAIM_TIMEOUT = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 8


def send_due(*, now: datetime.datetime | None = None, batch: int = 50) -> int:
    """Send every e-mail that is due; returns how many were sent."""
    sent = 0
    tried: set[int] = set()
    while True:
        moment = now or timezone.now()
        claimed = _claim(moment, batch, exclude=tried)
        if not claimed:
            return sent
        for email in claimed:
            tried.add(email.pk)
            sent += _send(email, moment)


def _claim(now: datetime.datetime, batch: int, exclude: set[int]) -> list[OutboxEmail]:
    with transaction.atomic():
        due = list(
            OutboxEmail.objects.select_for_update(skip_locked=True)
            .filter(sent_at__isnull=True, failed_at__isnull=True, send_after__lte=now)
            .exclude(pk__in=exclude)
            .order_by("send_after")[:batch]
        )
        OutboxEmail.objects.filter(pk__in=[e.pk for e in due]).update(
            claimed_at=now, send_after=now + CLAIM_TIMEOUT
        )
    return due


def _subject(text: str) -> str:
    """A subject on one line: Django refuses a header with a line break, and a title stored
    before one-line fields were folded would otherwise fail its e-mail at every attempt."""
    return " ".join(text.split())


def queue_message(*, to: str, subject: str, body: str) -> OutboxEmail:
    """Write a finished message to an address that has no account, in the caller's transaction;
    the worker sends it (at least once, retried like any other)."""
    return OutboxEmail.objects.create(
        to_address=to,
        subject=subject[:300],
        body=body,
        coalesce_key="message",
        send_after=timezone.now(),
    )


def _message(email: OutboxEmail) -> EmailMessage | None:
    """The message an outbox row stands for; None when there is nothing to send (no
    notification left, or a deactivated person)."""
    if email.user is None:
        return EmailMessage(
            subject=_subject(email.subject),
            body=email.body,
            to=[email.to_address],
            headers={"Auto-Submitted": "auto-generated", "X-Outbox-Email": str(email.pk)},
        )
    notifications = list(email.notifications.select_related("event").order_by("event_id"))
    if not notifications or not email.user.is_active:
        return None
    return compose(email, email.user, notifications)


def _send(email: OutboxEmail, now: datetime.datetime) -> int:
    try:
        message = _message(email)
        if message is not None:
            message.send()
    except Exception as error:
        attempts = email.attempts + 1
        logger.warning("sending e-mail %s failed (attempt %d)", email.pk, attempts, exc_info=True)
        OutboxEmail.objects.filter(pk=email.pk).update(
            attempts=attempts,
            last_error=repr(error)[:2000],
            send_after=now + datetime.timedelta(minutes=2**attempts),
            failed_at=now if attempts >= MAX_ATTEMPTS else None,
        )
        return 0
    OutboxEmail.objects.filter(pk=email.pk).update(sent_at=timezone.now())
    return 1 if message is not None else 0


def compose(email: OutboxEmail, user: Any, notifications: list[Any]) -> EmailMultiAlternatives:
    """One message for all the notifications an e-mail gathered, in the person's language."""
    language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
    with translation.override(language):
        lines = [registry.describe(n.event) for n in notifications]
        if email.coalesce_key == "digest":
            subject = ngettext(
                "Your daily digest: %(count)d update",
                "Your daily digest: %(count)d updates",
                len(lines),
            ) % {"count": len(lines)}
        elif len(lines) == 1:
            subject = lines[0].title
        else:
            stream = email.coalesce_key.partition(":")[2]
            subject = ngettext(
                "%(count)d update: %(where)s", "%(count)d updates: %(where)s", len(lines)
            ) % {
                "count": len(lines),
                "where": registry.stream_label(stream),
            }
        context = {
            "user": user,
            "lines": lines,
            "subject": subject,
            "site_url": settings.SITE_URL.rstrip("/"),
        }
        body = render_to_string("notifications/email/updates.txt", context)
        # The HTML part carries the language and its direction (dir="rtl" for Arabic), so a mail
        # client lays the message out right to left; the text part stays for every other.
        html = render_to_string("notifications/email/updates.html", context)
        files = registry.attachments([n.event for n in notifications], user)
    message = EmailMultiAlternatives(
        subject=_subject(f"{settings.EMAIL_SUBJECT_PREFIX}{subject}"),
        body=body,
        to=[user.email],
        headers={"Auto-Submitted": "auto-generated", "X-Outbox-Email": str(email.pk)},
    )
    message.attach_alternative(html, "text/html")
    for file in files:
        message.attach(file.filename, file.content, file.mimetype)
    return message
