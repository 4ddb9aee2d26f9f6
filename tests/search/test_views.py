import pytest

from svidok.incidents.services import add_involvement, submit_incident, verify_incident
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db


def test_search_finds_incident_by_perpetrator_name_in_other_script(client, viewer, coordinator, documenter, verified):
    perpetrator = factories.person(coordinator, name="Mikhail Malyshev")
    add_involvement(actor=coordinator, incident=verified, person=perpetrator, role=factories.term("involvement_role", "perpetrator"))
    login(client, viewer)

    response = client.get("/search/", {"q": "Малышев"})

    assert response.status_code == 200
    assert [i.reference for i in response.context["results"]["incidents"]] == [verified.reference]
    assert [p.display_name for p in response.context["results"]["persons"]] == ["Mikhail Malyshev"]


def test_search_shows_all_four_kinds(client, coordinator, documenter, places):
    incident = factories.incident(documenter, title="Search in Bakhchysarai", place=places["town"])
    submit_incident(actor=documenter, incident=incident)
    verify_incident(actor=coordinator, incident=incident)
    organization = factories.organization(coordinator, name="Bakhchysarai district administration", kind="occupation_administration")
    login(client, coordinator)

    response = client.get("/search/", {"q": "Бахчисарай"})

    results = response.context["results"]
    assert [i.reference for i in results["incidents"]] == [incident.reference]
    assert results["organizations"] == [organization]
    assert places["town"] in results["places"]
    assert "<h2>Places</h2>" in response.content.decode()


def test_search_hides_invisible_drafts_from_viewer(client, viewer, draft):
    login(client, viewer)

    response = client.get("/search/", {"q": "threat"})

    assert response.context["results"]["incidents"] == []


def test_search_without_query_shows_only_the_box(client, viewer):
    login(client, viewer)

    response = client.get("/search/")

    assert (response.status_code, response.context["results"]) == (200, None)
    assert '<label for="search-q">' in response.content.decode()
