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
                                  "/people/persons/new/", "/incidents/interventions/new/", "/incidents/interventions/"])
def test_working_pages_fit_phone_width(phone_page, console_errors, incident, path):
    sign_in(phone_page, "coordinator")

    response = phone_page.goto(path)

    assert response.status == 200
    expect(phone_page.get_by_role("heading", level=1)).to_be_visible()
    assert phone_page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    assert console_errors == []
