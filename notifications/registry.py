"""Event types, registered by the apps that publish them.

Each type belongs to a category (the unit of delivery preferences), declares its payload (a
frozen dataclass: the keys of its ``data`` and their types, ``notifications.payloads``) and
knows how to describe one of its events to a person: a title, a line of text and a link, in the
active language.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.utils import translation
from django.utils.functional import Promise

from . import payloads

if TYPE_CHECKING:
    from .models import Event


@dataclass(frozen=True)
class Description:
    title: str
    text: str
    url: str


# Unicode's first strong isolate and pop directional isolate (bidi isolation in plain text).
FSI, PDI = "\u2068", "\u2069"


def fill(sentence: str, values: Mapping[str, Any]) -> str:
    """``sentence % values``, where in a right-to-left language each text put into the sentence
    is isolated (FSI ... PDI): an English title inside an Arabic sentence keeps its own
    direction, and its brackets and full stop stay where its writer put them, in the inbox,
    the e-mail subject and the live notice alike."""
    if translation.get_language_bidi():
        values = {
            key: f"{FSI}{value}{PDI}" if isinstance(value, str | Promise) and value else value
            for key, value in values.items()
        }
    return sentence % values


@dataclass(frozen=True)
class Category:
    key: str
    label: str | Promise
    default_channel: str  # a notifications.models.Channel value


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: str
    mimetype: str


@dataclass(frozen=True)
class EventType:
    name: str
    category: Category
    describe: Callable[[Event], Description]
    payload: type
    in_inbox: bool = True
    # Files an e-mail about the event carries (an iCalendar update), built when it is sent.
    attachments: Callable[[Event, Any], list[Attachment]] | None = None


_categories: dict[str, Category] = {}
_types: dict[str, EventType] = {}
# stream prefix → (key → a human name); and → the streams a person may filter their inbox by
_stream_labels: dict[str, Callable[[str], str]] = {}
_stream_filters: list[Callable[[Any], list[tuple[str, str]]]] = []


def register_stream(
    prefix: str,
    *,
    label: Callable[[str], str],
    filters: Callable[[Any], list[tuple[str, str]]] | None = None,
) -> None:
    """Name the streams of a prefix; ``filters`` lists a person's (stream, name) pairs."""
    _stream_labels[prefix] = label
    if filters is not None:
        _stream_filters.append(filters)


def stream_label(stream: str) -> str:
    prefix, _, key = stream.partition(":")
    label = _stream_labels.get(prefix)
    return label(key) if label else stream


def stream_filters(user: Any) -> list[tuple[str, str]]:
    return [pair for filters in _stream_filters for pair in filters(user)]


def register_category(key: str, label: str | Promise, default_channel: str) -> Category:
    category = Category(key, label, default_channel)
    _categories[key] = category
    return category


def register(
    name: str,
    *,
    category: Category,
    describe: Callable[[Event], Description],
    payload: type,
    in_inbox: bool = True,
    attachments: Callable[[Event, Any], list[Attachment]] | None = None,
) -> None:
    """Register an event type; ``payload`` is the frozen dataclass its ``data`` follows."""
    payloads.check_declaration(payload)
    _types[name] = EventType(name, category, describe, payload, in_inbox, attachments)


def attach(name: str, attachments: Callable[[Event, Any], list[Attachment]]) -> None:
    """Give a registered type the files its e-mails carry, from the module that builds them
    (an app's calendar, above the module that registered its event types)."""
    _types[name] = replace(_types[name], attachments=attachments)


def event_type(name: str) -> EventType:
    """The registered type; publishing an unregistered type is a programming error."""
    return _types[name]


def event_types() -> list[EventType]:
    """Every registered type, by name."""
    return sorted(_types.values(), key=lambda known: known.name)


def categories() -> list[Category]:
    return list(_categories.values())


def attachments(events: list[Event], user: Any) -> list[Attachment]:
    """The files for an e-mail about ``events``: for each file name, the newest event's."""
    files: dict[str, Attachment] = {}
    for event in events:
        known = _types.get(event.type)
        if known is not None and known.attachments is not None:
            for attachment in known.attachments(event, user):
                files[attachment.filename] = attachment
    return list(files.values())


def describe(event: Event) -> Description:
    known = _types.get(event.type)
    if known is None:
        return Description(title=event.type, text="", url="/")
    return known.describe(event)
