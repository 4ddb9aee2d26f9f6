"""Flow: a documenter signs in, records an incident with a victim, a perpetrator and a source, and submits it."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents.models import Incident
from tests.browser.conftest import shot, sign_in
from tests.helpers import make_user

pytestmark = pytest.mark.browser


def test_documenter_records_and_submits_incident(page, console_errors, vocabularies):
    make_user(Role.DOCUMENTER, "documenter")
    sign_in(page, "documenter")

    page.get_by_role("link", name="New incident").click()
    page.get_by_role("textbox", name="Title", exact=True).fill("Teachers dismissed for not voting")
    page.get_by_role("combobox", name="Type", exact=True).select_option(label="Dismissal")
    page.get_by_role("textbox", name="Date", exact=True).fill("2018-03-20")
    victim = page.get_by_role("group", name="Involvement 1")
    victim.get_by_role("textbox", name="Name", exact=True).fill("Ayshe Seitova")
    victim.get_by_role("combobox", name="Role", exact=True).select_option(label="Victim")
    page.get_by_role("button", name="Add another person").click()
    perpetrator = page.get_by_role("group", name="Involvement 2")
    perpetrator.get_by_role("textbox", name="Name", exact=True).fill("Mikhail Malyshev")
    perpetrator.get_by_role("combobox", name="Role", exact=True).select_option(label="Perpetrator")
    perpetrator.get_by_role("combobox", name="Perpetrator type", exact=True).select_option(label="Election commission")
    source = page.get_by_role("group", name="Source 1")
    source.get_by_role("textbox", name="Source title", exact=True).fill("Crimean Tatars dismissed for not voting")
    source.get_by_role("combobox", name="Source type", exact=True).select_option(label="News article")
    source.get_by_role("textbox", name="URL", exact=True).fill("https://example.org/news/1")
    page.get_by_role("textbox", name="Title", exact=True).scroll_into_view_if_needed()
    shot(page, "incident-form-what.png", full_page=False)
    victim.scroll_into_view_if_needed()
    expect(victim.get_by_role("combobox", name="Role", exact=True)).to_be_in_viewport()
    shot(page, "incident-form-who.png", full_page=False)
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Incident SV-2018-000001 recorded as a draft.")
    page.get_by_role("button", name="Submit for review").click()

    expect(page.get_by_role("status")).to_have_text("Incident SV-2018-000001 submitted for review.")
    expect(page.locator(".status")).to_have_text("submitted")
    expect(page.get_by_role("heading", level=1)).to_have_text("Teachers dismissed for not voting")
    shot(page, "incident-submitted.png", full_page=False)
    incident = Incident.objects.get()
    assert (incident.reference, incident.status, incident.type.code, incident.date_start, incident.created_by.username) == (
        "SV-2018-000001", "submitted", "dismissal", dt.date(2018, 3, 20), "documenter",
    )
    involvements = sorted(
        (i.role.code, i.person.identity.full_name, i.person.protected, i.perpetrator_type and i.perpetrator_type.code)
        for i in incident.involvements.select_related("person__identity", "role", "perpetrator_type")
    )
    assert involvements == [
        ("perpetrator", "Mikhail Malyshev", False, "election_commission"),
        ("victim", "Ayshe Seitova", True, None),
    ]
    assert [(s.title, s.kind.code, s.url) for s in incident.sources.all()] == [
        ("Crimean Tatars dismissed for not voting", "article", "https://example.org/news/1"),
    ]
    assert console_errors == []


def test_protected_victim_name_not_shown_to_documenter_on_incident_page(page, console_errors, vocabularies):
    make_user(Role.DOCUMENTER, "documenter")
    sign_in(page, "documenter")
    page.goto("/incidents/new/")
    page.get_by_role("textbox", name="Title", exact=True).fill("Teacher threatened with dismissal")
    page.get_by_role("combobox", name="Type", exact=True).select_option(label="Threat of dismissal")
    page.get_by_role("textbox", name="Date", exact=True).fill("2018-03-10")
    victim = page.get_by_role("group", name="Involvement 1")
    victim.get_by_role("textbox", name="Name", exact=True).fill("Ayshe Seitova")
    victim.get_by_role("combobox", name="Role", exact=True).select_option(label="Victim")

    page.get_by_role("button", name="Save").click()

    expect(page.get_by_role("status")).to_have_text("Incident SV-2018-000001 recorded as a draft.")
    pseudonym = Incident.objects.get().involvements.get().person.display_name
    expect(page.get_by_role("link", name=pseudonym)).to_be_visible()
    expect(page.get_by_text("Ayshe Seitova")).to_have_count(0)
    page.get_by_role("link", name=pseudonym).scroll_into_view_if_needed()
    shot(page, "incident-protected-victim.png", full_page=False)
    assert console_errors == []
