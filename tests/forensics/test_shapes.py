"""Every shape of federal results file the CEC publishes, read without a mapping (issue 11, item 1).

tests/forensics/headers/<year>.csv holds the header and the first two rows of each file of the
collection in data/elections/ (copied byte for byte); the synthetic files below take the shapes the
collection's later files take (a ``level`` column with rows of higher commissions, remote electronic
voting rows, the 2020 vote's answers, empty stations).
"""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from svidok.forensics.models import Precinct, ResultSet
from svidok.forensics.parsing import (
    MARK_ELECTRONIC,
    MARK_NO_BALLOTS,
    MARK_NO_REGISTERED,
    ResultsFileError,
    read_results,
)
from tests.forensics.conftest import SYNTHETIC_HEADER, csv_text, synthetic_row
from tests.helpers import login

HEADERS = Path(__file__).resolve().parent / "headers"
ALL_FIELDS = ["registered", "ballots_received", "issued_early", "issued_station", "issued_outside", "cancelled",
              "portable_box", "stationary_box", "invalid", "valid", "lost", "unaccounted"]
ELECTRONIC = "Дистанционное электронное голосование"


def fields_of(parsed) -> list[str]:
    return sorted(parsed.mapping.fields)


@pytest.mark.parametrize(("year", "identity", "kind", "leader", "width", "registered"), [
    ("2004", ["region", "tik", "uik", "url"], "candidates", "Путин Владимир Владимирович", 7, [2242, 2568]),
    ("2008", ["region", "tik", "uik", "url"], "candidates", "Медведев Дмитрий Анатольевич", 4, [1371, 1080]),
    ("2011", ["region", "tik", "uik", "url"], "parties", '6. Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"', 7,
     [2609, 2594]),
    ("2016", ["oik", "region", "tik", "uik", "url"], "parties",
     '4. Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"', 14, [2584, 2511]),
    ("2018", ["region", "tik", "uik", "url"], "candidates", "Путин Владимир Владимирович", 8, [2256, 2700]),
])
def test_each_years_header_is_read_without_a_mapping(year, identity, kind, leader, width, registered):
    parsed = read_results(HEADERS / f"{year}.csv")

    assert fields_of(parsed) == sorted(identity + ALL_FIELDS)
    assert (parsed.mapping.kind, parsed.mapping.leader, len(parsed.candidates)) == (kind, leader, width)
    assert (parsed.counts["registered"], parsed.mapping.derived, len(parsed)) == (registered, {}, 2)
    assert [f for flags in parsed.flags for f in flags] == []


def test_2004_wording_on_voting_day_is_issued_at_the_station_and_plural_2008_is_registered():
    p2004, p2008 = read_results(HEADERS / "2004.csv"), read_results(HEADERS / "2008.csv")

    assert (p2004.mapping.fields["issued_station"], p2004.counts["issued_station"]) == (
        "Число избирательных бюллетеней, выданных в день голосования", [1074, 1726])
    assert (p2008.mapping.fields["registered"], p2008.mapping.fields["issued_outside"]) == (
        "Число избирателей, включенных в списки избирателей",
        "Число избирательных бюллетеней, выданных вне помещений для голосования в день голосования")
    assert "Против всех" in p2004.candidates


def test_2020_vote_reads_participants_answers_and_the_name_column():
    parsed = read_results(HEADERS / "2020.csv")

    assert fields_of(parsed) == ["invalid", "issued_total", "name", "region", "registered", "tik", "uik", "url"]
    assert (parsed.candidates, parsed.mapping.kind, parsed.mapping.leader) == (["ДА", "НЕТ"], "answers", "ДА")
    assert parsed.mapping.leader_role == "the answer with most votes"
    assert (parsed.counts["registered"], parsed.counts["issued_station"], parsed.counts["issued_early"],
            parsed.counts["valid"], parsed.counts["invalid"]) == ([2277, 2694], [1925, 2290], [0, 0], [1925, 2283], [0, 7])
    assert sorted(parsed.mapping.derived) == ["issued_early", "issued_outside", "issued_station", "valid"]
    assert parsed.mapping.as_dict()["kind"] == "answers"
    p = parsed.to_precincts()
    assert (len(p), p.excluded, int(p.issued.sum())) == (2, 0, 4215)


def test_answers_where_no_leads_make_no_the_leader():
    header = ["region", "tik", "uik", "Число участников голосования, включенных в список участников голосования",
              "Число бюллетеней, выданных участникам голосования", "Число недействительных бюллетеней", "ДА", "НЕТ"]
    rows = [["Р", "1 Т", "УИК №1", 100, 50, 0, 10, 40], ["Р", "1 Т", "УИК №2", 100, 60, 0, 30, 30]]

    parsed = read_results(csv_text(rows, header=header).encode(), name="vote.csv")

    assert (parsed.mapping.leader, parsed.to_precincts().uik_number.tolist()) == ("НЕТ", [1, 2])


# -- a level column: rows of higher commissions ------------------------------------------------------

LEVEL_HEADER = ["level", *SYNTHETIC_HEADER]


def level_row(level, **changes):
    return [level, *synthetic_row(**changes)]


def test_rows_of_higher_commissions_are_kept_apart_and_checked_against_their_precincts():
    rows = [
        level_row("ЦИК России", region="", tik="", uik="", registered=3000, issued_station=1800,
                  issued_outside=150, valid=1920, ivanov=1200, petrov=720),
        level_row("ИКС субъекта", tik="", uik="", registered=3000, issued_station=1800, issued_outside=150,
                  valid=1920, ivanov=1200, petrov=720),
        level_row("УИК", uik="1"),
        level_row("УИК", uik="2"),
        level_row("УИК", uik="3"),
    ]

    parsed = read_results(csv_text(rows, header=LEVEL_HEADER).encode(), name="duma.csv")

    assert (len(parsed), parsed.lines, parsed.mapping.fields["level"]) == (3, [4, 5, 6], "level")
    assert [(t["line"], t["level"], t["precincts"], t["registered"], t["mismatches"]) for t in parsed.totals] == [
        (2, "ЦИК России", 3, 3000, []), (3, "ИКС субъекта", 3, 3000, [])]


def test_a_higher_row_that_does_not_match_its_precincts_is_reported():
    rows = [level_row("ТИК", uik="", registered=2500, ivanov=900), level_row("УИК", uik="1"), level_row("УИК", uik="2")]

    parsed = read_results(csv_text(rows, header=LEVEL_HEADER).encode(), name="duma.csv")

    assert parsed.totals[0]["mismatches"] == [
        "registered: 2500 in the row, 2000 in the sum of its 2 precincts",
        "issued: 650 in the row, 1300 in the sum of its 2 precincts",
        "Иванов Иван Иванович: 900 in the row, 800 in the sum of its 2 precincts",
        "Петров Пётр Петрович: 240 in the row, 480 in the sum of its 2 precincts",
    ]
    assert len(parsed) == 2


def test_the_cec_row_covers_the_whole_file_whatever_its_region_says():
    rows = [level_row("ЦИК России", region="Российская Федерация", tik="", uik="", registered=2000, issued_station=1200,
                      issued_outside=100, valid=1280, ivanov=800, petrov=480),
            level_row("УИК", uik="1"), level_row("УИК", region="Область Б", uik="1")]

    parsed = read_results(csv_text(rows, header=LEVEL_HEADER).encode(), name="duma.csv")

    assert (parsed.totals[0]["precincts"], parsed.totals[0]["mismatches"]) == (2, [])


def test_a_level_naming_a_commission_is_not_read_as_a_count():
    rows = [level_row("ЦИК России", region="", tik="", uik="", registered=1000), level_row("УИК")]

    parsed = read_results(csv_text(rows, header=LEVEL_HEADER).encode(), name="duma.csv")

    assert (len(parsed), len(parsed.totals)) == (1, 1)


def test_a_file_of_higher_rows_only_is_refused():
    rows = [level_row("ЦИК России", region="", tik="", uik="")]

    with pytest.raises(ResultsFileError, match="holds no precinct rows"):
        read_results(csv_text(rows, header=LEVEL_HEADER).encode(), name="duma.csv")


# -- electronic voting and empty stations --------------------------------------------------------------

def test_electronic_voting_rows_are_marked_and_counted_in_the_totals():
    rows = [level_row("УИК", uik="1"), level_row("УИК", tik=ELECTRONIC, uik=ELECTRONIC, registered=5000,
                                                  issued_station=600, issued_outside=0, portable_box=0,
                                                  stationary_box=650, ivanov=400)]

    parsed = read_results(csv_text(rows, header=LEVEL_HEADER).encode(), name="duma.csv")
    p = parsed.to_precincts()

    assert parsed.marks == {MARK_ELECTRONIC: [3]}
    assert (len(p), int(p.registered.sum()), p.uik_number.tolist()) == (2, 6000, [1, -1])


def test_stations_with_no_voters_or_no_ballots_are_marked_not_dropped():
    rows = [synthetic_row(uik="1"),
            synthetic_row(uik="2", registered=0, issued_station=0, issued_outside=0, portable_box=0, stationary_box=0,
                          invalid=0, valid=0, ivanov=0, petrov=0),
            synthetic_row(uik="3", issued_station=0, issued_outside=0, portable_box=0, stationary_box=0, invalid=0,
                          valid=0, ivanov=0, petrov=0)]

    parsed = read_results(csv_text(rows).encode(), name="empty.csv")

    assert parsed.marks == {MARK_NO_REGISTERED: [3], MARK_NO_BALLOTS: [3, 4]}
    assert (len(parsed.to_precincts()), parsed.flag_counts()["missing"]) == (3, 0)


def test_a_file_of_a_new_shape_is_refused_naming_what_is_missing():
    header = ["region", "tik", "uik", "Сколько пришло", "ДА", "НЕТ"]

    with pytest.raises(ResultsFileError) as caught:
        read_results(csv_text([["Р", "Т", "1", 5, 1, 2]], header=header).encode(), name="new.csv")

    assert str(caught.value).startswith("Cannot tell which column holds: registered, issued_early, issued_station, "
                                        "issued_outside, invalid, valid.")


# -- import: what the result set keeps and the command prints --------------------------------------------

@pytest.mark.django_db
def test_import_keeps_the_higher_rows_checks_and_the_marks_on_the_result_set(forensics_election, tmp_path, capsys):
    rows = [level_row("ЦИК России", region="", tik="", uik="", registered=2100),
            level_row("УИК", uik="1"),
            level_row("УИК", tik=ELECTRONIC, uik=ELECTRONIC, registered=0, issued_station=0, issued_outside=0,
                      portable_box=0, stationary_box=0, invalid=0, valid=0, ivanov=0, petrov=0)]
    path = tmp_path / "duma.csv"
    path.write_text(csv_text(rows, header=LEVEL_HEADER), encoding="utf-8")

    call_command("forensics", "import", str(path), "--election", forensics_election.name, "--no-progress")

    rs = ResultSet.objects.get()
    assert (rs.precinct_count, Precinct.objects.count()) == (2, 2)
    assert rs.mapping["marks"] == {"electronic": {"count": 1, "lines": [4]}, "no_registered": {"count": 1, "lines": [4]},
                                   "no_ballots": {"count": 1, "lines": [4]}}
    assert rs.mapping["totals"] == [{"line": 2, "level": "ЦИК России", "region": "", "tik": "", "precincts": 2,
                                     "registered": 2100,
                                     "mismatches": ["registered: 2100 in the row, 1000 in the sum of its 2 precincts"]}]
    out = capsys.readouterr().out.splitlines()
    assert out[1:6] == [
        "marked rows (counted like any other, so the totals are the file's):",
        "        1 electronic: remote electronic voting, not a polling station",
        "        1 no_registered: no voters registered at this station",
        "        1 no_ballots: no ballots issued at this station",
        "line 2 (ЦИК России, whole file): the file's own totals, 2100 registered; 2 precincts summed: "
        "registered: 2100 in the row, 1000 in the sum of its 2 precincts",
    ]


@pytest.mark.django_db
def test_the_2020_vote_uploaded_on_the_web_page_is_imported_and_its_result_page_shows(client, coordinator,
                                                                                     forensics_election):
    login(client, coordinator)
    upload = SimpleUploadedFile("2020.csv", (HEADERS / "2020.csv").read_bytes(), content_type="text/csv")

    response = client.post(f"/forensics/elections/{forensics_election.uuid}/import/",
                           {"file": upload, "label": "", "leader": "", "encoding": "", "mapping": ""})

    rs = ResultSet.objects.get()
    page = client.get(response["Location"])
    assert (response.status_code, page.status_code, rs.precinct_count, rs.leader, rs.mapping["kind"]) == (
        302, 200, 2, "ДА", "answers")
