"""Flow: a journalist, not signed in, reads the public portal: the home page with the map of published
incidents (clustered, a click opens one) and a chart with its numbers; an incident page with the
protected victim's name taken out; the same on a phone without sideways scrolling; and a partner
site that embeds the map in an iframe (allowed) and tries to frame a portal page (refused).

No console error on the portal's own pages: the strict CSP holds with Leaflet. Set
SVIDOK_SCREENSHOT_DIR to keep screenshots for a look by eye.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from svidok.incidents import publication
from svidok.incidents.models import Place
from svidok.incidents.services import add_involvement, submit_incident, verify_incident
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, map_still, shot, watch
from tests.helpers import second_lead
from tests.loopback import Handler, Site

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"
NAME = "Iryna Kovalenko"


def published(coordinator, **fields):
    incident = factories.incident(coordinator, sensitivity="public", **fields)
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=incident)
    return publication.publish(coordinator, incident)


@pytest.fixture
def world(vocabularies, places, coordinator):
    town = places["town"]
    Place.objects.filter(pk=town.pk).update(latitude=Decimal("44.751"), longitude=Decimal("33.860"))
    town.refresh_from_db()
    zaporizhzhia = Place.objects.create(code="UA23000000000064947", category="O", name_uk="Запорізька", name_latin="Zaporizka")
    melitopol = Place.objects.create(code="UA23080150010099070", category="M", name_uk="Мелітополь", name_latin="Melitopol",
                                     region=zaporizhzhia, parent=zaporizhzhia, latitude=Decimal("46.8489"),
                                     longitude=Decimal("35.3675"))
    in_town = [published(coordinator, title=f"Teacher {n} told to vote", place=town, type_code="threat_of_dismissal",
                         date=dt.date(2018, 3, n)) for n in range(1, 5)]
    victim = factories.person(coordinator, name=NAME, protected=True)
    far = factories.incident(coordinator, title=f"{NAME} and other nurses dismissed after the vote", place=melitopol,
                             type_code="dismissal", date=dt.date(2022, 10, 3), sensitivity="public",
                             narrative=f"The head doctor dismissed {NAME} for not voting.")
    add_involvement(actor=coordinator, incident=far, role=factories.term("involvement_role", "victim"), person=victim)
    submit_incident(actor=coordinator, incident=far)
    verify_incident(actor=second_lead(), incident=far)
    publication.publish(coordinator, far)
    published(coordinator, title="Threat by telephone", type_code="intimidation")
    factories.incident(coordinator, title="Draft never published", place=melitopol)
    return {"in_town": in_town, "far": far}


def _map_loaded(page, count: int):
    expect(page.locator("[data-incident-map]").first).to_have_attribute("data-points-loaded", str(count), timeout=TIMEOUT_MS)


def test_portal_home_shows_map_and_chart_and_a_click_opens_an_incident(page, console_errors, world):
    far = world["far"]
    page.goto("/public/")

    expect(page.get_by_role("heading", level=1)).to_contain_text("the public record")
    expect(page.get_by_role("link", name="Sign in")).to_have_count(0)
    _map_loaded(page, 5)
    # markercluster fades a cluster out when the map settles: wait for the one that stays.
    expect(page.locator(".marker-cluster")).to_have_count(1)
    expect(page.locator(".marker-cluster")).to_have_text("4")  # the four in the town
    expect(page.locator(".public-map .note")).to_have_text("1 incident has no known place and is not on the map.")
    chart = page.locator("section.chart#by-month")
    expect(chart.locator("img")).to_be_visible()
    assert chart.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")
    expect(chart.locator("table.stats tbody tr")).not_to_have_count(0)
    expect(page.locator("section.chart#by-type table.stats tbody th")).to_contain_text(["Threat of dismissal"])
    expect(page.get_by_text("Draft never published")).to_have_count(0)
    page.evaluate("window.scrollTo(0, 0)")  # the guide shows the top: the figures and the map
    shot(page, "public-home.png", full_page=False)

    expect(page.locator(".map-point")).to_have_count(1)
    page.locator(".map-point").click()  # the lone point in Melitopol
    popup = page.locator(".leaflet-popup")
    expect(popup).to_contain_text(far.reference)
    map_still(page)
    popup.get_by_role("link", name="[protected name] and other nurses dismissed after the vote").click()

    expect(page).to_have_url(re.compile(f"/public/incidents/{far.reference}/$"), timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", level=1)).to_have_text("[protected name] and other nurses dismissed after the vote")
    expect(page.locator("main")).not_to_contain_text(NAME)
    expect(page.locator("main")).to_contain_text("a protected person")
    shot(page, "public-incident.png")
    assert console_errors == []


def test_portal_on_a_phone_fits_the_screen(browser, live_server, console_errors, world):
    context = browser.new_context(base_url=live_server.url, locale="uk-UA", viewport=PHONE, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = watch(context.new_page(), console_errors)
    try:
        for url, name in [("/public/", "public-home-phone.png"), (f"/public/incidents/{world['far'].reference}/",
                                                                   "public-incident-phone.png"),
                          ("/public/statistics/", "public-statistics-phone.png"), ("/public/incidents/", None)]:
            page.goto(url)
            expect(page.locator("html")).to_have_attribute("lang", "uk")
            if url == "/public/":
                _map_loaded(page, 5)
            if name:
                shot(page, name)
            assert page.evaluate(PAGE_WIDTH) <= PHONE["width"], url
        page.get_by_role("link", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page).to_have_url(re.compile("/public/incidents/$"))
        assert console_errors == []
    finally:
        context.close()


class PartnerHandler(Handler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        self.site.requests.append(self.path)
        body = self.site.page.encode()
        self._send(200, body, "text/html; charset=utf-8")


class Partner(Site):
    handler = PartnerHandler
    page = ""


def test_a_partner_site_may_frame_the_embeds_and_nothing_else(page, live_server, world):
    partner = Partner()
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "frame-ancestors" in m.text else None)
    try:
        partner.page = (f'<!doctype html><title>Partner</title><h1>Our report</h1>'
                        f'<iframe id="map" src="{live_server.url}/public/embed/map/?type=threat_of_dismissal" width="600" height="480"></iframe>'
                        f'<iframe id="chart" src="{live_server.url}/public/embed/chart/by-type/" width="600" height="420"></iframe>'
                        f'<iframe id="home" src="{live_server.url}/public/" width="600" height="400"></iframe>')
        page.goto(partner.url("/report.html"))
        embedded_map = page.frame_locator("#map")
        expect(embedded_map.locator("[data-incident-map]")).to_have_attribute("data-points-loaded", "4")
        expect(page.frame_locator("#chart").locator("table.stats")).to_be_visible()
        shot(page, "public-embed-partner.png")
        # The portal's home page refuses to be framed: Chromium says so and shows nothing of it.
        home = page.frame_locator("#home")
        expect(home.locator("body")).not_to_have_count(0)
        expect(home.locator("#main")).to_have_count(0)
        expect(home.locator("body")).not_to_contain_text("public record")
        assert any("frame-ancestors 'none'" in text for text in refused)
    finally:
        partner.close()
