"""Flow: a coordinator looks at where incidents happened on the map and opens one from it.

The map (Leaflet from npm, served from node_modules) draws clustered points over the region outlines
without any tile server; a cluster shows its count, a point opens a popup whose link leads to the
incident. No console error: the strict CSP (no inline style or script) holds with Leaflet. Set
SVIDOK_SCREENSHOT_DIR to keep screenshots for a look by eye.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from svidok.accounts.models import Role
from svidok.incidents.models import Place
from svidok.incidents.services import record_election
from tests import factories
from tests.browser.conftest import TIMEOUT_MS, map_still, shot, sign_in, watch
from tests.helpers import make_user

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PAGE_WIDTH = "() => document.documentElement.scrollWidth"


@pytest.fixture
def world(vocabularies, places):
    coordinator = make_user(Role.COORDINATOR, "coordinator")
    town = places["town"]
    town.latitude, town.longitude = Decimal("44.751"), Decimal("33.860")
    town.save()
    zaporizhzhia = Place.objects.create(code="UA23000000000064947", category="O", name_uk="Запорізька", name_latin="Zaporizka")
    melitopol = Place.objects.create(code="UA23080150010099070", category="M", name_uk="Мелітополь", name_latin="Melitopol",
                                     region=zaporizhzhia, parent=zaporizhzhia, latitude=Decimal("46.8489"), longitude=Decimal("35.3675"))
    in_town = [factories.incident(coordinator, title=f"Teacher {n} told to vote", place=town, type_code="threat_of_dismissal",
                                  date=dt.date(2018, 3, n)) for n in range(1, 6)]
    in_raion = factories.incident(coordinator, title="Search of a mosque", place=places["raion"], type_code="search")
    far = factories.incident(coordinator, title="Nurses dismissed after the vote", place=melitopol, type_code="dismissal",
                             date=dt.date(2022, 10, 3))
    nowhere = factories.incident(coordinator, title="Threat by telephone", type_code="intimidation")
    quiet = record_election(actor=coordinator, fields={"name": "Local council vote 2023", "date": dt.date(2023, 9, 10)})
    return {"in_town": in_town, "in_raion": in_raion, "far": far, "nowhere": nowhere, "quiet_election": quiet}


def _map_loaded(page, count: int):
    expect(page.locator("[data-incident-map]")).to_have_attribute("data-points-loaded", str(count), timeout=TIMEOUT_MS)


def test_map_clusters_points_and_a_click_opens_the_incident(page, console_errors, world):
    sign_in(page, "coordinator")

    page.goto("/incidents/")
    _map_loaded(page, 7)

    cluster = page.locator(".marker-cluster")
    expect(cluster).to_have_count(1)
    expect(cluster).to_have_text("6")  # five in the town and one at the raion's centre, close together
    expect(page.locator(".incident-map .map-note")).to_have_text(
        "1 incident is not on the map: it has no place, or its place has no position.")
    expect(page.locator(".map-legend li")).to_have_text(["Threat of dismissal (5)", "Dismissal (1)", "Search (1)"])
    expect(page.locator(".leaflet-control-attribution")).to_contain_text("OpenStreetMap contributors")
    expect(page.locator(".map-point")).to_have_count(1)  # the lone point in Melitopol
    shot(page, "map-list.png")

    page.locator(".map-point").click()
    popup = page.locator(".leaflet-popup")
    expect(popup).to_contain_text(world["far"].reference)
    expect(popup).to_contain_text("Melitopol (at the place itself)")
    map_still(page)
    shot(page, "map-popup.png", full_page=False)
    popup.get_by_role("link", name="Nurses dismissed after the vote").click()

    expect(page).to_have_url(re.compile(f"/incidents/{world['far'].reference}/$"), timeout=TIMEOUT_MS)
    expect(page.get_by_role("heading", level=1)).to_have_text("Nurses dismissed after the vote")
    assert console_errors == []


def test_map_cluster_opens_to_its_points_with_precision(page, console_errors, world):
    sign_in(page, "coordinator")
    page.goto("/incidents/")
    _map_loaded(page, 7)

    expect(page.locator(".marker-cluster")).to_have_count(1)
    page.locator(".marker-cluster").click()  # zooms in until the raion's centre and the town part
    five = page.get_by_role("button", name="5", exact=True)
    expect(page.locator(".marker-cluster")).to_have_count(1)
    shot(page, "map-zoomed.png")
    map_still(page)
    five.click()  # five at one spot: spread out around it (spiderfied)
    expect(page.locator(".map-point[title^='Teacher ']")).to_have_count(5)

    map_still(page)
    page.locator(".map-point[title='Search of a mosque']").click()  # at the raion's centre
    expect(page.locator(".leaflet-popup")).to_contain_text("Bakhchysaraiskyi (placed at the raion's centre)")
    assert console_errors == []


def test_map_point_opens_from_the_keyboard(page, console_errors, world):
    sign_in(page, "coordinator")
    page.goto("/incidents/?type=dismissal")
    _map_loaded(page, 1)

    point = page.locator(".map-point[title='Nurses dismissed after the vote']")
    point.focus()
    page.keyboard.press("Enter")

    expect(page.locator(".leaflet-popup")).to_contain_text("Melitopol (at the place itself)")
    assert console_errors == []


def test_map_on_the_list_takes_its_filters(page, console_errors, world):
    sign_in(page, "coordinator")

    page.goto("/incidents/?type=dismissal")

    _map_loaded(page, 1)
    expect(page.locator(".map-legend li")).to_have_text(["Dismissal (1)"])
    page.get_by_label("Type", exact=True).select_option(label="Search")
    _map_loaded(page, 1)
    expect(page.locator(".map-legend li")).to_have_text(["Search (1)"])
    assert console_errors == []


def test_map_of_an_election_without_incidents_says_so(page, console_errors, world):
    sign_in(page, "coordinator")

    page.goto(f"/incidents/elections/{world['quiet_election'].uuid}/")

    _map_loaded(page, 0)
    expect(page.locator(".incident-map .map-note")).to_have_text("No incidents to show.")
    expect(page.locator(".leaflet-outline-pane path")).to_have_count(41)  # the outlines still drawn
    assert console_errors == []


def test_map_on_a_phone_fits_the_screen(browser, live_server, console_errors, world):
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport=PHONE, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = watch(context.new_page(), console_errors)
    try:
        sign_in(page, "coordinator")
        _map_loaded(page, 7)  # the dashboard's map
        page.locator(".map-canvas").scroll_into_view_if_needed()

        shot(page, "map-dashboard-phone.png", full_page=False)
        assert page.evaluate(PAGE_WIDTH) <= PHONE["width"]
        box = page.locator(".map-canvas").bounding_box()
        assert box["width"] <= PHONE["width"] and box["height"] <= PHONE["height"]
        assert console_errors == []
    finally:
        context.close()
