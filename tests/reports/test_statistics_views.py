"""The statistics page, its chart images and CSV downloads: who may see them, what they count."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svidok.accounts.models import Role
from svidok.incidents.services import submit_incident, verify_incident
from tests import factories
from tests.helpers import login, make_user

pytestmark = pytest.mark.django_db


def _verified(documenter, coordinator, **fields):
    incident = factories.incident(documenter, **fields)
    submit_incident(actor=documenter, incident=incident)
    return verify_incident(actor=coordinator, incident=incident)


@pytest.fixture
def world(documenter, coordinator, places, election):
    """Two verified incidents everyone sees, one restricted verified incident the viewer does not."""
    _verified(documenter, coordinator, title="Teacher dismissed", place=places["town"])
    _verified(documenter, coordinator, title="Flat searched", type_code="search", place=places["raion"])
    _verified(documenter, coordinator, title="Restricted detention", type_code="detention", sensitivity="restricted")


def _csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"))))


def test_statistics_page_shows_every_chart_with_its_table_for_coordinator(client, coordinator, world):
    login(client, coordinator)

    response = client.get("/reports/statistics/")

    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["total"] == 3
    assert [c["table"].key for c in response.context["charts"]] == [
        "by-month", "by-type", "by-region", "by-raion", "by-perpetrator-type", "by-victim-group", "by-status", "time-to-verification"]
    assert body.count('<table class="stats">') == 6  # no perpetrator type nor victim recorded: those two say so instead
    assert body.count("No incident has a perpetrator type recorded.") == 1
    assert '<img src="/reports/statistics/by-type.svg"' in body
    assert 'href="/reports/statistics/by-type.csv"' in body
    assert "Election days marked:" in body


def test_statistics_count_only_what_the_viewer_may_see(client, viewer, world):
    login(client, viewer)

    page = client.get("/reports/statistics/")
    rows = _csv(client.get("/reports/statistics/by-type.csv"))

    assert page.context["total"] == 2
    assert rows == [["Type", "Incidents"], ["Dismissal", "1"], ["Search", "1"]]
    assert "Restricted detention" not in page.content.decode()
    assert "Detention" not in client.get("/reports/statistics/by-month.svg").content.decode()


def test_statistics_of_counsel_count_only_shared_cases_and_mark_no_election(client, world):
    counsel = make_user(Role.COUNSEL, "counsel")
    login(client, counsel)

    response = client.get("/reports/statistics/")

    assert response.status_code == 200
    assert response.context["total"] == 0
    assert response.context["charts"][0]["table"].marks == []


def test_statistics_follow_the_incident_list_filters_into_images_and_csv(client, coordinator, world, places):
    login(client, coordinator)

    response = client.get("/reports/statistics/", {"type": "search", "place": places["raion"].code})
    rows = _csv(client.get(f"/reports/statistics/by-raion.csv?type=search&place={places['raion'].code}"))

    assert response.context["total"] == 1
    assert response.context["charts"][1]["chart_url"] == f"/reports/statistics/by-type.svg?type=search&place={places['raion'].code}"
    assert rows == [["Raion", "Incidents"], ["Bakhchysaraiskyi", "1"]]


def test_statistics_with_a_bad_filter_say_so_and_draw_nothing(client, coordinator, world):
    login(client, coordinator)

    page = client.get("/reports/statistics/", {"date_from": "March"})
    image = client.get("/reports/statistics/by-type.svg?date_from=March")

    assert page.status_code == 400
    assert "Enter a date as YYYY-MM-DD." in page.content.decode()
    assert image.status_code == 400


def test_statistics_of_an_empty_period_say_what_is_missing(client, coordinator, world):
    login(client, coordinator)

    response = client.get("/reports/statistics/", {"date_from": "2030-01-01"})
    image = client.get("/reports/statistics/time-to-verification.svg?date_from=2030-01-01")

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("No incidents to count: nothing matches these filters, or nothing has been recorded yet.") == 8
    assert "Download CSV" not in body
    assert image.status_code == 200
    assert "No incidents to count" in image.content.decode()


def test_statistics_chart_is_an_svg_image_with_a_title_and_no_style_attribute(client, coordinator, world):
    login(client, coordinator)

    response = client.get("/reports/statistics/by-month.svg")

    svg = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml; charset=utf-8"
    assert "no-store" in response["Cache-Control"]
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "<title>Incidents per month, by type</title>" in svg
    assert "style=" not in svg and "<script" not in svg
    assert "Russian presidential election 2018 in Crimea" in svg


def test_statistics_csv_is_named_and_headed_in_the_readers_language(client, coordinator, world):
    login(client, coordinator)

    response = client.get("/reports/statistics/by-status.csv", HTTP_ACCEPT_LANGUAGE="uk")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert _csv(response)[0] == ["Статус", "Інциденти"]
    assert _csv(response)[1][1] == "3"


def test_statistics_unknown_chart_is_not_found(client, coordinator):
    login(client, coordinator)

    assert client.get("/reports/statistics/by-colour.svg").status_code == 404
    assert client.get("/reports/statistics/by-colour.csv").status_code == 404


def test_statistics_ask_a_stranger_to_sign_in(client, world):
    for url in ("/reports/statistics/", "/reports/statistics/by-type.svg", "/reports/statistics/by-type.csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_statistics_page_asks_as_many_queries_for_many_incidents_as_for_few(client, coordinator, documenter, places, world):
    login(client, coordinator)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/reports/statistics/").status_code == 200
        return len(captured)

    few = queries()
    for n in range(6):
        _verified(documenter, coordinator, title=f"Search {n}", type_code="search", place=places["town"])

    assert queries() == few


def test_navigation_and_dashboard_link_to_statistics(client, viewer):
    login(client, viewer)

    body = client.get("/").content.decode()

    assert body.count('href="/reports/statistics/"') == 3  # the phone menu, the wide navigation, the dashboard
