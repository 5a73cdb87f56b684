"""A second step before an action that cannot be undone (cancel a meeting, conclude it,
withdraw a nomination, decide many nominations at once): the service refuses without
``confirm=True`` and says what would happen; every door shows that sentence and asks again.

The web pages need no script for it: the refusal renders ``confirm.html``, a page that states
the consequence and posts the same fields back with ``confirm=1``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

# The code of a service's refusal that only asks for a confirmation.
NEEDS_CONFIRMATION = "needs_confirmation"


def ask(consequence: str) -> ValidationError:
    """The refusal a service raises when ``confirm`` is missing: ``consequence`` says what the
    action will do, in a sentence the person reads before confirming."""
    return ValidationError(consequence, code=NEEDS_CONFIRMATION)


def asks_confirmation(error: ValidationError) -> bool:
    """Whether a service's refusal is only a request for confirmation."""
    return any(e.code == NEEDS_CONFIRMATION for e in error.error_list)


def confirmation_page(
    request: HttpRequest,
    error: ValidationError,
    *,
    title: str,
    button: str,
    back: str,
    keep: Iterable[str] = (),
    keep_lists: Iterable[str] = (),
) -> HttpResponse:
    """The second step: what will happen (the service's sentence), a destructive button that
    posts the same form again with ``confirm=1``, and the way back. ``keep`` and ``keep_lists``
    name the fields of the first post to send again (single and repeated values)."""
    fields = [(name, request.POST.get(name, "")) for name in keep if name in request.POST]
    for name in keep_lists:
        fields += [(name, value) for value in request.POST.getlist(name)]
    return render(
        request,
        "confirm.html",
        {
            "title": title,
            "consequences": error.messages,
            "button": button,
            "back": back,
            "fields": fields,
            "action": request.get_full_path(),
        },
    )
