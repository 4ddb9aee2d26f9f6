"""Flow: a documenter fills the incident form part by part, adds a second person in place, sends it
with several mistakes and sees every one at once, fixes them and saves both rows; a draft typed and
left is there again on coming back."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents.models import Incident, IncidentDraft
from tests.browser.conftest import phone_context, shot, sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.browser


def test_documenter_adds_a_row_sees_every_error_at_once_fixes_and_saves(page, console_errors, vocabularies):
    make_user(Role.DOCUMENTER, "documenter")
    sign_in(page, "documenter")
    page.get_by_role("link", name="New incident").click()
    expect(page.get_by_role("group", name="Involvement 2")).to_have_count(0)

    page.get_by_role("button", name="Add another person").click()

    second = page.get_by_role("group", name="Involvement 2")
    expect(second).to_be_visible()
    expect(page).to_have_url("/incidents/new/")  # added in place, not by sending the form
    page.get_by_role("textbox", name="Date", exact=True).fill("2018-03-20")
    page.get_by_role("textbox", name="Until", exact=True).fill("2018-03-01")
    first = page.get_by_role("group", name="Involvement 1")
    first.get_by_role("textbox", name="Name", exact=True).fill("Ayshe Seitova")
    second.get_by_role("textbox", name="Name", exact=True).fill("Election commission of Dzhankoi")
    second.get_by_role("combobox", name="New party is", exact=True).select_option(label="an organization")
    second.get_by_role("combobox", name="Role", exact=True).select_option(label="Perpetrator")
    page.get_by_role("button", name="Save").click()

    summary = page.locator("#error-summary li")
    expect(summary).to_have_text([
        "Title: This field is required.",
        "Type: This field is required.",
        "Until: The end date (March 1, 2018) is before the start date (March 20, 2018).",
        "Involvement 1: Role: A role is required.",
    ])
    expect(page.locator("#id_date_end").locator("xpath=..").locator(".errors")).to_have_text(
        "The end date (March 1, 2018) is before the start date (March 20, 2018).")
    shot(page, "incident-form-errors.png", full_page=False)
    summary.nth(3).get_by_role("link").click()
    expect(page.locator("#id_inv-0-role")).to_be_focused()

    page.get_by_role("textbox", name="Title", exact=True).fill("Teachers dismissed for not voting")
    page.get_by_role("combobox", name="Type", exact=True).select_option(label="Dismissal")
    page.get_by_role("textbox", name="Until", exact=True).fill("")
    page.get_by_role("group", name="Involvement 1").get_by_role("combobox", name="Role", exact=True).select_option(label="Victim")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Incident SV-2018-000001 recorded as a draft.")
    incident = Incident.objects.get()
    assert sorted((i.role.code, i.party._meta.model_name) for i in incident.involvements.all()) == [
        ("perpetrator", "organization"), ("victim", "person")]
    assert IncidentDraft.objects.exclude(content="").count() == 0
    # The form that came back with the errors is a 400 (nothing saved), which Chromium logs.
    assert console_errors == [f"Failed to load resource: the server responded with a status of 400 (Bad Request) "
                              f"({page.url.split('/incidents/')[0]}/incidents/new/)"]


def test_draft_is_restored_after_leaving_the_form_and_can_be_discarded(page, console_errors, vocabularies):
    make_user(Role.DOCUMENTER, "documenter")
    sign_in(page, "documenter")
    page.goto("/incidents/new/")

    page.get_by_role("textbox", name="Title", exact=True).fill("Director threatened teachers")
    page.get_by_role("group", name="Involvement 1").get_by_role("textbox", name="Details", exact=True).fill("Head of school No. 5")

    expect(page.locator("#draft-status")).to_contain_text("Draft saved at")
    page.get_by_role("link", name="Incidents", exact=True).first.click()
    page.get_by_role("link", name="New incident").click()
    expect(page.get_by_role("textbox", name="Title", exact=True)).to_have_value("Director threatened teachers")
    expect(page.get_by_role("group", name="Involvement 1").get_by_role("textbox", name="Details", exact=True)).to_have_value(
        "Head of school No. 5")
    expect(page.locator("#draft-status")).to_contain_text("Your unsaved draft was restored.")
    expect(page.locator(".error-summary")).to_have_count(0)

    page.get_by_role("button", name="Discard draft").click()

    expect(page.get_by_role("status")).to_have_text("The draft was discarded.")
    expect(page.get_by_role("textbox", name="Title", exact=True)).to_have_value("")
    assert Incident.objects.count() == 0
    assert console_errors == []


def test_incident_form_fits_a_phone(browser, live_server, vocabularies):
    make_user(Role.DOCUMENTER, "documenter")
    context = phone_context(browser, live_server)
    page = context.new_page()
    try:
        sign_in(page, "documenter")
        page.goto("/incidents/new/")
        page.get_by_role("button", name="Add another source").click()
        expect(page.get_by_role("group", name="Source 2")).to_be_visible()

        shot(page, "incident-form-phone.png")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")

        assert overflow == 0
    finally:
        context.close()
