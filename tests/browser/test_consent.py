"""Flow: a documenter records a protected witness's consent to share with a partner (after a refusal
that names the field), a coordinator on a phone records its withdrawal; the same in Ukrainian."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.people.models import Consent
from tests import factories
from tests.browser.conftest import PHONE, phone_context, shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser

NAME = "Ірина Коваленко"
NOTE = "Signed form in the Kyiv office safe"
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture
def witness(vocabularies):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    make_user(Role.DOCUMENTER, "documenter")
    return factories.person(coordinator, name=NAME, protected=True)


def test_documenter_records_and_coordinator_withdraws_a_consent(browser, page, witness, live_server, console_errors):
    sign_in(page, "documenter")
    page.goto(f"/people/persons/{witness.uuid}/")
    section = page.locator("#consents")
    expect(section.get_by_role("heading", level=2)).to_have_text("Consent")
    expect(section).to_contain_text("No consent recorded")
    form = section.locator("form.consent-form")

    form.get_by_label("What the person agreed to").select_option("partner")
    form.get_by_label("Given on").fill("2024-03-01")
    form.get_by_label("How it was obtained").select_option("written")
    form.get_by_label("Note").fill(NOTE)
    form.get_by_role("button", name="Record the consent").click()
    # No partner named: refused, with the message on the field, nothing written.
    expect(page.locator("#consents form.consent-form .has-error")).to_contain_text(
        "Name the partner the person agreed to share with.")
    assert not Consent.objects.exists()
    shot(page, "consent-refused-desktop.png")

    page.locator("#consents form.consent-form").get_by_label("Partner").fill("OSCE ODIHR")
    page.locator("#consents form.consent-form").get_by_role("button", name="Record the consent").click()
    expect(page.locator("ul.messages")).to_contain_text(
        "Consent recorded: sharing with a named partner.")
    consent = section.locator("article.consent")
    expect(consent.get_by_role("heading", level=3)).to_contain_text("sharing with a named partner: OSCE ODIHR")
    expect(consent).to_contain_text("in force")
    expect(consent).to_contain_text("documenter")
    expect(page.locator("main")).not_to_contain_text(NOTE)  # sealed: the documenter may not see identities
    expect(page.locator("main")).not_to_contain_text(NAME)
    shot(page, "consent-recorded-desktop.png")

    context = phone_context(browser, live_server)
    phone = watch(context.new_page(), console_errors)
    sign_in(phone, "coordinator")
    phone.goto(f"/people/persons/{witness.uuid}/")
    consent = phone.locator("#consents article.consent")
    expect(consent).to_contain_text(NOTE)  # the coordinator reads the sealed note
    consent.get_by_text("Record the withdrawal of this consent").click()
    withdrawal = consent.locator("form")
    withdrawal.get_by_label("Withdrawn on").fill("2024-06-01")
    withdrawal.get_by_label("How it was withdrawn").select_option("message")
    shot(phone, "consent-withdrawal-form-phone.png")
    assert phone.evaluate(PAGE_WIDTH) <= PHONE["width"]
    withdrawal.get_by_role("button", name="Record the withdrawal").click()

    consent = phone.locator("#consents article.consent")
    expect(consent).to_contain_text("withdrawn")
    expect(consent).to_contain_text("2024-06-01")
    expect(consent).to_contain_text("given by secure message")
    expect(consent.locator("form")).to_have_count(0)
    expect(phone.locator("main")).to_contain_text("consent withdrawn")  # the change history, in words
    shot(phone, "consent-withdrawn-phone.png")
    assert phone.evaluate(PAGE_WIDTH) <= PHONE["width"]
    record = Consent.objects.get()
    assert (record.partner, str(record.withdrawn_on), record.withdrawal_method) == ("OSCE ODIHR", "2024-06-01", "message")
    # The refused form answered 400 (Chromium logs it); nothing else went wrong.
    assert console_errors == [f"Failed to load resource: the server responded with a status of 400 (Bad Request) "
                              f"({live_server.url}/people/persons/{witness.uuid}/consents/)"]
    context.close()


def test_the_consent_section_speaks_ukrainian(page, witness, console_errors):
    sign_in(page, "documenter")
    page.goto(f"/people/persons/{witness.uuid}/")
    page.get_by_role("button", name="Українська").click()
    section = page.locator("#consents")
    expect(section.get_by_role("heading", level=2)).to_have_text("Згода")
    form = section.locator("form.consent-form")

    form.get_by_label("На що особа погодилася").select_option("litigation")
    form.get_by_label("Дата надання").fill("2024-03-01")
    form.get_by_label("Як отримано").select_option("witnessed")
    form.get_by_role("button", name="Записати згоду").click()

    consent = page.locator("#consents article.consent")
    expect(consent.get_by_role("heading", level=3)).to_contain_text("судове провадження")
    expect(consent).to_contain_text("чинна")
    expect(consent).to_contain_text("надано усно в присутності свідка")
    shot(page, "consent-recorded-desktop-uk.png")
    assert console_errors == []
