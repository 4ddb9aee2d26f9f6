"""Flow: a coordinator on a phone opens a protected witness, sees the pseudonym, reveals the
identity with a reason, and finds the reveal listed after reloading."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from tests import factories
from tests.browser.conftest import PHONE, phone_context, shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser

NAME = "Ірина Коваленко"



def test_coordinator_reveals_a_witness_on_a_phone(browser, live_server, console_errors, vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    person = factories.person(coordinator, name=NAME, protected=True,
                              identity={"contacts": "+380 50 123 4567", "birth_date": dt.date(1971, 5, 2)})
    context = phone_context(browser, live_server)
    page = watch(context.new_page(), console_errors)
    sign_in(page, "coordinator")
    page.goto(f"/people/persons/{person.uuid}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(person.pseudonym)
    expect(page.locator("main")).not_to_contain_text(NAME)
    shot(page, "reveal-before-phone.png")

    page.get_by_label("Why do you need to see this identity?").fill("Preparing the witness statement")
    page.get_by_role("button", name="Show the identity").click()
    expect(page.locator("dd.identity").first).to_have_text(NAME)
    expect(page.locator("main")).to_contain_text("+380 50 123 4567")
    page.locator("dd.identity").first.scroll_into_view_if_needed()
    shot(page, "reveal-shown-phone.png", full_page=False)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    page.goto(f"/people/persons/{person.uuid}/")
    expect(page.locator("main")).not_to_contain_text(NAME)
    expect(page.get_by_role("region", name="Who has seen this identity")).to_contain_text("coordinator · Preparing the witness statement")
    expect(page.locator("main")).to_contain_text("identity seen, with a reason")  # the change history, in words
    assert console_errors == []
    context.close()
