import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from svidok.incidents.models import ElectionFigure, Intervention, Place, Source
from svidok.incidents.services import record_election, record_election_figure, submit_incident, verify_incident
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(db):
    raion = Place.objects.create(code="UA01020000000022387", category="P", name_uk="Бахчисарайський", name_latin="Bakhchysaraiskyi")
    town = Place.objects.create(code="UA01020010010073418", category="M", name_uk="Бахчисарай", name_latin="Bakhchysarai",
                                name_ru="Бахчисарай", parent=raion, raion=raion)
    village = Place.objects.create(code="UA01020030010076503", category="C", name_uk="Голубинка", name_latin="Holubynka",
                                   parent=raion, raion=raion)
    return raion, town, village


def test_sources_create_read_patch(api, documenter, viewer):
    created = api(documenter).post("/api/v1/sources/", {"kind": "article", "title": "QHA report", "reliability": "B", "credibility": 2},
                                   format="json")
    uuid = created.json()["uuid"]

    patched = api(documenter).patch(f"/api/v1/sources/{uuid}/", {"publisher": "QHA"}, format="json")
    read = api(viewer).get(f"/api/v1/sources/{uuid}/")

    assert created.status_code == 201
    assert patched.status_code == 200
    assert (read.json()["publisher"], read.json()["reliability"], read.json()["credibility"]) == ("QHA", "B", 2)


def test_sources_cannot_be_deleted(api, coordinator):
    source = factories.source(coordinator)

    response = api(coordinator).delete(f"/api/v1/sources/{source.uuid}/")

    assert response.status_code == 405
    assert Source.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "article", "title": "X", "credibility": 9}, "credibility"),
        ({"kind": "article", "title": "X", "reliability": "Z"}, "reliability"),
        ({"kind": "tweet", "title": "X"}, "kind"),
        ({"kind": "article", "title": "X", "published_on": "2999-01-01"}, "published_on"),
        ({"kind": "article", "title": "X", "url": "not a url"}, "url"),
    ],
)
def test_sources_bad_input_is_400(api, documenter, body, field):
    response = api(documenter).post("/api/v1/sources/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Source.objects.count() == 0


def test_sources_create_by_analyst_is_403(api, analyst):
    response = api(analyst).post("/api/v1/sources/", {"kind": "article", "title": "X"}, format="json")

    assert response.status_code == 403


def test_places_filter_by_parent_and_category(api, viewer, places):
    raion, town, village = places

    response = api(viewer).get("/api/v1/places/", {"parent": raion.code, "category": "C"})

    assert [p["code"] for p in response.json()["results"]] == [village.code]


def test_places_detail_by_code(api, viewer, places):
    response = api(viewer).get(f"/api/v1/places/{places[1].code}/")

    assert (response.json()["name_latin"], response.json()["raion"]) == ("Bakhchysarai", places[0].code)


def test_places_unknown_category_is_400(api, viewer):
    response = api(viewer).get("/api/v1/places/", {"category": "Z"})

    assert response.status_code == 400


def test_elections_with_figures(api, coordinator, viewer):
    election = record_election(actor=coordinator, fields={"name": "Presidential election 2018", "date": dt.date(2018, 3, 18)})
    record_election_figure(actor=coordinator, election=election, fields={
        "metric": ElectionFigure.Metric.TURNOUT, "value": Decimal("71.55"), "official": True, "territory_text": "Crimea"})

    response = api(viewer).get(f"/api/v1/elections/{election.uuid}/")

    assert response.status_code == 200
    assert [(f["metric"], f["value"], f["official"]) for f in response.json()["figures"]] == [("turnout", "71.55", True)]


def test_vocabularies_in_export_form(api, viewer):
    listed = api(viewer).get("/api/v1/vocabularies/")
    single = api(viewer).get("/api/v1/vocabularies/legal_qualification/")
    missing = api(viewer).get("/api/v1/vocabularies/nope/")

    assert listed.json()["format"] == "svidok-vocabularies"
    assert "echr-10" in [t["code"] for t in single.json()["terms"]]
    assert missing.status_code == 404


def test_interventions_create_lists_only_visible_incidents(api, coordinator, documenter, viewer):
    shown = factories.incident(documenter)
    submit_incident(actor=documenter, incident=shown)
    verify_incident(actor=coordinator, incident=shown)
    hidden = factories.incident(coordinator, title="Restricted", sensitivity="restricted")
    body = {"kind": "osce_submission", "title": "Statement at the OSCE", "date": "2018-03-22",
            "incidents": [shown.reference, hidden.reference]}

    created = api(coordinator).post("/api/v1/interventions/", body, format="json")
    seen_by_viewer = api(viewer).get(f"/api/v1/interventions/{created.json()['uuid']}/")

    assert created.status_code == 201
    assert created.json()["incidents"] == sorted([shown.reference, hidden.reference])
    assert seen_by_viewer.json()["incidents"] == [shown.reference]
    assert Intervention.objects.get().incidents.count() == 2


def test_search_finds_visible_incident_person_and_place(api, coordinator, documenter, viewer, places):
    incident = factories.incident(documenter, title="Kurbedinov reports dismissals", place=places[1])
    submit_incident(actor=documenter, incident=incident)
    verify_incident(actor=coordinator, incident=incident)
    factories.incident(documenter, title="Kurbedinov draft")
    factories.person(documenter, name="Emil Kurbedinov")

    response = api(viewer).get("/api/v1/search/", {"q": "Kurbedinov"})

    assert response.status_code == 200
    body = response.json()
    assert [i["reference"] for i in body["incidents"]] == [incident.reference]
    assert [p["display_name"] for p in body["persons"]] == ["Emil Kurbedinov"]


def test_search_without_q_is_400(api, viewer):
    response = api(viewer).get("/api/v1/search/")

    assert response.status_code == 400
    assert list(response.json()) == ["q"]


def test_search_anonymous_is_401(api):
    assert api().get("/api/v1/search/", {"q": "x"}).status_code == 401


def test_schema_is_valid_openapi_without_warnings(tmp_path):
    path = tmp_path / "schema.yaml"

    # --fail-on-warn turns every spectacular warning (unresolvable field, name clash) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))

    spec, _url = read_from_filename(str(path))
    validate(spec)
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/incidents/{reference}/mark-duplicate/" in spec["paths"]
    assert "/api/v1/search/" in spec["paths"]


def test_schema_served_at_api_schema(client, viewer):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
