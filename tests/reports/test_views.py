import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svidok.incidents.services import submit_incident, verify_incident
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db


def _counts(response, name):
    return {row["key"]: row["count"] for row in response.context[name]}


def test_dashboard_counts_by_type_status_and_place_for_coordinator(client, coordinator, documenter, places, verified, draft):
    factories.incident(documenter, title="Search at home", type_code="search", place=places["town"], date=dt.date(2018, 2, 1))
    login(client, coordinator)

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["total"] == 3
    assert {row["object"].code: row["count"] for row in response.context["by_type"]} == {
        "dismissal": 1, "threat_of_dismissal": 1, "search": 1}
    assert {row["code"]: row["count"] for row in response.context["by_status"]} == {"draft": 2, "verified": 1}
    assert [(row["month"], row["count"]) for row in response.context["by_month"]] == [(dt.date(2018, 3, 1), 2), (dt.date(2018, 2, 1), 1)]
    assert [(row["object"].code, row["count"]) for row in response.context["by_raion"]] == [(places["raion"].code, 1)]
    assert [(row["object"].code, row["count"]) for row in response.context["by_region"]] == [(places["crimea"].code, 1)]
    assert response.context["no_place"] == 2


def test_dashboard_counts_incident_placed_at_region_as_that_region(client, coordinator, documenter, places):
    factories.incident(documenter, title="Threats across Crimea", place=places["crimea"])
    factories.incident(documenter, title="Threats in the raion", place=places["raion"])
    login(client, coordinator)

    response = client.get("/")

    assert _counts(response, "by_region") == {places["crimea"].pk: 2}
    assert _counts(response, "by_raion") == {places["raion"].pk: 1}


def test_dashboard_counts_only_what_viewer_may_see(client, viewer, verified, draft):
    login(client, viewer)

    response = client.get("/")

    assert response.context["total"] == 1
    assert {row["code"]: row["count"] for row in response.context["by_status"]} == {"verified": 1}
    assert "New incident" not in response.content.decode()


def test_dashboard_shows_new_incident_button_to_documenter(client, documenter):
    login(client, documenter)

    response = client.get("/")

    assert response.status_code == 200
    assert 'href="/incidents/new/">New incident</a>' in response.content.decode()


def test_dashboard_query_count_does_not_grow_with_incidents(client, coordinator, documenter, places):
    login(client, coordinator)
    factories.incident(documenter, place=places["town"])
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for day in range(1, 15):
        incident = factories.incident(documenter, type_code="search" if day % 2 else "detention", date=dt.date(2017, day % 12 + 1, day),
                                      place=places["town"] if day % 3 else None)
        if day % 4 == 0:
            submit_incident(actor=documenter, incident=incident)
            verify_incident(actor=coordinator, incident=incident)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/")

    assert response.context["total"] == 15
    assert len(many) == len(few)
