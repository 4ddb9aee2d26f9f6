"""Flow: a documenter asks, on an incident's page, for a web page to be captured; the background
worker makes the capture (WARC, and a screenshot and a PDF from a second, headless Chromium); the
captures section, refreshing itself, shows the stored files without the documenter reloading.

The worker runs in the test's thread, whose database connection the live server shares: SQLite's
shared in-memory test database locks whole tables between connections, which a file database in
WAL mode does not."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from tests import factories
from tests.browser.conftest import run_worker, sign_in
from tests.evidence.capture_site import Site
from tests.helpers import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def site():
    site = Site()
    yield site
    site.close()


def test_documenter_captures_a_web_page_from_the_incident_page(page, vocabularies, site, settings, console_errors):
    settings.SVIDOK_CAPTURE_ALLOW_LOOPBACK = True
    settings.SVIDOK_PERIODIC_JOBS = {}
    documenter = make_user(Role.DOCUMENTER, "documenter")
    incident = factories.incident(documenter, title="Teacher dismissed for not voting")
    sign_in(page, "documenter")
    # The page's timers run on a clock the test moves, so that the refresh comes after the worker.
    page.clock.install()
    page.goto(f"/incidents/{incident.reference}/")

    page.get_by_label("Web address").fill(site.url("/redirect"))
    page.get_by_role("button", name="Capture a web page").click()

    captures = page.locator("#captures")
    expect(page.get_by_role("status")).to_contain_text("The page is waiting to be captured")
    expect(captures.get_by_role("row")).to_have_count(2)
    expect(captures).to_contain_text("waiting")

    run_worker()

    # The section asks for itself again every 3 seconds while a capture waits: no reload here.
    expect(captures).not_to_contain_text("captured")
    page.clock.run_for(3_000)
    expect(captures).to_contain_text("captured")
    files = captures.get_by_role("link")
    expect(files).to_have_count(3)
    names = files.all_inner_texts()
    assert [name.startswith("127.0.0.1-") for name in names] == [True] * 3
    assert [name.split(".", 4)[-1] for name in names] == ["warc.gz", "png", "pdf"]
    expect(captures).to_contain_text(f"redirected to {site.url('/page.html')}")
    assert console_errors == []
