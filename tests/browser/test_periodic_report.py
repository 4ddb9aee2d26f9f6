"""Flow: an analyst asks for a periodic report on one election; the worker writes it while the
run's page refreshes itself; the analyst downloads the PDF, named by the election, its day and
the language, and it holds the verified incident.

The worker runs in the test's thread, as in test_imports.py."""

import datetime as dt

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from svidok.accounts.models import Role
from svidok.incidents.services import record_election, submit_incident, verify_incident
from svidok.reports.models import ReportRun
from tests import factories
from tests.browser.conftest import run_worker, shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser


def test_analyst_makes_a_periodic_report_and_downloads_it(page, live_server, vocabularies, settings, tmp_path,
                                                           console_errors):
    settings.SVIDOK_PERIODIC_JOBS = {}
    settings.VAR_DIR = tmp_path
    coordinator, other_lead = make_user(Role.COORDINATOR, "coordinator"), make_user(Role.COORDINATOR, "coordinator2")
    make_user(Role.ANALYST, "analyst")
    election = record_election(actor=coordinator, fields={"name": "Browser test vote", "date": dt.date(2018, 3, 18)})
    incident = factories.incident(coordinator, title="Teachers told to vote or be dismissed", election=election,
                                  date=dt.date(2018, 3, 1), sensitivity="public")
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=other_lead, incident=incident, reason="two sources")
    watch(page, console_errors)
    sign_in(page, "analyst")
    page.clock.install()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Periodic reports").click()
    page.get_by_label("Election").select_option(label="Browser test vote (March 18, 2018)")
    page.get_by_label("Language").select_option("uk")
    page.get_by_label("PDF").check()
    page.get_by_label("publication").check()
    shot(page, "periodic-report-form.png", full_page=False)
    page.get_by_role("button", name="Make the report").click()

    run = page.locator("#report-run")
    expect(run).to_contain_text("The report waits for the background worker.")
    run_worker()
    page.clock.run_for(2_000)
    expect(run.locator(".status")).to_have_text("Ready")
    shot(page, "periodic-report-ready.png", full_page=False)
    with page.expect_download() as download_info:
        run.get_by_role("link", name="Download").click()
    download = download_info.value
    assert download.suggested_filename == ("Періодичний звіт – Browser test vote – 2018-03-18 – для оприлюднення – "
                                           "Українська.pdf")
    path = tmp_path / "downloaded.pdf"
    download.save_as(path)
    text = "\n".join(p.extract_text() for p in PdfReader(path).pages)
    assert incident.reference in text and "Звіт для оприлюднення" in text
    assert ReportRun.objects.get().status == "done"

    page.get_by_role("link", name="Another report").click()
    expect(page.locator("table.report-runs tbody tr")).to_have_count(1)
    assert console_errors == []
