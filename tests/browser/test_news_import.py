"""Flow: a documenter on a phone imports news: an article file stored at once, then two web addresses
read in the background; the page of the fetch, refreshing itself, shows each address's outcome in
words. The pages fit the phone's width.

The worker runs in the test's thread, as in test_web_capture.py."""

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.ingest.models import Article
from tests.browser.conftest import PHONE, phone_context, run_worker, shot, sign_in, watch
from tests.helpers import make_user
from tests.ingest import texts
from tests.ingest.news_site import Site

pytestmark = pytest.mark.browser
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture
def news_site():
    site = Site()
    yield site
    site.close()


def test_documenter_imports_a_file_and_addresses_on_a_phone(browser, live_server, vocabularies, news_site, settings,
                                                             console_errors, tmp_path):
    settings.SVIDOK_NEWS_ALLOW_LOOPBACK = True
    settings.SVIDOK_NEWS_TIMEOUT = 1
    settings.SVIDOK_PERIODIC_JOBS = {}
    make_user(Role.DOCUMENTER, "documenter")
    article_file = tmp_path / "article.txt"
    article_file.write_text(texts.RUSSIAN, encoding="utf-8")
    context = phone_context(browser, live_server, locale="en-US")
    page = watch(context.new_page(), console_errors)
    sign_in(page, "documenter")
    page.clock.install()

    page.get_by_text("Menu").click()
    page.locator("details.menu").get_by_role("link", name="Import news").click()
    page.get_by_label("Article files").set_input_files(str(article_file))
    page.get_by_role("button", name="Import").click()

    results = page.locator("table.news-items")
    expect(results).to_contain_text("В Армянске сотрудников комбината заставили голосовать на рабочем месте")
    expect(results).to_contain_text("Stored")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    shot(page, "news-import-phone.png")

    page.get_by_label("Addresses of articles").fill(f"{news_site.url('/en.html')}\n{news_site.url('/loop')}\n")
    page.get_by_role("button", name="Import").click()

    run = page.locator("#fetch-run")
    expect(run).to_contain_text("2 addresses wait to be read.")
    run_worker()
    page.clock.run_for(3_000)
    expect(run).to_contain_text("Teachers in a Crimean town told to photograph their ballots")
    expect(run).to_contain_text("127.0.0.1: the address redirects too many times.")
    expect(run).to_contain_text("Stored: 1.")
    assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
    shot(page, "news-run-phone.png")
    assert Article.objects.count() == 2
    assert console_errors == []
    context.close()
