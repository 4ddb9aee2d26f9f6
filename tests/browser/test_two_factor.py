"""Flow: a coordinator signs in for the first time, sets up an authenticator from the page (key read
off the page, as a person types it into an app), keeps the backup codes, and later signs in with
the app's code; a lost phone is answered by a backup code."""

import re
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import expect

from svidok.accounts.models import Role
from tests.browser.conftest import PHONE, give_code, phone_context, shot
from tests.helpers import PASSWORD, make_user

pytestmark = pytest.mark.browser


def type_password(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_coordinator_sets_up_an_authenticator_and_signs_in_with_it(page, console_errors, vocabularies):
    make_user(Role.COORDINATOR, "coordinator")
    type_password(page, "coordinator")

    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your second factor")
    expect(page.locator("figure.qr svg")).to_be_visible()
    shot(page, "two-factor-setup.png", full_page=False)
    page.goto("/incidents/")  # nothing else is reachable before the set-up
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your second factor")
    app = TOTP(b32decode(page.locator("#otp-secret").inner_text().replace(" ", "")))
    page.get_by_label("Code").fill(f"{app.token():06d}")
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Backup codes")
    codes = page.locator("ul.backup-codes code").all_inner_texts()
    assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-7]{8}", code) for code in codes)
    page.get_by_role("link", name="I have kept them").click()
    expect(page).to_have_url(re.compile(r"/incidents/$"))

    page.get_by_role("button", name="Sign out").first.click()
    type_password(page, "coordinator")
    give_code(page, codes[0])  # the phone is lost: a backup code instead
    expect(page.get_by_role("status")).to_contain_text("You used a backup code; 9 are left.")
    assert console_errors == []


def test_wrong_code_keeps_the_person_on_the_code_page(page, console_errors, vocabularies):
    from tests.helpers import authenticator

    authenticator(make_user(Role.DOCUMENTER, "documenter"))
    type_password(page, "documenter")

    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()

    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    assert console_errors == []


PAGE_WIDTH = "() => document.documentElement.scrollWidth"



def test_set_up_and_account_pages_fit_a_phone_in_ukrainian(browser, live_server, console_errors, vocabularies):
    from svidok.accounts import services
    from tests.browser.conftest import watch

    documenter = make_user(Role.DOCUMENTER, "documenter")
    services.create_token(actor=documenter, user=documenter, name="phone app")
    context = phone_context(browser, live_server, "uk-UA")
    page = watch(context.new_page(), console_errors)
    page.goto("/accounts/login/")
    page.locator("input[name=username]").fill("documenter")
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("figure.qr svg")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Set up your second factor")  # in Ukrainian
    shot(page, "two-factor-setup-phone-uk.png")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    app = TOTP(b32decode(page.locator("#otp-secret").inner_text().replace(" ", "")))
    page.locator("input[name=otp_token]").fill(f"{app.token():06d}")
    page.locator("form:has(input[name=otp_token]) button[type=submit]").click()
    expect(page.locator("ul.backup-codes code")).to_have_count(10)
    shot(page, "backup-codes-phone-uk.png")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    page.goto("/accounts/")
    shot(page, "account-phone-uk.png")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    assert console_errors == []
    context.close()
