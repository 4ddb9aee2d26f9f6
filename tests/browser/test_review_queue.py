"""Flow: a coordinator finds a submitted incident in the review queue and verifies it on the
incident's page (the queue takes no decision: docs/decisions.md, four eyes)."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents.models import Incident
from svidok.incidents.services import submit_incident
from tests import factories
from tests.browser.conftest import shot, sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.browser


def test_coordinator_opens_a_submitted_incident_from_the_queue_and_verifies_it(page, console_errors, vocabularies):
    documenter = make_user(Role.DOCUMENTER, "documenter")
    make_user(Role.COORDINATOR, "coordinator")
    incident = factories.incident(documenter, title="Teachers dismissed for not voting")
    submit_incident(actor=documenter, incident=incident)
    sign_in(page, "coordinator")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    item = page.get_by_role("article", name="SV-2018-000001 · Teachers dismissed for not voting")
    expect(item.get_by_role("link", name="Open to review")).to_be_visible()
    shot(page, "review-queue.png", full_page=False)
    item.get_by_role("link", name="Open to review").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Teachers dismissed for not voting")
    review = page.get_by_role("region", name="Review")
    review.get_by_role("textbox", name="Note (optional)").fill("Confirmed by the lawyer")
    review.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("status")).to_have_text("Incident SV-2018-000001 verified.")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    expect(page.get_by_text("Nothing waits for review.")).to_be_visible()
    incident = Incident.objects.get()
    assert (incident.status, incident.status_reason) == ("verified", "Confirmed by the lawyer")
    assert console_errors == []


def test_documenter_has_no_review_link(page, console_errors, vocabularies):
    make_user(Role.DOCUMENTER, "documenter")
    sign_in(page, "documenter")

    navigation = page.get_by_role("navigation", name="Main")

    expect(navigation.get_by_role("link", name="Incidents")).to_be_visible()
    expect(navigation.get_by_role("link", name="Review")).to_have_count(0)
    assert console_errors == []
