"""Times as people need them: in the meeting's zone and, when different, in the viewer's."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from meetings import agenda

register = template.Library()


def _as_datetime(value: Any) -> datetime.datetime | None:
    if isinstance(value, str):
        return datetime.datetime.fromisoformat(value)
    return value if isinstance(value, datetime.datetime) else None


@register.simple_tag(takes_context=True)
def meeting_time(context: Any, value: Any, zone_name: str, style: str = "datetime") -> SafeString:
    """``<time>`` in the meeting's zone, with the viewer's own zone beside it when it differs;
    without a meeting (``zone_name`` empty), in the viewer's zone. ``style``: "datetime",
    "date" or "time"."""
    moment = _as_datetime(value)
    if moment is None:
        return SafeString("")
    zone = zoneinfo.ZoneInfo(zone_name) if zone_name else timezone.get_current_timezone()
    local = moment.astimezone(zone)
    fmt = {"date": "DATE_FORMAT", "time": "TIME_FORMAT"}.get(style, "DATETIME_FORMAT")
    shown = formats.date_format(local, fmt)
    viewer = timezone.get_current_timezone()
    request = context.get("request")
    signed_in = request is not None and request.user.is_authenticated
    if signed_in and style != "date" and moment.astimezone(viewer).utcoffset() != local.utcoffset():
        mine = moment.astimezone(viewer)
        other_fmt = (
            "TIME_FORMAT" if mine.date() == local.date() or style == "time" else "DATETIME_FORMAT"
        )
        return format_html(
            '<time datetime="{}">{}</time> <span class="zone">{}</span> '
            '<span class="viewer-time">({})</span>',
            local.isoformat(),
            shown,
            zone_name,
            _("%(time)s your time") % {"time": formats.date_format(mine, other_fmt)},
        )
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), shown)


@register.simple_tag
def agenda_days(items: list[dict[str, Any]], zone_name: str) -> list[agenda.AgendaDay]:
    """``{% agenda_days agenda.items meeting.time_zone as days %}``: the rows by day."""
    return agenda.agenda_days(items, zoneinfo.ZoneInfo(zone_name))


@register.simple_tag(takes_context=True)
def viewer_zone_differs(context: Any, zone_name: str) -> bool:
    """Whether a signed-in viewer's zone keeps another clock than the meeting's (now)."""
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return False
    now = timezone.now()
    return bool(
        now.astimezone(timezone.get_current_timezone()).utcoffset()
        != now.astimezone(zoneinfo.ZoneInfo(zone_name)).utcoffset()
    )


@register.simple_tag(takes_context=True)
def agenda_time(context: Any, row: dict[str, Any], zone_name: str) -> SafeString:
    """An agenda row's times, once, in the meeting's zone ("09:00–10:30"), then the same in the
    viewer's zone in a ``viewer-time`` span the page shows on demand, when the two differ."""
    start, end = _as_datetime(row.get("starts_at")), _as_datetime(row.get("ends_at"))
    if start is None:
        return SafeString("")
    zone = zoneinfo.ZoneInfo(zone_name)

    def span(tz: datetime.tzinfo) -> SafeString:
        first = start.astimezone(tz)
        html = format_html(
            '<time datetime="{}">{}</time>',
            first.isoformat(),
            formats.date_format(first, "TIME_FORMAT"),
        )
        if end is not None:
            last = end.astimezone(tz)
            html = format_html(
                '{}–<time datetime="{}">{}</time>',
                html,
                last.isoformat(),
                formats.date_format(last, "TIME_FORMAT"),
            )
        return html

    shown = span(zone)
    request = context.get("request")
    viewer = timezone.get_current_timezone()
    if (
        request is None
        or not request.user.is_authenticated
        or start.astimezone(viewer).utcoffset() == start.astimezone(zone).utcoffset()
    ):
        return shown
    mine = start.astimezone(viewer)
    day = (
        ""
        if mine.date() == start.astimezone(zone).date()
        else " " + formats.date_format(mine, "SHORT_DATE_FORMAT")
    )
    # The sentence is escaped before the times, already HTML, are put into it.
    sentence = conditional_escape(_("%(time)s your time")) % {
        "time": format_html("{}{}", span(viewer), day)
    }
    return format_html('{} <span class="viewer-time">({})</span>', shown, mark_safe(sentence))  # noqa: S308 - escaped above
