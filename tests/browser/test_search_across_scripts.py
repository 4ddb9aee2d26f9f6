"""Flow: a viewer finds an incident by typing in Cyrillic a perpetrator's name that was entered in Latin."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents.services import add_involvement, submit_incident, verify_incident
from tests import factories
from tests.browser.conftest import shot, sign_in
from tests.helpers import make_user, second_lead

pytestmark = pytest.mark.browser


def results_section(page, heading: str):
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading, exact=True))


@pytest.fixture
def verified_incident(vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    incident = factories.incident(coordinator, title="Teachers dismissed for not voting", sensitivity="public")
    perpetrator = factories.person(coordinator, name="Mikhail Malyshev")
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "perpetrator"), person=perpetrator)
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=incident)
    return incident


def test_viewer_finds_incident_by_perpetrator_name_in_cyrillic(page, console_errors, verified_incident):
    make_user(Role.VIEWER, "viewer")
    sign_in(page, "viewer")

    page.get_by_role("searchbox", name="Search all records").fill("Малышев")
    page.get_by_role("searchbox", name="Search all records").press("Enter")

    incidents = results_section(page, "Incidents")
    expect(incidents.get_by_role("link")).to_have_text(["SV-2018-000001 · Teachers dismissed for not voting"])
    expect(results_section(page, "Persons").get_by_role("link")).to_have_text(["Mikhail Malyshev"])
    shot(page, "search-any-spelling.png", full_page=False)
    incidents.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Teachers dismissed for not voting")
    expect(page.get_by_role("row", name="Mikhail Malyshev")).to_contain_text("Perpetrator")
    assert console_errors == []


def test_viewer_search_for_other_name_finds_no_incident(page, console_errors, verified_incident):
    make_user(Role.VIEWER, "viewer")
    sign_in(page, "viewer")

    page.get_by_role("searchbox", name="Search all records").fill("Петренко")
    page.get_by_role("searchbox", name="Search all records").press("Enter")

    expect(results_section(page, "Incidents").get_by_role("link")).to_have_count(0)
    expect(page.get_by_text("No incidents found.")).to_be_visible()
    assert console_errors == []
