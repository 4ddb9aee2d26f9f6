"""``POST /api/v1/match/``: the OpenSanctions /match request and response shape, datasets, errors."""

import datetime as dt

import pytest

from svidok.sanctions.lists import import_list
from tests import factories
from tests.sanctions.test_lists import eu_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def eu_list(tmp_path, coordinator):
    path = tmp_path / "eu-subset.csv"
    path.write_bytes(eu_rows("1", "30", "162", "1775"))
    return import_list(actor=coordinator, path=path, name="eu-269")


def body(**queries):
    return {"queries": {key: {"schema": "Person", "properties": props} for key, props in queries.items()}}


def test_match_against_a_list_has_the_opensanctions_shape(api, viewer, eu_list):
    response = api(viewer).post("/api/v1/match/?dataset=eu-269&limit=2",
                                body(q1={"name": ["Inna Guzeeva"], "birthDate": ["1971-05-20"]}), format="json")

    assert response.status_code == 200
    data = response.json()
    answer = data["responses"]["q1"]
    first = answer["results"][0]
    assert (sorted(data), data["limit"], sorted(data["matcher"])) == (["limit", "matcher", "responses"], 2, ["birth_date", "name_match"])
    assert (answer["status"], answer["total"], answer["query"]) == (
        200, {"value": 1, "relation": "eq"},
        {"id": None, "schema": "Person", "properties": {"name": ["Inna Guzeeva"], "birthDate": ["1971-05-20"]}})
    assert {k: first[k] for k in ("id", "caption", "schema", "score", "match", "datasets", "record_id", "listed_since")} == {
        "id": "I.PERSONS/162", "caption": "Inna Nikolayevna GUZEYEVA", "schema": "Person", "score": 1.0, "match": True,
        "datasets": ["eu-269"], "record_id": "I.PERSONS/162", "listed_since": "2018-05-14"}
    assert (first["features"], first["properties"]["birthDate"]) == ({"name_match": 1.0, "birth_date": 0.05}, ["1971-05-20"])
    assert first["explanations"]["name_match"] == {"score": 1.0, "detail": "inna ~ inna 1.00; guzeeva ~ guzeeva 1.00",
                                                   "query": "inna guzeeva", "candidate": "Инна Николаевна ГУЗЕЕВА"}


def test_match_dataset_in_the_path_as_yente(api, viewer, eu_list):
    response = api(viewer).post("/api/v1/match/eu-269/", body(a={"name": "Сергей Аксёнов"}), format="json")

    results = response.json()["responses"]["a"]["results"]
    assert (response.status_code, [(r["record_id"], r["match"]) for r in results]) == (
        200, [("I.PERSONS/1", True), ("I.PERSONS/1775", False)])


def test_several_queries_in_one_request(api, viewer, eu_list):
    response = api(viewer).post("/api/v1/match/?dataset=eu-269&limit=1",
                                body(m={"name": ["Михаила Малышева"]}, n={"name": ["Refat Chubarov"]}), format="json")

    answers = response.json()["responses"]
    assert ([r["record_id"] for r in answers["m"]["results"]], answers["n"]["total"]["value"]) == (["I.PERSONS/30"], 0)


def test_several_names_of_one_query_keep_each_candidate_once(api, viewer, eu_list):
    response = api(viewer).post("/api/v1/match/eu-269/", body(q={"name": ["Mikhail Malyshev", "Михаил Малышев"]}), format="json")

    results = response.json()["responses"]["q"]["results"]
    assert [(r["record_id"], r["score"]) for r in results] == [("I.PERSONS/30", 1.0)]


def test_registry_is_the_default_dataset_and_hides_protected_persons(api, viewer, coordinator):
    factories.person(coordinator, name="Lenie Umerova", protected=True)
    person = factories.person(coordinator, name="Ленье Умерова", names=[{"name": "Lenie Umerova", "lang": "en"}])

    response = api(viewer).post("/api/v1/match/", body(q={"name": ["Lenie Umerova"]}), format="json")

    results = response.json()["responses"]["q"]["results"]
    assert [(r["id"], r["caption"], r["datasets"], "record_id" in r) for r in results] == [
        (person.public_id, "Ленье Умерова", ["registry"], False)]


def test_registry_birth_dates_only_for_who_may_see_identities(api, viewer, coordinator):
    factories.person(coordinator, name="Mikhail Malyshev", identity={"birth_date": dt.date(1955, 10, 10)})
    query = body(q={"name": ["Mikhail Malyshev"], "birthDate": ["1961-01-01"]})

    as_viewer = api(viewer).post("/api/v1/match/", query, format="json").json()["responses"]["q"]["results"][0]
    as_lead = api(coordinator).post("/api/v1/match/", query, format="json").json()["responses"]["q"]["results"][0]

    assert (as_viewer["score"], as_viewer["properties"]) == (1.0, {"name": ["Mikhail Malyshev"]})
    assert (as_lead["score"], as_lead["properties"]) == (0.7, {"name": ["Mikhail Malyshev"], "birthDate": ["1955-10-10"]})


def test_logic_v2_algorithm_and_its_feature_docs(api, viewer, eu_list):
    response = api(viewer).post("/api/v1/match/eu-269/?algorithm=logic-v2", body(q={"name": ["Mikhail Malyshev"]}), format="json")

    data = response.json()
    first = data["responses"]["q"]["results"][0]
    assert (first["record_id"], first["match"], "name_match" in data["matcher"]) == ("I.PERSONS/30", True, True)
    assert first["explanations"]["name_match"]["candidate"] in first["properties"]["name"] + first["properties"]["alias"]


@pytest.mark.parametrize(("url", "payload", "errors"), [
    ("/api/v1/match/", {}, {"queries": ["This field is required."]}),
    ("/api/v1/match/", {"queries": {}}, {"queries": ["This dictionary may not be empty."]}),
    ("/api/v1/match/", {"queries": {"q": {"schema": "Wizard", "properties": {"name": ["A B"]}}}},
     {"queries": {"q": {"schema": ['"Wizard" is not a valid choice.']}}}),
    ("/api/v1/match/", {"queries": {"q": {"schema": "Person", "properties": {"alias": ["A B"]}}}},
     {"queries": {"q": {"properties": ['Give at least one name: {"name": ["..."]}.']}}}),
    ("/api/v1/match/", {"queries": {"q": {"schema": "Person", "properties": {"name": ["И. Н."]}}}},
     {"queries": {"q": {"properties": {"name": ["A name cannot be initials only: write at least one name in full."]}}}}),
    ("/api/v1/match/", {"queries": {"q": {"schema": "Person", "properties": {"name": ["A B"], "birthDate": ["10.10.1955"]}}}},
     {"queries": {"q": {"properties": {"birthDate": ["Birth date '10.10.1955' is not a date (YYYY-MM-DD or YYYY)."]}}}}),
    ("/api/v1/match/?limit=0", {"queries": {"q": {"schema": "Person", "properties": {"name": ["A B"]}}}},
     {"limit": ["Ensure this value is greater than or equal to 1."]}),
    ("/api/v1/match/?threshold=x", {"queries": {"q": {"schema": "Person", "properties": {"name": ["A B"]}}}},
     {"threshold": ["A valid number is required."]}),
    ("/api/v1/match/?algorithm=regression-v1", {"queries": {"q": {"schema": "Person", "properties": {"name": ["A B"]}}}},
     {"algorithm": ['"regression-v1" is not a valid choice.']}),
])
def test_bad_request_is_400_naming_the_field(api, viewer, url, payload, errors):
    response = api(viewer).post(url, payload, format="json")

    assert (response.status_code, response.json()) == (400, errors)


def test_too_many_queries_is_400(api, viewer):
    queries = {f"q{i}": {"schema": "Person", "properties": {"name": ["A B"]}} for i in range(51)}

    response = api(viewer).post("/api/v1/match/", {"queries": queries}, format="json")

    assert (response.status_code, response.json()) == (400, {"queries": ["At most 50 queries in one request."]})


def test_unknown_dataset_is_404(api, viewer):
    response = api(viewer).post("/api/v1/match/nope/", body(q={"name": ["A B"]}), format="json")

    assert (response.status_code, response.json()) == (404, {"detail": "No dataset 'nope': use 'registry' or an imported list."})


def test_anonymous_is_401(api):
    assert api().post("/api/v1/match/", body(q={"name": ["A B"]}), format="json").status_code == 401
