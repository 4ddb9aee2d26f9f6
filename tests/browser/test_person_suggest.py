"""Flow: a documenter types the name of a person already recorded (in another script, inflected) and is
shown the existing record before a new one is made: on the incident form they use it; on the
new-person form they confirm a new person anyway."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents.models import Incident
from svidok.names import matching
from svidok.people.models import Person
from tests import factories
from tests.browser.conftest import sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.browser

CHAIR = "Mikhail Grigorievich MALYSHEV"


@pytest.fixture
def chair(vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    person = factories.person(coordinator, name=CHAIR, names=[{"name": "Михаил Григорьевич МАЛЫШЕВ", "lang": "ru"}])
    yield person
    matching.CACHE.clear()


def test_documenter_uses_the_existing_person_in_an_incident_row(page, console_errors, chair):
    make_user(Role.DOCUMENTER, "documenter")
    sign_in(page, "documenter")

    page.get_by_role("link", name="New incident").click()
    page.get_by_role("textbox", name="Title", exact=True).fill("Teachers ordered to vote")
    page.get_by_role("combobox", name="Type", exact=True).select_option(label="Dismissal")
    page.get_by_role("textbox", name="Date", exact=True).fill("2018-03-20")
    row = page.get_by_role("group", name="Involvement 1")
    row.get_by_role("textbox", name="Name", exact=True).press_sequentially("Михаила Малышева")
    candidates = row.locator(".suggestions")
    expect(candidates.get_by_role("link", name=CHAIR)).to_be_visible()
    expect(candidates).to_contain_text("score 1.00")
    candidates.get_by_role("button", name="Use this person").click()

    expect(candidates).to_contain_text(f"Existing person picked: {CHAIR}.")
    # The name in the text field, never the id (docs/wording.md); the id rides along hidden.
    expect(row.get_by_role("textbox", name="Existing person or organization")).to_have_value(CHAIR)
    expect(row.locator("input[type=hidden][name$=picked]")).to_have_value(str(chair.uuid))
    expect(row.get_by_role("textbox", name="Name", exact=True)).to_have_value("")
    assert Incident.objects.count() == 0  # picking saves nothing
    row.get_by_role("combobox", name="Role", exact=True).select_option(label="Perpetrator")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Incident SV-2018-000001 recorded as a draft.")
    assert Incident.objects.get().involvements.get().person == chair
    assert Person.objects.count() == 1
    assert console_errors == []


def test_documenter_confirms_a_new_person_with_a_similar_name(page, console_errors, chair):
    make_user(Role.DOCUMENTER, "documenter")
    sign_in(page, "documenter")

    page.goto("/people/persons/new/")
    page.get_by_role("textbox", name="Name").press_sequentially("Михаил Малышев")
    expect(page.locator(".suggestions").get_by_role("link", name=CHAIR)).to_be_visible()
    page.get_by_role("button", name="Save").click()  # shown again: nothing recorded yet

    expect(page.get_by_role("alert").first).to_have_text("Nothing was saved. Correct the fields marked below.")
    assert Person.objects.count() == 1
    page.get_by_role("checkbox", name="None of these: create a new person anyway").check()
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Person Михаил Малышев recorded.")
    assert Person.objects.count() == 2
    # The form that came back with the candidates is a 400 (nothing saved), which Chromium logs.
    assert console_errors == [f"Failed to load resource: the server responded with a status of 400 (Bad Request) "
                              f"({page.url.split('/people/')[0]}/people/persons/new/)"]
