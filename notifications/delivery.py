"""What the people who wrote an e-mail are told when the outbox could not send it: the reason in
plain words, in their language, never the exception (that stays in the log and ``last_error``)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

# By the exception's class: ``last_error`` starts with it (``mail._send`` keeps its repr). The
# class names rather than a stored code, so the rows that failed before this existed read the same.
_UNREACHABLE = gettext_lazy("the mail server could not be reached")
_FAILURES = {
    "SMTPRecipientsRefused": gettext_lazy("the mail server refused the address"),
    "SMTPSenderRefused": gettext_lazy("the mail server refused the platform's sender address"),
    "SMTPAuthenticationError": gettext_lazy("the platform could not sign in to its mail server"),
    "SMTPDataError": gettext_lazy("the mail server refused the message"),
    "SMTPServerDisconnected": _UNREACHABLE,
    "SMTPConnectError": _UNREACHABLE,
    "ConnectionRefusedError": _UNREACHABLE,
    "ConnectionResetError": _UNREACHABLE,
    "TimeoutError": _UNREACHABLE,
    "timeout": _UNREACHABLE,
    "gaierror": _UNREACHABLE,
}


def why_not_sent(last_error: str) -> str:
    """The reason an e-mail was not sent, in plain words in the current language (never the
    exception itself: it is in the log); empty when there was no error."""
    if not last_error:
        return ""
    name = last_error.split("(", 1)[0].rsplit(".", 1)[-1].strip()
    return str(_FAILURES.get(name, gettext_lazy("the mail server did not accept the message")))
