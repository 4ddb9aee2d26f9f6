"""A full-page screenshot (PNG) and a PDF of a web page, rendered by headless Chromium.

The page's scripts run only inside the browser, never in our process. Every request the page makes
goes through :func:`_guard`: the same address check as the capture itself (no loopback, private or
link-local addresses; only http and https), so a page cannot make the browser read our network.
Downloads and service workers are refused. Chromium is Debian's (``SVIDOK_CAPTURE_CHROMIUM``);
when it is missing the capture says so and keeps its WARC.
"""

from __future__ import annotations

import os
from pathlib import Path

from svidok.evidence.fetch import FetchError, check_url, resolve_public

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


class RenderError(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def chromium_available(path: str) -> bool:
    return bool(path) and os.access(path, os.X_OK)


def render(url: str, directory: Path, *, chromium: str, user_agent: str, timeout: float,
           allow_loopback: bool) -> tuple[Path, Path]:
    """Screenshot and PDF of ``url`` written into ``directory``; ``RenderError`` when not possible."""
    if not chromium_available(chromium):
        raise RenderError("no_chromium")
    # Imported here: a worker without Playwright still captures the WARC.
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    screenshot, pdf = directory / "screenshot.png", directory / "page.pdf"
    args = list(CHROMIUM_ARGS)
    if os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses its sandbox to root (containers); see docs/evidence.md
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=args, timeout=timeout * 1000)
            try:
                context = browser.new_context(user_agent=user_agent, accept_downloads=False, service_workers="block",
                                              viewport={"width": 1280, "height": 900})
                context.set_default_timeout(timeout * 1000)
                context.route("**/*", lambda route: _guard(route, allow_loopback))
                page = context.new_page()
                page.goto(url, wait_until="load")
                page.screenshot(path=str(screenshot), full_page=True)
                page.emulate_media(media="screen")
                page.pdf(path=str(pdf), print_background=True, format="A4")
            finally:
                browser.close()
    except PlaywrightError as error:
        raise RenderError("timeout" if "Timeout" in type(error).__name__ or "Timeout" in str(error)[:40] else "browser") from None
    return screenshot, pdf


def _guard(route, allow_loopback: bool) -> None:
    url = route.request.url
    if url.startswith(("data:", "blob:")):
        route.continue_()
        return
    try:
        _scheme, host, port = check_url(url)
        resolve_public(host, port, allow_loopback=allow_loopback)
    except FetchError:
        route.abort("blockedbyclient")
        return
    route.continue_()
