"""Flows of the user guide (docs/user-guide.md) that no other browser test walks: a documenter
signed in on two devices ends every session from the account page, and the other device is back
at the sign-in page on its next click (the guide's "if you are under threat")."""

import re

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from tests.browser.conftest import shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def other_device(browser, live_server, console_errors):
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield watch(context.new_page(), console_errors)
    context.close()


def test_sign_out_everywhere_ends_the_session_on_the_other_device(page, other_device, console_errors, vocabularies):
    make_user(Role.DOCUMENTER, "documenter")
    sign_in(other_device, "documenter")
    sign_in(page, "documenter")

    page.get_by_role("link", name="documenter · Documenter").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    shot(page, "account.png", full_page=False)
    page.get_by_role("button", name="Sign out everywhere").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("status")).to_have_text("You were signed out on every device and browser.")
    other_device.goto("/incidents/")
    expect(other_device).to_have_url(re.compile(r"/accounts/login/"))
    expect(other_device.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert console_errors == []
