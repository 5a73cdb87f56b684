"""The agenda reads as two columns on a desktop: every time stays beside its title, however long
the time reads ("10:30 a.m.–3:15 p.m." in English), left to right and right to left.

Found in a walkthrough: the time column had a fixed width, so a session's long English time ran
under its title ("10:30 a.m.–3:15 p.mSession I").
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from dialogue.models import RoleKind
from meetings import agenda
from tests.browser.conftest import in_own_thread
from tests.browser.scenes import START, budapest_with_georgia

pytestmark = [pytest.mark.browser, pytest.mark.services, pytest.mark.django_db(transaction=True)]

# Where each row's time and title text are drawn (a range's box: text overflowing its cell
# counts), and whether they overlap.
OVERLAPS = """() => [...document.querySelectorAll('#agenda-items .agenda-row')].map((row) => {
  const drawn = (el) => { const r = document.createRange(); r.selectNodeContents(el);
                          return r.getBoundingClientRect(); };
  const time = drawn(row.querySelector('.agenda-time'));
  const title = drawn(row.querySelector('.agenda-title'));
  const apart = time.right <= title.left + 0.5 || title.right <= time.left + 0.5;
  return {time: row.querySelector('.agenda-time').textContent.trim(), apart,
          titleLeft: Math.round(title.left), titleRight: Math.round(title.right)};
})"""


def _meeting_with_long_times() -> int:
    budapest = budapest_with_georgia()
    staff = budapest.person("anna@example.org", RoleKind.SECRETARIAT_STAFF)
    meeting = budapest.istanbul_som(by=staff)
    for title, hours, minutes in [
        ("Opening", 0, 30),
        ("Session I: Silk Routes partnership", 1.5, 285),
        ("Return and reintegration cooperation", 6.25, 40),
    ]:
        agenda.add_item(
            by=staff,
            meeting=meeting,
            title={"en": title, "ar": title},
            starts_at=START + datetime.timedelta(hours=hours),
            duration_minutes=minutes,
        )
    agenda.release_agenda(by=staff, meeting=meeting, note="First version")
    return meeting.pk


@pytest.mark.parametrize("language", ["en", "ar"])
def test_times_never_run_under_titles(
    new_page: Callable[[], Any], live_server: Any, language: str
) -> None:
    meeting = in_own_thread(_meeting_with_long_times)
    page = new_page()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto(f"/meetings/{meeting}/")
    assert page.locator("html").get_attribute("lang") == language
    rows = page.evaluate(OVERLAPS)
    assert len(rows) == 3
    assert "3:15" in rows[1]["time"]  # the longest time of the day: 10:30 a.m.–3:15 p.m.
    assert all(row["apart"] for row in rows), rows
    # The titles line up: one column for the whole day.
    edge = "titleLeft" if language == "en" else "titleRight"
    assert len({row[edge] for row in rows}) == 1, rows
