"""Flow: a documenter types a protected person's real name into an incident's narrative and, on a pause of
typing, is told under the field which pseudonym readers without clearance will see there; the
warning goes when the name does. On a desktop window and on a phone."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from tests import factories
from tests.browser.conftest import phone_context, shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser

NARRATIVE = "The director called Iryna Kovalenko in and told her she would lose her post."


@pytest.fixture
def victim(vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    make_user(Role.DOCUMENTER, "documenter")
    return factories.person(coordinator, name="Ірина Коваленко", protected=True)


@pytest.fixture
def phone_page(browser, live_server, console_errors):
    context = phone_context(browser, live_server)
    yield watch(context.new_page(), console_errors)
    context.close()


def _type_and_see_the_warning(page, victim, screenshot):
    sign_in(page, "documenter")
    page.goto("/incidents/new/")
    narrative = page.get_by_role("textbox", name="Narrative", exact=True)
    warning = page.locator("#id_narrative_names")
    expect(warning).to_have_attribute("aria-live", "polite")
    expect(warning).to_be_empty()
    narrative.press_sequentially(NARRATIVE, delay=5)
    expect(warning).to_have_text(f"Readers without clearance will see “{victim.pseudonym}” here.")
    expect(warning).to_be_visible()
    assert "Kovalenko" not in warning.inner_text()
    shot(page, screenshot)
    narrative.fill("The director called the staff in.")
    narrative.press("End")  # fill() sends one input event; the pause then checks the new text
    expect(warning).to_be_empty()


def test_documenter_is_warned_while_typing_a_protected_name(page, console_errors, victim):
    _type_and_see_the_warning(page, victim, "freetext-warning-desktop.png")
    assert console_errors == []


def test_the_warning_on_a_phone(phone_page, console_errors, victim):
    _type_and_see_the_warning(phone_page, victim, "freetext-warning-phone.png")
    width = phone_page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 375
    assert console_errors == []


def test_the_warning_in_a_row_added_in_place(page, console_errors, victim):
    sign_in(page, "documenter")
    page.goto("/incidents/new/")
    page.get_by_role("button", name="Add another person").click()
    details = page.get_by_role("group", name="Involvement 2").get_by_role("textbox", name="Details", exact=True)

    details.press_sequentially("Iryna Kovalenko's director", delay=5)

    expect(page.locator("#id_inv-1-details_names")).to_have_text(f"Readers without clearance will see “{victim.pseudonym}” here.")
    assert console_errors == []
