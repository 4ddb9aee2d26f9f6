"""Flow: an analyst opens the results of a file that carries its own totals and marked rows, reads the
checks (one total matches, one does not), the marks in words, and leaves the remote electronic voting
row out of the figures; the same page on a phone.

The file is synthetic, in the shape of the later Duma files (a ``level`` column, a row of remote
electronic voting, an empty station), imported through the service as a coordinator would.
"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.forensics import services
from svidok.incidents.services import record_election
from tests.browser.conftest import PHONE, TIMEOUT_MS, phone_context, shot, sign_in, watch
from tests.forensics.conftest import SYNTHETIC_HEADER, csv_text, synthetic_row
from tests.helpers import make_user

pytestmark = pytest.mark.browser

ELECTRONIC = "Дистанционное электронное голосование"
EMPTY = dict(registered=0, issued_station=0, issued_outside=0, portable_box=0, stationary_box=0, invalid=0, valid=0,
             ivanov=0, petrov=0)
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


def duma_like_file() -> bytes:
    """The CEC's row matches the file (7,000 voters, 3,300 ballots); the territorial commission's says
    2,500 registered where its three precincts hold 2,000."""
    rows = [
        ["ЦИК России", *synthetic_row(region="", tik="", uik="", registered=7000, issued_station=3250, valid=3280,
                                      ivanov=1800, petrov=1480)],
        ["ТИК", *synthetic_row(uik="", registered=2500, issued_station=1250, valid=1280, ivanov=800, petrov=480)],
        ["УИК", *synthetic_row(uik="1")],
        ["УИК", *synthetic_row(uik="2")],
        ["УИК", *synthetic_row(tik=ELECTRONIC, uik=ELECTRONIC, registered=5000, issued_station=2000, issued_outside=0,
                               portable_box=0, stationary_box=2000, invalid=0, valid=2000, ivanov=1000, petrov=1000)],
        ["УИК", *synthetic_row(uik="3", **EMPTY)],
    ]
    return csv_text(rows, header=["level", *SYNTHETIC_HEADER]).encode("utf-8")


@pytest.fixture
def result_set(vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    make_user(Role.ANALYST, "analyst")
    election = record_election(actor=coordinator, fields={"name": "Duma election 2021", "date": dt.date(2021, 9, 19)})
    return services.import_results(actor=coordinator, election=election, source=duma_like_file(), name="duma.csv",
                                   label="Duma-like synthetic file").result_set


def plots_drawn(page) -> None:
    """Wait until the plots that come after the numbers are in: a test that ends before would leave the
    server drawing them while the test database is emptied."""
    expect(page.locator(".plot-slot")).to_have_count(0, timeout=3 * TIMEOUT_MS)


def test_analyst_reads_the_checks_and_leaves_electronic_voting_out(page, console_errors, result_set):
    sign_in(page, "analyst")

    page.goto(f"/forensics/results/{result_set.uuid}/")
    checks = page.locator("section.forensics-checks")
    expect(checks).to_contain_text("The platform holds 4 precincts of this file, with 7,000 registered voters.")
    rows = checks.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("matches")
    expect(rows.nth(1)).to_contain_text(
        "does not match registered voters: 2,500 in the file's row, 2,000 in the sum of its precincts")
    expect(checks.get_by_role("link", name="1 row of remote electronic voting")).to_be_visible()
    expect(checks).to_contain_text("1 station that issued no ballot (line 7)")
    facts = page.locator(".forensics-block dl.facts")
    expect(facts.locator("dd").nth(1)).to_have_text("7,000")
    shot(page, "checks-desktop.png")
    plots_drawn(page)

    page.get_by_label("Leave out the 1 row of remote electronic voting").check()
    page.get_by_role("button", name="Show").click()

    expect(facts.locator("dd").nth(1)).to_have_text("2,000")
    expect(page.locator(".forensics-block")).to_contain_text(
        "Counted: the polling stations only. 1 row of remote electronic voting (5,000 registered voters) is left out")
    expect(page.get_by_label("Leave out the 1 row of remote electronic voting")).to_be_checked()
    shot(page, "checks-without-electronic-desktop.png")
    plots_drawn(page)

    page.get_by_role("link", name="1 row of remote electronic voting").click()
    expect(page.locator("table.records tbody tr")).to_have_count(1)
    expect(page.locator("table.records tbody tr")).to_contain_text("remote electronic voting, not a polling station")
    assert console_errors == []


def test_the_checks_fit_a_phone_screen(browser, live_server, console_errors, result_set):
    context = phone_context(browser, live_server)
    page = watch(context.new_page(), console_errors)
    sign_in(page, "analyst")

    page.goto(f"/forensics/results/{result_set.uuid}/")
    expect(page.locator("section.forensics-checks")).to_contain_text("does not match registered voters")
    shot(page, "checks-phone.png")
    width = page.evaluate(PAGE_WIDTH)
    plots_drawn(page)
    context.close()

    assert width == PHONE["width"]
    assert console_errors == []
