"""Flow: an analyst opens the series of votes in Crimea from an election's page, reads the official
turnout of 2016, 2018 and 2020 beside the Mejlis estimates, narrows it to Crimea without Sevastopol;
the same page on a phone, in English and Ukrainian.

The results are the Crimean and Sevastopol rows of the shipped 2016, 2018 and 2020 files, imported
through the service as a coordinator would; the estimates are the article's (the demo's).
"""

import datetime as dt
import zipfile
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.forensics import series, services
from svidok.incidents.models import Place
from svidok.incidents.services import record_election, record_election_figure
from tests.browser.conftest import PHONE, phone_context, shot, sign_in, watch
from tests.forensics.conftest import CRIMEA, ELECTIONS_DIR, SEVASTOPOL
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser

LOADED = "img => img.complete && img.naturalWidth > 0"
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
HEADING = {"en-US": "The series of votes · Crimea (without Sevastopol)", "uk-UA": "Серія голосувань · Крим (без Севастополя)"}


def territory_lines(year: str) -> bytes:
    """The header and the rows of Crimea and Sevastopol of a shipped file (the region is its first
    column, or its second in 2020, after the vote's name)."""
    with zipfile.ZipFile(ELECTIONS_DIR / f"{year}.csv.zip") as archive:
        lines = archive.read(f"{year}.csv").decode("utf-8").splitlines(keepends=True)
    ours = {CRIMEA, SEVASTOPOL}
    return "".join([lines[0]] + [x for x in lines[1:] if ours & set(x.split(",", 2)[:2])]).encode("utf-8")


@pytest.fixture
def votes(vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    make_user(Role.ANALYST, "analyst")
    arc = Place.objects.create(code=series.ARC_CODE, category="O", name_uk="Автономна Республіка Крим",
                               name_latin="Avtonomna Respublika Krym")
    elections = {}
    for year, name, name_uk, day in (
        ("2016", "State Duma 2016", "Держдума 2016", dt.date(2016, 9, 18)),
        ("2018", "Presidential 2018", "Президент РФ 2018", dt.date(2018, 3, 18)),
        ("2020", "Amendments vote 2020", "Голосування щодо поправок 2020", dt.date(2020, 7, 1)),
    ):
        election = record_election(actor=coordinator, fields={"name": name, "name_uk": name_uk, "date": day,
                                                               "territory": arc})
        services.import_results(actor=coordinator, election=election, source=territory_lines(year),
                                name=f"{year}-crimea.csv", label=f"CEC {year}, Crimea and Sevastopol")
        elections[year] = election
    for value, group in (("30", ""), ("10", "Crimean Tatars")):
        record_election_figure(actor=coordinator, election=elections["2018"], fields={
            "metric": "turnout", "comparator": "le", "value": Decimal(value), "official": False, "territory": arc,
            "territory_text": "Crimea as a whole", "population_group": group,
            "claimed_by": "Mejlis of the Crimean Tatar People"})
    return elections


def wait_for_plot(page) -> int:
    image = page.locator(".series-plot img")
    image.scroll_into_view_if_needed()
    page.wait_for_function(LOADED, arg=image.element_handle())
    return page.evaluate("() => document.querySelector('.series-plot img').naturalWidth")


def test_analyst_reads_the_series_beside_the_estimates(page, console_errors, votes):
    sign_in(page, "analyst")

    page.goto(f"/incidents/elections/{votes['2018'].uuid}/")
    page.get_by_role("link", name="Every vote in Crimea and Sevastopol side by side, with the independent estimates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The series of votes · Crimea and Sevastopol")
    rows = page.locator("table.series tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0).locator("td").nth(5)).to_have_text("48.78%")
    expect(rows.nth(1).locator("td").nth(5)).to_have_text("71.53%")
    expect(rows.nth(2).locator("td").nth(5)).to_have_text("79.00%")
    expect(rows.nth(2).locator("td").nth(6)).to_have_text("ДА (answer with most votes): 89.26%")
    assert wait_for_plot(page) > 0
    shot(page, "series-desktop-both.png")

    page.get_by_role("link", name="Crimea (without Sevastopol)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The series of votes · Crimea (without Sevastopol)")
    expect(rows.nth(1).locator("td").nth(3)).to_have_text("1,508,701")
    expect(rows.nth(1).locator("td").nth(5)).to_have_text("71.55%")
    expect(rows.nth(1)).to_contain_text("-41.55 points from the official 71.55% of the protocols")
    expect(rows.nth(1)).to_contain_text("-61.55 points from the official 71.55% of the protocols")
    assert wait_for_plot(page) > 0
    shot(page, "series-desktop-crimea.png")
    assert console_errors == []


@pytest.mark.parametrize("locale", ["en-US", "uk-UA"])
def test_series_fits_a_phone_screen(browser, live_server, console_errors, votes, locale):
    context = phone_context(browser, live_server, locale=locale)
    page = watch(context.new_page(), console_errors)
    page.goto("/accounts/login/")  # by the fields' names: the labels are in the page's language
    page.locator("input[name=username]").fill("analyst")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("input[name=password]")).to_have_count(0)

    page.goto("/forensics/series/?territory=crimea")
    expect(page.get_by_role("heading", level=1)).to_have_text(HEADING[locale])
    width = wait_for_plot(page)
    right = page.evaluate("() => document.querySelector('.series-plot img').getBoundingClientRect().right")
    page_width = page.evaluate(PAGE_WIDTH)
    shot(page, f"series-phone-{locale}.png")
    context.close()

    assert width > 0
    assert right <= PHONE["width"]
    assert page_width == PHONE["width"]
    assert console_errors == []
