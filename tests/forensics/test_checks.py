"""A result set checked against the file's own totals, its marked rows in words, and the option to
leave remote electronic voting out of an analysis (issue 11, item 2), on the pages, the API and the
command line. Small synthetic files only: each imports in milliseconds.
"""

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from svidok.forensics import checks, report, services
from svidok.forensics.models import Analysis, ResultSet
from tests.forensics.conftest import SYNTHETIC_HEADER, csv_text, synthetic_row
from tests.forensics.test_views import NBSP, facts, messages_of, text_of
from tests.helpers import login

pytestmark = pytest.mark.django_db

ELECTRONIC = "Дистанционное электронное голосование"
LEVEL_HEADER = ["level", *SYNTHETIC_HEADER]
IVANOV, PETROV = "Иванов Иван Иванович", "Петров Пётр Петрович"


def level_row(level, **changes):
    return [level, *synthetic_row(**changes)]


# Two ordinary stations (1,000 voters, 650 ballots each), one row of remote electronic voting (5,000 voters,
# 2,000 ballots, 1,000 each) on line 4, one station with no voter and no ballot on line 5.
MARKED_ROWS = [
    synthetic_row(uik="1"),
    synthetic_row(uik="2"),
    synthetic_row(tik=ELECTRONIC, uik=ELECTRONIC, registered=5000, issued_station=2000, issued_outside=0,
                  portable_box=0, stationary_box=2000, invalid=0, valid=2000, ivanov=1000, petrov=1000),
    synthetic_row(uik="3", registered=0, issued_station=0, issued_outside=0, portable_box=0, stationary_box=0,
                  invalid=0, valid=0, ivanov=0, petrov=0),
]
# A territorial commission's row (line 2) that does not match its two precincts, and a CEC row that does.
MISMATCHING_ROWS = [level_row("ТИК", uik="", registered=2500, ivanov=900), level_row("УИК", uik="1"),
                    level_row("УИК", uik="2")]
MATCHING_ROWS = [level_row("ЦИК России", region="", tik="", uik="", registered=2000, issued_station=1200,
                           issued_outside=100, valid=1280, ivanov=800, petrov=480),
                 level_row("УИК", uik="1"), level_row("УИК", uik="2")]


def imported(actor, election, rows, *, header=SYNTHETIC_HEADER, name="results.csv") -> ResultSet:
    return services.import_results(actor=actor, election=election, source=csv_text(rows, header=header).encode(),
                                   name=name).result_set


@pytest.fixture
def marked(coordinator, forensics_election):
    return imported(coordinator, forensics_election, MARKED_ROWS, name="marked.csv")


@pytest.fixture
def mismatching(coordinator, forensics_election):
    return imported(coordinator, forensics_election, MISMATCHING_ROWS, header=LEVEL_HEADER, name="tik.csv")


@pytest.fixture
def matching(coordinator, forensics_election):
    return imported(coordinator, forensics_election, MATCHING_ROWS, header=LEVEL_HEADER, name="cec.csv")


def page(client, rs, suffix="", language="en", **params):
    return client.get(f"/forensics/results/{rs.uuid}/{suffix}", params, HTTP_ACCEPT_LANGUAGE=language)


def checks_text(response) -> str:
    body = response.content.decode()
    section = body[body.index('<section class="forensics-checks"'):]
    return text_of(section[:section.index("</section>")])


# -- the result set page: checks ------------------------------------------------------------------------


def test_result_set_page_names_each_mismatch_of_the_files_own_totals(client, viewer, mismatching):
    login(client, viewer)

    response = page(client, mismatching)

    assert response.status_code == 200
    assert checks_text(response) == (
        "The file checked against its own totals "
        "The platform holds 2 precincts of this file, with 2,000 registered voters. "
        "Commission Covers Line Registered in its row Against the sum of its precincts "
        "ТИК Область А / 1 Первая (2 precincts) 2 2,500 "
        "does not match registered voters: 2,500 in the file's row, 2,000 in the sum of its precincts "
        "does not match ballots issued: 650 in the file's row, 1,300 in the sum of its precincts "
        f"does not match {IVANOV}: 900 in the file's row, 800 in the sum of its precincts "
        f"does not match {PETROV}: 240 in the file's row, 480 in the sum of its precincts")


def test_result_set_page_says_when_the_files_own_totals_match(client, viewer, matching):
    login(client, viewer)

    response = page(client, matching)

    assert checks_text(response) == (
        "The file checked against its own totals "
        "The platform holds 2 precincts of this file, with 2,000 registered voters. "
        "Commission Covers Line Registered in its row Against the sum of its precincts "
        "ЦИК России whole file (2 precincts) 2 2,000 matches")


def test_result_set_page_of_a_file_without_totals_says_there_is_nothing_to_check_against(client, viewer, marked):
    login(client, viewer)

    text = checks_text(page(client, marked))

    assert text.split(" Marked rows ")[0] == (
        "The file checked against its own totals "
        "The platform holds 4 precincts of this file, with 7,000 registered voters. "
        "The file carries no totals of its own (no rows of higher commissions) to check these against.")


def test_result_set_page_names_the_marks_in_words(client, viewer, marked):
    login(client, viewer)

    text = checks_text(page(client, marked))

    assert text.split(" Marked rows ")[1] == (
        "Not faults: each is counted like any other row in every figure, so the totals are the file's. "
        "1 row of remote electronic voting (line 4) "
        "1 station with no registered voter (line 5) "
        "1 station that issued no ballot (line 5)")


def test_result_set_page_names_the_marks_in_ukrainian(client, viewer, marked):
    login(client, viewer)

    text = checks_text(page(client, marked, language="uk"))

    assert text == (
        "Перевірка файлу за його власними підсумками "
        "Платформа зберігає дільниць цього файлу: 4, зареєстрованих виборців: 7\xa0000. "
        "Файл не містить власних підсумків (рядків вищих комісій), з якими можна було б це звірити. "
        "Позначені рядки "
        "Це не помилки: кожен такий рядок враховано в усіх показниках, як і будь-який інший, тож підсумки "
        "збігаються з підсумками файлу. "
        "1 рядок дистанційного електронного голосування (рядок 4) "
        "1 дільниця без жодного зареєстрованого виборця (рядок 5) "
        "1 дільниця, що не видала жодного бюлетеня (рядок 5)")


def test_mismatch_in_ukrainian_names_the_figure_and_both_values(client, viewer, mismatching):
    login(client, viewer)

    text = checks_text(page(client, mismatching, language="uk"))

    assert text.split("ТИК ")[1].split(" не збігається ")[:3] == [
        f"Область А / 1 Первая (2 дільниці) 2 2{NBSP}500",
        f"зареєстровані виборці: 2{NBSP}500 у рядку файлу, 2{NBSP}000 у сумі його дільниць",
        f"видані бюлетені: 650 у рядку файлу, 1{NBSP}300 у сумі його дільниць",
    ]


def test_many_marked_lines_are_cut_short_with_how_many_more(coordinator, forensics_election, client, viewer):
    empty = dict(registered=0, issued_station=0, issued_outside=0, portable_box=0, stationary_box=0, invalid=0,
                 valid=0, ivanov=0, petrov=0)
    rs = imported(coordinator, forensics_election, [synthetic_row(uik=str(i), **empty) for i in range(1, 26)])
    login(client, viewer)

    text = checks_text(page(client, rs))

    assert text.split(" Marked rows ")[1].split("so the totals are the file's. ")[1] == (
        "25 stations with no registered voter (lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, "
        "20, 21 and 5 more) "
        "25 stations that issued no ballot (lines 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, "
        "20, 21 and 5 more)")


def test_a_mismatch_stored_in_another_wording_is_shown_as_stored():
    assert checks.mismatch("something else") == {"text": "something else"}
    assert checks.mismatch("ДА: 5 in the row, 4 in the sum of its 3 precincts") == {
        "figure": "ДА", "figure_label": "ДА", "file": 5, "sum": 4, "precincts": 3}


# -- the validation report: marked rows -----------------------------------------------------------------


def rows_of(response) -> list[str]:
    body = response.content.decode()
    return [text_of(r) for r in re.findall(r"<tr>\s*<td data-label=\"Line\".*?</tr>", body, re.S)]


def test_validation_report_lists_the_rows_of_a_mark_and_says_what_they_are(client, viewer, marked):
    login(client, viewer)

    response = page(client, marked, "precincts/", mark="electronic")

    assert response.status_code == 200
    assert rows_of(response) == [
        f"4 Oblast A {ELECTRONIC} {ELECTRONIC} 5,000 2,000 40.00% 50.00% "  # the region in the reader's letters
        "remote electronic voting, not a polling station"]


def test_validation_report_of_every_precinct_marks_the_marked_rows(client, viewer, marked):
    login(client, viewer)

    response = page(client, marked, "precincts/", all="1")

    assert [text_of(flags) for flags in re.findall(r'<td data-label="Flags">(.*?)</td>', response.content.decode())] == [
        "—", "—", "remote electronic voting, not a polling station",
        "no voters registered at this station no ballots issued at this station"]


def test_validation_report_unknown_mark_is_404(client, viewer, marked, mismatching):
    login(client, viewer)

    assert [page(client, marked, "precincts/", mark="nonsense").status_code,
            page(client, mismatching, "precincts/", mark="electronic").status_code] == [404, 404]


# -- leaving electronic voting out -----------------------------------------------------------------------


def test_report_counts_every_row_by_default_so_the_totals_are_the_files(marked):
    result = report.analyze(marked, replicates=10)

    s = result["summary"]
    assert (s["precincts"], s["registered"], s["ballots_issued"], s["leader_votes"]) == (4, 7000, 3300, 1800)
    assert result["electronic_voting"] == {"rows": 1, "registered": 5000, "left_out": False}
    assert result["params"]["without_electronic_voting"] is False


def test_report_without_electronic_voting_leaves_its_rows_out(marked):
    result = report.analyze(marked, replicates=10, without_electronic_voting=True)

    s = result["summary"]
    assert (s["precincts"], s["registered"], s["ballots_issued"], s["leader_votes"]) == (3, 2000, 1300, 800)
    assert (round(s["turnout"], 4), round(s["leader_share"], 4)) == (65.0, 61.5385)
    assert result["electronic_voting"] == {"rows": 1, "registered": 5000, "left_out": True}


def test_report_of_a_file_without_electronic_voting_is_the_same_with_the_option(mismatching):
    off = report.analyze(mismatching, replicates=10)
    on = report.analyze(mismatching, replicates=10, without_electronic_voting=True)

    assert (on["summary"], on["integer_test"], on["shpilkin"]) == (off["summary"], off["integer_test"], off["shpilkin"])
    assert (off["electronic_voting"], on["electronic_voting"]) == (
        {"rows": 0, "registered": 0, "left_out": False}, {"rows": 0, "registered": 0, "left_out": False})


def test_result_set_page_counts_every_row_and_says_so(client, viewer, marked):
    login(client, viewer)

    response = page(client, marked)

    body = response.content.decode()
    assert (facts(body)["Precincts"], facts(body)["Registered voters"]) == ("4", "7,000")
    assert text_of(re.search(r'<p class="meta">Counted:.*?</p>', body, re.S).group(0)) == (
        "Counted: every row of the file, 1 row of remote electronic voting (5,000 registered voters) included, "
        "so the totals are the file's.")
    assert 'name="without_electronic_voting" value="1">' in body


def test_result_set_page_without_electronic_voting_leaves_it_out_and_says_so(client, viewer, marked):
    login(client, viewer)

    response = page(client, marked, without_electronic_voting="1")

    body = response.content.decode()
    assert (facts(body)["Precincts"], facts(body)["Registered voters"], facts(body)["Turnout"]) == ("3", "2,000", "65.00%")
    assert text_of(re.search(r'<p class="notice">Counted:.*?</p>', body, re.S).group(0)) == (
        "Counted: the polling stations only. 1 row of remote electronic voting (5,000 registered voters) is left "
        "out of every figure here.")
    assert 'name="without_electronic_voting" value="1" checked>' in body
    assert re.findall(r'href="(/forensics/results/[^"]+turnout\.svg[^"]*)"', body) == [
        f"/forensics/results/{marked.uuid}/plots/turnout.svg?without_electronic_voting=1"]


def test_result_set_page_in_ukrainian_says_which_rows_were_counted(client, viewer, marked):
    login(client, viewer)

    body = page(client, marked, without_electronic_voting="1", language="uk").content.decode()

    assert text_of(re.search(r'<p class="notice">Враховано.*?</p>', body, re.S).group(0)) == (
        f"Враховано лише виборчі дільниці. 1 рядок дистанційного електронного голосування (5{NBSP}000 зареєстрованих "
        "виборців) не враховано в жодному показнику тут.")


def test_result_set_page_of_a_file_without_electronic_voting_offers_no_option(client, viewer, analyst, mismatching):
    login(client, analyst)

    body = page(client, mismatching).content.decode()

    assert ("without_electronic_voting" in body, "Counted:" in body) == (False, False)


def test_analysis_saved_without_electronic_voting_records_the_choice(client, analyst, marked):
    login(client, analyst)

    response = client.post(f"/forensics/results/{marked.uuid}/analyses/new/",
                           {"region": "", "tik": "", "replicates": 10, "seed": 0, "without_electronic_voting": "on"})

    analysis = Analysis.objects.get()
    shown = client.get(response["Location"]).content.decode()
    assert (analysis.params["without_electronic_voting"], analysis.result["summary"]["registered"]) == (True, 2000)
    assert "Counted: the polling stations only." in text_of(shown)
    assert "plots/turnout.svg?territory=all&amp;without_electronic_voting=1" in shown
    listed = text_of(page(client, marked).content.decode().split("<h2>Saved analyses</h2>")[1].split("</ul>")[0])
    assert listed.endswith("10 replicates, seed 0 · remote electronic voting left out · analyst")


def test_analysis_saved_by_default_counts_every_row(client, analyst, marked):
    login(client, analyst)

    client.post(f"/forensics/results/{marked.uuid}/analyses/new/", {"region": "", "tik": "", "replicates": 10, "seed": 0})

    analysis = Analysis.objects.get()
    assert (analysis.params["without_electronic_voting"], analysis.result["summary"]["registered"]) == (False, 7000)


def test_plot_without_electronic_voting_is_drawn_from_the_stations_only(client, viewer, marked):
    login(client, viewer)

    both = [page(client, marked, "plots/turnout.svg", **extra).content for extra in ({}, {"without_electronic_voting": "1"})]

    assert (both[0].startswith(b"<?xml"), both[0] != both[1]) == (True, True)


def claim_official(response) -> str:
    body = response.content.decode()
    section = body[body.index('<section class="card">'):]
    return text_of(section[:section.index("<h2>What the claim implies</h2>")])


def test_claim_page_without_electronic_voting_tests_the_stations_only(client, viewer, marked):
    login(client, viewer)

    response = page(client, marked, "claim/", metric="turnout", comparator="le", value="30",
                    without_electronic_voting="on")

    assert claim_official(response) == (
        "Official protocols 3 precincts, 2,000 registered voters, 1,300 ballots issued: turnout 65.00%; "
        "Иванов Иван Иванович 61.54%; invalid ballots 1.54%. "
        "Counted: the polling stations only; the rows of remote electronic voting are left out.")


def test_claim_page_counts_every_row_by_default(client, viewer, marked):
    login(client, viewer)

    response = page(client, marked, "claim/", metric="turnout", comparator="le", value="30")

    assert claim_official(response).startswith("Official protocols 4 precincts, 7,000 registered voters, 3,300 ballots")
    assert "Counted:" not in claim_official(response)


# -- command line ----------------------------------------------------------------------------------------


def analyze_json(capsys, election, *extra) -> dict:
    call_command("forensics", "analyze", "--election", election.name, "--replicates", "10", "--no-progress", "--json",
                 *extra)
    return json.loads(capsys.readouterr().out)


def test_cli_analyze_without_electronic_voting_leaves_its_rows_out(capsys, forensics_election, marked):
    off = analyze_json(capsys, forensics_election)
    on = analyze_json(capsys, forensics_election, "--without-electronic-voting")

    assert (off["summary"]["registered"], on["summary"]["registered"]) == (7000, 2000)
    assert (off["params"]["without_electronic_voting"], on["electronic_voting"]) == (
        False, {"rows": 1, "registered": 5000, "left_out": True})


def test_cli_analyze_text_says_which_rows_were_counted(capsys, forensics_election, marked):
    call_command("forensics", "analyze", "--election", forensics_election.name, "--replicates", "10", "--no-progress",
                 "--without-electronic-voting")

    lines = capsys.readouterr().out.splitlines()
    assert [line for line in lines if line.startswith("remote electronic voting")] == [
        "remote electronic voting: 1 rows, 5,000 registered, left out of every figure above"]


def test_cli_claim_without_electronic_voting_tests_the_stations_only(capsys, forensics_election, marked):
    call_command("forensics", "claim", "--election", forensics_election.name, "--value", "30", "--json",
                 "--without-electronic-voting")

    assert json.loads(capsys.readouterr().out)["official"]["precincts"] == 3


def test_cli_import_prints_what_it_holds_and_the_checks(capsys, forensics_election, tmp_path):
    path = tmp_path / "tik.csv"
    path.write_text(csv_text(MISMATCHING_ROWS, header=LEVEL_HEADER), encoding="utf-8")

    call_command("forensics", "import", str(path), "--election", forensics_election.name, "--no-progress")

    out = capsys.readouterr().out.splitlines()
    assert out[1:3] == [
        "line 2 (ТИК, Область А / 1 Первая): the file's own totals, 2500 registered; 2 precincts summed: "
        "registered: 2500 in the row, 2000 in the sum of its 2 precincts; issued: 650 in the row, 1300 in the sum "
        f"of its 2 precincts; {IVANOV}: 900 in the row, 800 in the sum of its 2 precincts; {PETROV}: 240 in the "
        "row, 480 in the sum of its 2 precincts",
        "no precinct flagged",
    ]
    assert out[3] == "held: 2 precincts, 2,000 registered voters"


# -- API -------------------------------------------------------------------------------------------------

BASE = "/api/v1/forensics/result-sets"


def test_api_result_set_detail_carries_the_checks(api, viewer, mismatching):
    response = api(viewer).get(f"{BASE}/{mismatching.uuid}/")

    assert response.status_code == 200
    assert response.json()["checks"] == {
        "held": {"precincts": 2, "registered": 2000},
        "has_totals": True,
        "mismatched": 1,
        "marks": [],
        "totals": [{"line": 2, "level": "ТИК", "where": "Область А / 1 Первая", "precincts": 2, "registered": 2500,
                    "agrees": False, "mismatches": [
                        {"figure": "registered", "figure_label": "registered voters", "file": 2500, "sum": 2000,
                         "precincts": 2},
                        {"figure": "issued", "figure_label": "ballots issued", "file": 650, "sum": 1300, "precincts": 2},
                        {"figure": IVANOV, "figure_label": IVANOV, "file": 900, "sum": 800, "precincts": 2},
                        {"figure": PETROV, "figure_label": PETROV, "file": 240, "sum": 480, "precincts": 2}]}],
    }


def test_api_result_set_detail_of_a_file_without_totals_has_marks(api, viewer, marked):
    body = api(viewer).get(f"{BASE}/{marked.uuid}/").json()["checks"]

    assert (body["has_totals"], body["totals"], body["held"]) == (False, [], {"precincts": 4, "registered": 7000})
    assert [(m["mark"], m["count"], m["lines"], m["more"]) for m in body["marks"]] == [
        ("electronic", 1, [4], 0), ("no_registered", 1, [5], 0), ("no_ballots", 1, [5], 0)]


def test_api_result_set_list_leaves_the_checks_out(api, viewer, marked):
    rows = api(viewer).get(f"{BASE}/").json()["results"]

    assert [("checks" in r, r["precinct_count"]) for r in rows] == [(False, 4)]


def test_api_analysis_without_electronic_voting_leaves_its_rows_out(api, viewer, marked):
    client = api(viewer)

    off = client.get(f"{BASE}/{marked.uuid}/analysis/", {"replicates": 10}).json()
    on = client.get(f"{BASE}/{marked.uuid}/analysis/", {"replicates": 10, "without_electronic_voting": "true"}).json()

    assert (off["summary"]["registered"], on["summary"]["registered"]) == (7000, 2000)
    assert (on["params"]["without_electronic_voting"], on["electronic_voting"]["left_out"]) == (True, True)


def test_api_claim_without_electronic_voting_tests_the_stations_only(api, viewer, marked):
    response = api(viewer).get(f"{BASE}/{marked.uuid}/claim/", {"metric": "turnout", "value": 30,
                                                                 "without_electronic_voting": "true"})

    assert (response.status_code, response.json()["official"]["precincts"]) == (200, 3)


def test_api_bad_option_value_is_a_400_naming_it(api, viewer, marked):
    response = api(viewer).get(f"{BASE}/{marked.uuid}/analysis/", {"without_electronic_voting": "perhaps"})

    assert (response.status_code, list(response.json())) == (400, ["without_electronic_voting"])


# -- the import page's outcome ----------------------------------------------------------------------------


def upload_to(client, election, rows, header, name):
    file = SimpleUploadedFile(name, csv_text(rows, header=header).encode(), content_type="text/csv")
    return client.post(f"/forensics/elections/{election.uuid}/import/",
                       {"file": file, "label": "", "leader": "", "encoding": "", "mapping": ""}, follow=True)


@pytest.mark.parametrize(("rows", "header", "said"), [
    (MISMATCHING_ROWS, LEVEL_HEADER,
     "The file's own totals: 1 row does not match the sum of its precincts; see the checks below."),
    (MATCHING_ROWS, LEVEL_HEADER, "The file's own totals: 1 row checked, it matches the sum of its precincts."),
    (MARKED_ROWS, SYNTHETIC_HEADER, "The file carries no totals of its own to check against."),
])
def test_import_page_outcome_says_what_the_files_own_totals_show(client, coordinator, forensics_election, rows,
                                                                 header, said):
    login(client, coordinator)

    response = upload_to(client, forensics_election, rows, header, "upload.csv")

    assert messages_of(response)[1:] == [said]
    assert checks_text(response).startswith("The file checked against its own totals The platform holds")
