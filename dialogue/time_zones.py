"""Choosing a time zone: the usual zones of the dialogues first, by city and in the reader's
language, with their offset today; then every other zone of the world by region and city.

The IANA list has some 600 names, among them aliases kept for old systems ("Factory",
"localtime", "US/Eastern", "Etc/GMT+5" which is UTC-5): a person looking for Tbilisi should
not scroll past them. ``TimeZoneField`` is the form field wherever a zone is chosen (the
profile, the meeting form, the admin); the models keep accepting any valid name.
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The cities of the Budapest and Prague Processes' members and secretariat, and the usual
# meeting places; each zone once, under the city people know it by.
USUAL_ZONES: tuple[tuple[str, Any], ...] = (
    ("Europe/Vienna", gettext_lazy("Vienna")),
    ("Europe/Budapest", gettext_lazy("Budapest")),
    ("Europe/Prague", gettext_lazy("Prague")),
    ("Europe/Brussels", gettext_lazy("Brussels")),
    ("Europe/Berlin", gettext_lazy("Berlin")),
    ("Europe/Warsaw", gettext_lazy("Warsaw")),
    ("Europe/Belgrade", gettext_lazy("Belgrade")),
    ("Europe/Sofia", gettext_lazy("Sofia")),
    ("Europe/Bucharest", gettext_lazy("Bucharest")),
    ("Europe/Athens", gettext_lazy("Athens")),
    ("Europe/Chisinau", gettext_lazy("Chișinău")),
    ("Europe/Kyiv", gettext_lazy("Kyiv")),
    ("Europe/Minsk", gettext_lazy("Minsk")),
    ("Europe/Istanbul", gettext_lazy("Istanbul")),
    ("Europe/Moscow", gettext_lazy("Moscow")),
    ("Europe/London", gettext_lazy("London")),
    ("Asia/Tbilisi", gettext_lazy("Tbilisi")),
    ("Asia/Yerevan", gettext_lazy("Yerevan")),
    ("Asia/Baku", gettext_lazy("Baku")),
    ("Asia/Almaty", gettext_lazy("Astana, Almaty")),
    ("Asia/Tashkent", gettext_lazy("Tashkent")),
    ("Asia/Bishkek", gettext_lazy("Bishkek")),
    ("Asia/Dushanbe", gettext_lazy("Dushanbe")),
    ("Asia/Ashgabat", gettext_lazy("Ashgabat")),
    ("Asia/Kabul", gettext_lazy("Kabul")),
    ("Asia/Tehran", gettext_lazy("Tehran")),
    ("Asia/Baghdad", gettext_lazy("Baghdad")),
    ("Asia/Karachi", gettext_lazy("Islamabad, Karachi")),
    ("Asia/Kolkata", gettext_lazy("New Delhi")),
    ("Asia/Dhaka", gettext_lazy("Dhaka")),
    ("UTC", gettext_lazy("Coordinated Universal Time (UTC)")),
)
REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)


def other_zones() -> list[str]:
    """Every zone of a region (``Europe/Paris``), not an alias from old systems."""
    usual = {name for name, _label in USUAL_ZONES}
    return sorted(
        name
        for name in zoneinfo.available_timezones()
        if name.split("/", 1)[0] in REGIONS and "/" in name and name not in usual
    )


def offset(name: str, at: datetime.datetime | None = None) -> str:
    """``UTC+04:00``, ``UTC−05:00`` or ``UTC`` on the given day (today by default)."""
    moment = (at or timezone.now()).astimezone(zoneinfo.ZoneInfo(name))
    delta = moment.utcoffset() or datetime.timedelta(0)
    if not delta:
        return "UTC"
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes > 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _place(name: str) -> str:
    region, _sep, city = name.partition("/")
    return f"{city.replace('_', ' ').replace('/', ' – ')} ({region})"


def choices() -> list[tuple[str, Any]]:
    """The usual zones by city, then the others grouped as "Other zones"."""
    usual = [(name, f"{label} ({offset(name)})") for name, label in USUAL_ZONES]
    others = sorted(((name, _place(name)) for name in other_zones()), key=lambda c: c[1])
    return [
        (_("Usual time zones"), usual),
        (_("Other time zones"), others),
    ]


class TimeZoneField(forms.ChoiceField):
    """A time zone, chosen from ``choices()`` (built when the form is made: the labels are in
    the reader's language and the offsets of the day)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.pop("max_length", None)
        kwargs.setdefault("label", gettext_lazy("Time zone"))
        kwargs.setdefault(
            "help_text",
            gettext_lazy("Times are shown in this zone. Choose the city nearest to you."),
        )
        super().__init__(choices=choices, **kwargs)
