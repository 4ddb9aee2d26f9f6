"""Flow: an analyst preparing a briefing opens the statistics from the dashboard, reads a chart with
its numbers, narrows it to one type with the incident list's filters, downloads the CSV and prints
the page; then the same page on a phone.

Set SVIDOK_SCREENSHOT_DIR to keep screenshots of the pages for a look by eye.
"""

import csv
import datetime as dt
import io

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents.models import Place
from svidok.incidents.services import record_election, record_incident, submit_incident, verify_incident
from tests import factories
from tests.browser.conftest import phone_context, shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser

IMAGE_DRAWN = "img => img.complete && img.naturalWidth > 0"


@pytest.fixture
def world(vocabularies):
    documenter = make_user(Role.DOCUMENTER, "documenter")
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    make_user(Role.ANALYST, "analyst")
    crimea = Place.objects.create(code="UA01000000000013043", category="O", name_uk="Автономна Республіка Крим",
                                  name_latin="Avtonomna Respublika Krym")
    raion = Place.objects.create(code="UA01020000000022387", category="P", name_uk="Бахчисарайський",
                                 name_latin="Bakhchysaraiskyi", parent=crimea, region=crimea)
    record_election(actor=coordinator, fields={"name": "Presidential election 2018 in Crimea", "date": dt.date(2018, 3, 18)})
    school = factories.organization(documenter, name="School No. 5 of Bakhchysarai", kind="school")
    made = [
        ("Teachers told to vote or lose their posts", "threat_of_dismissal", dt.date(2018, 1, 15), raion),
        ("Teachers dismissed after the vote", "dismissal", dt.date(2018, 3, 20), raion),
        ("Second teacher dismissed after the vote", "dismissal", dt.date(2018, 3, 22), crimea),
        ("Home of an activist searched", "search", dt.date(2018, 3, 2), None),
    ]
    for title, type_code, day, place in made:
        incident = record_incident(actor=documenter, fields={
            "title": title, "type": factories.term("incident_type", type_code), "date_start": day, "place": place},
            involvements=[{"organization": school, "role": factories.term("involvement_role", "victim")}])
        submit_incident(actor=documenter, incident=incident)
        verify_incident(actor=coordinator, incident=incident)


def test_statistics_show_a_chart_with_its_table_filter_download_and_print(page, console_errors, world):
    sign_in(page, "analyst")
    page.get_by_role("link", name="Charts and statistics").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Statistics")
    expect(page.get_by_text("Counted over 4 incidents you may see")).to_be_visible()
    month = page.locator("section#by-month")
    expect(month.get_by_role("heading", level=2)).to_have_text("Incidents per month, by type")
    chart = month.get_by_role("img", name="Chart: Incidents per month, by type. Its numbers are in the table below.")
    expect(chart).to_be_visible()
    assert chart.evaluate(IMAGE_DRAWN)
    table = month.get_by_role("table")
    expect(table.locator("thead th")).to_have_text(["Month", "Dismissal", "Threat of dismissal", "Search", "All types"])
    expect(table.locator("tbody tr")).to_have_text([
        "January 2018 0 1 0 1", "February 2018 0 0 0 0", "March 2018 2 0 1 3"], use_inner_text=True)
    expect(month.get_by_text("Presidential election 2018 in Crimea")).to_be_visible()
    expect(page.locator("section#by-region").get_by_text("1 incident has no place.")).to_be_visible()
    expect(page.locator("section#by-victim-group tbody tr")).to_have_text(["School or university 4"], use_inner_text=True)
    for image in page.locator("section.chart img").all():
        image.scroll_into_view_if_needed()
        assert image.evaluate(IMAGE_DRAWN)
    shot(page, "statistics.png")

    # On a wide screen the filters stand open (on a phone they fold under a button).
    page.get_by_label("Type", exact=True).select_option(label="Dismissal")
    page.get_by_role("button", name="Filter").click()

    expect(page.get_by_text("Counted over 2 incidents you may see (filtered)")).to_be_visible()
    expect(page.locator("section#by-type tbody tr")).to_have_text(["Dismissal 2"], use_inner_text=True)
    with page.expect_download() as download:
        page.locator("section#by-raion").get_by_role("link", name="Download CSV").click()
    name = download.value.suggested_filename
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert name.startswith("Incidents by raion – ") and name.endswith(".csv")
    assert rows == [["Raion", "Incidents"], ["Bakhchysaraiskyi", "1"]]

    page.emulate_media(media="print")
    expect(page.locator("header.site")).to_be_hidden()
    expect(page.locator("details.filter-fold")).to_be_hidden()
    expect(page.locator("section#by-type table")).to_be_visible()
    assert console_errors == []


def test_statistics_fit_a_phone_in_ukrainian(browser, live_server, console_errors, world):
    context = phone_context(browser, live_server, locale="uk-UA")
    page = watch(context.new_page(), console_errors)
    sign_in_uk(page)

    page.goto("/reports/statistics/")

    expect(page.get_by_role("heading", level=1)).to_have_text("Статистика")
    month = page.locator("section#by-month")
    expect(month.get_by_role("heading", level=2)).to_have_text("Інциденти за місяцями, за типом")
    assert month.get_by_role("img").evaluate(IMAGE_DRAWN)
    expect(month.locator("tbody tr").first).to_contain_text("січень 2018", ignore_case=True)
    expect(page.locator("section#by-status tbody tr")).to_have_text(["Підтверджено 4"], use_inner_text=True)
    # Nothing wider than the screen: a wide table scrolls inside its own box, the images shrink.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    box = month.get_by_role("img").bounding_box()
    assert box["width"] <= 375
    shot(page, "statistics-phone-uk.png")
    assert console_errors == []
    context.close()


def sign_in_uk(page):
    """The sign-in form in Ukrainian (the context's language): the labels are the page's own."""
    from tests.helpers import PASSWORD

    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill("analyst")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    expect(page.locator("input[name=password]")).to_have_count(0)
