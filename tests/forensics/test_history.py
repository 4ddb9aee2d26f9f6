"""Across votes: the matching rule, a precinct's history (service, page, CSV, API) and the
same-precinct comparison between votes of any kind.

Three small synthetic votes, imported once for the module, one of each kind the importer tells
apart: a presidential vote (candidates), a Duma party-list vote (parties) and a ДА/НЕТ vote
(answers), their region and commission names written as the real files write them in different years.
"""

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from svidok.accounts.models import Role
from svidok.forensics import history, report, services, stats
from svidok.forensics.history import match, normalize_commission, normalize_region
from svidok.incidents.services import record_election
from tests.forensics.conftest import SYNTHETIC_HEADER, csv_text, synthetic_row
from tests.helpers import login, make_user, settle_constraints

pytestmark = pytest.mark.django_db

KEMEROVO_2018 = "Кемеровская область"
KEMEROVO_2020 = "Кемеровская область - Кузбасс"
ELECTRONIC = "Дистанционное электронное голосование"
PARTIES = ["1. Политическая партия «Альфа»", "2. Всероссийская политическая партия «Бета»"]
PARTY_HEADER = SYNTHETIC_HEADER[:-2] + PARTIES
ANSWER_HEADER = SYNTHETIC_HEADER[:-2] + ["ДА", "НЕТ"]


# -- the rule on plain columns ------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), [
    ("Кемеровская область", "Кемеровская область - Кузбасс"),          # 2018 / 2020
    ("Город Москва", "город Москва"),                                     # 2011 / 2016
    ("98 Город Байконур (Республика Казахстан)", "Город Байконур (Республика Казахстан)"),  # 2018 / 2020
    ("99 Территория за пределами РФ", "Территория за пределами РФ"),
    ("Зарубежная территория", "Территория за пределами РФ"),            # 2011 / 2016 and later
    ("г. Севастополь", "город  Севастополь"),
    ("Республика Северная Осетия – Алания", "Республика Северная Осетия - Алания"),
])
def test_region_names_of_different_years_compare_equal(a, b):
    assert normalize_region(a) == normalize_region(b)


@pytest.mark.parametrize(("a", "b"), [
    ("Пермская область", "Пермский край"),      # a merger, not a spelling: its precincts were renumbered
    ("город Санкт-Петербург", "город Санкт"),   # an unspaced hyphen belongs to the name
    ("Республика Крым", "город Севастополь"),
])
def test_different_regions_stay_different(a, b):
    assert normalize_region(a) != normalize_region(b)


def test_commission_names_compare_without_order_number_and_number_sign():
    assert normalize_commission("1 Алуштинская городская") == normalize_commission("2 Алуштинская  городская")
    assert normalize_commission("3 Кировская №3") == normalize_commission("3 Кировская N 3") == "кировская №3"
    assert normalize_commission("22 Симферопольская") != normalize_commission("22 ТИК Симферопольского района")


def test_match_counts_every_failure_and_pairs_the_rest():
    first = (["Кемеровская область", "Кемеровская область", "Область А", "Область А", "Область А", "Область Б"],
             ["1 Беловская", "2 Кемеровская", "1 Первая", "2 Вторая", ELECTRONIC, "1 Б"],
             [1, 2, 7, 7, -1, 9])
    second = (["Кемеровская область - Кузбасс", "Кемеровская область - Кузбасс", "Область А", "Область В",
               "Область В", "Область В"],
              ["5 Беловская", "3 ТИК Кемеровского района", "1 Первая", "1 В", "2 В", ELECTRONIC],
              [1, 2, 7, 3, 3, -1])

    found = match(first, second)

    assert (found.first, found.second, found.commission_differs) == ([0, 1], [0, 1], [1])
    assert found.counts == {"matched": 2, "unmatched_first": 1, "unmatched_second": 1, "unnumbered_first": 1,
                            "unnumbered_second": 1, "duplicate_first": 2, "duplicate_second": 2,
                            "commission_differs": 1}


def test_same_precinct_counts_commission_differences_and_keeps_its_figures():
    from tests.forensics.test_stats import make

    a = make([(100, 50, 0, 25, 25), (100, 50, 0, 25, 25)], regions=[KEMEROVO_2018] * 2, uiks=["1", "2"])
    b = make([(100, 60, 0, 30, 30), (100, 40, 0, 20, 20)], regions=[KEMEROVO_2020] * 2, uiks=["УИК №1", "2"])
    b = type(b)(**{**b.__dict__, "tik": b.tik.copy()})
    b.tik[1] = "ТИК Кемеровского района"

    result = stats.same_precinct(a, b)

    assert (result["matched"], result["commission_differs"], result["changes"]) == (2, 1, [10.0, -10.0])


# -- three stored votes -------------------------------------------------------------------------------


def _import(actor, name, date, header, rows):
    election = record_election(actor=actor, fields={"name": name, "date": date})
    return services.import_results(actor=actor, election=election, name=f"{date.year}.csv",
                                   source=csv_text(rows, header=header).encode()).result_set


@pytest.fixture(scope="module")
def votes(django_db_setup, django_db_blocker):
    """Presidential 2018 (candidates), Duma 2016 (parties), the 2020 vote (answers); rolled back at the end."""
    with django_db_blocker.unblock(), transaction.atomic():
        lead = make_user(Role.COORDINATOR, "history_importer")
        duma = _import(lead, "Duma 2016", dt.date(2016, 9, 18), PARTY_HEADER, [
            synthetic_row(region=KEMEROVO_2018, tik="1 Беловская", uik="1", ivanov=300, petrov=340),
            synthetic_row(region="Город Москва", tik="1 Арбатская", uik="5"),
        ])
        president = _import(lead, "Presidential 2018", dt.date(2018, 3, 18), SYNTHETIC_HEADER, [
            synthetic_row(region=KEMEROVO_2018, tik="1 Беловская", uik="1"),                    # line 2
            synthetic_row(region=KEMEROVO_2018, tik="2 Кемеровская", uik="2"),                  # line 3
            synthetic_row(region="город Москва", tik="1 Арбатская", uik="5", ivanov=500, petrov=140),  # 4
            synthetic_row(region="Область А", tik="1 Первая", uik="7"),                          # 5
            synthetic_row(region="Область А", tik="2 Вторая", uik="7"),                          # 6
            synthetic_row(region="Область А", tik=ELECTRONIC, uik=ELECTRONIC),                   # 7
        ])
        amendments = _import(lead, "Amendments vote 2020", dt.date(2020, 7, 1), ANSWER_HEADER, [
            synthetic_row(region=KEMEROVO_2020, tik="1 Беловская", uik="УИК №1", registered=1200, ivanov=500,
                          petrov=140),
            synthetic_row(region=KEMEROVO_2020, tik="3 ТИК Кемеровского района", uik="УИК №2"),
            synthetic_row(region="г. Москва", tik="1 Арбатская", uik="УИК №5", registered=0, issued_station=0,
                          issued_outside=0, portable_box=0, stationary_box=0, invalid=0, valid=0, ivanov=0, petrov=0),
            synthetic_row(region="Область А", tik="1 Первая", uik="УИК №7"),
        ])
        settle_constraints()
        yield SimpleNamespace(duma=duma, president=president, amendments=amendments, lead=lead)
        transaction.set_rollback(True)


def test_votes_are_of_three_kinds(votes):
    assert [rs.mapping.get("kind", "candidates") for rs in (votes.duma, votes.president, votes.amendments)] == [
        "parties", "candidates", "answers"]


def test_history_follows_the_precinct_through_renamed_region_and_kinds(votes, viewer):
    found = history.precinct_history(actor=viewer, result_set=votes.president, line=2)

    assert [(r.election.name, r.status, r.precinct.uik, r.precinct.tik, r.commission_differs) for r in found.rows] == [
        ("Duma 2016", "matched", "1", "1 Беловская", False),
        ("Presidential 2018", "this_row", "1", "1 Беловская", False),
        ("Amendments vote 2020", "matched", "УИК №1", "1 Беловская", False),
    ]
    assert [(r.kind, r.result_set.leader, r.issued, round(r.turnout, 2), round(r.leader_share, 2))
            for r in found.rows] == [
        ("parties", PARTIES[0], 650, 65.0, 46.15),
        ("candidates", "Иванов Иван Иванович", 650, 65.0, 61.54),
        ("answers", "ДА", 650, 54.17, 76.92),
    ]


def test_history_reports_a_commission_written_differently(votes, viewer):
    found = history.precinct_history(actor=viewer, result_set=votes.president, line=3)

    assert [(r.status, r.commission_differs) for r in found.rows] == [
        ("not_found", False), ("this_row", False), ("matched", True)]


def test_history_gives_marks_and_flags_in_each_vote(votes, viewer):
    found = history.precinct_history(actor=viewer, result_set=votes.amendments, line=4)

    assert [(r.status, r.flags, r.marks) for r in found.rows] == [
        ("matched", [], []), ("matched", [], []), ("this_row", [], ["no_registered", "no_ballots"])]
    assert found.rows[2].turnout is None and found.rows[2].leader_share is None


def test_history_never_matches_a_precinct_listed_twice(votes, viewer):
    own_twice = history.precinct_history(actor=viewer, result_set=votes.president, line=5)
    twice_elsewhere = history.precinct_history(actor=viewer, result_set=votes.amendments, line=5)

    assert (own_twice.own_rows, own_twice.matchable) == (2, False)
    assert [r.status for r in own_twice.rows] == ["not_compared", "this_row", "not_compared"]
    assert [(r.status, r.rows_found) for r in twice_elsewhere.rows] == [
        ("not_found", 0), ("duplicate", 2), ("this_row", 1)]


def test_history_never_matches_a_row_without_number(votes, viewer):
    found = history.precinct_history(actor=viewer, result_set=votes.president, line=7)

    assert found.matchable is False
    assert [(r.status, r.marks) for r in found.rows] == [("not_compared", []), ("this_row", ["electronic"]),
                                                         ("not_compared", [])]


def test_history_reads_three_queries_whatever_the_number_of_votes(votes, viewer):
    with CaptureQueriesContext(connection) as queries:
        history.precinct_history(actor=viewer, result_set=votes.president, line=2)

    assert len(queries) == 3


def test_history_needs_forensics_view(votes):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        history.precinct_history(actor=make_user(Role.COUNSEL), result_set=votes.president, line=2)


# -- the page, the CSV, the API ----------------------------------------------------------------------


def page(rs, line):
    return f"/forensics/results/{rs.uuid}/precincts/{line}/"


def test_precinct_page_shows_every_vote(client, votes, viewer):
    login(client, viewer)

    response = client.get(page(votes.president, 3))

    body = response.content.decode()
    assert response.status_code == 200
    assert "Found in 1 of the 2 other imported votes" in body
    assert body.count("commission written differently") == 1
    assert "Duma 2016" in body and "not in this vote" in body
    assert f'href="{page(votes.amendments, 3)}"' in body


def test_precinct_page_in_ukrainian(client, votes, viewer):
    login(client, viewer)

    body = client.get(page(votes.president, 7), HTTP_ACCEPT_LANGUAGE="uk").content.decode()

    assert '<html lang="uk"' in body
    assert "Цей рядок не має номера дільниці" in body
    assert "дистанційне електронне голосування" in body.lower()


def test_precinct_list_links_each_precinct_to_its_page(client, votes, viewer):
    login(client, viewer)

    body = client.get(f"/forensics/results/{votes.president.uuid}/precincts/?all=1").content.decode()

    assert [f'href="{page(votes.president, n)}"' in body for n in range(2, 8)] == [True] * 6


@pytest.mark.parametrize("line", [1, 8, 999999999])
def test_precinct_page_of_a_line_without_precinct_is_404(client, votes, viewer, line):
    login(client, viewer)

    assert client.get(page(votes.president, line)).status_code == 404


def test_precinct_page_refused_to_counsel_and_sends_strangers_to_sign_in(client, votes):
    login(client, make_user(Role.COUNSEL))
    assert client.get(page(votes.president, 2)).status_code == 403
    client.logout()
    response = client.get(page(votes.president, 2))
    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/accounts/login/")


def test_history_csv_has_bom_stable_columns_and_one_row_per_vote(client, votes, viewer):
    login(client, viewer)

    response = client.get(page(votes.president, 3), {"format": "csv"})

    content = response.content.decode("utf-8")
    assert (response["Content-Type"], content[0]) == ("text/csv; charset=utf-8", "\ufeff")
    rows = list(csv.DictReader(io.StringIO(content[1:])))
    assert list(rows[0]) == ["vote", "date", "file", "match", "region", "commission", "commission_differs",
                             "precinct", "line", "registered", "ballots_issued", "turnout", "leader_kind", "leader",
                             "leader_share", "flags", "marks"]
    assert [(r["vote"], r["match"], r["commission"], r["commission_differs"], r["turnout"], r["leader_kind"])
            for r in rows] == [
        ("Duma 2016", "not in this vote", "", "", "", "party"),
        ("Presidential 2018", "this row", "2 Кемеровская", "", "65.0", "candidate"),
        ("Amendments vote 2020", "same precinct", "3 ТИК Кемеровского района", "yes", "65.0", "answer"),
    ]


def test_history_csv_headers_stay_english_in_ukrainian(client, votes, viewer):
    login(client, viewer)

    content = client.get(page(votes.president, 3), {"format": "csv"}, HTTP_ACCEPT_LANGUAGE="uk").content.decode()

    header, first = content[1:].splitlines()[:2]
    assert header.startswith("vote,date,file,match,")
    assert "немає в цьому голосуванні" in first


def test_api_precinct_history(api, votes, viewer):
    response = api(viewer).get(f"/api/v1/forensics/result-sets/{votes.amendments.uuid}/precincts/2/history/")

    data = response.json()
    assert response.status_code == 200
    assert (data["region"], data["commission"], data["precinct"], data["matchable"]) == (
        KEMEROVO_2020, "1 Беловская", "УИК №1", True)
    assert [(h["vote"], h["match"], h["line"], h["turnout"], h["leader_kind"], h["leader_share"])
            for h in data["history"]] == [
        ("Duma 2016", "matched", 2, 65.0, "parties", 46.15),
        ("Presidential 2018", "matched", 2, 65.0, "candidates", 61.54),
        ("Amendments vote 2020", "this_row", 2, 54.17, "answers", 76.92),
    ]


def test_api_precinct_history_missing_line_and_counsel(api, votes):
    url = f"/api/v1/forensics/result-sets/{votes.amendments.uuid}/precincts/99/history/"
    counsel = make_user(Role.COUNSEL)

    assert api(make_user(Role.VIEWER)).get(url).status_code == 404
    assert api(counsel).get(url.replace("/99/", "/2/")).status_code == 403
    assert api().get(url.replace("/99/", "/2/")).status_code == 401


# -- the same-precinct comparison between any two votes ------------------------------------------------


@pytest.mark.parametrize(("this", "other", "region", "expected"), [
    ("amendments", "president", KEMEROVO_2020,
     {"matched": 2, "unmatched_first": 0, "unmatched_second": 0, "commission_differs": 1}),
    ("president", "amendments", KEMEROVO_2018,
     {"matched": 2, "unmatched_first": 0, "unmatched_second": 0, "commission_differs": 1}),
    ("amendments", "duma", KEMEROVO_2020,
     {"matched": 1, "unmatched_first": 0, "unmatched_second": 1, "commission_differs": 0}),
    ("duma", "amendments", "",
     {"matched": 1, "no_voters": 1, "unmatched_first": 2, "unmatched_second": 0, "commission_differs": 0}),
])
def test_comparison_between_votes_of_any_kind(votes, this, other, region, expected):
    result = report.analyze(getattr(votes, this), region=region, replicates=10, compare=getattr(votes, other))

    assert {k: result["same_precinct"][k] for k in expected} == expected


def test_comparison_counts_unnumbered_duplicates_and_empty_stations(votes):
    sp = report.analyze(votes.amendments, replicates=10, compare=votes.president)["same_precinct"]

    assert {k: sp[k] for k in ("matched", "no_voters", "unnumbered_first", "duplicate_first", "unmatched_second")} == {
        "matched": 2, "no_voters": 1, "unnumbered_first": 1, "duplicate_first": 2, "unmatched_second": 1}


def test_result_set_page_says_the_matching_outcome(client, votes, viewer):
    login(client, viewer)

    response = client.get(f"/forensics/results/{votes.amendments.uuid}/",
                          {"region": KEMEROVO_2020, "compare": str(votes.president.uuid)})

    body = " ".join(response.content.decode().split())
    assert "2 precincts matched by region and number" in body
    assert "Only in this vote: 0 precincts. Only in the other vote: 0." in body
    assert "Matched precincts whose territorial commission is written differently in the two votes: 1" in body


def test_schema_documents_the_precinct_history(tmp_path):
    from django.core.management import call_command
    from openapi_spec_validator.readers import read_from_filename

    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))

    spec, _url = read_from_filename(str(path))
    operation = spec["paths"]["/api/v1/forensics/result-sets/{uuid}/precincts/{line}/history/"]["get"]
    schema = spec["components"]["schemas"]["PrecinctHistory"]
    assert [p["name"] for p in operation["parameters"]] == ["line", "uuid"]
    assert schema["required"] == ["commission", "history", "line", "matchable", "precinct", "region", "result_set"]


def test_claim_baseline_finds_the_region_under_its_other_name(api, votes, viewer):
    response = api(viewer).get(f"/api/v1/forensics/result-sets/{votes.amendments.uuid}/claim/", {
        "metric": "turnout", "value": 50, "region": KEMEROVO_2020, "compare": str(votes.president.uuid)})

    assert response.json()["evidence"]["same_precinct"]["matched"] == 2
