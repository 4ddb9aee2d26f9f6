"""`svidok forensics import|analyze|claim|list` through call_command, on the 2018 file cut down to
Crimea and Sevastopol (1,388 precincts: quick to import, and the published Crimea figures hold)."""

import datetime as dt
import hashlib
import io
import json
import sys

import pytest
from django.core.management import CommandError, call_command

from svidok.accounts.services import system_account
from svidok.audit.models import AuditEntry
from svidok.forensics import services
from svidok.forensics.models import Analysis, Precinct, ResultSet
from svidok.incidents.models import Election
from svidok.incidents.services import record_election
from tests.forensics.conftest import CRIMEA, SYNTHETIC_HEADER, csv_text, synthetic_row

pytestmark = pytest.mark.django_db

ELECTION = "Presidential election 2018"
PUTIN = "Путин Владимир Владимирович"
IVANOV = SYNTHETIC_HEADER[-2]


def forensics(*args):
    call_command("forensics", *args)


def _written() -> tuple[int, int, int]:
    return ResultSet.objects.count(), Precinct.objects.count(), AuditEntry.objects.filter(object_type="forensics.resultset").count()


@pytest.fixture
def crimea_file(tmp_path, crimea_2018_csv_bytes):
    path = tmp_path / "crimea-2018.csv"
    path.write_bytes(crimea_2018_csv_bytes)
    return path


@pytest.fixture
def crimea_result_set(forensics_election, crimea_2018_csv_bytes):
    return services.import_results(actor=system_account(), election=forensics_election, source=crimea_2018_csv_bytes,
                                   name="crimea-2018.csv").result_set


def _analyze_json(capsys, *args) -> dict:
    forensics("analyze", "--election", ELECTION, "--no-progress", "--json", *args)
    return json.loads(capsys.readouterr().out)


# -- import ---------------------------------------------------------------------------------------------


def test_import_prints_precincts_leader_and_sha(crimea_file, forensics_election, capsys):
    forensics("import", str(crimea_file), "--election", ELECTION, "--no-progress")

    rs = ResultSet.objects.get()
    sha = hashlib.sha256(crimea_file.read_bytes()).hexdigest()
    assert capsys.readouterr().out.splitlines() == [
        f"crimea-2018.csv: 1388 precincts, 8 candidates, leader '{PUTIN}', SHA-256 {sha}",
        "no precinct flagged",
        "held: 1,388 precincts, 1,847,711 registered voters; the file carries no totals of its own "
        "(no rows of higher commissions) to check against",
        f"Imported into '{ELECTION}' as result set {rs.public_id}.",
    ]
    assert (rs.election, rs.precinct_count, rs.sha256, Precinct.objects.count()) == (forensics_election, 1388, sha, 1388)
    assert AuditEntry.objects.get(object_type="forensics.resultset").actor_label == "system"


def test_import_prints_the_flags_and_the_unused_columns(tmp_path, forensics_election, capsys):
    header = [*SYNTHETIC_HEADER, "Число открепительных удостоверений"]
    rows = [synthetic_row() + [0], synthetic_row(uik="2", registered=600) + [0], synthetic_row(uik="3", valid="") + [0]]
    path = tmp_path / "flagged.csv"
    path.write_text(csv_text(rows, header=header), encoding="utf-8")

    forensics("import", str(path), "--election", ELECTION, "--no-progress", "--label", "test")

    out = capsys.readouterr().out.splitlines()
    assert out[1:5] == [
        "columns not used: Число открепительных удостоверений",
        "flagged precincts (kept, listed in the validation report):",
        "        1 missing: a number needed for analysis is missing",
        "        1 issued_above_registered: more ballots issued than voters registered",
    ]
    assert (ResultSet.objects.get().label, ResultSet.objects.get().flag_counts) == (
        "test", {"missing": 1, "issued_above_registered": 1})


def test_import_names_an_unnamed_column(tmp_path, forensics_election, capsys):
    path = tmp_path / "trailing.csv"
    path.write_text(csv_text([synthetic_row() + [""]], header=[*SYNTHETIC_HEADER, ""]), encoding="utf-8")

    forensics("import", str(path), "--election", ELECTION, "--no-progress")

    assert capsys.readouterr().out.splitlines()[1:3] == ["columns not used: (no header)", "no precinct flagged"]


def test_import_as_a_coordinator_records_the_user(crimea_file, forensics_election, coordinator):
    forensics("import", str(crimea_file), "--election", ELECTION, "--as", "coordinator", "--no-progress")

    assert ResultSet.objects.get().imported_by == coordinator
    assert AuditEntry.objects.get(object_type="forensics.resultset").actor == coordinator


def test_import_as_a_documenter_is_refused(crimea_file, forensics_election, documenter):
    with pytest.raises(CommandError) as caught:
        forensics("import", str(crimea_file), "--election", ELECTION, "--as", "documenter", "--no-progress")

    assert str(caught.value) == "documenter may not import results."
    assert _written() == (0, 0, 0)


def test_import_dry_run_writes_nothing(crimea_file, forensics_election, capsys):
    forensics("import", str(crimea_file), "--election", ELECTION, "--dry-run", "--no-progress")

    assert capsys.readouterr().out.splitlines()[-1] == "dry run: nothing was written"
    assert _written() == (0, 0, 0)


def test_import_bad_file_names_line_and_column_and_writes_nothing(tmp_path, forensics_election):
    path = tmp_path / "bad.csv"
    path.write_text(csv_text([synthetic_row(), synthetic_row(uik="2", ivanov="сорок")]), encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        forensics("import", str(path), "--election", ELECTION, "--no-progress")

    assert str(caught.value) == ("bad.csv cannot be imported; nothing was written.\n"
                                 f"  - line 3, column '{IVANOV}': 'сорок' is not a whole number")
    assert _written() == (0, 0, 0)


def test_import_missing_file_is_a_clear_error(tmp_path, forensics_election):
    with pytest.raises(CommandError) as caught:
        forensics("import", str(tmp_path / "nowhere.csv"), "--election", ELECTION, "--no-progress")

    assert str(caught.value) == "Cannot read nowhere.csv: No such file or directory."


def test_import_same_file_twice_is_refused(crimea_file, forensics_election):
    forensics("import", str(crimea_file), "--election", ELECTION, "--no-progress")

    with pytest.raises(CommandError) as caught:
        forensics("import", str(crimea_file), "--election", ELECTION, "--no-progress")

    assert str(caught.value).startswith("This file (SHA-256 ")
    assert _written() == (1, 1388, 1)


def test_import_unknown_election_says_how_to_create_it(crimea_file, forensics_election):
    with pytest.raises(CommandError) as caught:
        forensics("import", str(crimea_file), "--election", "Duma 2016", "--no-progress")

    assert str(caught.value) == ("No election matches 'Duma 2016'. List them with `svidok forensics list`, "
                                 "or create one with --create-election.")


def test_import_create_election_needs_date(crimea_file, coordinator):
    with pytest.raises(CommandError) as caught:
        forensics("import", str(crimea_file), "--election", "Duma 2016", "--create-election", "--as", "coordinator")

    assert str(caught.value) == "--create-election needs --date YYYY-MM-DD (the voting day)."
    assert Election.objects.count() == 0


def test_import_create_election_without_as_is_recorded_by_the_system_account(crimea_file, db):
    forensics("import", str(crimea_file), "--election", "Duma 2016", "--create-election", "--date", "2016-09-18")

    election = Election.objects.get()
    entry = AuditEntry.objects.get(object_type="incidents.election")
    assert (election.name, entry.actor.username, entry.actor.has_usable_password()) == ("Duma 2016", "system", False)


def test_import_create_election_refused_to_an_analyst(crimea_file, analyst):
    with pytest.raises(CommandError) as caught:
        forensics("import", str(crimea_file), "--election", "Duma 2016", "--create-election", "--date", "2016-09-18",
                  "--as", "analyst")

    assert str(caught.value) == "Cannot create the election: election.edit"
    assert Election.objects.count() == 0


def test_import_create_election_creates_and_imports(crimea_file, coordinator, capsys):
    forensics("import", str(crimea_file), "--election", "Presidential 2018 (Crimea)", "--create-election",
              "--date", "2018-03-18", "--kind", "presidential", "--as", "coordinator", "--no-progress")

    election = Election.objects.get()
    assert (election.name, election.date, election.kind) == ("Presidential 2018 (Crimea)", dt.date(2018, 3, 18), "presidential")
    assert ResultSet.objects.get().election == election
    assert AuditEntry.objects.filter(object_type="incidents.election", action="create").count() == 1


def test_import_create_election_with_a_bad_file_creates_nothing(tmp_path, coordinator):
    path = tmp_path / "bad.csv"
    path.write_text(csv_text([synthetic_row(ivanov="x")]), encoding="utf-8")
    audited = AuditEntry.objects.count()

    with pytest.raises(CommandError):
        forensics("import", str(path), "--election", "Duma 2016", "--create-election", "--date", "2016-09-18",
                  "--as", "coordinator", "--no-progress")

    assert (Election.objects.count(), AuditEntry.objects.count()) == (0, audited)


def test_import_create_election_dry_run_creates_nothing(crimea_file, coordinator, capsys):
    audited = AuditEntry.objects.count()

    forensics("import", str(crimea_file), "--election", "Duma 2016", "--create-election", "--date", "2016-09-18",
              "--as", "coordinator", "--dry-run", "--no-progress")

    assert capsys.readouterr().out.splitlines()[-1] == "dry run: nothing was written"
    assert (Election.objects.count(), AuditEntry.objects.count()) == (0, audited)


def test_import_create_election_reuses_an_existing_one(crimea_file, forensics_election):
    forensics("import", str(crimea_file), "--election", ELECTION.upper(), "--create-election", "--no-progress")

    assert (Election.objects.count(), ResultSet.objects.get().election) == (1, forensics_election)


def test_import_with_mapping_file_and_column(tmp_path, forensics_election):
    header = ["Region", "Station", "Voters", "Early", "At station", "Outside", "Spoiled", "Good", "Ivanov", "Petrov"]
    path = tmp_path / "plain.csv"
    path.write_text(csv_text([["Область А", "УИК №5", 1000, 0, 600, 50, 10, 640, 400, 240]], header=header),
                    encoding="utf-8")
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"fields": {"region": "Region", "uik": "Station", "registered": "Voters",
                                              "issued_early": "Early", "issued_station": "At station",
                                              "issued_outside": "Outside", "invalid": "Spoiled"},
                                   "leader": "Petrov"}), encoding="utf-8")

    forensics("import", str(path), "--election", ELECTION, "--mapping", str(mapping), "--column", "valid=Good",
              "--no-progress")

    rs = ResultSet.objects.get()
    assert (rs.candidates, rs.leader, rs.mapping["fields"]["valid"]) == (["Ivanov", "Petrov"], "Petrov", "Good")
    assert list(Precinct.objects.values_list("uik", "uik_number", "registered", "valid", "votes")) == [
        ("УИК №5", 5, 1000, 640, [400, 240])]


def test_import_with_encoding(tmp_path, forensics_election):
    path = tmp_path / "cp1251.csv"
    path.write_bytes(csv_text([synthetic_row()]).encode("cp1251"))

    forensics("import", str(path), "--election", ELECTION, "--encoding", "cp1251", "--no-progress")

    assert list(Precinct.objects.values_list("region", "tik")) == [("Область А", "1 Первая")]


def test_import_mapping_file_not_json_is_a_clear_error(tmp_path, crimea_file, forensics_election):
    mapping = tmp_path / "mapping.json"
    mapping.write_text("{fields: 1}", encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        forensics("import", str(crimea_file), "--election", ELECTION, "--mapping", str(mapping))

    assert str(caught.value) == f"The mapping {mapping} is not valid JSON: Expecting property name enclosed in double quotes at line 1."


def test_import_mapping_fields_of_the_wrong_shape_is_a_clear_error(tmp_path, crimea_file, forensics_election):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"fields": ["registered"]}), encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        forensics("import", str(crimea_file), "--election", ELECTION, "--mapping", str(mapping), "--column", "valid=Good")

    assert str(caught.value) == "The column mapping does not fit the file.\n  - mapping: fields must be an object {field: column}"
    assert _written() == (0, 0, 0)


def test_import_column_without_equals_is_a_clear_error(crimea_file, forensics_election):
    with pytest.raises(CommandError) as caught:
        forensics("import", str(crimea_file), "--election", ELECTION, "--column", "registered")

    assert str(caught.value) == "--column 'registered': write FIELD=HEADER."


# -- analyze --------------------------------------------------------------------------------------------


def test_analyze_json_has_the_documented_keys(crimea_result_set, capsys):
    result = _analyze_json(capsys, "--region", CRIMEA, "--replicates", "100")

    summary, integer, shpilkin = result["summary"], result["integer_test"], result["shpilkin"]
    assert {"version", "source", "params", "summary", "validation", "integer_test", "shpilkin"} <= set(result)
    assert (summary["registered"], summary["ballots_issued"], summary["leader"]) == (1_508_701, 1_079_531, PUTIN)
    assert (round(summary["turnout"], 2), round(summary["leader_share"], 2)) == (71.55, 92.15)
    assert (integer["precincts"], integer["replicates"], integer["seed"]) == (1_173, 100, 0)
    for key in ("observed", "expected", "sd", "excess", "z", "p"):
        assert sorted(integer[key]) == ["either", "result", "turnout"], key
    assert integer["observed"] == {"either": 236, "result": 121, "turnout": 128}
    assert {"anomalous_votes", "peak_turnout"} <= set(shpilkin)
    assert (result["source"]["file"], result["source"]["precincts_in_file"]) == ("crimea-2018.csv", 1388)
    assert (result["params"]["region"], result["validation"]) == (CRIMEA, {})


def test_analyze_json_same_seed_gives_the_same_output(crimea_result_set, capsys):
    forensics("analyze", "--election", ELECTION, "--region", CRIMEA, "--replicates", "100", "--seed", "7", "--json",
              "--no-progress")
    first = capsys.readouterr().out
    forensics("analyze", "--election", ELECTION, "--region", CRIMEA, "--replicates", "100", "--seed", "7", "--json",
              "--no-progress")
    second = capsys.readouterr().out
    forensics("analyze", "--election", ELECTION, "--region", CRIMEA, "--replicates", "100", "--seed", "8", "--json",
              "--no-progress")
    other_seed = capsys.readouterr().out

    assert first == second
    assert json.loads(first)["integer_test"]["expected"] != json.loads(other_seed)["integer_test"]["expected"]


def test_analyze_text_shows_the_summary(crimea_result_set, capsys):
    forensics("analyze", "--election", ELECTION, "--region", CRIMEA, "--replicates", "50", "--no-progress")

    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [
        f"{ELECTION} · {CRIMEA}",
        "precincts 1,206 (excluded 0), registered 1,508,701, ballots issued 1,079,531",
        f"turnout 71.55%, {PUTIN} 92.15%, invalid 1.06%, home voting 5.12%",
    ]
    assert out[3] == "integer test (1,173 precincts, 50 replicates, seed 0):"
    assert out[7].startswith("Shpilkin: ")


def test_analyze_whole_file(crimea_result_set, capsys):
    result = _analyze_json(capsys, "--replicates", "20")

    assert (result["summary"]["precincts"], result["summary"]["registered"]) == (1_388, 1_508_701 + 339_010)


def test_analyze_tik(crimea_result_set, capsys):
    result = _analyze_json(capsys, "--region", CRIMEA, "--tik", "22 Симферопольская", "--replicates", "20")

    assert result["params"]["tik"] == "22 Симферопольская"
    assert result["summary"]["precincts"] == Precinct.objects.filter(tik="22 Симферопольская").count()


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_analyze_shows_monte_carlo_progress_on_a_terminal(crimea_result_set, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    forensics("analyze", "--election", ELECTION, "--region", CRIMEA, "--replicates", "40", "--json")

    # How many updates tqdm draws depends on timing; the first one is always drawn.
    first = [u.strip() for u in terminal.getvalue().split("\r") if u.strip()][0]
    assert first.startswith("Monte Carlo:   0%|")
    assert " 0/40 " in first


def test_analyze_no_progress_writes_nothing_to_a_terminal(crimea_result_set, monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)

    forensics("analyze", "--election", ELECTION, "--region", CRIMEA, "--replicates", "40", "--json", "--no-progress")

    assert terminal.getvalue() == ""


def test_analyze_unknown_region_is_a_clear_error(crimea_result_set):
    with pytest.raises(CommandError) as caught:
        forensics("analyze", "--election", ELECTION, "--region", "Крым", "--no-progress")

    assert str(caught.value) == "No precincts in region 'Крым' in this result set."


def test_analyze_unknown_tik_is_a_clear_error(crimea_result_set):
    with pytest.raises(CommandError) as caught:
        forensics("analyze", "--election", ELECTION, "--region", CRIMEA, "--tik", "99 Нет", "--no-progress")

    assert str(caught.value) == f"No precincts of commission '99 Нет' in this result set and region '{CRIMEA}'."


def test_analyze_election_without_results_is_a_clear_error(forensics_election):
    with pytest.raises(CommandError) as caught:
        forensics("analyze", "--election", ELECTION, "--no-progress")

    assert str(caught.value) == f"Election '{ELECTION}' has no imported results; use `svidok forensics import`."


def test_analyze_zero_replicates_is_a_clear_error(crimea_result_set):
    with pytest.raises(CommandError) as caught:
        forensics("analyze", "--election", ELECTION, "--region", CRIMEA, "--replicates", "0", "--no-progress")

    assert str(caught.value) == "replicates must be between 1 and 100,000 (got 0)."


def test_analyze_save_as_analyst_keeps_the_run(crimea_result_set, analyst, capsys):
    forensics("analyze", "--election", ELECTION, "--region", CRIMEA, "--replicates", "20", "--save", "--as", "analyst",
              "--json", "--no-progress")

    printed = json.loads(capsys.readouterr().out)
    analysis = Analysis.objects.get()
    assert (analysis.result_set, analysis.region, analysis.created_by) == (crimea_result_set, CRIMEA, analyst)
    assert analysis.result["summary"] == printed["summary"]
    assert AuditEntry.objects.get(object_type="forensics.analysis").actor == analyst


def test_analyze_save_as_viewer_is_refused(crimea_result_set, viewer):
    with pytest.raises(CommandError) as caught:
        forensics("analyze", "--election", ELECTION, "--region", CRIMEA, "--replicates", "20", "--save", "--as",
                  "viewer", "--no-progress")

    assert str(caught.value) == "viewer may not save analyses."
    assert Analysis.objects.count() == 0


def test_analyze_picks_the_result_set_given(crimea_result_set, forensics_election, capsys):
    later = services.import_results(actor=system_account(), election=forensics_election, source=csv_text([synthetic_row()]).encode(),
                                    name="later.csv").result_set

    latest = _analyze_json(capsys, "--replicates", "5")
    chosen = _analyze_json(capsys, "--replicates", "5", "--result-set", crimea_result_set.public_id)

    assert (latest["source"]["result_set"], chosen["source"]["result_set"]) == (later.public_id, crimea_result_set.public_id)


def test_analyze_html_writes_a_standalone_report(crimea_result_set, tmp_path, capsys):
    path = tmp_path / "report.html"

    forensics("analyze", "--election", ELECTION, "--region", "город Севастополь", "--replicates", "20",
              "--html", str(path), "--no-progress")

    html = path.read_text(encoding="utf-8")
    assert capsys.readouterr().out == f"Wrote {path}\n"
    assert html.startswith("<!doctype html>")
    assert f"<h1>{ELECTION} · Sevastopol</h1>" in html  # the region in the reader's language
    assert '<dt>Registered voters</dt><dd class="num-left">339,010</dd>' in html
    assert "data:image/svg+xml;base64," in html


# -- claim ----------------------------------------------------------------------------------------------


def test_claim_json_gives_the_implied_fictitious_ballots(crimea_result_set, capsys):
    forensics("claim", "--election", ELECTION, "--region", CRIMEA, "--value", "30", "--json")

    result = json.loads(capsys.readouterr().out)
    assert result["claim"] == {"metric": "turnout", "comparator": "le", "value": 30.0, "group": "", "group_share": None}
    assert (result["implied"]["fictitious_ballots"], result["implied"]["fictitious_share_of_issued"]) == (626_921, 58.07)
    assert (result["testable"], result["consistent"], len(result["by_tik"])) == (True, False, 27)


def test_claim_text_states_the_claim_and_the_limits(crimea_result_set, capsys):
    forensics("claim", "--election", ELECTION, "--region", CRIMEA, "--value", "30")

    out = capsys.readouterr().out.splitlines()
    assert out[:5] == [
        f"Claim: turnout ≤ 30% ({CRIMEA})",
        f"Official: 1,206 precincts, turnout 71.55%, {PUTIN} 92.15%, invalid 1.06%",
        "  real ballots: 452,610",
        "  fictitious ballots: 626,921",
        "  fictitious share of issued: 58.07%",
    ]
    assert out[-1].startswith("They cannot detect: padding spread evenly across a whole region")


def test_claim_about_a_group_without_share_says_why(crimea_result_set, capsys):
    forensics("claim", "--election", ELECTION, "--region", CRIMEA, "--value", "10", "--group", "Crimean Tatars")

    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"Claim: turnout ≤ 10% among Crimean Tatars ({CRIMEA})"
    assert out[2].startswith("The protocols do not record who voted, so a turnout among Crimean Tatars cannot be read")


def test_claim_about_a_group_with_share(crimea_result_set, capsys):
    forensics("claim", "--election", ELECTION, "--region", CRIMEA, "--value", "10", "--group", "Crimean Tatars",
              "--group-share", "12", "--json")

    assert json.loads(capsys.readouterr().out)["implied"]["others_turnout_needed"] == 79.95


def test_claim_invalid_share(crimea_result_set, capsys):
    forensics("claim", "--election", ELECTION, "--region", CRIMEA, "--metric", "invalid_share", "--comparator", "approx",
              "--value", "8", "--json")

    assert json.loads(capsys.readouterr().out)["implied"]["invalid_counted_as_valid"] == 74_949


@pytest.mark.parametrize(("args", "message"), [
    (["--value", "150"], "value: 150.0 is not a percentage between 0 and 100."),
    (["--value", "10", "--group", "Crimean Tatars", "--group-share", "0"],
     "group_share: 0.0 is not a share strictly between 0 and 100%."),
    (["--value", "30", "--region", "Крым"], "No precincts in region 'Крым' in this result set."),
])
def test_claim_that_cannot_be_tested_is_a_clear_error(crimea_result_set, args, message):
    with pytest.raises(CommandError) as caught:
        forensics("claim", "--election", ELECTION, *args)

    assert str(caught.value) == message


def test_claim_unknown_metric_is_refused_by_the_parser(crimea_result_set):
    with pytest.raises(CommandError) as caught:
        forensics("claim", "--election", ELECTION, "--metric", "foo", "--value", "30")

    assert "invalid choice: 'foo'" in str(caught.value)


# -- same-precinct comparison ------------------------------------------------------------------------------


@pytest.fixture
def two_synthetic_elections(forensics_election, coordinator):
    """Three precincts at 50% turnout in 2016 and at 65% in 2018 (the synthetic row's turnout)."""
    earlier = record_election(actor=coordinator, fields={"name": "Duma 2016", "date": dt.date(2016, 9, 18)})
    rows_2016 = [synthetic_row(uik=str(k), issued_station=450, stationary_box=450, valid=490, ivanov=300, petrov=190)
                 for k in (1, 2, 3)]
    services.import_results(actor=system_account(), election=earlier, source=csv_text(rows_2016).encode(), name="2016.csv")
    rows_2018 = [synthetic_row(uik=str(k)) for k in (1, 2, 3)] + [synthetic_row(uik="4")]
    services.import_results(actor=system_account(), election=forensics_election, source=csv_text(rows_2018).encode(), name="2018.csv")
    return earlier


def test_claim_compare_shows_the_same_precinct_change(two_synthetic_elections, capsys):
    forensics("claim", "--election", ELECTION, "--value", "30", "--compare", "Duma 2016")

    out = capsys.readouterr().out.splitlines()
    assert "Same precincts as the other election: 3 matched, median turnout change +15.0 pp, 100% of them up" in out


def test_claim_compare_json_keeps_the_summary(two_synthetic_elections, capsys):
    forensics("claim", "--election", ELECTION, "--value", "30", "--compare", "Duma 2016", "--json")

    same = json.loads(capsys.readouterr().out)["evidence"]["same_precinct"]
    assert (same["matched"], same["median_change"], same["mean_change"], same["share_increased"]) == (3, 15.0, 15.0, 100.0)


def test_analyze_compare_adds_the_same_precinct_section(two_synthetic_elections, capsys):
    result = _analyze_json(capsys, "--replicates", "5", "--compare", "Duma 2016")

    assert (result["same_precinct"]["matched"], result["same_precinct"]["median_change"]) == (3, 15.0)
    assert "changes" not in result["same_precinct"]
    assert result["params"]["compared"] is True
    assert result["source"]["compared_with"] == ResultSet.objects.get(election__name="Duma 2016").public_id


def test_analyze_reports_the_flags_of_its_scope(forensics_election, capsys):
    rows = [synthetic_row(), synthetic_row(uik="2", registered=600), synthetic_row(uik="3", valid=""),
            synthetic_row(region="Область Б", uik="4", ivanov=1)]
    services.import_results(actor=system_account(), election=forensics_election, source=csv_text(rows).encode(), name="flags.csv")

    whole = _analyze_json(capsys, "--replicates", "5")
    region = _analyze_json(capsys, "--replicates", "5", "--region", "Область А")

    assert whole["validation"] == {"issued_above_registered": 1, "missing": 1, "votes_not_valid": 1}
    assert region["validation"] == {"issued_above_registered": 1, "missing": 1}
    assert (region["summary"]["precincts"], region["summary"]["excluded"]) == (2, 1)


def test_election_named_by_a_part_shared_by_two_is_ambiguous(forensics_election, coordinator):
    other = record_election(actor=coordinator, fields={"name": "Presidential election 2024", "date": dt.date(2024, 3, 17)})

    with pytest.raises(CommandError) as caught:
        forensics("analyze", "--election", "presidential", "--no-progress")

    assert str(caught.value) == (
        f"'presidential' matches several elections: Presidential election 2024 (2024-03-17, {other.public_id}); "
        f"{ELECTION} (2018-03-18, {forensics_election.public_id}). Give its id.")


def test_election_by_id(crimea_result_set, forensics_election, capsys):
    result = _analyze_json(capsys, "--replicates", "5", "--region", CRIMEA)
    by_id = call_command("forensics", "analyze", "--election", forensics_election.public_id, "--replicates", "5",
                         "--region", CRIMEA, "--json", "--no-progress")

    assert by_id is None
    assert json.loads(capsys.readouterr().out) == result


# -- list -----------------------------------------------------------------------------------------------


def test_list_without_results(db, capsys):
    forensics("list")

    assert capsys.readouterr().out == "No results imported yet.\n"


def test_list_shows_each_result_set(crimea_result_set, forensics_election, capsys):
    forensics("list")

    assert capsys.readouterr().out.splitlines() == [
        f"2018-03-18  {ELECTION}  [{forensics_election.public_id}]",
        f"    result set {crimea_result_set.public_id}: crimea-2018.csv, 1388 precincts, leader {PUTIN}, "
        f"imported {crimea_result_set.imported_at:%Y-%m-%d %H:%M}",
    ]
