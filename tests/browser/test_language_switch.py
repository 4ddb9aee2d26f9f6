"""Flow: a person switches the interface language (English, Ukrainian, Crimean Tatar, Russian) with the switcher."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from tests import factories
from tests.browser.conftest import give_code, shot, sign_in
from tests.helpers import PASSWORD, authenticator, current_code, interface_languages, make_user

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


# Each interface language: its name on the switcher (its own name), a word of the navigation, and
# how the incident page writes 18 March 2018 (the language's DATE_FORMAT and month names).
LANGUAGES = {
    "en": ("English", "Incidents", "March 18, 2018"),
    "uk": ("Українська", "Інциденти", "18 березня 2018 р."),
    "crh": ("Qırımtatarca", "Hadiseler", "18 mart 2018"),
    "ru": ("Русский", "Инциденты", "18 марта 2018 г."),
}


@pytest.mark.parametrize("code", interface_languages(with_english=True))
def test_every_interface_language_from_the_switcher(page, console_errors, vocabularies, code):
    """From a page in another language, the switcher turns the whole page into ``code``."""
    button, nav_word, date = LANGUAGES[code]
    documenter = make_user(Role.DOCUMENTER, "documenter")
    incident = factories.incident(documenter, date=dt.date(2018, 3, 18))
    sign_in(page, "documenter")
    page.goto(f"/incidents/{incident.reference}/")
    start = "uk" if code == "en" else "en"
    page.get_by_role("button", name=LANGUAGES[start][0]).first.click()
    expect(page.locator("html")).to_have_attribute("lang", start)
    expect(page.get_by_role("button", name="Русский").first).to_be_visible()

    page.get_by_role("button", name=button).first.click()

    expect(page.locator("html")).to_have_attribute("lang", code)
    expect(page.get_by_role("button", name=button).first).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_role("navigation").get_by_role("link", name=nav_word, exact=True).first).to_be_visible()
    expect(page.locator("dd time").first).to_have_text(date)
    expect(page.locator("dd time").first).to_have_attribute("datetime", "2018-03-18")
    shot(page, f"incident-{code}.png")
    assert console_errors == []
