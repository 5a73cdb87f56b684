"""Times as people need them: in the meeting's zone and, when different, in the viewer's."""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django import template
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

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
