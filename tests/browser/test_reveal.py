"""Flow: a coordinator on a phone opens a protected witness, sees the pseudonym, reveals the
identity with a reason, and finds the reveal listed after reloading."""

import datetime as dt
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 812}
NAME = "Ірина Коваленко"


def shot(page, name: str) -> None:
    directory = os.environ.get("SVIDOK_SCREENSHOT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / name), full_page=True)


def test_coordinator_reveals_a_witness_on_a_phone(browser, live_server, console_errors, vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    person = factories.person(coordinator, name=NAME, protected=True,
                              identity={"contacts": "+380 50 123 4567", "birth_date": dt.date(1971, 5, 2)})
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=PHONE, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
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
    shot(page, "reveal-shown-phone.png")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]

    page.goto(f"/people/persons/{person.uuid}/")
    expect(page.locator("main")).not_to_contain_text(NAME)
    expect(page.get_by_role("region", name="Who has seen this identity")).to_contain_text("coordinator · Preparing the witness statement")
    expect(page.locator("main")).to_contain_text("identity seen, with a reason")  # the change history, in words
    assert console_errors == []
    context.close()
