"""Flow: a coordinator publishes a verified public incident from its page, a visitor who has not
signed in downloads the open data and finds it there with the protected victim withheld; the
coordinator withdraws it with a reason and it is gone from the files (issue 14, item 4)."""

import json

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents.models import Incident
from svidok.incidents.services import add_involvement, submit_incident, verify_incident
from tests import factories
from tests.browser.conftest import sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.browser

NAME = "Ірина Коваленко"
TYPED = "Iryna Kovalenko"


@pytest.fixture
def incident(vocabularies):
    lead = make_user(Role.COORDINATOR, "coordinator")
    reviewer = make_user(Role.COORDINATOR, "coordinator2")
    victim = factories.person(lead, name=NAME, protected=True)
    made = factories.incident(lead, title="Teacher dismissed before the vote", sensitivity="public",
                              narrative=f"The director told {TYPED} to vote or leave.")
    add_involvement(actor=lead, incident=made, role=factories.term("involvement_role", "victim"), person=victim)
    submit_incident(actor=lead, incident=made)
    return verify_incident(actor=reviewer, incident=made)


def open_data(browser, live_server, console_errors) -> dict:
    """The JSON file as a visitor gets it: a fresh browser context, no session."""
    visitor = browser.new_context(base_url=live_server.url, locale="en-US")
    try:
        answer = visitor.request.get("/public/data/incidents.json")
        assert (answer.status, answer.headers["content-type"]) == (200, "application/json; charset=utf-8")
        return json.loads(answer.body())
    finally:
        visitor.close()


def test_publish_from_the_page_then_withdraw(page, console_errors, incident, browser, live_server):
    sign_in(page, "coordinator")
    page.goto(f"/incidents/{incident.reference}/")
    section = page.get_by_role("region", name="Public site")
    expect(section).to_contain_text("Not on the public site.")
    assert open_data(browser, live_server, console_errors)["incidents"] == []

    section.get_by_role("button", name="Publish on the public site").click()

    expect(page.get_by_role("status")).to_have_text(f"Incident {incident.reference} is on the public site.")
    expect(page.get_by_role("region", name="Public site")).to_contain_text("On the public site since")
    [shown] = open_data(browser, live_server, console_errors)["incidents"]
    assert (shown["reference"], shown["narrative"], shown["involvements"][0]["name"]) == (
        incident.reference, "The director told [protected name] to vote or leave.", "a protected person")

    section = page.get_by_role("region", name="Public site")
    section.get_by_label("Why it is withdrawn").fill("The victim asked us to")
    section.get_by_role("button", name="Withdraw from the public site").click()

    expect(page.get_by_role("status")).to_have_text(f"Incident {incident.reference} was withdrawn from the public site.")
    expect(page.get_by_role("region", name="Public site")).to_contain_text("Not on the public site.")
    assert Incident.objects.get(pk=incident.pk).published_at is None
    assert open_data(browser, live_server, console_errors)["incidents"] == []
    history = page.locator("section").filter(has=page.get_by_role("heading", name="Change history"))
    expect(history).to_contain_text("withdrawn from the public site")
    expect(history).to_contain_text("The victim asked us to")
    assert console_errors == []
