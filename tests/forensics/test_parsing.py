"""Reading precinct-result files (svidok.forensics.parsing): the two shipped files, and small
synthetic files for the shapes other years of the same collection take."""

import hashlib
import io
import zipfile

import numpy as np
import pytest

from svidok.forensics.parsing import ResultsFileError, read_results
from tests.forensics.conftest import CRIMEA, SYNTHETIC_HEADER, csv_text, synthetic_row

IVANOV, PETROV = SYNTHETIC_HEADER[-2], SYNTHETIC_HEADER[-1]
PUTIN = "Путин Владимир Владимирович"
UNITED_RUSSIA = '4. Всероссийская политическая партия "ЕДИНАЯ РОССИЯ"'

# The protocol lines as worded in the 2018 file; 2016 words five of them differently.
HEADERS_2018 = {
    "registered": "Число избирателей, включенных в список избирателей",
    "ballots_received": "Число избирательных бюллетеней, полученных участковой избирательной комиссией",
    "issued_early": "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно",
    "issued_station": "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования",
    "issued_outside": "Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования",
    "cancelled": "Число погашенных избирательных бюллетеней",
    "portable_box": "Число избирательных бюллетеней в переносных ящиках для голосования",
    "stationary_box": "Число бюллетеней в стационарных ящиках для голосования",
    "invalid": "Число недействительных избирательных бюллетеней",
    "valid": "Число действительных избирательных бюллетеней",
    "lost": "Число утраченных избирательных бюллетеней",
    "unaccounted": "Число избирательных бюллетеней, не учтенных при получении",
}
HEADERS_2016 = HEADERS_2018 | {
    "registered": "Число избирателей, внесенных в список избирателей на момент окончания голосования",
    "portable_box": "Число избирательных бюллетеней, содержащихся в переносных ящиках для голосования",
    "stationary_box": "Число избирательных бюллетеней, содержащихся в стационарных ящиках для голосования",
}
NO_FLAGS = {"missing": 0, "negative": 0, "issued_above_registered": 0, "votes_not_valid": 0, "boxes_not_cast": 0,
            "duplicate": 0}

# English headers that detection cannot place: only an explicit mapping reads this file.
PLAIN_HEADER = ["Region", "Commission", "Station", "Voters", "Early", "At station", "Outside", "Spoiled", "Good",
                "Ivanov", "Petrov", "Comment"]
PLAIN_ROW = ["Область А", "1 Первая", "5", 1000, 0, 600, 50, 10, 640, 400, 240, "ok"]
PLAIN_FIELDS = {"region": "Region", "tik": "Commission", "uik": "Station", "registered": "Voters", "issued_early": "Early",
                "issued_station": "At station", "issued_outside": "Outside", "invalid": "Spoiled", "valid": "Good"}


def _read(text: str, **kwargs):
    return read_results(text.encode("utf-8"), name="results.csv", **kwargs)


def _error(source, **kwargs) -> ResultsFileError:
    with pytest.raises(ResultsFileError) as caught:
        read_results(source, name="results.csv", **kwargs)
    return caught.value


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


# -- the shipped files --------------------------------------------------------------------------


def test_read_results_2018_maps_every_protocol_field(parsed_2018_file):
    mapping = parsed_2018_file.mapping

    assert mapping.fields == {"region": "region", "tik": "tik", "uik": "uik", "url": "url"} | HEADERS_2018
    assert mapping.ignored == []
    assert (len(parsed_2018_file), parsed_2018_file.flag_counts()) == (97_699, NO_FLAGS)
    assert parsed_2018_file.sha256 == "0ecfa337c877a2db52c99460307ea153b9e3a33810811685a1e92e8154287176"


def test_read_results_2018_finds_the_candidates_and_putin_as_leader(parsed_2018_file):
    assert parsed_2018_file.candidates == [
        "Бабурин Сергей Николаевич", "Грудинин Павел Николаевич", "Жириновский Владимир Вольфович", PUTIN,
        "Собчак Ксения Анатольевна", "Сурайкин Максим Александрович", "Титов Борис Юрьевич",
        "Явлинский Григорий Алексеевич",
    ]
    assert (parsed_2018_file.mapping.leader, parsed_2018_file.leader) == (PUTIN, 3)


def test_read_results_2018_totals_match_the_official_protocols(precincts_2018_file):
    p = precincts_2018_file
    crimea = p.in_region(CRIMEA)

    assert (int(p.registered.sum()), int(p.issued.sum()), int(p.leader_votes.sum()), p.excluded) == (
        109_008_428, 73_629_581, 56_430_712, 0)
    assert (len(crimea), int(crimea.registered.sum()), int(crimea.issued.sum()), int(crimea.leader_votes.sum())) == (
        1_206, 1_508_701, 1_079_531, 994_569)


def test_read_results_2018_keeps_the_first_precinct_as_published(parsed_2018_file):
    first = {f: parsed_2018_file.counts[f][0] for f in HEADERS_2018}

    assert (parsed_2018_file.lines[0], parsed_2018_file.identity["region"][0], parsed_2018_file.identity["tik"][0],
            parsed_2018_file.identity["uik"][0]) == (2, "Республика Адыгея (Адыгея)", "1 Адыгейская", "1")
    assert first == {"registered": 2256, "ballots_received": 2181, "issued_early": 0, "issued_station": 2107,
                     "issued_outside": 62, "cancelled": 12, "portable_box": 62, "stationary_box": 2107, "invalid": 3,
                     "valid": 2166, "lost": 0, "unaccounted": 0}
    assert parsed_2018_file.votes[0] == [0, 137, 32, 1977, 14, 0, 1, 5]


def test_read_results_2016_ignores_the_absentee_certificate_columns(parsed_2016_file):
    mapping = parsed_2016_file.mapping

    assert mapping.fields == {"region": "region", "oik": "oik", "tik": "tik", "uik": "uik", "url": "url"} | HEADERS_2016
    assert mapping.ignored == [
        "Число открепительных удостоверений, полученных участковой избирательной комиссией",
        "Число открепительных удостоверений, выданных на избирательном участке до дня голосования",
        "Число избирателей, проголосовавших по открепительным удостоверениям на избирательном участке",
        "Число погашенных неиспользованных открепительных удостоверений",
        "Число открепительных удостоверений, выданных избирателям территориальной избирательной комиссией",
        "Число утраченных открепительных удостоверений",
    ]


def test_read_results_2016_finds_the_parties_and_united_russia_as_leader(parsed_2016_file):
    p = parsed_2016_file.to_precincts()

    assert (len(parsed_2016_file.candidates), parsed_2016_file.candidates[0], parsed_2016_file.candidates[-1]) == (
        14, '1. ВСЕРОССИЙСКАЯ ПОЛИТИЧЕСКАЯ ПАРТИЯ "РОДИНА"', "14. Политическая партия СПРАВЕДЛИВАЯ РОССИЯ")
    assert (parsed_2016_file.mapping.leader, parsed_2016_file.leader) == (UNITED_RUSSIA, 3)
    assert (len(p), int(p.registered.sum()), int(p.issued.sum()), int(p.leader_votes.sum())) == (
        96_871, 110_061_200, 52_700_992, 28_527_828)
    assert parsed_2016_file.sha256 == "f07c07126f3c5bfc8958a1efad9532df44d1a94e13013ca2c2574827e28e13b2"


# -- shapes of other years ------------------------------------------------------------------------


def test_read_results_uik_written_with_its_label_gives_the_number():
    parsed = _read(csv_text([synthetic_row(uik="УИК №554"), synthetic_row(uik="УИК №1200")]))
    p = parsed.to_precincts()

    assert parsed.identity["uik"] == ["УИК №554", "УИК №1200"]
    assert p.uik_number.tolist() == [554, 1200]
    assert p.uik.tolist() == ["УИК №554", "УИК №1200"]


def test_read_results_uik_without_a_number_gives_minus_one():
    p = _read(csv_text([synthetic_row(uik="без номера")])).to_precincts()

    assert p.uik_number.tolist() == [-1]


def test_read_results_without_url_column_reads_the_rest():
    parsed = _read(csv_text([synthetic_row()]))

    assert "url" not in parsed.mapping.fields
    assert parsed.identity["url"] == [""]
    assert parsed.candidates == [IVANOV, PETROV]
    assert (parsed.counts["registered"], parsed.votes) == ([1000], [[400, 240]])


def test_read_results_row_without_numbers_is_flagged_missing_and_kept():
    empty = synthetic_row(region="Область Б", uik="7", **dict.fromkeys(
        ["registered", "issued_early", "issued_station", "issued_outside", "portable_box", "stationary_box", "invalid",
         "valid", "ivanov", "petrov"], ""))

    parsed = _read(csv_text([synthetic_row(), empty, synthetic_row(uik="2")]))

    assert parsed.flags == [[], ["missing"], []]
    assert parsed.flag_counts() == NO_FLAGS | {"missing": 1}
    assert (parsed.counts["registered"], parsed.votes[1]) == ([1000, None, 1000], [None, None])


def test_to_precincts_leaves_out_missing_rows_and_counts_them():
    empty = synthetic_row(region="Область Б", uik="7", registered="", valid="")

    p = _read(csv_text([synthetic_row(), empty, synthetic_row(uik="2")])).to_precincts()

    assert (len(p), p.excluded) == (2, 1)
    assert (p.region.tolist(), p.row.tolist()) == (["Область А", "Область А"], [2, 4])
    assert p.votes.tolist() == [[400, 240], [400, 240]]


def test_read_results_candidate_cell_empty_is_missing():
    parsed = _read(csv_text([synthetic_row(petrov="")]))

    assert parsed.flags == [["missing"]]
    assert parsed.to_precincts().excluded == 1


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_read_results_other_delimiters_read_the_same(delimiter):
    rows = [synthetic_row(), synthetic_row(uik="2", ivanov=401, petrov=239)]
    comma = _read(csv_text(rows))

    other = _read(csv_text(rows, delimiter=delimiter))

    assert other.mapping.fields == comma.mapping.fields
    assert (other.counts, other.votes, other.identity) == (comma.counts, comma.votes, comma.identity)
    assert other.votes == [[400, 240], [401, 239]]


def test_read_results_semicolons_with_commas_in_quoted_headers():
    # Commas inside quoted headers are not delimiters, however many there are.
    header = ["region", "uik", "Число избирателей, включенных в список избирателей, всего, по данным, комиссии",
              *SYNTHETIC_HEADER[4:7], SYNTHETIC_HEADER[9], SYNTHETIC_HEADER[10], "Иванов"]
    text = csv_text([["Область А", "1", 1000, 0, 600, 50, 10, 640, 640]], header=header, delimiter=";")

    parsed = _read(text)

    assert parsed.counts["registered"] == [1000]
    assert parsed.votes == [[640]]


def test_read_results_utf8_bom_and_crlf_are_accepted():
    raw = b"\xef\xbb\xbf" + csv_text([synthetic_row()]).replace("\n", "\r\n").encode("utf-8")

    parsed = read_results(raw, name="results.csv")

    assert parsed.mapping.fields["region"] == "region"
    assert (parsed.identity["region"], parsed.votes) == (["Область А"], [[400, 240]])


def test_read_results_utf8_bom_with_explicit_encoding_is_accepted():
    raw = b"\xef\xbb\xbf" + csv_text([synthetic_row()]).encode("utf-8")

    parsed = read_results(raw, name="results.csv", encoding="utf-8")

    assert parsed.mapping.fields["region"] == "region"
    assert parsed.identity["region"] == ["Область А"]


def test_read_results_cp1251_with_encoding_reads(results_csv_file):
    path = results_csv_file([synthetic_row()], encoding="cp1251")

    parsed = read_results(path, encoding="cp1251")

    assert parsed.name == "results.csv"
    assert (parsed.identity["region"], parsed.candidates) == (["Область А"], [IVANOV, PETROV])


def test_read_results_cp1251_without_encoding_says_which_to_give(results_csv_file):
    path = results_csv_file([synthetic_row()], encoding="cp1251")

    error = _error(path)

    assert str(error) == ("results.csv is not UTF-8 (undecodable byte at line 1); give its encoding "
                          "(e.g. --encoding cp1251).")


def test_read_results_unknown_encoding_is_an_error():
    error = _error(csv_text([synthetic_row()]).encode("utf-8"), encoding="klingon")

    assert str(error) == "results.csv cannot be read as klingon: LookupError."


def test_read_results_zip_with_one_csv_reads_it_and_hashes_the_zip():
    raw = _zip({"results.csv": csv_text([synthetic_row()])})

    parsed = read_results(raw, name="results.zip")

    assert (parsed.name, parsed.size, parsed.votes) == ("results.zip", len(raw), [[400, 240]])
    assert parsed.sha256 == hashlib.sha256(raw).hexdigest()


def test_read_results_zip_with_two_csvs_is_an_error():
    raw = _zip({"a.csv": csv_text([synthetic_row()]), "b.csv": csv_text([synthetic_row()])})

    error = _error(raw)

    assert str(error) == "results.csv must hold exactly one CSV file; it holds 2 (a.csv, b.csv)."


def test_read_results_broken_zip_is_an_error():
    error = _error(b"PK\x03\x04 not really a zip")

    assert str(error) == "results.csv is not a readable ZIP archive."


def test_read_results_row_with_wrong_number_of_cells_names_the_line():
    text = csv_text([synthetic_row(), synthetic_row(uik="2")[:-1], synthetic_row(uik="3")])

    error = _error(text.encode("utf-8"))

    assert error.args[0] == "results.csv cannot be imported; nothing was written."
    assert error.problems == ["line 3: 12 cells, but the header has 13 columns"]


def test_read_results_line_numbers_count_blank_lines():
    lines = csv_text([synthetic_row(), synthetic_row(uik="2"), synthetic_row(uik="3")]).splitlines(keepends=True)
    text = "".join(lines[:3]) + "\n" + lines[3]
    parsed = _read(text)
    assert parsed.lines == [2, 3, 5]

    error = _error((text + "x,y\n").encode("utf-8"))
    assert error.problems == ["line 6: 2 cells, but the header has 13 columns"]


def test_read_results_quoted_line_break_keeps_line_numbers():
    rows = [synthetic_row(tik="1\nПервая"), synthetic_row(uik="2"), synthetic_row(uik="3")]

    parsed = _read(csv_text(rows))

    assert (parsed.lines, parsed.identity["tik"]) == ([2, 4, 5], ["1\nПервая", "1 Первая", "1 Первая"])


def test_read_results_error_after_a_quoted_line_break_names_the_file_line():
    rows = [synthetic_row(tik="1\nПервая"), synthetic_row(uik="2"), synthetic_row(uik="3", ivanov="x")]

    error = _error(csv_text(rows).encode("utf-8"))

    assert error.problems == [f"line 5, column '{IVANOV}': 'x' is not a whole number"]


@pytest.mark.parametrize(("tik", "line"), [("1\nПервая", 5), ("1\u2028Первая", 4)])
def test_read_results_short_row_after_a_line_break_in_a_cell_is_an_error(tik, line):
    # Neither a quoted line break nor U+2028 (a line break to str.splitlines, not to CSV) may shift the rows.
    rows = [synthetic_row(tik=tik), synthetic_row(uik="2"), synthetic_row(uik="3")[:-1]]

    error = _error(csv_text(rows).encode("utf-8"))

    assert error.problems == [f"line {line}: 12 cells, but the header has 13 columns"]


@pytest.mark.parametrize("cell", ["3000000000", "-3000000000", "18446744073709551611", "99999999999999999999"])
def test_read_results_number_too_large_is_an_error(cell):
    # Beyond the database's integer columns (2,147,483,647): no precinct count, and never to be wrapped around.
    error = _error(csv_text([synthetic_row(), synthetic_row(uik="2", registered=cell)]).encode("utf-8"))

    assert error.problems == [
        f"line 3, column 'Число избирателей, включенных в список избирателей': '{cell}' is too large for a precinct count"]


def test_read_results_candidate_votes_too_large_is_an_error():
    error = _error(csv_text([synthetic_row(petrov="5000000000")]).encode("utf-8"))

    assert error.problems == [f"line 2, column '{PETROV}': '5000000000' is too large for a precinct count"]


def test_uik_number_too_long_for_a_precinct_number_is_none():
    p = _read(csv_text([synthetic_row(uik="УИК №99999999999"), synthetic_row(uik="УИК №2147483647")])).to_precincts()

    assert p.uik_number.tolist() == [-1, 2147483647]


def test_read_results_non_number_names_line_and_column():
    text = csv_text([synthetic_row(), synthetic_row(uik="2", ivanov="четыреста")])

    error = _error(text.encode("utf-8"))

    assert error.problems == [f"line 3, column '{IVANOV}': 'четыреста' is not a whole number"]


def test_read_results_decimal_number_is_not_a_whole_number():
    error = _error(csv_text([synthetic_row(registered="1000.5")]).encode("utf-8"))

    assert error.problems == ["line 2, column 'Число избирателей, включенных в список избирателей': '1000.5' is not a whole number"]


def test_read_results_lists_every_bad_row():
    text = csv_text([synthetic_row(valid="x"), synthetic_row(uik="2"), synthetic_row(uik="3", petrov="y")])

    error = _error(text.encode("utf-8"))

    assert error.problems == [
        "line 2, column 'Число действительных избирательных бюллетеней': 'x' is not a whole number",
        f"line 4, column '{PETROV}': 'y' is not a whole number",
    ]


def test_read_results_duplicate_headers_is_an_error():
    text = csv_text([synthetic_row() + [5]], header=SYNTHETIC_HEADER + [IVANOV])

    error = _error(text.encode("utf-8"))

    assert str(error) == f"results.csv has duplicate column names: {IVANOV}."


def test_read_results_empty_file_is_an_error():
    assert str(_error(b"")) == "results.csv is empty."


def test_read_results_header_only_is_an_error():
    assert str(_error(csv_text([]).encode("utf-8"))) == "results.csv has a header but no precincts."


def test_read_results_missing_required_column_names_it():
    header = [h for h in SYNTHETIC_HEADER if h != "Число недействительных избирательных бюллетеней"]
    row = synthetic_row()
    del row[SYNTHETIC_HEADER.index("Число недействительных избирательных бюллетеней")]

    error = _error(csv_text([row], header=header).encode("utf-8"))

    assert str(error).startswith("Cannot tell which column holds: invalid. Name them in a column mapping")


def test_read_results_trailing_delimiter_is_not_a_candidate():
    # Spreadsheet exports often end every line with the delimiter: an empty, unnamed last column.
    text = csv_text([synthetic_row() + [""]], header=SYNTHETIC_HEADER + [""])

    parsed = _read(text)

    assert parsed.candidates == [IVANOV, PETROV]
    assert parsed.flags == [[]]
    assert parsed.votes == [[400, 240]]


# -- explicit mapping -----------------------------------------------------------------------------


def test_read_results_flat_mapping_places_the_columns():
    parsed = _read(csv_text([PLAIN_ROW], header=PLAIN_HEADER), mapping=PLAIN_FIELDS | {"candidates": ["Ivanov", "Petrov"]})

    assert parsed.mapping.fields == PLAIN_FIELDS
    assert (parsed.candidates, parsed.mapping.leader, parsed.mapping.ignored) == (["Ivanov", "Petrov"], "Ivanov", ["Comment"])
    assert (parsed.counts["registered"], parsed.counts["issued_station"], parsed.votes) == ([1000], [600], [[400, 240]])
    assert parsed.identity["uik"] == ["5"]


def test_read_results_nested_mapping_reads_the_same_as_flat():
    flat = _read(csv_text([PLAIN_ROW], header=PLAIN_HEADER), mapping=PLAIN_FIELDS | {"candidates": ["Ivanov", "Petrov"]})

    nested = _read(csv_text([PLAIN_ROW], header=PLAIN_HEADER),
                   mapping={"fields": PLAIN_FIELDS, "candidates": ["Ivanov", "Petrov"]})

    assert nested.mapping.as_dict() == flat.mapping.as_dict()
    assert (nested.counts, nested.votes) == (flat.counts, flat.votes)


def test_read_results_mapping_without_candidates_takes_the_unplaced_columns():
    parsed = _read(csv_text([PLAIN_ROW], header=PLAIN_HEADER), mapping={"fields": PLAIN_FIELDS, "ignore": ["Comment"]})

    assert (parsed.candidates, parsed.mapping.ignored) == (["Ivanov", "Petrov"], ["Comment"])


def test_read_results_mapping_leader_chooses_the_analysed_candidate():
    parsed = _read(csv_text([PLAIN_ROW], header=PLAIN_HEADER),
                   mapping={"fields": PLAIN_FIELDS, "candidates": ["Ivanov", "Petrov"], "leader": "Petrov"})

    assert (parsed.mapping.leader, parsed.leader, parsed.to_precincts().leader_votes.tolist()) == ("Petrov", 1, [240])


def test_read_results_leader_argument_overrides_the_most_votes():
    parsed = _read(csv_text([synthetic_row()]), leader=PETROV)

    assert (parsed.mapping.leader, parsed.leader) == (PETROV, 1)


def test_read_results_mapping_overrides_a_detected_column():
    header = SYNTHETIC_HEADER + ["Число избирателей на конец дня"]
    parsed = _read(csv_text([synthetic_row() + [1010]], header=header),
                   mapping={"registered": "Число избирателей на конец дня"})

    assert parsed.counts["registered"] == [1010]
    assert parsed.mapping.ignored == ["Число избирателей, включенных в список избирателей"]
    assert parsed.candidates == [IVANOV, PETROV]


def test_read_results_mapping_naming_an_absent_column_lists_each():
    error = _error(csv_text([PLAIN_ROW], header=PLAIN_HEADER).encode("utf-8"),
                   mapping=PLAIN_FIELDS | {"registered": "Electors", "candidates": ["Ivanov", "Sidorov"]})

    assert error.args[0] == "The column mapping does not fit the file."
    assert error.problems == ["mapping: registered -> 'Electors': the file has no such column",
                              "mapping: 'Sidorov': the file has no such column"]


def test_read_results_mapping_naming_a_column_twice_is_an_error():
    error = _error(csv_text([PLAIN_ROW], header=PLAIN_HEADER).encode("utf-8"),
                   mapping=PLAIN_FIELDS | {"valid": "Ivanov", "candidates": ["Ivanov", "Petrov"], "ignore": ["Petrov"]})

    assert error.problems == ["mapping: 'Ivanov' is named for more than one field",
                              "mapping: 'Petrov' is named for more than one field"]


def test_read_results_mapping_unknown_field_in_fields_is_named():
    error = _error(csv_text([PLAIN_ROW], header=PLAIN_HEADER).encode("utf-8"),
                   mapping={"fields": PLAIN_FIELDS | {"voters": "Voters"}})

    assert error.problems[0].startswith("mapping: 'voters' is not a field (known: region, oik, tik, uik, url, registered,")


def test_read_results_mapping_unknown_keys_are_named():
    error = _error(csv_text([synthetic_row()]).encode("utf-8"), mapping={"candidate": ["x"], "leeder": "y"})

    assert str(error).startswith("Unknown key(s) in the column mapping: candidate, leeder. Known: fields (region,")


def test_read_results_leader_not_among_candidates_is_an_error():
    error = _error(csv_text([synthetic_row()]).encode("utf-8"), mapping={"candidates": [IVANOV], "leader": PETROV})

    assert str(error) == f"The leader '{PETROV}' is not one of the candidate columns."


def test_read_results_leader_absent_from_the_file_is_an_error():
    error = _error(csv_text([synthetic_row()]).encode("utf-8"), leader="Сидоров")

    assert error.problems == ["mapping: 'Сидоров': the file has no such column"]


@pytest.mark.parametrize(("mapping", "problem"), [
    ({"candidates": IVANOV}, "mapping: candidates must be a list of column names"),
    ({"ignore": "Comment"}, "mapping: ignore must be a list of column names"),
    ({"fields": ["registered"]}, "mapping: fields must be an object {field: column}"),
    ({"registered": ["Voters"]}, "mapping: registered must be a column name"),
    ({"leader": [IVANOV]}, "mapping: leader must be a column name"),
])
def test_read_results_mapping_of_the_wrong_shape_is_an_error(mapping, problem):
    error = _error(csv_text([synthetic_row()]).encode("utf-8"), mapping=mapping)

    assert error.args[0] == "The column mapping does not fit the file."
    assert error.problems == [problem]


# -- flags ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("changes", "flags"), [
    ({}, []),
    # -10 early + 610 at the station keeps every sum right: only the sign is wrong.
    ({"issued_early": -10, "issued_station": 610}, ["negative"]),
    ({"registered": 649}, ["issued_above_registered"]),
    ({"registered": 650}, []),
    ({"ivanov": 401}, ["votes_not_valid"]),
    ({"stationary_box": 601}, ["boxes_not_cast"]),
    ({"registered": "", "ivanov": -1}, ["missing", "negative"]),
])
def test_read_results_flags_a_crafted_row(changes, flags):
    parsed = _read(csv_text([synthetic_row(**changes)]))

    assert parsed.flags == [flags]


def test_read_results_boxes_not_checked_without_box_columns():
    header = [h for h in SYNTHETIC_HEADER if "ящиках" not in h]
    row = [c for h, c in zip(SYNTHETIC_HEADER, synthetic_row(), strict=True) if "ящиках" not in h]

    parsed = _read(csv_text([row], header=header))

    assert parsed.flags == [[]]
    assert parsed.counts["portable_box"] == [None]


def test_read_results_flags_the_second_of_a_duplicate_precinct():
    parsed = _read(csv_text([synthetic_row(), synthetic_row(uik="2"), synthetic_row()]))

    assert parsed.flags == [[], [], ["duplicate"]]
    assert parsed.flag_counts() == NO_FLAGS | {"duplicate": 1}


def test_read_results_same_number_in_another_commission_is_no_duplicate():
    parsed = _read(csv_text([synthetic_row(), synthetic_row(tik="2 Вторая")]))

    assert parsed.flags == [[], []]


def test_flagged_precincts_stay_in_the_arrays():
    parsed = _read(csv_text([synthetic_row(registered=600), synthetic_row(uik="2", ivanov=401)]))

    p = parsed.to_precincts()

    assert (len(p), p.excluded) == (2, 0)
    assert p.registered.tolist() == [600, 1000]
    assert np.array_equal(p.votes, np.array([[400, 240], [401, 240]]))
