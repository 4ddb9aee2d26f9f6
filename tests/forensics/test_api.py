"""``/api/v1/forensics/``: result sets, their analysis and claim tester as GETs with checked query
parameters, saved analyses, and the OpenAPI schema. The 2018 file is imported once for the module."""

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.core.management import call_command
from django.db import transaction
from openapi_spec_validator import validate
from openapi_spec_validator.readers import read_from_filename

from svidok.accounts.models import Role
from svidok.forensics import services
from svidok.forensics.models import Analysis
from svidok.incidents.services import record_election
from tests.forensics.conftest import CRIMEA, FILE_2016, FILE_2018, csv_text, synthetic_row
from tests.forensics.test_views import crimea_lines
from tests.helpers import make_user, settle_constraints

pytestmark = pytest.mark.django_db

BASE = "/api/v1/forensics"
PUTIN = "Путин Владимир Владимирович"
VARIANTS = ["either", "result", "turnout"]


@pytest.fixture(scope="module")
def results(django_db_setup, django_db_blocker):
    """The 2018 file and the Crimean precincts of 2016, each in its election; rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        importer = make_user(Role.COORDINATOR, "forensics_api_importer")
        election = record_election(actor=importer, fields={"name": "Presidential 2018", "date": dt.date(2018, 3, 18)})
        earlier = record_election(actor=importer, fields={"name": "Duma 2016", "date": dt.date(2016, 9, 18)})
        rs = services.import_results(actor=importer, election=election, source=FILE_2018, label="CEC 2018").result_set
        rs_2016 = services.import_results(actor=importer, election=earlier, source=crimea_lines(FILE_2016, "2016.csv"),
                                          name="2016-crimea.csv").result_set
        settle_constraints()
        yield SimpleNamespace(election=election, rs=rs, rs_2016=rs_2016)
        transaction.set_rollback(True)


@pytest.fixture
def no_role(db):
    """A signed-in account whose role is none of the five (a stale or hand-edited row): sees nothing."""
    return make_user("", "norole")


def analysis_url(rs):
    return f"{BASE}/result-sets/{rs.uuid}/analysis/"


def claim_url(rs):
    return f"{BASE}/result-sets/{rs.uuid}/claim/"


# -- result sets --------------------------------------------------------------------------------------


def test_result_set_list_viewer_reads_every_result_set(api, results, viewer):
    response = api(viewer).get(f"{BASE}/result-sets/")

    rows = response.json()["results"]
    assert response.status_code == 200
    assert [(r["id"], r["file"], r["precinct_count"]) for r in rows] == [
        (str(results.rs_2016.uuid), "2016-crimea.csv", 1207),
        (str(results.rs.uuid), "2018.csv.zip", 97_699),
    ]


def test_result_set_detail_has_the_file_and_its_columns(api, results, viewer):
    response = api(viewer).get(f"{BASE}/result-sets/{results.rs.uuid}/")

    body = response.json()
    assert response.status_code == 200
    assert (body["election"], body["election_name"], body["label"], body["leader"]) == (
        str(results.election.uuid), "Presidential 2018", "CEC 2018", PUTIN)
    assert (body["sha256"], body["size"], body["flag_counts"]) == (results.rs.sha256, FILE_2018.stat().st_size, {})
    assert len(body["candidates"]) == 8
    assert body["mapping"]["fields"]["registered"] == "Число избирателей, включенных в список избирателей"


def test_result_set_list_anonymous_is_401(api, results):
    assert api().get(f"{BASE}/result-sets/").status_code == 401


def test_result_set_no_role_sees_nothing(api, results, no_role):
    client = api(no_role)

    listed = client.get(f"{BASE}/result-sets/")
    detail = client.get(f"{BASE}/result-sets/{results.rs.uuid}/")
    analysis = client.get(analysis_url(results.rs), {"region": CRIMEA, "replicates": 10})
    claim = client.get(claim_url(results.rs), {"metric": "turnout", "value": 30})

    assert (listed.status_code, listed.json()["results"]) == (200, [])
    assert (detail.status_code, analysis.status_code, claim.status_code) == (404, 403, 403)


def test_result_set_unknown_is_404(api, results, viewer):
    client = api(viewer)

    assert client.get(f"{BASE}/result-sets/{uuid.uuid4()}/").status_code == 404
    assert client.get(f"{BASE}/result-sets/{'-' * 36}/").status_code == 404
    assert client.get(analysis_url(SimpleNamespace(uuid=uuid.uuid4()))).status_code == 404


def test_result_sets_are_read_only(api, results, coordinator):
    client = api(coordinator)

    assert client.post(f"{BASE}/result-sets/", {}, format="json").status_code == 405
    assert client.delete(f"{BASE}/result-sets/{results.rs.uuid}/").status_code == 405


# -- analysis -----------------------------------------------------------------------------------------


def test_analysis_crimea_has_the_documented_keys_and_official_figures(api, results, viewer):
    response = api(viewer).get(analysis_url(results.rs), {"replicates": 100, "region": CRIMEA})

    body = response.json()
    s, t, sh = body["summary"], body["integer_test"], body["shpilkin"]
    assert response.status_code == 200
    assert (body["params"]["replicates"], body["params"]["region"], body["params"]["seed"]) == (100, CRIMEA, 0)
    assert (s["registered"], s["ballots_issued"], round(s["turnout"], 2), s["leader"], round(s["leader_share"], 2)) == (
        1_508_701, 1_079_531, 71.55, PUTIN, 92.15)
    assert {k: sorted(t[k]) for k in ("observed", "expected", "sd", "excess", "z", "p")} == {
        k: VARIANTS for k in ("observed", "expected", "sd", "excess", "z", "p")}
    assert (t["precincts"], t["replicates"]) == (1173, 100)
    assert abs(t["z"]["either"]) < 2  # Crimea is not significant (z about 1)
    assert {"anomalous_votes", "peak_turnout"} <= set(sh)
    assert abs(sh["anomalous_votes"]) <= 30_000


def test_analysis_whole_file_counts_integer_percentages(api, results, analyst):
    response = api(analyst).get(analysis_url(results.rs), {"replicates": 100})

    t = response.json()["integer_test"]
    assert response.status_code == 200
    assert t["precincts"] == 91_152
    assert t["observed"] == {"either": 19_271, "result": 10_116, "turnout": 10_543}
    assert round(response.json()["summary"]["turnout"], 2) == 67.54


def test_analysis_same_seed_same_output_other_seed_other_null(api, results, viewer):
    client = api(viewer)
    query = {"replicates": 50, "region": CRIMEA}

    first = client.get(analysis_url(results.rs), query | {"seed": 5}).json()
    again = client.get(analysis_url(results.rs), query | {"seed": 5}).json()
    other = client.get(analysis_url(results.rs), query | {"seed": 6}).json()

    assert first == again
    assert first["integer_test"]["observed"] == other["integer_test"]["observed"]
    assert first["integer_test"]["expected"] != other["integer_test"]["expected"]


def test_analysis_with_comparison_adds_same_precinct_change(api, results, viewer):
    response = api(viewer).get(analysis_url(results.rs), {"replicates": 10, "region": CRIMEA,
                                                          "compare": str(results.rs_2016.uuid)})

    sp = response.json()["same_precinct"]
    assert response.status_code == 200
    assert response.json()["source"]["compared_with"] == str(results.rs_2016.uuid)
    assert (sp["matched"], round(sp["median_change"])) == (1205, 21)


@pytest.mark.parametrize(("query", "field"), [
    ({"replicates": 0}, "replicates"),
    ({"replicates": 5001}, "replicates"),
    ({"replicates": "many"}, "replicates"),
    ({"seed": -1}, "seed"),
    ({"bin_width": 0}, "bin_width"),
    ({"region": "Атлантида"}, "region"),
    ({"region": CRIMEA, "tik": "99 Нет такой"}, "tik"),
    ({"compare": "not-a-uuid"}, "compare"),
    ({"compare": str(uuid.UUID(int=7))}, "compare"),
])
def test_analysis_bad_parameter_is_400_naming_it(api, results, viewer, query, field):
    response = api(viewer).get(analysis_url(results.rs), {"replicates": 10} | query)

    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_analysis_unknown_region_says_which(api, results, viewer):
    response = api(viewer).get(analysis_url(results.rs), {"region": "Атлантида"})

    assert response.json() == {"region": ["No precincts in region 'Атлантида' in this result set."]}


def test_analysis_compare_with_itself_is_400(api, results, viewer):
    response = api(viewer).get(analysis_url(results.rs), {"replicates": 10, "compare": str(results.rs.uuid)})

    assert (response.status_code, response.json()) == (400, {"compare": ["No other result set with this id."]})


def test_analysis_of_a_scope_without_analysable_precincts_is_400(api, coordinator, viewer):
    election = record_election(actor=coordinator, fields={"name": "Synthetic", "date": dt.date(2020, 1, 1)})
    source = csv_text([synthetic_row(uik="1", registered="")]).encode("utf-8")
    rs = services.import_results(actor=coordinator, election=election, source=source, name="empty.csv").result_set

    response = api(viewer).get(analysis_url(rs), {"replicates": 10})

    assert (response.status_code, response.json()) == (400, {"scope": ["No analysable precincts in this scope."]})


def test_analysis_is_not_saved(api, results, analyst):
    api(analyst).get(analysis_url(results.rs), {"replicates": 10, "region": CRIMEA})

    assert Analysis.objects.count() == 0


# -- claim --------------------------------------------------------------------------------------------


def test_claim_crimea_turnout_30_implies_fictitious_ballots(api, results, viewer):
    response = api(viewer).get(claim_url(results.rs), {"metric": "turnout", "comparator": "le", "value": 30,
                                                       "region": CRIMEA})

    body = response.json()
    assert response.status_code == 200
    assert (body["testable"], body["consistent"]) == (True, False)
    assert (body["official"]["registered"], body["official"]["ballots_issued"], body["official"]["turnout"]) == (
        1_508_701, 1_079_531, 71.55)
    assert (body["implied"]["fictitious_ballots"], body["implied"]["fictitious_share_of_issued"]) == (626_921, 58.07)
    assert (len(body["by_tik"]), sum(row["fictitious"] for row in body["by_tik"])) == (27, 627_753)
    assert body["cannot_detect"][0].startswith("padding spread evenly across a whole region")


def test_claim_with_earlier_election_adds_same_precinct_evidence(api, results, viewer):
    response = api(viewer).get(claim_url(results.rs), {"metric": "turnout", "value": 30, "region": CRIMEA,
                                                       "compare": str(results.rs_2016.uuid)})

    assert response.json()["evidence"]["same_precinct"]["matched"] == 1205


def test_claim_group_leader_share_is_not_testable(api, results, viewer):
    response = api(viewer).get(claim_url(results.rs), {"metric": "leader_share", "value": 50, "region": CRIMEA,
                                                       "group": "Crimean Tatars"})

    body = response.json()
    assert response.status_code == 200
    assert (body["testable"], body["implied"]) == (False, {})
    assert body["reason"].startswith("The protocols do not record who voted or how, so a leader share among Crimean Tatars")


@pytest.mark.parametrize(("query", "field"), [
    ({"value": 30}, "metric"),
    ({"metric": "turnout"}, "value"),
    ({"metric": "turnout", "value": 150}, "value"),
    ({"metric": "happiness", "value": 30}, "metric"),
    ({"metric": "turnout", "value": 30, "comparator": "lt"}, "comparator"),
    ({"metric": "turnout", "value": 10, "group": "Crimean Tatars", "group_share": 0}, "group_share"),
    ({"metric": "turnout", "value": 30, "region": "Атлантида"}, "region"),
    ({"metric": "turnout", "value": 30, "compare": str(uuid.UUID(int=7))}, "compare"),
])
def test_claim_bad_parameter_is_400_naming_it(api, results, viewer, query, field):
    response = api(viewer).get(claim_url(results.rs), query)

    assert response.status_code == 400
    assert list(response.json()) == [field]


# -- saved analyses -----------------------------------------------------------------------------------


@pytest.fixture
def saved(results, analyst):
    return services.run_and_save(actor=analyst, result_set=results.rs, region=CRIMEA, replicates=10, seed=2)


def test_analyses_list_shows_saved_runs(api, saved, viewer):
    response = api(viewer).get(f"{BASE}/analyses/")

    rows = response.json()["results"]
    assert response.status_code == 200
    assert [(r["id"], r["result_set"], r["region"], r["tik"], r["created_by"], r["version"]) for r in rows] == [
        (str(saved.uuid), str(saved.result_set.uuid), CRIMEA, "", "analyst", "1")]
    assert rows[0]["params"]["replicates"] == 10


def test_analyses_detail_holds_the_stored_result(api, saved, viewer):
    response = api(viewer).get(f"{BASE}/analyses/{saved.uuid}/")

    body = response.json()
    assert response.status_code == 200
    assert body["result"] == Analysis.objects.get(pk=saved.pk).result
    assert body["result"]["summary"]["registered"] == 1_508_701
    assert (body["params"]["seed"], body["result"]["params"]["seed"]) == (2, 2)


def test_analyses_unknown_or_malformed_id_is_404(api, saved, viewer):
    client = api(viewer)

    assert client.get(f"{BASE}/analyses/{uuid.uuid4()}/").status_code == 404
    assert client.get(f"{BASE}/analyses/{'-' * 36}/").status_code == 404


def test_analyses_no_role_sees_nothing(api, saved, no_role):
    client = api(no_role)

    assert client.get(f"{BASE}/analyses/").json()["results"] == []
    assert client.get(f"{BASE}/analyses/{saved.uuid}/").status_code == 404


def test_analyses_anonymous_is_401_and_read_only(api, saved, analyst):
    assert api().get(f"{BASE}/analyses/").status_code == 401
    assert api(analyst).post(f"{BASE}/analyses/", {}, format="json").status_code == 405
    assert api(analyst).delete(f"{BASE}/analyses/{saved.uuid}/").status_code == 405


# -- schema -------------------------------------------------------------------------------------------


def test_schema_documents_forensics_endpoints_and_their_parameters(tmp_path):
    path = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))

    spec, _url = read_from_filename(str(path))
    validate(spec)
    paths = spec["paths"]
    analysis = {p["name"]: p for p in paths["/api/v1/forensics/result-sets/{uuid}/analysis/"]["get"]["parameters"]}
    claim = {p["name"]: p for p in paths["/api/v1/forensics/result-sets/{uuid}/claim/"]["get"]["parameters"]}
    assert {"/api/v1/forensics/result-sets/", "/api/v1/forensics/result-sets/{uuid}/", "/api/v1/forensics/analyses/",
            "/api/v1/forensics/analyses/{uuid}/"} <= set(paths)
    assert {"replicates", "seed", "bin_width", "region", "tik", "compare"} <= set(analysis)
    assert (analysis["replicates"]["schema"]["minimum"], analysis["replicates"]["schema"]["maximum"]) == (1, 5000)
    assert (claim["metric"]["required"], claim["value"]["required"]) == (True, True)
