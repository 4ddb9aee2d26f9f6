"""Flow: a person switches the interface to Ukrainian with the language switcher."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from tests.browser.conftest import give_code, shot
from tests.helpers import PASSWORD, authenticator, current_code, make_user

pytestmark = pytest.mark.browser


def test_sign_in_page_switched_to_ukrainian_shows_ukrainian_text(page, console_errors):
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    shot(page, "sign-in.png", full_page=False)

    page.get_by_role("button", name="Українська").click()

    expect(page.locator("html")).to_have_attribute("lang", "uk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Увійти")
    expect(page.get_by_role("textbox", name="Ім'я користувача")).to_be_visible()
    expect(page.get_by_role("button", name="Українська")).to_have_attribute("aria-pressed", "true")
    shot(page, "sign-in-uk.png", full_page=False)
    assert console_errors == []


def test_ukrainian_stays_after_signing_in(page, console_errors, vocabularies):
    device = authenticator(make_user(Role.DOCUMENTER, "documenter"))
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Українська").click()

    page.get_by_role("textbox", name="Ім'я користувача").fill("documenter")
    page.get_by_role("textbox", name="Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Увійти").click()
    give_code(page, current_code(device))

    expect(page.get_by_role("heading", level=1)).to_have_text("Панель огляду")
    expect(page.get_by_role("navigation").get_by_role("link", name="Інциденти")).to_be_visible()
    assert console_errors == []


def test_switching_back_to_english(page, console_errors):
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Українська").click()
    expect(page.locator("html")).to_have_attribute("lang", "uk")

    page.get_by_role("button", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert console_errors == []
