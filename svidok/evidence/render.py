"""A full-page screenshot (PNG) and a PDF of a captured web page, rendered by headless Chromium.

Chromium never goes to the network itself. Every request the page makes is answered by
:class:`_Network`: the page and its direct resources from the bytes the capture already fetched
(so the screenshot and the PDF show what the WARC holds), anything else (fonts, images a
stylesheet or a script asks for) through the capture's own fetcher, with the same address check
(only http and https, no loopback, private or link-local addresses) against the address it
actually connects to. A page cannot make the browser read our network, not even by changing its
DNS answer between two look-ups. Only GET is answered; downloads and service workers are refused.

The page's scripts run only inside the browser, never in our process. Chromium is Debian's
(``SVIDOK_CAPTURE_CHROMIUM``); when it is missing the capture says so and keeps its WARC.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from svidok.evidence import fetch

logger = logging.getLogger(__name__)

CHROMIUM_ARGS = [
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# Headers that describe one connection, not the content: not passed on to the browser.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade", "te", "trailer"}


class RenderError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass
class Rendered:
    screenshot: Path
    pdf: Path
    fetched: list = field(default_factory=list)  # exchanges the page asked for beyond the capture's own
    refused: list[str] = field(default_factory=list)  # asked for by the page and refused


def chromium_available(path: str) -> bool:
    return bool(path) and os.access(path, os.X_OK)


class _Network:
    """Answers the browser's requests: from the capture's exchanges, or fetched with the capture's policy."""

    def __init__(self, exchanges, policy: fetch.Policy, max_fetches: int, rendered: Rendered, deadline: float):
        self.known = {}
        for exchange in exchanges:
            self.known.setdefault(exchange.url, exchange)
        self.policy, self.max_fetches, self.rendered, self.deadline = policy, max_fetches, rendered, deadline

    def __call__(self, route) -> None:
        request = route.request
        url = request.url.split("#", 1)[0]
        if url.startswith(("data:", "blob:")):
            route.continue_()
            return
        exchange = self.known.get(url) if request.method in ("GET", "HEAD") else None
        if exchange is None:
            exchange = self._fetch(url, request.method)
        if exchange is None:
            self.rendered.refused.append(url)
            route.abort("blockedbyclient")
            return
        headers = {}
        for name, value in exchange.headers.items():
            if name.lower() not in HOP_BY_HOP:
                headers[name] = f"{headers[name]}\n{value}" if name in headers else value
        route.fulfill(status=exchange.status, headers=headers, body=exchange.body)

    def _fetch(self, url: str, method: str):
        if method not in ("GET", "HEAD") or len(self.rendered.fetched) >= self.max_fetches:
            return None
        try:
            # One deadline for all the browser's fetches: rendering ends in bounded time.
            exchange = fetch.fetch(url, self.policy, deadline=min(self.deadline, time.monotonic() + self.policy.timeout))
        except fetch.FetchError:
            return None
        self.known[url] = exchange
        self.rendered.fetched.append(exchange)  # kept open: the capture writes it into the WARC too
        return exchange


def render(page, directory: Path, *, chromium: str, policy: fetch.Policy, timeout: float, max_fetches: int = 100) -> Rendered:
    """Screenshot and PDF of ``page`` (a ``fetch.Page``) written into ``directory``; ``RenderError``
    when not possible. What the browser needed beyond the page's exchanges is in ``fetched``; the
    caller closes those exchanges."""
    if not chromium_available(chromium):
        raise RenderError("no_chromium")
    # Imported here: a worker without Playwright (a dev dependency today) still captures the WARC.
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise RenderError("no_playwright") from None

    rendered = Rendered(screenshot=directory / "screenshot.png", pdf=directory / "page.pdf")
    network = _Network(page.exchanges + page.resources, policy, max_fetches, rendered, time.monotonic() + timeout)
    args = list(CHROMIUM_ARGS)
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses its sandbox to root (containers); see docs/evidence.md
    failure = []

    def drive() -> None:
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=chromium, args=args, timeout=timeout * 1000)
                try:
                    context = browser.new_context(user_agent=policy.user_agent, accept_downloads=False,
                                                  service_workers="block", viewport={"width": 1280, "height": 900})
                    context.set_default_timeout(timeout * 1000)
                    context.route("**/*", network)
                    tab = context.new_page()
                    tab.goto(page.final.url, wait_until="load")
                    tab.screenshot(path=str(rendered.screenshot), full_page=True)
                    tab.emulate_media(media="screen")
                    tab.pdf(path=str(rendered.pdf), print_background=True, format="A4")
                finally:
                    browser.close()
        except PlaywrightError as error:
            logger.warning("rendering failed: %s", str(error)[:500])
            failure.append("timeout" if "Timeout" in type(error).__name__ or "Timeout" in str(error)[:40] else "browser")

    # A thread of its own: Playwright's sync API refuses a thread that already runs an asyncio loop
    # (an async caller, or a test session driving its own browser).
    thread = threading.Thread(target=drive, name="svidok-render", daemon=True)
    thread.start()
    thread.join()
    if failure:
        for exchange in rendered.fetched:
            exchange.response.close()
        raise RenderError(failure[0])
    return rendered
