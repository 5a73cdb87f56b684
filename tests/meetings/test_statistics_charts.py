"""Charts of the statistics (meetings/registration/participants/charts.py, dialogue/charts.py):
the numbers behind each bar are the tables' figures, the SVG is valid XML with a title and a
description, the data table is beside it, Arabic is laid out right to left, and the statistics
PDF carries the charts as vector graphics (their titles extract as text)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from dialogue.charts import PALETTE, Bar, BarChart, render_bar_chart
from meetings.registration.participants import charts, reports
from tests.conftest import World, client_for
from tests.meetings.test_participants import Scene, scene  # noqa: F401 - the fixture
from tests.meetings.test_pdf import flat, page_texts

pytestmark = pytest.mark.django_db
SVG = "{http://www.w3.org/2000/svg}"


def _svg(markup: str) -> ElementTree.Element:
    return ElementTree.fromstring(markup)  # noqa: S314 - SVG this platform drew, not input


def _by_key(found: list[BarChart]) -> dict[str, BarChart]:
    return {chart.key.removeprefix("chart-"): chart for chart in found}


def _values(chart: BarChart) -> list[tuple[str, tuple[int, ...]]]:
    return [(bar.label, bar.values) for bar in chart.bars]


def test_meeting_charts_show_the_tables_figures(scene: Scene) -> None:  # noqa: F811 - the fixture
    stats = reports.statistics(scene.meeting)
    found = _by_key(charts.meeting_charts(stats))
    assert list(found) == ["delegations", "categories", "gender", "funding"]
    # Each bar: the table's (participants, arrived) of the same row.
    assert _values(found["delegations"]) == [
        (row.label, (row.figures.participants, row.figures.attended)) for row in stats.by_delegation
    ]
    assert _values(found["delegations"]) == [
        ("Georgia", (2, 1)),
        ("Hungary", (1, 0)),
        ("Republic of Moldova", (2, 2)),
        ("International Organization for Migration", (1, 1)),
    ]
    assert _values(found["categories"]) == [
        (row.label, (row.figures.participants, row.figures.attended)) for row in stats.by_category
    ]
    assert stats.by_gender is not None
    assert _values(found["gender"])[0] == ("Female", (3, 3))
    # Travel support: all, then each delegation with a seat granted; granted and used.
    assert _values(found["funding"]) == [
        ("All", (2, 2)),
        ("Georgia", (1, 1)),
        ("Republic of Moldova", (1, 1)),
    ]
    assert (stats.total.funded, stats.total.funded_attended) == (2, 2)


def test_attendance_by_day_chart_counts_the_recorded_days(scene: Scene) -> None:  # noqa: F811
    from meetings.models import AttendanceDay

    day = scene.meeting.starts_at.astimezone(scene.meeting.zone).date()
    AttendanceDay.objects.create(nomination=scene.people["nino"], day=day, mode="in_person")
    AttendanceDay.objects.create(nomination=scene.people["ion"], day=day, mode="in_person")
    AttendanceDay.objects.create(nomination=scene.people["olga"], day=day, mode="online")
    stats = reports.statistics(scene.meeting)
    assert [(d.day, d.in_person, d.online) for d in stats.by_day] == [(day, 2, 1)]
    assert (stats.days_in_person, stats.days_online) == (2, 1)
    days = _by_key(charts.meeting_charts(stats))["days"]
    assert [bar.values for bar in days.bars] == [(2, 1)]
    assert "of 6 approved" in days.description


def test_chart_svg_is_valid_xml_named_and_described() -> None:
    chart = BarChart(
        key="c",
        title="Participants <by> state",
        description="Georgia: 3 approved",
        series=("approved", "arrived"),
        bars=(Bar("Georgia & co", (3, 2)), Bar("Moldova", (0, 0))),
    )
    root = _svg(str(render_bar_chart(chart)))
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "c-title c-desc"
    assert root.find(f"{SVG}title").text == "Participants <by> state"
    assert root.find(f"{SVG}desc").text == "Georgia: 3 approved"
    rects = root.findall(f".//{SVG}rect")
    # Two legend swatches, then the two bars of Georgia (a zero draws no bar).
    assert [r.get("fill") for r in rects] == [PALETTE[0], PALETTE[1], PALETTE[0], PALETTE[1]]
    assert float(rects[2].get("width")) > float(rects[3].get("width"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Georgia &amp; co" not in texts
    assert {"Georgia & co", "3", "2", "Moldova", "0"} <= set(texts)


def test_chart_in_arabic_grows_from_the_right() -> None:
    chart = BarChart("c", "t", "d", ("a",), (Bar("جورجيا", (5,)),))
    ltr = _svg(str(render_bar_chart(chart)))
    rtl = _svg(str(render_bar_chart(chart, right_to_left=True)))
    assert rtl.get("direction") == "rtl"
    bar_ltr, bar_rtl = ltr.find(f".//{SVG}rect"), rtl.find(f".//{SVG}rect")
    width = float(ltr.get("width"))
    # Mirrored: the bar starts where the label column ends, on the other side.
    assert float(bar_rtl.get("x")) + float(bar_rtl.get("width")) == pytest.approx(
        width - float(bar_ltr.get("x"))
    )


def test_statistics_page_has_each_chart_with_its_data_table(world: World, scene: Scene) -> None:  # noqa: F811
    client = client_for(world.person("secretariat_staff"))
    page = client.get(f"/meetings/{scene.meeting.pk}/statistics/").content.decode()
    for key in ("delegations", "categories", "gender", "funding"):
        assert f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="chart-{key}"' in page
        assert f'id="chart-{key}-data"' in page
    assert '<title id="chart-funding-title">Travel support: seats granted and used</title>' in page


def test_statistics_page_in_arabic_draws_right_to_left(world: World, scene: Scene) -> None:  # noqa: F811
    staff = world.person("secretariat_staff")
    staff.preferred_language = "ar"
    staff.save()
    page = client_for(staff).get(f"/meetings/{scene.meeting.pk}/statistics/").content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert 'direction="rtl"' in page


def test_statistics_pdf_carries_the_charts_as_text_and_vectors(world: World, scene: Scene) -> None:  # noqa: F811
    client = client_for(world.person("secretariat_staff"))
    content = client.get(f"/meetings/{scene.meeting.pk}/statistics.pdf").content
    text = flat(" ".join(page_texts(content)))
    for title in (
        "Participants by state or organisation",
        "Participants by category",
        "Gender balance of the participants",
        "Travel support: seats granted and used",
    ):
        assert title in text
    assert "1 nomination whose personal data is erased is counted with what was kept." in text
    # Vector graphics: the bars are paths in the page's content, not an embedded picture.
    assert b"/Subtype /Image" not in content
    assert b"/Subtype/Image" not in content


def test_dialogue_statistics_show_participation_over_the_years(world: World, scene: Scene) -> None:  # noqa: F811
    years = reports.participation_by_year(world.dialogue)
    assert [
        (y.year, y.meetings, y.figures.participants, y.figures.attended, y.states) for y in years
    ] == [(2027, 1, 6, 4, 3)]
    report = reports.dialogue_statistics(world.dialogue, 2027)
    found = _by_key(charts.dialogue_charts(report, years))
    assert _values(found["years"]) == [("2027", (6, 4, 3))]
    assert _values(found["meetings"]) == [("SOM Istanbul", (6, 4))]
    assert report.statistics.total.participants == 6
    client = client_for(world.person("secretariat_staff"))
    page = client.get("/dialogues/budapest-process/statistics/?year=2027").content.decode()
    assert 'id="chart-years"' in page
    assert 'id="chart-years-data"' in page
    text = flat(
        " ".join(
            page_texts(client.get("/dialogues/budapest-process/statistics.pdf?year=2027").content)
        )
    )
    assert "Participation over the years" in text


def test_public_list_maps_the_states_whose_delegations_are_listed(scene: Scene) -> None:  # noqa: F811
    page = client_for(None).get(f"/meetings/{scene.meeting.pk}/participants/").content.decode()
    start = page.index('<svg xmlns="http://www.w3.org/2000/svg" class="world-map"')
    root = _svg(page[start : page.index("</svg>", start) + 6])
    links = root.findall(f"{SVG}a")
    # States only (the organisation is in the list below), in the list's order.
    assert [a.get("data-code") for a in links] == ["GE", "HU", "MD"]
    assert links[0].get("aria-label") == "Georgia: delegation present"
    assert links[0].get("href") == "/dialogues/budapest-process/states/GE/"


def test_statistics_pdf_in_arabic_extracts_the_chart_words_as_written(
    world: World,
    scene: Scene,  # noqa: F811 - the fixture
) -> None:
    staff = world.person("secretariat_staff")
    staff.preferred_language = "ar"
    staff.save()
    content = client_for(staff).get(f"/meetings/{scene.meeting.pk}/statistics.pdf").content
    text = flat(" ".join(page_texts(content)))
    # Joined and in logical order: HTML text, not SVG text drawn a letter at a time.
    assert "المشاركون حسب الدولة أو المنظمة" in text
    assert "دعم السفر: المقاعد الممنوحة والمستخدمة" in text
