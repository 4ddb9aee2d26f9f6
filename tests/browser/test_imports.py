"""Flow: a coordinator imports incidents on the "Imports" page. A file with a bad row is refused
with every problem listed by line and field, nothing imported; the corrected file is imported by
the worker while the run's page refreshes itself, and the incidents are in the list.

The worker runs in the test's thread, as in test_news_import.py."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents.models import Incident
from svidok.ingest.models import ImportRun
from tests.browser.conftest import run_worker, shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser

HEADER = "title,type,date_start,date_end,victims,perpetrators,source_title,source_url\n"
ROWS = ("Headmistress dismissed after refusing to count ballots,dismissal,2018-03-19,,Victim Alpha,Petro Testenko,"
        "Browser test report,https://report.example/browser\n"
        "Doctors told to bring their families to the polls,forced_voting,2018-03-10,,,Petro Testenko,"
        "Browser test report,https://report.example/browser\n")
BAD_ROW = "Dates the wrong way round,dismissal,2018-03-20,2018-03-01,,,,\n"


def test_coordinator_imports_incidents_from_the_web_page(page, live_server, vocabularies, settings, tmp_path, console_errors):
    settings.SVIDOK_PERIODIC_JOBS = {}
    settings.SVIDOK_IMPORT_UPLOAD_DIR = tmp_path / "imports"
    make_user(Role.COORDINATOR, "coordinator")
    bad, good = tmp_path / "bad" / "incidents.csv", tmp_path / "good" / "incidents.csv"
    for path, text in ((bad, HEADER + ROWS + BAD_ROW), (good, HEADER + ROWS)):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    watch(page, console_errors)
    sign_in(page, "coordinator")
    page.clock.install()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Imports").click()
    page.get_by_label("Incidents", exact=True).check()
    page.locator("input[name=file]").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and import").click()

    run = page.locator("#import-run")
    expect(run).to_contain_text("The file waits for the background worker.")
    run_worker()
    page.clock.run_for(2_000)
    expect(run).to_contain_text("Nothing was imported: the file has the problems listed below.")
    problems = run.locator("table.import-errors tbody tr")
    expect(problems).to_have_count(1)
    expect(problems.first).to_contain_text("4")
    expect(problems.first).to_contain_text("End date")
    expect(problems.first).to_contain_text("The end date (March 1, 2018) is before the start date (March 20, 2018).")
    shot(page, "imports-failed.png", full_page=False)
    assert Incident.objects.count() == 0

    page.get_by_role("link", name="Import another file").click()
    page.get_by_label("Incidents", exact=True).check()
    page.locator("input[name=file]").set_input_files(str(good))
    page.get_by_role("button", name="Upload and import").click()
    expect(run).to_contain_text("The file waits for the background worker.")
    run_worker()
    page.clock.run_for(2_000)
    expect(run).to_contain_text("Imported: 2 incidents, 2 new persons, 0 new organizations, 1 new source.")
    expect(run.locator(".status")).to_have_text("Imported")
    shot(page, "imports-done.png", full_page=False)

    run.get_by_role("link", name="See the incidents").click()
    expect(page.get_by_role("link", name="Headmistress dismissed after refusing to count ballots")).to_be_visible()
    expect(page.get_by_role("link", name="Doctors told to bring their families to the polls")).to_be_visible()
    assert [r.status for r in ImportRun.objects.order_by("created_at")] == ["failed", "done"]
    assert list((tmp_path / "imports").iterdir()) == []
    assert console_errors == []
