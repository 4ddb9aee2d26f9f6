"""Importing precinct results (svidok.forensics.services), loading them back (data.load_precincts),
and the scope checks: on small synthetic files, and once per module on the whole 2018 file."""

import datetime as dt
import hashlib

import numpy as np
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from svidok.accounts.models import Role
from svidok.audit.models import AuditEntry
from svidok.forensics import services
from svidok.forensics.arrays import PROTOCOL_FIELDS
from svidok.forensics.data import load_precincts
from svidok.forensics.models import Analysis, Precinct, ResultSet
from svidok.forensics.parsing import ResultsFileError
from svidok.incidents.services import record_election
from tests.forensics.conftest import CRIMEA, FILE_2018, SYNTHETIC_HEADER, csv_text, synthetic_row
from tests.helpers import make_user, settle_constraints

pytestmark = pytest.mark.django_db

IVANOV, PETROV = SYNTHETIC_HEADER[-2], SYNTHETIC_HEADER[-1]
SHA_2018 = "0ecfa337c877a2db52c99460307ea153b9e3a33810811685a1e92e8154287176"
PRECINCT_VALUES = ("line", "region", "tik", "uik", "uik_number", *PROTOCOL_FIELDS, "votes", "url", "flags")

# Three precincts in two regions: a clean one, one whose votes do not add up, one with no numbers.
ROWS = [
    synthetic_row(),
    synthetic_row(uik="УИК №2", ivanov=401),
    synthetic_row(region="Область Б", tik="2 Вторая", uik="7", registered="", issued_station="", valid="",
                  ivanov="", petrov=""),
]


def _rows_text(rows=ROWS) -> bytes:
    return csv_text(rows).encode("utf-8")


def _import(actor, election, rows=ROWS, **kwargs):
    return services.import_results(actor=actor, election=election, source=_rows_text(rows), name="results.csv", **kwargs)


def _written() -> tuple[int, int, int]:
    return ResultSet.objects.count(), Precinct.objects.count(), AuditEntry.objects.filter(object_type="forensics.resultset").count()


# -- import: what is written ------------------------------------------------------------------------


def test_import_results_creates_result_set_with_counts(coordinator, forensics_election):
    outcome = _import(coordinator, forensics_election, label="CEC protocols")

    rs = ResultSet.objects.get()
    assert outcome.result_set == rs
    assert (rs.election, rs.label, rs.source_name, rs.size, rs.precinct_count, rs.imported_by) == (
        forensics_election, "CEC protocols", "results.csv", len(_rows_text()), 3, coordinator)
    assert (rs.candidates, rs.leader, rs.flag_counts) == ([IVANOV, PETROV], IVANOV, {"missing": 1, "votes_not_valid": 1})
    assert rs.mapping["candidates"] == [IVANOV, PETROV]
    assert rs.mapping["fields"]["registered"] == "Число избирателей, включенных в список избирателей"
    assert (Precinct.objects.filter(result_set=rs).count(), rs.flagged_count) == (3, 2)


def test_import_results_stores_each_precinct_as_published(coordinator, forensics_election):
    _import(coordinator, forensics_election)

    stored = list(Precinct.objects.order_by("line").values_list(*PRECINCT_VALUES))

    assert stored == [
        (2, "Область А", "1 Первая", "1", 1, 1000, None, 0, 600, 50, None, 50, 600, 10, 640, None, None,
         [400, 240], "", ""),
        (3, "Область А", "1 Первая", "УИК №2", 2, 1000, None, 0, 600, 50, None, 50, 600, 10, 640, None, None,
         [401, 240], "", "votes_not_valid"),
        (4, "Область Б", "2 Вторая", "7", 7, None, None, 0, None, 50, None, 50, 600, 10, None, None, None,
         [None, None], "", "missing"),
    ]


def test_import_results_audits_file_hash_and_counts(coordinator, forensics_election):
    outcome = _import(coordinator, forensics_election)

    entry = AuditEntry.objects.get(object_type="forensics.resultset")
    assert (entry.action, entry.actor, entry.object_id) == ("import", coordinator, outcome.result_set.public_id)
    changes = entry.changes
    assert (changes["file"], changes["sha256"], changes["size"], changes["precincts"]) == (
        "results.csv", outcome.parsed.sha256, len(_rows_text()), 3)
    assert (changes["election"], changes["flags"], changes["leader"]) == (
        forensics_election.public_id, {"missing": 1, "votes_not_valid": 1}, IVANOV)
    assert changes["sha256"] == hashlib.sha256(_rows_text()).hexdigest()


def test_import_results_same_file_twice_is_refused_and_writes_nothing(coordinator, forensics_election):
    first = _import(coordinator, forensics_election)

    with pytest.raises(ResultsFileError) as caught:
        _import(coordinator, forensics_election)

    assert str(caught.value) == (f"This file (SHA-256 {first.parsed.sha256[:12]}…) was already imported into this "
                                 f"election on {first.result_set.imported_at:%Y-%m-%d} as result set "
                                 f"{first.result_set.public_id}.")
    assert _written() == (1, 3, 1)


def test_import_results_same_file_into_another_election_is_allowed(coordinator, forensics_election):
    other = record_election(actor=coordinator, fields={"name": "Duma 2016", "date": dt.date(2016, 9, 18)})
    _import(coordinator, forensics_election)

    _import(coordinator, other)

    assert _written() == (2, 6, 2)


def test_import_results_bad_file_writes_nothing(coordinator, forensics_election):
    rows = [*ROWS, synthetic_row(uik="9", petrov="двести")]

    with pytest.raises(ResultsFileError) as caught:
        _import(coordinator, forensics_election, rows=rows)

    assert caught.value.problems == [f"line 5, column '{PETROV}': 'двести' is not a whole number"]
    assert _written() == (0, 0, 0)


def test_import_results_dry_run_reads_and_writes_nothing(coordinator, forensics_election):
    outcome = _import(coordinator, forensics_election, dry_run=True)

    assert (outcome.result_set, outcome.dry_run, len(outcome.parsed)) == (None, True, 3)
    assert _written() == (0, 0, 0)


def test_import_results_reports_progress_in_batches(coordinator, forensics_election, monkeypatch):
    monkeypatch.setattr(services, "INSERT_BATCH", 2)
    done = []

    _import(coordinator, forensics_election, progress=done.append)

    assert done == [2, 1]


def test_import_results_number_too_large_for_the_database_names_line_and_column(coordinator, forensics_election):
    rows = [synthetic_row(), synthetic_row(uik="2", registered=3_000_000_000)]

    with pytest.raises(ResultsFileError) as caught:
        _import(coordinator, forensics_election, rows=rows)

    assert caught.value.problems == [
        "line 3, column 'Число избирателей, включенных в список избирателей': '3000000000' is too large for a precinct count"]
    assert _written() == (0, 0, 0)


def test_import_results_label_too_long_for_the_database_names_line_and_column(coordinator, forensics_election):
    rows = [synthetic_row(), synthetic_row(uik="УИК " + "7" * 120)]

    with pytest.raises(ResultsFileError) as caught:
        _import(coordinator, forensics_election, rows=rows)

    assert caught.value.problems == ["line 3, column 'uik': 124 characters, at most 100 can be stored"]
    assert _written() == (0, 0, 0)


def test_import_results_leader_name_too_long_for_the_database_is_an_error(coordinator, forensics_election):
    header = [*SYNTHETIC_HEADER[:-2], "К" * 301, PETROV]

    with pytest.raises(ResultsFileError) as caught:
        services.import_results(actor=coordinator, election=forensics_election, name="results.csv",
                                source=csv_text([synthetic_row()], header=header).encode("utf-8"))

    assert caught.value.problems == ["the leader's column name has 301 characters, at most 300 can be stored"]
    assert _written() == (0, 0, 0)


# -- import: who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.DOCUMENTER, Role.VIEWER, Role.ANALYST])
def test_import_results_refused_to_other_roles(role, forensics_election):
    user = make_user(role, "someone")

    with pytest.raises(PermissionDenied):
        _import(user, forensics_election)

    assert _written() == (0, 0, 0)


def test_import_results_allowed_to_admin(admin_user, forensics_election):
    outcome = _import(admin_user, forensics_election)

    assert outcome.result_set.imported_by == admin_user


def test_import_results_without_actor_is_refused(forensics_election):
    with pytest.raises(PermissionDenied):
        _import(None, forensics_election)

    assert (ResultSet.objects.count(), AuditEntry.objects.filter(object_type="forensics.resultset").count()) == (0, 0)


# -- deleting a result set --------------------------------------------------------------------------


def _analysis(actor, rs):
    return services.save_analysis(actor=actor, result_set=rs, region="Область А", params={"seed": 0},
                                  result={"summary": {}}, version="1", duration_ms=5)


def test_delete_result_set_removes_precincts_and_analyses_and_audits(coordinator, forensics_election):
    rs = _import(coordinator, forensics_election).result_set
    other = _import(coordinator, forensics_election, rows=ROWS[:1]).result_set
    _analysis(coordinator, rs)
    _analysis(coordinator, other)
    public_id = rs.public_id

    services.delete_result_set(actor=coordinator, result_set=rs)

    assert list(ResultSet.objects.all()) == [other]
    assert (Precinct.objects.count(), Analysis.objects.get().result_set) == (1, other)
    entry = AuditEntry.objects.get(action="delete")
    assert (entry.object_type, entry.object_id, entry.actor) == ("forensics.resultset", public_id, coordinator)
    assert entry.changes == {"file": "results.csv", "sha256": rs.sha256, "precincts": 3, "analyses": 1}


def test_delete_result_set_refused_to_analyst(coordinator, analyst, forensics_election):
    rs = _import(coordinator, forensics_election).result_set

    with pytest.raises(PermissionDenied):
        services.delete_result_set(actor=analyst, result_set=rs)

    assert _written() == (1, 3, 1)


def test_save_analysis_by_analyst_is_audited(coordinator, analyst, forensics_election):
    rs = _import(coordinator, forensics_election).result_set

    analysis = _analysis(analyst, rs)

    entry = AuditEntry.objects.get(object_type="forensics.analysis")
    assert (analysis.created_by, analysis.scope_label, analysis.params) == (analyst, "Область А", {"seed": 0})
    assert (entry.action, entry.actor, entry.changes["result_set"]) == ("create", analyst, rs.public_id)


def test_save_analysis_refused_to_viewer(coordinator, viewer, forensics_election):
    rs = _import(coordinator, forensics_election).result_set

    with pytest.raises(PermissionDenied):
        _analysis(viewer, rs)

    assert Analysis.objects.count() == 0


# -- loading back, scopes ---------------------------------------------------------------------------


def test_load_precincts_leaves_out_missing_and_counts_them(coordinator, forensics_election):
    rs = _import(coordinator, forensics_election).result_set

    p = load_precincts(rs)

    assert (len(p), p.excluded, p.candidates, p.leader) == (2, 1, (IVANOV, PETROV), 0)
    assert (p.uik.tolist(), p.uik_number.tolist(), p.row.tolist()) == (["1", "УИК №2"], [1, 2], [2, 3])
    assert p.votes.tolist() == [[400, 240], [401, 240]]
    assert p.portable_box.tolist() == [50, 50]
    assert p.ballots_received.tolist() == [0, 0]


def test_load_precincts_region_scope_counts_its_own_excluded(coordinator, forensics_election):
    rs = _import(coordinator, forensics_election).result_set

    a, b = load_precincts(rs, region="Область А"), load_precincts(rs, region="Область Б")

    assert (len(a), a.excluded, len(b), b.excluded) == (2, 0, 0, 1)
    assert b.votes.shape == (0, 2)


def test_load_precincts_tik_scope(coordinator, forensics_election):
    rows = [synthetic_row(), synthetic_row(tik="2 Вторая", uik="5", registered=900),
            synthetic_row(region="Область Б", tik="2 Вторая", uik="6", registered=800)]
    rs = _import(coordinator, forensics_election, rows=rows).result_set

    in_tik = load_precincts(rs, tik="2 Вторая")
    in_both = load_precincts(rs, region="Область А", tik="2 Вторая")

    assert (in_tik.registered.tolist(), in_tik.excluded) == ([900, 800], 0)
    assert in_both.registered.tolist() == [900]


def test_check_scope_accepts_a_region_and_tik_of_the_file(coordinator, forensics_election):
    rs = _import(coordinator, forensics_election).result_set

    assert services.check_scope(rs, "Область Б", "2 Вторая") is None
    assert services.check_scope(rs) is None


def test_check_scope_unknown_region_names_the_field(coordinator, forensics_election):
    rs = _import(coordinator, forensics_election).result_set

    with pytest.raises(ValidationError) as caught:
        services.check_scope(rs, "Область В")

    assert caught.value.message_dict == {"region": ["No precincts in region 'Область В' in this result set."]}


def test_check_scope_tik_of_another_region_names_the_field(coordinator, forensics_election):
    rs = _import(coordinator, forensics_election).result_set

    with pytest.raises(ValidationError) as caught:
        services.check_scope(rs, "Область А", "2 Вторая")

    assert caught.value.message_dict == {
        "tik": ["No precincts of commission '2 Вторая' in this result set and region 'Область А'."]}


def test_check_scope_unknown_tik_names_the_field(coordinator, forensics_election):
    rs = _import(coordinator, forensics_election).result_set

    with pytest.raises(ValidationError) as caught:
        services.check_scope(rs, tik="9 Девятая")

    assert caught.value.message_dict == {"tik": ["No precincts of commission '9 Девятая' in this result set."]}


# -- the whole 2018 file, imported once for the module ----------------------------------------------


@pytest.fixture(scope="module")
def imported_2018_file(django_db_setup, django_db_blocker):
    """The 2018 file imported once; everything is rolled back when the module's tests are done."""
    with django_db_blocker.unblock(), transaction.atomic():
        importer = make_user(Role.COORDINATOR, "forensics_importer")
        election = record_election(actor=importer, fields={"name": "Presidential 2018 (whole file)",
                                                           "date": dt.date(2018, 3, 18)})
        outcome = services.import_results(actor=importer, election=election, source=FILE_2018)
        settle_constraints()
        yield outcome
        transaction.set_rollback(True)


def test_import_2018_stores_every_precinct(imported_2018_file):
    rs = imported_2018_file.result_set

    assert (rs.precinct_count, Precinct.objects.filter(result_set=rs).count(), rs.flag_counts) == (97_699, 97_699, {})
    assert (rs.sha256, rs.source_name, rs.leader) == (SHA_2018, "2018.csv.zip", "Путин Владимир Владимирович")


def test_import_2018_audit_entry_names_the_file(imported_2018_file):
    entry = AuditEntry.objects.get(object_type="forensics.resultset", object_id=imported_2018_file.result_set.public_id)

    assert (entry.action, entry.actor_label) == ("import", "forensics_importer")
    assert (entry.changes["file"], entry.changes["sha256"], entry.changes["precincts"], entry.changes["size"]) == (
        "2018.csv.zip", SHA_2018, 97_699, FILE_2018.stat().st_size)


def test_load_precincts_2018_gives_the_parsed_arrays(imported_2018_file, precincts_2018_file):
    stored = load_precincts(imported_2018_file.result_set)

    assert (len(stored), stored.excluded, stored.candidates, stored.leader) == (
        97_699, 0, precincts_2018_file.candidates, 3)
    for name in ("region", "tik", "uik", "uik_number", "votes", "row"):
        assert np.array_equal(getattr(stored, name), getattr(precincts_2018_file, name)), name
    for name in PROTOCOL_FIELDS:
        assert np.array_equal(stored.counts[name], precincts_2018_file.counts[name]), name
    assert (int(stored.registered.sum()), int(stored.issued.sum()), int(stored.leader_votes.sum())) == (
        109_008_428, 73_629_581, 56_430_712)


def test_load_precincts_2018_crimea(imported_2018_file, precincts_2018_file):
    crimea = load_precincts(imported_2018_file.result_set, region=CRIMEA)

    assert (len(crimea), crimea.excluded) == (1_206, 0)
    assert (int(crimea.registered.sum()), int(crimea.issued.sum()), int(crimea.leader_votes.sum())) == (
        1_508_701, 1_079_531, 994_569)
    assert np.array_equal(crimea.votes, precincts_2018_file.in_region(CRIMEA).votes)
    assert set(crimea.region) == {CRIMEA}
