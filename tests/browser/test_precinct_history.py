"""Flow: an analyst opens the validation report of a vote, follows a precinct to its history across
the imported votes (a party-list vote, a presidential election, the 2020 ДА/НЕТ vote), downloads it
as CSV; the same page on a phone in Ukrainian.

Three small synthetic files, named as the CEC names Crimea's commissions in those years.
"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.forensics import services
from svidok.incidents.services import record_election
from tests.browser.conftest import PASSWORD, PHONE, phone_context, shot, sign_in, watch
from tests.forensics.conftest import CRIMEA, SYNTHETIC_HEADER, csv_text, synthetic_row
from tests.helpers import make_user

pytestmark = pytest.mark.browser

PARTY_HEADER = SYNTHETIC_HEADER[:-2] + ["1. Политическая партия «Альфа»", "2. Всероссийская политическая партия «Бета»"]
ANSWER_HEADER = SYNTHETIC_HEADER[:-2] + ["ДА", "НЕТ"]
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


def _import(actor, name, date, header, rows):
    election = record_election(actor=actor, fields={"name": name, "date": date})
    return services.import_results(actor=actor, election=election, name=f"{date.year}.csv",
                                   source=csv_text(rows, header=header).encode()).result_set


@pytest.fixture
def votes(vocabularies):
    lead = make_user(Role.COORDINATOR, "coordinator")
    make_user(Role.ANALYST, "analyst")
    _import(lead, "State Duma 2016", dt.date(2016, 9, 18), PARTY_HEADER, [
        synthetic_row(region=CRIMEA, tik="1 Алуштинская", uik="1", registered=1100, ivanov=300, petrov=340)])
    president = _import(lead, "Presidential election 2018", dt.date(2018, 3, 18), SYNTHETIC_HEADER, [
        synthetic_row(region=CRIMEA, tik="1 Алуштинская городская", uik="1", ivanov=600, petrov=40),
        synthetic_row(region=CRIMEA, tik="1 Алуштинская городская", uik="2", valid=630)])
    _import(lead, "Constitutional amendments vote 2020", dt.date(2020, 7, 1), ANSWER_HEADER, [
        synthetic_row(region=CRIMEA, tik="1 ТИК города Алушты", uik="УИК №1", registered=900, ivanov=600, petrov=40)])
    return president


def test_analyst_follows_a_precinct_across_votes(page, console_errors, votes, browser, live_server):
    sign_in(page, "analyst")

    page.goto(f"/forensics/results/{votes.uuid}/precincts/?all=1")
    page.get_by_role("link", name="1", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Precinct 1 · Autonomous Republic of Crimea")
    expect(page.get_by_text("Found in 2 of the 2 other imported votes")).to_be_visible()
    rows = page.locator("table.records tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("State Duma 2016")
    expect(rows.nth(0)).to_contain_text("59.09%")
    expect(rows.nth(1)).to_contain_text("this row")
    expect(rows.nth(2)).to_contain_text("commission written differently")
    expect(rows.nth(2)).to_contain_text("72.22%")
    shot(page, "precinct-history-desktop.png")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the history (CSV)").click()
    assert download.value.suggested_filename == "precinct-history.csv"
    assert console_errors == []

    context = phone_context(browser, live_server, locale="uk-UA")
    phone = watch(context.new_page(), console_errors)
    try:
        phone.goto("/accounts/login/")
        phone.locator("input[name=username]").fill("analyst")
        phone.locator("input[name=password]").fill(PASSWORD)
        phone.locator("form button[type=submit]").last.click()
        expect(phone.locator("input[name=password]")).to_have_count(0)
        phone.goto(page.url)
        expect(phone.get_by_role("heading", level=1)).to_have_text("Дільниця 1 · Автономна Республіка Крим")
        expect(phone.get_by_text("комісію записано інакше")).to_have_count(2)
        assert phone.evaluate(PAGE_WIDTH) <= PHONE["width"]
        shot(phone, "precinct-history-phone-uk.png")
    finally:
        context.close()
    assert console_errors == []
