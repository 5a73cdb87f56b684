"""What the views of every app share about a request: who is behind it, the row it names if
they may see it, where it goes back to, whether the page's own script fetched it, how a
service's refusal is shown, and how a list reads its filters from the query string."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Self, TypeVar
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.http import Http404, HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from .models import User

Row = TypeVar("Row", bound=Model)


class AuthenticatedRequest(HttpRequest):
    """A request whose user is signed in (views behind ``login_required``, the admin)."""

    user: User


def acting_user(request: HttpRequest) -> User:
    """The signed-in person behind a request that cannot be anonymous (the admin)."""
    user = request.user
    if not isinstance(user, User):
        raise TypeError("this request needs a signed-in person")
    return user


def visible_or_404(
    request: HttpRequest, rows: QuerySet[Row], pk: int, may_see: Callable[[Any, Row], bool]
) -> Row:
    """Row ``pk`` of ``rows`` when the person behind ``request`` may see it (``may_see``, a
    predicate of ``dialogue.permissions``); otherwise 404, exactly as for a row that does not
    exist."""
    row = rows.filter(pk=pk).first()
    if row is None or not may_see(request.user, row):
        raise Http404
    return row


def next_or(request: HttpRequest, default: str) -> str:
    """Where a form asks to go back to (``next``), if it is on this site; else ``default``."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def is_fetch(request: HttpRequest) -> bool:
    """Whether the page's own script asked (``static/js/live.js`` and the upload and check-in
    scripts say so in ``X-Requested-With``): it wants a fragment or JSON, not a whole page."""
    return request.headers.get("X-Requested-With") == "fetch"


def show_refusal(
    request: HttpRequest,
    refusal: ValidationError | PermissionDenied,
    form: BaseForm | None = None,
    *,
    denied: str = "",
) -> None:
    """Say why a service refused: beside ``form`` (above its fields) when the page shows the
    form again, else as a message on the page the person goes back to. A ``ValidationError``
    says its own sentences; a ``PermissionDenied`` that a view shows rather than answering 404
    says ``denied``."""
    error = (
        ValidationError(denied or _("Not allowed."))
        if isinstance(refusal, PermissionDenied)
        else refusal
    )
    if form is not None:
        form.add_error(None, error)
    else:
        messages.error(request, " ".join(error.messages))


# --- The filters of a list, from its query string ----------------------------------------------

_READ, _PARAMETER = "read", "parameter"


def _filter(default: Any, read: Callable[[str], Any], parameter: str) -> Any:
    return field(default=default, metadata={_READ: read, _PARAMETER: parameter})


def search_text(*, max_length: int | None = None, parameter: str = "") -> Any:
    """A text to search for, without the spaces around it, cut at ``max_length``."""
    return _filter("", lambda raw: raw.strip()[:max_length], parameter)


def choice(values: Iterable[str], *, parameter: str = "") -> Any:
    """One of ``values``; anything else is no filter."""
    allowed = frozenset(values)

    def read(raw: str) -> str:
        value = raw.strip()
        return value if value in allowed else ""

    return _filter("", read, parameter)


def whole_number(*, parameter: str = "") -> Any:
    """A whole number written in digits; anything else is no filter (``None``)."""
    return _filter(None, lambda raw: int(raw) if raw.strip().isdecimal() else None, parameter)


def iso_date(*, parameter: str = "") -> Any:
    """A day as ``2027-03-10``; anything else is no filter (``None``)."""

    def read(raw: str) -> datetime.date | None:
        try:
            return datetime.date.fromisoformat(raw.strip())
        except ValueError:
            return None

    return _filter(None, read, parameter)


def flag(*, parameter: str = "") -> Any:
    """A switch: on when the parameter is ``1``."""
    return _filter(False, lambda raw: raw.strip() == "1", parameter)


@dataclass(frozen=True)
class QueryFilters:
    """The filters of a list page, read from its query string. A subclass is a frozen
    dataclass whose fields are the filters, each declared with how it is read (``search_text``,
    ``choice``, ``whole_number``, ``iso_date``, ``flag``) and named for its parameter unless
    told otherwise: a value that cannot be read is no filter, never an error."""

    @classmethod
    def from_query(cls, query: Mapping[str, Any]) -> Self:
        return cls(
            **{
                f.name: f.metadata[_READ](query.get(f.metadata[_PARAMETER] or f.name) or "")
                for f in fields(cls)
            }
        )

    def as_query(self) -> str:
        """The filters in force as a query string, for the links that keep them."""
        values = ((f.metadata[_PARAMETER] or f.name, getattr(self, f.name)) for f in fields(self))
        return urlencode(
            {
                name: "1" if value is True else str(value)
                for name, value in values
                if value is not None and value is not False and value != ""
            }
        )
