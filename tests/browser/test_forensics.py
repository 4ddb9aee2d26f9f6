"""Flow: an analyst goes from the election page to its precinct results, looks at Crimea's figures and
plots, and tests the Mejlis' 30% claim; the same pages on a phone.

The results are the Crimean and Sevastopol rows of the shipped 2018 file (the official Crimean
figures hold for them), imported through the service as a coordinator would.
"""

import datetime as dt
import zipfile

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.forensics import services
from svidok.incidents.services import record_election
from tests.browser.conftest import TIMEOUT_MS, shot, sign_in, watch
from tests.forensics.conftest import CRIMEA, FILE_2018, SEVASTOPOL
from tests.helpers import make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LABEL = "CEC protocols 2018, Crimea and Sevastopol"
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
LOADED = "img => img.complete && img.naturalWidth > 0"


def crimea_and_sevastopol() -> bytes:
    with zipfile.ZipFile(FILE_2018) as archive:
        lines = archive.read("2018.csv").decode("utf-8").splitlines(keepends=True)
    return "".join([lines[0]] + [x for x in lines[1:] if x.startswith((CRIMEA + ",", SEVASTOPOL + ","))]).encode("utf-8")


@pytest.fixture
def results(vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    make_user(Role.ANALYST, "analyst")
    election = record_election(actor=coordinator, fields={"name": "Presidential election 2018", "date": dt.date(2018, 3, 18)})
    rs = services.import_results(actor=coordinator, election=election, source=crimea_and_sevastopol(),
                                 name="2018-crimea.csv", label=LABEL).result_set
    return election, rs


def wait_for_plots(page) -> list[int]:
    """Wait until every plot has come in after the numbers (htmx swaps each placeholder for its image),
    scroll each into view, wait until it is drawn, return the natural widths."""
    expect(page.locator(".plot-slot")).to_have_count(0, timeout=TIMEOUT_MS)
    images = page.locator(".plots img")
    for i in range(images.count()):
        image = images.nth(i)
        image.scroll_into_view_if_needed()
        page.wait_for_function(LOADED, arg=image.element_handle())
    return page.evaluate("() => [...document.querySelectorAll('.plots img')].map(img => img.naturalWidth)")


def test_analyst_reads_crimea_results_and_tests_the_mejlis_claim(page, console_errors, results):
    election, _rs = results
    sign_in(page, "analyst")

    page.goto(f"/incidents/elections/{election.uuid}/")
    section = page.locator("section").filter(has=page.get_by_role("heading", name="Precinct results", exact=True))
    section.get_by_role("link", name=LABEL).click()
    # No territory on the election: the page opens on the occupied regions of the file, named in English.
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Precinct results · Autonomous Republic of Crimea, Sevastopol")
    page.get_by_label("Region").select_option(CRIMEA)
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Precinct results · Autonomous Republic of Crimea")
    facts = page.locator(".forensics-block dl.facts")
    expect(facts.locator("dd").nth(1)).to_have_text("1,508,701")
    expect(facts.locator("dd").nth(3)).to_have_text("71.55%")
    widths = wait_for_plots(page)
    assert len(widths) == 5
    assert all(width > 0 for width in widths), widths
    page.get_by_role("heading", level=1).scroll_into_view_if_needed()
    shot(page, "forensics-results.png", full_page=False)

    page.get_by_role("link", name="Test a claim").click()
    expect(page.get_by_label("Region")).to_have_value(CRIMEA)
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_label("Claimed value (%)").fill("30")
    page.get_by_role("button", name="Test").click()

    expect(page.locator("section.card")).to_contain_text(
        "at least 626,921 of the issued ballots — 58.07% — would be fictitious")
    expect(page.get_by_text("58.07%", exact=True)).to_be_visible()
    shot(page, "forensics-claim.png", full_page=False)
    assert console_errors == []


@pytest.fixture
def phone_page(browser, live_server, console_errors):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield watch(context.new_page(), console_errors)
    context.close()


def test_results_and_claim_fit_a_phone_screen(phone_page, console_errors, results):
    page = phone_page
    _election, rs = results
    sign_in(page, "analyst")

    page.goto(f"/forensics/results/{rs.uuid}/?region={CRIMEA}")
    widths = wait_for_plots(page)
    rights = page.evaluate("() => [...document.querySelectorAll('.plots img')].map(img => img.getBoundingClientRect().right)")
    results_width = page.evaluate(PAGE_WIDTH)
    # The weighted variants of the integer test are a wide table behind a <details>: open, it must not widen the page.
    page.evaluate("() => document.querySelectorAll('main details').forEach(d => { d.open = true; })")
    opened_width = page.evaluate(PAGE_WIDTH)
    page.goto(f"/forensics/results/{rs.uuid}/claim/?metric=turnout&comparator=le&value=30&region={CRIMEA}")
    expect(page.locator("section.card")).to_contain_text("58.07%")
    claim_width = page.evaluate(PAGE_WIDTH)

    assert all(width > 0 for width in widths), widths
    assert max(rights) <= PHONE["width"], rights
    assert {"results": results_width, "details open": opened_width, "claim": claim_width} == {
        "results": PHONE["width"], "details open": PHONE["width"], "claim": PHONE["width"]}
    assert console_errors == []


@pytest.fixture
def crimean_election_results(results):
    """The results' election placed on the Autonomous Republic of Crimea, as the demo's is."""
    from svidok.incidents.models import Place

    election, rs = results
    election.territory = Place.objects.create(code="UA01000000000013043", category="O", name_uk="Автономна Республіка Крим",
                                              name_latin="Avtonomna Respublika Krym")
    election.save(update_fields=["territory"])
    return election, rs


def test_results_open_on_the_election_territory_numbers_before_plots(page, console_errors, crimean_election_results):
    election, rs = crimean_election_results
    sign_in(page, "analyst")

    page.goto(f"/incidents/elections/{election.uuid}/")
    expect(page.locator(".facts")).to_contain_text("Autonomous Republic of Crimea")  # the exonym, not "Avtonomna ..."
    page.get_by_role("link", name=LABEL).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Precinct results · Autonomous Republic of Crimea, Sevastopol")
    expect(page.locator(".forensics-block dl.facts dd").nth(0)).to_have_text("1,388")
    assert page.url.endswith(f"/forensics/results/{rs.uuid}/?place=UA01000000000013043")
    widths = wait_for_plots(page)
    assert len(widths) == 5 and all(w > 0 for w in widths), widths
    page.get_by_role("link", name="Show the whole file (1,388 precincts)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Precinct results")
    wait_for_plots(page)
    assert console_errors == []


def test_plots_without_javascript_are_links(browser, live_server, crimean_election_results):
    context = browser.new_context(base_url=live_server.url, locale="en-US", java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    _election, rs = crimean_election_results
    sign_in(page, "analyst")

    page.goto(f"/forensics/results/{rs.uuid}/")
    links = page.get_by_role("link", name="Open the plot")
    expect(links).to_have_count(5)
    response = page.request.get(links.first.get_attribute("href"))

    assert page.locator(".plots img").count() == 0
    assert (response.status, response.headers["content-type"]) == (200, "image/svg+xml")
    context.close()
