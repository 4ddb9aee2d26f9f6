"""Flow: a coordinator records and submits an incident, cannot verify it and reads why; a second
coordinator opens it from the review queue and verifies it on the incident's page (four eyes)."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents.models import Incident
from svidok.incidents.services import submit_incident
from tests import factories
from tests.browser.conftest import shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser

WHY = "You recorded this incident, so another coordinator verifies it: a second pair of eyes checks every verified incident."


@pytest.fixture
def second_page(browser, live_server, console_errors):
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield watch(context.new_page(), console_errors)
    context.close()


def test_author_cannot_verify_and_a_second_coordinator_does_from_the_incident_page(page, second_page, console_errors, vocabularies):
    author = make_user(Role.COORDINATOR, "coordinator")
    make_user(Role.COORDINATOR, "coordinator2")
    incident = factories.incident(author, title="Doctors told to vote or lose their posts", sensitivity="internal")
    submit_incident(actor=author, incident=incident)

    sign_in(page, "coordinator")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Review").click()
    queued = page.get_by_role("article", name=f"{incident.reference} · Doctors told to vote or lose their posts")
    expect(queued).to_contain_text("You recorded it: another coordinator verifies it.")
    # The queue takes no decision: it has no Verify button, only the way to the incident.
    expect(page.get_by_role("button", name="Verify")).to_have_count(0)
    queued.get_by_role("link", name="Open to review").click()
    review = page.get_by_role("region", name="Review")
    verify = review.get_by_role("button", name="Verify")
    expect(verify).to_be_disabled()
    expect(verify).to_have_accessible_description(WHY)
    shot(page, "four-eyes-author.png")

    sign_in(second_page, "coordinator2")
    second_page.goto("/incidents/review/")
    second_page.get_by_role("link", name="Open to review").click()
    expect(second_page.get_by_role("heading", level=1)).to_contain_text("Doctors told to vote or lose their posts")
    second_page.get_by_role("region", name="Review").get_by_role("textbox", name="Note (optional)").fill("Two sources agree.")
    second_page.get_by_role("region", name="Review").get_by_role("button", name="Verify").click()
    expect(second_page.get_by_role("status")).to_have_text(f"Incident {incident.reference} verified.")
    shot(second_page, "four-eyes-second-coordinator.png")

    assert Incident.objects.get().status == "verified"
    assert console_errors == []
