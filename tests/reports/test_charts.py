"""Charts drawn from tables (svidok.reports.charts) and figures formatted per language; no database."""

import datetime as dt
import xml.etree.ElementTree as ET

from django.utils import translation

from svidok.reports import charts
from svidok.reports.statistics import Table
from svidok.reports.templatetags.reports_tags import figure

SVG = "{http://www.w3.org/2000/svg}"


def _bars():
    return Table(key="by-type", title="Incidents by type", columns=["Type", "Incidents"],
                 rows=[["Search <home>", 1234], ["Dismissal & threat", 2]])


def test_bar_chart_is_valid_svg_with_a_title_a_bar_per_row_and_grouped_numbers():
    root = ET.fromstring(charts.svg(_bars()))

    assert root.find(f"{SVG}title").text == "Incidents by type"
    bars = [rect for rect in root.iter(f"{SVG}rect") if rect.find(f"{SVG}title") is not None]
    assert [bar.find(f"{SVG}title").text for bar in bars] == ["Search <home>: 1,234", "Dismissal & threat: 2"]
    assert float(bars[0].get("width")) > float(bars[1].get("width")) > 0
    assert not [el for el in root.iter() if el.get("style") is not None]


def test_timeline_stacks_types_per_month_and_marks_election_days():
    table = Table(key="by-month", title="Incidents per month, by type", columns=["Month", "Search", "Dismissal", "All types"],
                  rows=[["January 2018", 1, 2, 3], ["February 2018", 0, 0, 0], ["March 2018", 4, 0, 4]], kind="timeline",
                  months=[dt.date(2018, 1, 1), dt.date(2018, 2, 1), dt.date(2018, 3, 1)],
                  marks=[(dt.date(2018, 3, 18), "Presidential election")])

    root = ET.fromstring(charts.svg(table))

    titles = [r.find(f"{SVG}title").text for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert titles == ["January 2018, Search: 1", "January 2018, Dismissal: 2", "March 2018, Search: 4"]
    marks = [line for line in root.iter(f"{SVG}line") if line.get("stroke") == charts.MARK]
    assert len(marks) == 1
    assert marks[0].find(f"{SVG}title").text == "Presidential election (03/18/2018)"
    assert [t.text for t in root.iter(f"{SVG}text")].count("03.2018") == 1


def test_empty_table_draws_what_is_missing():
    table = Table(key="by-raion", title="Incidents by raion", columns=["Raion", "Incidents"], rows=[],
                  empty="No incident has a place in a raion.")

    root = ET.fromstring(charts.svg(table))

    assert [t.text for t in root.iter(f"{SVG}text")] == ["Incidents by raion", "No incident has a place in a raion."]


def test_figures_are_grouped_per_language():
    with translation.override("uk"):
        ukrainian = figure(1234567), figure(6.5), figure("Крим")
    with translation.override("en"):
        english = figure(1234567), figure(6.5)

    assert ukrainian == ("1\xa0234\xa0567", "6,5", "Крим")
    assert english == ("1,234,567", "6.5")
