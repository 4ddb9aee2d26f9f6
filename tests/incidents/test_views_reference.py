"""Sources, places and elections: their lists and pages."""

import datetime as dt
import decimal
import uuid

import pytest

from svidok.incidents.services import link_source, record_election_figure
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db


def test_source_page_shows_grading_and_visible_incidents_only(client, viewer, coordinator, verified, draft):
    source = factories.source(coordinator, title="QHA report", reliability="B", credibility=2, excerpt="An excerpt.")
    link_source(actor=coordinator, incident=verified, source=source)
    link_source(actor=coordinator, incident=draft, source=source)
    login(client, viewer)

    response = client.get(f"/incidents/sources/{source.uuid}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert "B — usually reliable" in body
    assert [link.incident.reference for link in response.context["links"]] == [verified.reference]


def test_source_list_search(client, viewer, coordinator):
    wanted = factories.source(coordinator, title="QHA report")
    factories.source(coordinator, title="Krym.Realii article")
    login(client, viewer)

    response = client.get("/incidents/sources/", {"q": "qha"})

    assert list(response.context["page"]) == [wanted]


def test_source_page_unknown_is_404(client, viewer):
    login(client, viewer)

    assert client.get(f"/incidents/sources/{uuid.uuid4()}/").status_code == 404


def test_place_page_shows_all_scripts_parent_chain_and_incidents(client, viewer, coordinator, documenter, places):
    from svidok.incidents.services import submit_incident, verify_incident

    incident = factories.incident(documenter, place=places["town"])
    submit_incident(actor=documenter, incident=incident)
    verify_incident(actor=coordinator, incident=incident)
    login(client, viewer)

    response = client.get(f"/incidents/places/{places['town'].code}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert [p.code for p in response.context["chain"]] == [places["crimea"].code, places["raion"].code, places["hromada"].code]
    for name in ("Бахчисарай", "Bakhchysarai", "Bağçasaray"):
        assert name in body
    assert [i.reference for i in response.context["page"]] == [incident.reference]


def test_raion_page_includes_incidents_of_its_settlements(client, coordinator, documenter, places):
    incident = factories.incident(documenter, place=places["town"])
    login(client, coordinator)

    response = client.get(f"/incidents/places/{places['raion'].code}/")

    assert [i.reference for i in response.context["page"]] == [incident.reference]


def test_place_list_default_and_search(client, viewer, places):
    login(client, viewer)

    default = client.get("/incidents/places/")
    found = client.get("/incidents/places/", {"q": "Bahchisaray"})

    assert sorted(p.code for p in default.context["page"]) == sorted([places["crimea"].code, places["raion"].code])
    assert places["town"] in list(found.context["page"])


def test_place_page_unknown_code_is_404(client, viewer):
    login(client, viewer)

    assert client.get("/incidents/places/UA99999999999999999/").status_code == 404


def test_election_page_shows_official_and_estimated_figures(client, viewer, coordinator, election):
    record_election_figure(actor=coordinator, election=election, fields={
        "metric": "turnout", "value": decimal.Decimal("71.55"), "official": True, "territory_text": "Crimea"})
    record_election_figure(actor=coordinator, election=election, fields={
        "metric": "turnout", "comparator": "le", "value": decimal.Decimal("30"), "official": False,
        "claimed_by": "Mejlis", "territory_text": "Crimea"})
    login(client, viewer)

    response = client.get(f"/incidents/elections/{election.uuid}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert [str(f.value) for f in response.context["official"]] == ["71.55"]
    assert [(f.get_comparator_display(), str(f.value), f.claimed_by) for f in response.context["estimates"]] == [("≤", "30.00", "Mejlis")]
    assert "Official figures" in body and "Independent estimates" in body


def test_election_page_lists_visible_incidents(client, viewer, coordinator, documenter, election):
    from svidok.incidents.services import submit_incident, verify_incident

    shown = factories.incident(documenter, election=election)
    submit_incident(actor=documenter, incident=shown)
    verify_incident(actor=coordinator, incident=shown)
    factories.incident(documenter, election=election, title="Hidden draft")
    login(client, viewer)

    response = client.get(f"/incidents/elections/{election.uuid}/")

    assert [i.reference for i in response.context["page"]] == [shown.reference]


def test_election_list_counts_visible_incidents(client, viewer, documenter, election):
    factories.incident(documenter, election=election, date=dt.date(2018, 3, 19))
    login(client, viewer)

    response = client.get("/incidents/elections/")

    assert [(e.uuid, e.incident_count) for e in response.context["elections"]] == [(election.uuid, 0)]


def test_election_page_unknown_is_404(client, viewer):
    login(client, viewer)

    assert client.get(f"/incidents/elections/{uuid.uuid4()}/").status_code == 404
