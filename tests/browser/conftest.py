"""Playwright driving Debian's Chromium against pytest-django's live server.

One browser per test session, a fresh context (cookies, storage) per test. Every page a test opens
is watched: a Content-Security-Policy violation, an uncaught JavaScript error or a failed resource
is logged by Chromium as a console error, and the ``console_errors`` fixture collects them.
"""

import os
import re
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from svidok.accounts.models import User
from tests.helpers import PASSWORD, authenticator, current_code

# Playwright's sync API runs an event loop in the test thread, and Django then refuses ORM calls
# made from that thread (the fixtures that create users) as "async-unsafe". They are not: the
# loop only talks to the browser.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"



class _OneRequestAtATimeOnASharedConnection(ThreadedWSGIServer):
    """The live server, answering one request at a time when its threads share the test's
    database connection (in-memory SQLite: Django hands every request thread the test thread's
    connection). Requests on one shared sqlite3 connection from several threads can deadlock: one
    thread steps a query that calls a Python SQL function (``django_date_trunc`` for ``TruncMonth``)
    and waits for the GIL while holding the connection's mutex, while another holds the GIL and
    waits for that mutex to bind its parameters. A page with several chart images (the statistics
    and the public site) asks for them at once and hung a CI run that way. Each answer is read to
    its end inside the lock, since a streamed body queries as it is read. On PostgreSQL each thread
    has its own connection and requests run side by side as before."""

    _lock = threading.Lock()

    def __init__(self, *args, connections_override=None, **kwargs):
        self.serialize = bool(connections_override)
        super().__init__(*args, connections_override=connections_override, **kwargs)

    def set_app(self, application):
        if not self.serialize:
            return super().set_app(application)
        lock = self._lock

        def one_at_a_time(environ, start_response):
            with lock:
                result = application(environ, start_response)
                try:
                    return [b"".join(result)]
                finally:
                    if hasattr(result, "close"):
                        result.close()

        return super().set_app(one_at_a_time)


LiveServerThread.server_class = _OneRequestAtATimeOnASharedConnection

CHROMIUM = Path("/usr/bin/chromium")
# launch() gives every run a fresh temporary profile (Playwright adds --user-data-dir itself);
# the flags keep Chromium from phoning home or updating itself during the tests.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Containers often have a small /dev/shm; Chromium crashes when it runs out.
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 10_000


@pytest.fixture(autouse=True)
def _no_request_left_running():
    """After each test, once its browser contexts are closed, wait for the request the live server
    may still be answering before the test's database is emptied. On in-memory SQLite that request
    runs on the test thread's connection: the flush would run inside its transaction, and the
    request's rollback or commit could undo the flush (a CI run once found a user left over from
    an earlier test). Set up after pytest-django's own autouse fixture, so it is torn down before
    the flush, and before ``context``, so after the context closes."""
    yield
    with _OneRequestAtATimeOnASharedConnection._lock:
        pass


@pytest.fixture(scope="session")
def browser() -> Browser:
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} not found: install Debian's chromium package (scripts/system-deps.sh test)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def console_errors() -> list[str]:
    return []


@pytest.fixture
def context(browser, live_server):
    # A fixed locale so that Accept-Language, not the machine, decides the first page's language.
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context, console_errors) -> Page:
    return watch(context.new_page(), console_errors)


def watch(page: Page, console_errors: list[str]) -> Page:
    """Collect the page's console errors and uncaught exceptions into ``console_errors``."""
    page.on("console", lambda message: _keep_error(console_errors, message))
    page.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))
    return page


def _keep_error(errors: list[str], message: ConsoleMessage) -> None:
    url = message.location.get("url", "")
    # Chromium asks for /favicon.ico by itself, whatever the page says; its 404 is not the page's fault.
    if message.type == "error" and urlsplit(url).path != "/favicon.ico":
        errors.append(f"{message.text} ({url})")


def sign_in(page: Page, username: str) -> None:
    """Sign in through the form, as a person would, and wait until the form is gone. A role that
    needs a second factor has an authenticator set up (tests/browser/test_two_factor.py sets one
    up through the page) and types the code it shows."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    user = User.objects.get(username=username)
    device = authenticator(user) if user.needs_second_factor else None
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign in")).to_have_count(0)
    if device is not None:
        give_code(page, current_code(device))


def give_code(page: Page, code: str) -> None:
    """The second step of signing in: the code page, in whatever language the page is in."""
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/"))
    page.locator("input[name=otp_token]").fill(code)
    page.locator("form[action='/accounts/two-factor/'] button[type=submit]").click()
    expect(page.locator("input[name=otp_token]")).to_have_count(0)


PHONE = {"width": 375, "height": 812}


def map_still(page: Page) -> None:
    """Wait until the incident map stops moving. A popup opened near the edge pans the map into view
    (animated), and a click during that pan lands where a link was a moment before: mousedown on the
    link, mouseup beside it, no click on it. map.js marks a moving map with data-map-moving."""
    expect(page.locator("[data-incident-map][data-map-moving]")).to_have_count(0, timeout=TIMEOUT_MS)


def shot(page: Page, name: str, *, full_page: bool = True) -> None:
    """A screenshot into $SVIDOK_SCREENSHOT_DIR when it is set (to look at the pages, and for the
    user guide: scripts/guide-screenshots.sh). ``full_page=False`` keeps to the viewport, for long
    pages whose top is what matters (the guide's images stay small)."""
    directory = os.environ.get("SVIDOK_SCREENSHOT_DIR")
    if directory:
        Path(directory).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(directory) / name), full_page=full_page)


def phone_context(browser, live_server, locale: str = "en-US"):
    """A browser context the size of a phone, touch and all."""
    context = browser.new_context(base_url=live_server.url, locale=locale, viewport=PHONE, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def run_worker() -> None:
    """The worker's loop (django-tasks-db), once over the queue, in the test's own thread (the
    command would install signal handlers, which only the main thread may)."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
           max_tasks=None, worker_id="browser-test", excluded_queue_names=[]).run()
