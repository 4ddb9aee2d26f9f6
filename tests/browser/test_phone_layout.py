"""Flow: a monitor in the field opens the dashboard and an incident on a phone.

The pages must fit the screen's width (no sideways scrolling). Set SVIDOK_SCREENSHOT_DIR to keep
screenshots of both pages for a look by eye.
"""


import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents.services import add_involvement, link_source
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
HEADER_HEIGHT = "() => document.querySelector('header.site').getBoundingClientRect().height"


@pytest.fixture
def phone_page(browser, live_server, console_errors):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
    )
    context.set_default_timeout(TIMEOUT_MS)
    yield watch(context.new_page(), console_errors)
    context.close()


@pytest.fixture
def incident(vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    incident = factories.incident(
        coordinator, title="Crimean Tatar teachers dismissed for not taking part in the vote",
        narrative="Several teachers were told they would lose their posts unless they voted; after the vote they were dismissed.",
    )
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "perpetrator"),
                    person=factories.person(coordinator, name="Mikhail Malyshev"),
                    perpetrator_type=factories.term("perpetrator_type", "election_commission"),
                    details="Chair of the election commission of the Republic of Crimea")
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "victim"),
                    person=factories.person(coordinator, name="Ayshe Seitova", protected=True))
    source = factories.source(coordinator, title="Crimean Tatars dismissed for not voting, lawyer says",
                              publisher="QHA", url="https://example.org/news/2018/03/20/crimean-tatars-dismissed-for-not-voting")
    link_source(actor=coordinator, incident=incident, source=source)
    return incident


def test_dashboard_fits_phone_width(phone_page, console_errors, incident):
    sign_in(phone_page, "coordinator")

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Dashboard")

    shot(phone_page, "dashboard-phone.png")
    assert phone_page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    # Name, menu button and search box: at most an eighth of the screen before any content.
    assert phone_page.evaluate(HEADER_HEIGHT) <= PHONE["height"] / 8
    assert console_errors == []


def test_incident_page_fits_phone_width(phone_page, console_errors, incident):
    sign_in(phone_page, "coordinator")

    phone_page.goto(f"/incidents/{incident.reference}/")

    expect(phone_page.get_by_role("heading", level=1)).to_have_text(incident.title)
    shot(phone_page, "incident-phone.png", full_page=False)
    assert phone_page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    assert console_errors == []


def test_phone_menu_opens_without_javascript(phone_page, console_errors, incident):
    sign_in(phone_page, "coordinator")

    phone_page.get_by_text("Menu").click()
    expect(phone_page.get_by_role("navigation").get_by_role("link", name="Interventions")).to_be_visible()
    shot(phone_page, "phone-menu.png", full_page=False)
    phone_page.get_by_role("navigation").get_by_role("link", name="Interventions").click()

    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Interventions")
    assert console_errors == []


@pytest.mark.parametrize("path", ["/incidents/", "/incidents/new/", "/incidents/review/", "/search/?q=Malyshev", "/people/persons/",
                                  "/people/persons/new/", "/incidents/interventions/new/", "/incidents/interventions/",
                                  "/incidents/export/", "/incidents/vocabularies/", "/incidents/vocabularies/incident_type/"])
def test_working_pages_fit_phone_width(phone_page, console_errors, incident, path):
    sign_in(phone_page, "coordinator")

    response = phone_page.goto(path)

    assert response.status == 200
    expect(phone_page.get_by_role("heading", level=1)).to_be_visible()
    assert phone_page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    assert console_errors == []


# -- every main page at 390 x 844 (issue 13, item 8) --------------------------------------------------

# What passes the screen's right edge: the document's own overflow, and every visible element whose
# right edge passes the viewport, unless a box that clips or scrolls it (overflow other than visible)
# keeps it inside the screen. Returns short descriptions (tag, class, text) of the first offenders.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  if (document.documentElement.scrollWidth > width) found.push(`document ${document.documentElement.scrollWidth} > ${width}`);
  const clipped = el => {
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX !== 'visible' || style.clip !== 'auto') {
        if (up.getBoundingClientRect().right <= width + 0.5) return true;
      }
    }
    return false;
  };
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0 || box.right <= width + 0.5) continue;
    // checkVisibility: not rendered (display: none, inside a closed <details>, visibility: hidden)
    if (!el.checkVisibility({contentVisibilityAuto: true, visibilityProperty: true}) || clipped(el)) continue;
    found.push(`${el.tagName.toLowerCase()}.${el.className} right ${Math.round(box.right)}: ${(el.textContent || '').trim().slice(0, 40)}`);
    if (found.length >= 5) break;
  }
  return found;
}"""

# On a phone a table row is a card of labels (the cell's data-label, drawn before it) and values: a
# value that starts left of its label's column runs into the label. Returns the offending cells.
LABELS_OVERLAP = """() => [...document.querySelectorAll('table.records td[data-label]')].filter(td => {
  const before = getComputedStyle(td, '::before');
  if (before.content === 'none' || getComputedStyle(td).display !== 'grid') return false;
  const columns = getComputedStyle(td).gridTemplateColumns.split(' ').map(parseFloat);
  const range = document.createRange();
  range.selectNodeContents(td);
  const text = range.getBoundingClientRect();
  const box = td.getBoundingClientRect();
  return text.width > 0 && (text.left < box.left + columns[0] || text.right > box.right + 0.5);
}).map(td => `${td.dataset.label}: ${td.textContent.trim().slice(0, 30)}`)"""


@pytest.fixture
def main_pages(incident):
    """Records behind every main page: the incident above, an election on the Autonomous Republic of
    Crimea with the Crimean and Sevastopol precincts of 2018, a place, a proposal list, news."""
    import datetime as dt
    import zipfile

    from svidok.forensics import services as forensics
    from svidok.incidents.models import Place
    from svidok.incidents.services import record_election
    from tests.forensics.conftest import CRIMEA, FILE_2018, SEVASTOPOL

    coordinator = incident.created_by
    arc = Place.objects.create(code="UA01000000000013043", category="O", name_uk="Автономна Республіка Крим",
                               name_latin="Avtonomna Respublika Krym")
    election = record_election(actor=coordinator, fields={"name": "Presidential election 2018", "date": dt.date(2018, 3, 18),
                                                          "territory": arc})
    with zipfile.ZipFile(FILE_2018) as archive:
        lines = archive.read("2018.csv").decode("utf-8").splitlines(keepends=True)
    kept = "".join([lines[0]] + [x for x in lines[1:] if x.startswith((CRIMEA + ",", SEVASTOPOL + ","))])
    rs = forensics.import_results(actor=coordinator, election=election, source=kept.encode("utf-8"),
                                  name="2018-crimea.csv", label="CEC protocols 2018").result_set
    source = incident.source_links.first().source
    person = incident.involvements.filter(person__isnull=False).first().person
    results = f"/forensics/results/{rs.uuid}"
    return {
        "dashboard": "/", "incident list": "/incidents/", "incident": f"/incidents/{incident.reference}/",
        "persons": "/people/persons/", "person": f"/people/persons/{person.uuid}/", "proposals": "/people/proposals/",
        "sources": "/incidents/sources/", "source": f"/incidents/sources/{source.uuid}/", "places": "/incidents/places/",
        "place": f"/incidents/places/{arc.code}/", "elections": "/incidents/elections/",
        "election": f"/incidents/elections/{election.uuid}/", "forensics": f"{results}/",
        "forensics region": f"{results}/?region={CRIMEA}", "validation report": f"{results}/precincts/?all=1",
        "claim": f"{results}/claim/?metric=turnout&comparator=le&value=30&region={CRIMEA}",
        "series": "/forensics/series/", "news review": "/news/", "search": "/search/?q=Malyshev",
        "statistics": "/reports/statistics/", "periodic reports": "/reports/periodic/",
    }


def test_main_pages_fit_a_phone_and_labels_keep_off_their_numbers(phone_page, console_errors, main_pages):
    sign_in(phone_page, "coordinator")
    overflowing, overlapping, statuses = {}, {}, {}

    for name, path in main_pages.items():
        response = phone_page.goto(path)
        statuses[name] = response.status
        expect(phone_page.get_by_role("heading", level=1)).to_be_visible()
        if phone_page.locator(".plot-slot").count():
            expect(phone_page.locator(".plot-slot")).to_have_count(0, timeout=3 * TIMEOUT_MS)  # the plots in place, as a reader sees them
        shot(phone_page, f"phone-{name.replace(' ', '-')}.png", full_page=False)
        if found := phone_page.evaluate(OVERFLOW):
            overflowing[name] = found
        if found := phone_page.evaluate(LABELS_OVERLAP):
            overlapping[name] = found

    assert statuses == dict.fromkeys(main_pages, 200)
    assert overflowing == {}
    assert overlapping == {}
    assert console_errors == []


@pytest.mark.parametrize("path", ["/incidents/", "/news/"])
def test_list_filters_are_folded_behind_a_button_on_a_phone(phone_page, console_errors, incident, path):
    sign_in(phone_page, "coordinator")
    phone_page.goto(path)
    filters = phone_page.locator("details.filter-fold form")

    expect(filters).to_be_hidden()
    phone_page.get_by_text("Filters", exact=True).click()

    expect(filters).to_be_visible()
    assert console_errors == []
