"""Flow: a protected person's real name typed into an incident's narrative, a source excerpt and an
evidence description. A viewer, on a phone in Ukrainian, reads the pseudonym everywhere and finds
nothing by searching the name; a coordinator, on a desktop, reads the texts as written."""

import io

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.evidence import services as evidence_services
from svidok.evidence.models import EvidenceItem
from svidok.incidents.services import link_source, submit_incident, update_incident, verify_incident
from tests import factories
from tests.browser.conftest import phone_context, shot, sign_in, watch
from tests.helpers import make_user, second_lead

pytestmark = pytest.mark.browser

WRITTEN = "Iryna Kovalenko"


@pytest.fixture
def world(vocabularies, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(tmp_path / "evidence")}}}
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    make_user(Role.VIEWER, "viewer")
    victim = factories.person(coordinator, name="Ірина Коваленко", protected=True)
    incident = factories.incident(coordinator, title="Teacher threatened with dismissal")
    update_incident(actor=coordinator, incident=incident, fields={"narrative": f"The director called {WRITTEN} in."})
    source = factories.source(coordinator, title="Interview, March 2018", excerpt=f"{WRITTEN} said she was told to vote.")
    link_source(actor=coordinator, incident=incident, source=source)
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=incident)
    evidence_services.add_item(actor=coordinator, file=io.BytesIO(b"order"), name="order.txt", incident=incident,
                               description=f"Order naming {WRITTEN}", method=EvidenceItem.Method.UPLOAD)
    return victim, incident


def test_a_viewer_on_a_phone_reads_the_pseudonym_and_cannot_search_the_name(browser, live_server, console_errors, world):
    victim, incident = world
    context = phone_context(browser, live_server)
    page = watch(context.new_page(), console_errors)
    sign_in(page, "viewer")
    page.locator("summary", has_text="Menu").click()  # the navigation folds on a phone
    page.get_by_role("button", name="Українська").click()
    expect(page.locator("html")).to_have_attribute("lang", "uk")
    page.goto(f"/incidents/{incident.reference}/")
    main = page.locator("main")
    expect(main).to_contain_text(f"The director called {victim.pseudonym} in.")
    expect(main).not_to_contain_text("Kovalenko")
    shot(page, "reading-viewer-incident-phone-uk.png")
    page.get_by_role("link", name="order.txt").click()
    expect(page.locator("main")).to_contain_text(f"Order naming {victim.pseudonym}")
    expect(page.locator("main")).not_to_contain_text("Kovalenko")
    page.goto(f"/incidents/?q={WRITTEN.split()[1]}")
    expect(page.locator("main")).not_to_contain_text(incident.reference)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 375
    assert console_errors == []
    context.close()


def test_a_coordinator_reads_the_texts_as_written(page, console_errors, world):
    victim, incident = world
    sign_in(page, "coordinator")
    page.goto(f"/incidents/{incident.reference}/")
    expect(page.locator("main")).to_contain_text(f"The director called {WRITTEN} in.")
    shot(page, "reading-coordinator-incident.png")
    page.get_by_role("link", name="order.txt").click()
    expect(page.locator("main")).to_contain_text(f"Order naming {WRITTEN}")
    assert console_errors == []
