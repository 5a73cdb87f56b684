"""The agenda: a working draft the secretariat edits, released as numbered versions.

A release freezes the draft (``AgendaRelease.items``) and stores what changed since the
previous version, item by item: added, removed, moved in time, renamed, room changed, details
changed. Internal items are the secretariat's: they are left out of what participants see,
of the public changelog and of the ``agenda.released`` event.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from dialogue import constraints, permissions
from dialogue.models import User
from dialogue.translations import Translations, from_data, missing_first, model_fields

from . import events
from .models import AgendaItem, AgendaRelease, Meeting

ITEM_FIELDS = (
    "kind",
    "parent",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "duration_minutes",
    "room",
    "presenter_name",
    "presenter_state",
    "presenter_organisation",
    "internal",
)


# --- Editing the draft -----------------------------------------------------------------------


def _check(by: User, meeting: Meeting) -> None:
    if not permissions.can_manage_meeting(by, meeting):
        raise PermissionDenied
    if not meeting.is_open:
        raise ValidationError(_("The agenda of a concluded or cancelled meeting is closed."))


def _validate_item(item: AgendaItem) -> None:
    if item.parent is not None:
        if item.parent.meeting_id != item.meeting_id or item.parent.kind != AgendaItem.Kind.SESSION:
            raise ValidationError(_("Items can be nested in a session of the same meeting only."))
        if item.kind == AgendaItem.Kind.SESSION:
            raise ValidationError(_("A session cannot be nested in another session."))
    if item.starts_at and item.ends_at and item.ends_at < item.starts_at:
        raise ValidationError(_("An item cannot end before it starts."))
    _check_within_the_days(item)
    missing = missing_first(item.title_i18n, item.meeting.working_languages)
    if missing:
        raise ValidationError(
            _("Write the item's title at least in %(language)s.") % {"language": missing}
        )


def _check_within_the_days(item: AgendaItem) -> None:
    """An item's times fall on the meeting's days (in its zone): a date typed a month off is
    refused here rather than found by a participant."""
    meeting = item.meeting
    zone = meeting.zone
    first = meeting.starts_at.astimezone(zone).date()
    last = meeting.ends_at.astimezone(zone).date()
    for moment in (item.starts_at, item.ends_at):
        if moment is not None and not first <= moment.astimezone(zone).date() <= last:
            raise ValidationError(
                _(
                    "An item falls within the meeting's days: from %(first)s to %(last)s "
                    "(local time of the meeting)."
                )
                % {
                    "first": formats.date_format(first, "DATE_FORMAT"),
                    "last": formats.date_format(last, "DATE_FORMAT"),
                }
            )


def add_item(*, by: User, meeting: Meeting, **fields: Any) -> AgendaItem:
    """Append an item (or session, or break) to the draft; participants see it once released."""
    _check(by, meeting)
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
        position = (meeting.agenda_items.aggregate(last=Max("position"))["last"] or 0) + 10
        item = AgendaItem(
            meeting=meeting,
            position=fields.pop("position", position),
            **model_fields(AgendaItem, fields),
        )
        _validate_item(item)
        with constraints.violations_as_sentences():
            item.save()
    return item


def change_item(*, by: User, item: AgendaItem, **changes: Any) -> AgendaItem:
    """Change an item of the draft."""
    _check(by, item.meeting)
    unknown = set(changes) - set(ITEM_FIELDS) - {"position"}
    if unknown:
        raise ValueError(f"not agenda item fields: {sorted(unknown)}")
    with transaction.atomic():
        locked = (
            AgendaItem.objects.select_for_update(of=("self",))
            .select_related("parent")
            .get(pk=item.pk)
        )
        for name, value in model_fields(AgendaItem, changes).items():
            setattr(locked, name, value)
        _validate_item(locked)
        with constraints.violations_as_sentences():
            locked.save()
    return locked


def remove_item(*, by: User, item: AgendaItem) -> None:
    """Remove an item (a session with its items) from the draft."""
    _check(by, item.meeting)
    with transaction.atomic():
        AgendaItem.objects.filter(pk=item.pk).delete()


# --- Snapshots and differences ---------------------------------------------------------------


def _place(entity: Any) -> dict[str, str] | None:
    if entity is None:
        return None
    return {"name_i18n": entity.name_i18n.as_dict()}


def snapshot(meeting: Meeting) -> list[dict[str, Any]]:
    """The draft as plain data, in order, with numbers and effective times: an item without a
    start begins when the one before it ends; a duration gives the end."""
    items = list(
        meeting.agenda_items.select_related(
            "presenter_state", "presenter_organisation", "parent"
        ).order_by("position", "id")
    )
    sessions = [i for i in items if i.parent_id is None]
    children: dict[int, list[AgendaItem]] = {}
    for item in items:
        if item.parent_id is not None:
            children.setdefault(item.parent_id, []).append(item)
    ordered = [x for session in sessions for x in (session, *children.get(session.pk, []))]
    result: list[dict[str, Any]] = []
    cursor = None
    for item in ordered:
        start = item.starts_at or cursor
        end = item.ends_at or (
            start + datetime.timedelta(minutes=item.duration_minutes)
            if start and item.duration_minutes
            else None
        )
        if item.kind != AgendaItem.Kind.SESSION:
            cursor = end or cursor
        result.append(
            {
                "key": item.pk,
                "parent": item.parent_id,
                "kind": item.kind,
                "number": "",
                "title_i18n": item.title_i18n.as_dict(),
                "description_i18n": item.description_i18n.as_dict(),
                "starts_at": start.isoformat() if start else None,
                "ends_at": end.isoformat() if end else None,
                "room": item.room,
                "presenter": item.presenter_name,
                "presenter_state": _place(item.presenter_state),
                "presenter_organisation": _place(item.presenter_organisation),
                "internal": item.internal,
            }
        )
    _sessions_span_their_items(result)
    _number_in_time_order(result)
    return result


def _number_in_time_order(rows: list[dict[str, Any]]) -> None:
    """Number the items as the programme reads (by day and time, a session's items under it),
    whatever order they were entered in. Internal items take no number: participants would see
    a gap in the numbering."""
    internal = {r["key"] for r in rows if r["internal"]}
    number = 0
    for day in agenda_days(rows, datetime.UTC):
        for row in day.rows:
            if row["kind"] == AgendaItem.Kind.ITEM and not (
                row["internal"] or row["parent"] in internal
            ):
                number += 1
                row["number"] = str(number)


def _sessions_span_their_items(rows: list[dict[str, Any]]) -> None:
    """A session without times of its own runs from its first item's start to its last's end."""
    for session in (r for r in rows if r["kind"] == AgendaItem.Kind.SESSION):
        inside = [r for r in rows if r["parent"] == session["key"]]
        starts = [r["starts_at"] for r in inside if r["starts_at"]]
        ends = [r["ends_at"] for r in inside if r["ends_at"]]
        session["starts_at"] = session["starts_at"] or (min(starts) if starts else None)
        session["ends_at"] = session["ends_at"] or (max(ends) if ends else None)


def public_items(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What participants see: internal items, and the items of internal sessions, left out."""
    hidden = {i["key"] for i in items if i["internal"]}
    return [i for i in items if i["key"] not in hidden and i["parent"] not in hidden]


DETAIL_KEYS = (
    "presenter",
    "presenter_state",
    "presenter_organisation",
)


def difference(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What changed from one list of items to the next, item by item, in the new order."""
    old = {i["key"]: i for i in before}
    new = {i["key"]: i for i in after}
    changes: list[dict[str, Any]] = []

    def change(kind: str, item: dict[str, Any], **extra: Any) -> None:
        changes.append(
            {
                "change": kind,
                "key": item["key"],
                "number": item["number"],
                "title_i18n": from_data(item, "title").as_dict(),
                **extra,
            }
        )

    for item in after:
        was = old.get(item["key"])
        if was is None:
            change("added", item, starts_at=item["starts_at"])
            continue
        if was["starts_at"] != item["starts_at"]:
            change("moved", item, **{"from": was["starts_at"], "to": item["starts_at"]})
        if from_data(was, "title") != from_data(item, "title"):
            change("renamed", item, from_i18n=from_data(was, "title").as_dict())
        if was["room"] != item["room"]:
            change("room", item, **{"from": was["room"], "to": item["room"]})
        if (
            any(_place_of(was, name) != _place_of(item, name) for name in DETAIL_KEYS)
            or from_data(was, "description") != from_data(item, "description")
        ) or (
            was["ends_at"] != item["ends_at"]
            and was["starts_at"] == item["starts_at"]
            and item["kind"] != AgendaItem.Kind.SESSION
        ):
            # An end that follows a new start, or a session's span that follows its items,
            # is part of those changes, not news of its own.
            change("details", item)
    for item in before:
        if item["key"] not in new:
            change("removed", item, starts_at=item["starts_at"])
    return changes


def describe_change(change: dict[str, Any], zone: zoneinfo.ZoneInfo) -> str:
    """One line a person reads: "Item 4 moved from 11:00 to 14:30"."""
    title = from_data(change, "title").pick()
    name = (
        _("Item %(number)s “%(title)s”") % {"number": change["number"], "title": title}
        if change["number"]
        else f"“{title}”"
    )

    def when(value: str | None) -> str:
        if not value:
            return "—"
        local = datetime.datetime.fromisoformat(value).astimezone(zone)
        return (
            local.strftime("%H:%M")
            if change["change"] == "moved" and _same_day(change, zone)
            else local.strftime("%d.%m %H:%M")
        )

    texts = {
        "added": _("%(name)s added"),
        "removed": _("%(name)s removed"),
        "moved": _("%(name)s moved from %(from)s to %(to)s"),
        "renamed": _("%(name)s renamed (was “%(from)s”)"),
        "room": _("%(name)s moved from room %(from)s to room %(to)s"),
        "details": _("%(name)s: details changed"),
    }
    return texts[change["change"]] % {
        "name": name,
        "from": when(change.get("from"))
        if change["change"] == "moved"
        else (_former_title(change) or "—"),
        "to": when(change.get("to")) if change["change"] == "moved" else (change.get("to") or "—"),
    }


def _former_title(change: dict[str, Any]) -> str:
    if "from_i18n" in change:
        return Translations.of(change["from_i18n"]).pick()
    return Translations({"en": change.get("from") or "", "ru": change.get("from_ru") or ""}).pick()


def _place_of(item: dict[str, Any], name: str) -> Any:
    """A detail as compared between releases; a presenting state or organisation by its
    names, however a release stored them (``name_i18n``, or ``name_en``/``name_ru`` before)."""
    value = item.get(name)
    if isinstance(value, dict):
        return from_data(value, "name")
    return value


def _same_day(change: dict[str, Any], zone: zoneinfo.ZoneInfo) -> bool:
    if not change.get("from") or not change.get("to"):
        return False
    a = datetime.datetime.fromisoformat(change["from"]).astimezone(zone).date()
    b = datetime.datetime.fromisoformat(change["to"]).astimezone(zone).date()
    return a == b


# --- Releasing ---------------------------------------------------------------------------------


def release_agenda(*, by: User, meeting: Meeting, note: str | Mapping[str, str]) -> AgendaRelease:
    """Release the draft as the next version with a changelog note.

    ``note`` is a text per language (one plain text is in the meeting's first language). Stores
    the frozen items and the difference to the previous version, and publishes
    ``agenda.released`` with the public part of that difference. Releasing a draft that has not
    changed since the last version is refused, so a repeated click makes one version. Raises
    ``PermissionDenied`` or ``ValidationError``.
    """
    _check(by, meeting)
    languages = meeting.working_languages or [settings.LANGUAGE_CODE]
    notes = Translations({languages[0]: note} if isinstance(note, str) else note)
    if missing_first(notes, languages):
        raise ValidationError(
            _("Say in a few words what this version changes, at least in %(language)s.")
            % {"language": missing_first(notes, languages)}
        )
    with transaction.atomic():
        locked = (
            Meeting.objects.select_for_update(of=("self",))
            .select_related("dialogue")
            .get(pk=meeting.pk)
        )
        previous = locked.agenda_releases.order_by("-number").first()
        items = snapshot(locked)
        if not items:
            raise ValidationError(_("The agenda has no items yet."))
        before = previous.items if previous else []
        if previous is not None and before == items:
            raise ValidationError(
                _("Nothing changed since version %(number)d.") % {"number": previous.number}
            )
        release = AgendaRelease.objects.create(
            meeting=locked,
            number=(previous.number if previous else 0) + 1,
            note_i18n=notes,
            released_by=by,
            items=items,
            changes=difference(before, items),
        )
        public_changes = difference(public_items(before), public_items(items))
        if locked.announced_at is not None:
            events.publish_meeting_event(
                locked,
                events.AGENDA_RELEASED,
                by=by,
                number=release.number,
                note=notes.pick(settings.LANGUAGE_CODE, languages),
                note_i18n=notes.as_dict(),
                changes=public_changes[:50],
                changed_keys=sorted({c["key"] for c in public_changes}),
                released_at=timezone.now().isoformat(),
            )
    return release


def visible_changes(
    release: AgendaRelease, user: Any, previous: AgendaRelease | None
) -> list[dict[str, Any]]:
    """The changes of a release a person may see: all of them for the secretariat, the public
    difference for everyone else."""
    if permissions.can_see_internal_agenda(user, release.meeting):
        return list(release.changes)
    return difference(public_items(previous.items if previous else []), public_items(release.items))


# --- Reading the agenda as a programme ---------------------------------------------------------


@dataclass(frozen=True)
class AgendaDay:
    """The rows of one day of the agenda, in the order of their times; ``date`` is None for
    rows before any time is set."""

    date: datetime.date | None
    rows: list[dict[str, Any]]


def _start(row: dict[str, Any]) -> datetime.datetime | None:
    value = row.get("starts_at")
    return datetime.datetime.fromisoformat(value) if value else None


def _in_time_order(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Stable order by start; a row without a start keeps its place after the row before it."""
    keyed: list[tuple[datetime.datetime | None, int, dict[str, Any]]] = []
    last: datetime.datetime | None = None
    for index, row in enumerate(rows):
        start = _start(row) or last
        last = start
        keyed.append((start, index, row))
    floor = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    keyed.sort(key=lambda entry: (entry[0] or floor, entry[1]))
    return [row for _start_at, _index, row in keyed]


def agenda_days(items: list[dict[str, Any]], zone: datetime.tzinfo) -> list[AgendaDay]:
    """The rows of an agenda grouped by day in the meeting's zone, each day in time order:
    sessions by their start, the items of a session by theirs inside it. A session's items stay
    under it (on the session's day)."""
    children: dict[Any, list[dict[str, Any]]] = {}
    for row in items:
        if row["parent"] is not None:
            children.setdefault(row["parent"], []).append(row)
    days: list[AgendaDay] = []
    for block in _in_time_order([row for row in items if row["parent"] is None]):
        start = _start(block) or next(
            (s for s in map(_start, children.get(block["key"], [])) if s), None
        )
        date = start.astimezone(zone).date() if start else (days[-1].date if days else None)
        if not days or days[-1].date != date:
            days.append(AgendaDay(date, []))
        days[-1].rows.append(block)
        days[-1].rows.extend(_in_time_order(children.get(block["key"], [])))
    return days
