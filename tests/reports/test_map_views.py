"""The map's points (the incident list's filters, what the reader may see, titles as the reader reads
them), its public outlines, and the pages that carry it."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svidok.incidents.services import add_involvement, submit_incident, verify_incident
from tests import factories
from tests.helpers import login, second_lead

pytestmark = pytest.mark.django_db

POINTS = "/reports/map/points.geojson"


def _points(client, query=""):
    response = client.get(POINTS + query)
    assert response["Content-Type"] == "application/geo+json"
    return response, json.loads(response.content)


def _references(data):
    return sorted(f["properties"]["reference"] for f in data["features"])


def test_points_of_coordinator_follow_the_list_filters(client, coordinator, documenter, places):
    search = factories.incident(documenter, type_code="search", place=places["town"], date=dt.date(2018, 2, 1))
    factories.incident(documenter, type_code="dismissal", place=places["raion"], date=dt.date(2018, 3, 1))
    login(client, coordinator)

    response, data = _points(client, "?type=search")

    assert response.status_code == 200
    assert _references(data) == [search.reference]
    assert data["features"][0]["properties"]["url"] == f"/incidents/{search.reference}/"
    assert data["not_shown"] == 0 and data["note"] == ""


def test_points_take_a_place_by_name_like_the_list(client, coordinator, documenter, places):
    in_town = factories.incident(documenter, place=places["town"])
    factories.incident(documenter, place=places["crimea"])
    login(client, coordinator)

    _response, data = _points(client, "?place=Бахчисарай")

    assert _references(data) == [in_town.reference]


def test_points_count_incidents_without_a_position(client, coordinator, documenter, places):
    factories.incident(documenter, place=places["town"])
    factories.incident(documenter)
    factories.incident(documenter)
    login(client, coordinator)

    _response, data = _points(client)

    assert len(data["features"]) == 1
    assert data["not_shown"] == 2
    assert data["note"] == "2 incidents are not on the map: they have no place, or their place has no position."


def test_points_when_nothing_matches_say_so(client, coordinator):
    login(client, coordinator)

    _response, data = _points(client)

    assert data["features"] == [] and data["note"] == "No incidents to show."


def test_points_bad_filter_is_400_naming_the_problem(client, coordinator):
    login(client, coordinator)

    response = client.get(POINTS + "?date_from=2018-31-01")

    assert response.status_code == 400
    assert json.loads(response.content) == {"errors": ["Enter a date as YYYY-MM-DD."]}


def test_points_show_viewer_only_what_viewer_may_see(client, viewer, places, documenter, coordinator):
    seen = factories.incident(documenter, place=places["town"], title="Seen")
    submit_incident(actor=documenter, incident=seen)
    verify_incident(actor=coordinator, incident=seen)
    factories.incident(documenter, place=places["town"], title="A draft")
    factories.incident(documenter, place=places["town"], title="Restricted", sensitivity="restricted")
    login(client, viewer)

    _response, data = _points(client)

    assert _references(data) == [seen.reference]


def test_points_title_names_protected_person_by_pseudonym_for_viewer(client, coordinator, viewer, places):
    victim = factories.person(coordinator, name="Ірина Коваленко", protected=True)
    incident = factories.incident(coordinator, title="Iryna Kovalenko dismissed", place=places["town"], sensitivity="internal")
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "victim"), person=victim)
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=incident, reason="two sources")
    login(client, viewer)

    response, data = _points(client)

    assert "Kovalenko" not in response.content.decode()
    assert data["features"][0]["properties"]["title"] == f"{victim.pseudonym} dismissed"


def test_points_need_sign_in(client):
    response = client.get(POINTS)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_points_query_count_does_not_grow_with_incidents(client, coordinator, documenter, places):
    login(client, coordinator)
    factories.incident(documenter, place=places["town"])
    with CaptureQueriesContext(connection) as few:
        client.get(POINTS)
    for day in range(1, 12):
        factories.incident(documenter, type_code="search" if day % 2 else "detention", place=places["raion"], date=dt.date(2018, 1, day))
    with CaptureQueriesContext(connection) as many:
        _response, data = _points(client)

    assert len(data["features"]) == 12
    assert len(many) == len(few)


def test_boundaries_are_public_and_cached(client):
    response = client.get("/reports/map/boundaries.geojson")

    data = json.loads(response.content)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=86400"
    assert len(data["features"]) == 41


def test_incident_list_map_carries_the_filters(client, coordinator):
    login(client, coordinator)

    html = client.get("/incidents/?type=search&sort=title&page=2").content.decode()

    assert 'data-points="/reports/map/points.geojson?type=search"' in html
    assert 'data-follow="list"' in html


def test_place_and_election_pages_show_their_map(client, coordinator, places, election):
    login(client, coordinator)

    place_html = client.get(f"/incidents/places/{places['raion'].code}/").content.decode()
    election_html = client.get(f"/incidents/elections/{election.uuid}/").content.decode()
    dashboard_html = client.get("/").content.decode()

    assert f'data-points="/reports/map/points.geojson?place={places["raion"].code}"' in place_html
    assert f'data-points="/reports/map/points.geojson?election={election.uuid}"' in election_html
    assert 'data-points="/reports/map/points.geojson"' in dashboard_html


def test_election_without_incidents_map_says_so(client, coordinator, election):
    login(client, coordinator)

    _response, data = _points(client, f"?election={election.uuid}")

    assert data == {"type": "FeatureCollection", "features": [], "not_shown": 0, "note": "No incidents to show."}
