"""Hostile input, generated: every importer and parser either takes a file or refuses it with its own
error, never with a traceback, and a refused import leaves the database as it was (issue 10, item 7).

Each test names the one exception type its importer documents; anything else fails the example.
Kept fast: a few dozen examples each, no deadline (the machine is shared).
"""

import csv
import datetime as dt
import io
import json
import zipfile

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from svidok.accounts.services import system_account
from svidok.common.cells import xlsx_cell
from svidok.evidence import warc
from svidok.forensics.forms import ImportForm
from svidok.forensics.parsing import ResultsFileError
from svidok.forensics.services import import_results
from svidok.incidents.importing import COLUMNS, ImportFileError, import_incidents
from svidok.incidents.importing.reading import read_csv, read_json, read_xlsx
from svidok.incidents.services import load_vocabularies, record_election
from svidok.sanctions.lists import ListFileError, import_list
from tests.forensics.conftest import SYNTHETIC_HEADER
from tests.hardening import hostile

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text as a hostile file holds it: any character, with the troublesome ones often.
NASTY = st.sampled_from(["\x00", "\x1b", "\x85", "\t", "\n", "\r", "=", "+", "-", "@", ";", ",", '"', "\ufeff", "\u202e", "0197-12-03",
                         "9" * 5000, "SV-2018-000001", "echr-10", "dismissal", "2018-03-20"])
TEXT = st.lists(st.one_of(st.text(max_size=12), NASTY), max_size=4).map("".join)
CELL = st.one_of(TEXT, st.sampled_from(["dismissal", "threat_of_dismissal", "2018-03-20", "2018", "2018-03", "Victim One;Ivan Petrov",
                                        "https://qha.example/1", "A", "6", "internal", "restricted", "range"]))


def counts() -> dict:
    """Rows of every model of the apps an importer writes to, and the audit log."""
    labels = ("incidents", "people", "forensics", "sanctions", "evidence", "audit")
    return {m._meta.label: m.objects.count() for m in apps.get_models() if m._meta.app_label in labels}


def import_refused_or_taken(rows_reader, raw: bytes, name: str) -> None:
    """Read and import ``raw``: a refusal (ImportFileError, or row errors) changes nothing."""
    before = counts()
    try:
        rows = rows_reader(raw, name)
    except ImportFileError:
        assert counts() == before
        return
    result = import_incidents(actor=system_account(), rows=rows)
    if result.errors:
        assert counts() == before


@st.composite
def table(draw):
    header = draw(st.lists(st.one_of(st.sampled_from(COLUMNS), TEXT), min_size=1, max_size=8))
    if draw(st.booleans()):
        header = ["title", "type", "date_start", *header]
    rows = draw(st.lists(st.lists(CELL, max_size=len(header) + 1), max_size=5))
    return header, rows


@FUZZ
@given(table(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1251"]))
def test_incident_csv_import_never_crashes_nor_half_writes(places, data, encoding):
    header, rows = data
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    import_refused_or_taken(read_csv, out.getvalue().encode(encoding, errors="replace"), "incidents.csv")


@FUZZ
@given(st.binary(max_size=200).map(lambda b: b"title,type,date_start\n" + b))
def test_incident_csv_import_of_any_bytes_never_crashes_nor_half_writes(places, raw):
    import_refused_or_taken(read_csv, raw, "incidents.csv")


@FUZZ
@given(table(), st.integers(min_value=0, max_value=2000), st.binary(max_size=8))
def test_incident_xlsx_import_never_crashes_nor_half_writes(places, data, flip_at, garbage):
    header, rows = data
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([xlsx_cell(c) for c in header])
    for row in rows:
        sheet.append([xlsx_cell(c) for c in row])
    out = io.BytesIO()
    workbook.save(out)
    raw = out.getvalue()
    if garbage:  # damage the file somewhere: the ZIP, its directory or the XML
        raw = raw[:flip_at] + garbage + raw[flip_at + len(garbage):]
    import_refused_or_taken(read_xlsx, raw, "incidents.xlsx")


JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), CELL),
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.one_of(st.sampled_from(COLUMNS), TEXT), children, max_size=5)),
    max_leaves=20,
)
HOSTILE_JSON = st.sampled_from([hostile.deep_json(50_000), hostile.long_number_json(5000), b"[NaN]", b'{"incidents": [1e999]}',
                                b"[" * 31 + b"]" * 31, b'"\\ud800"', b"\xff\xfe[]"])


@FUZZ
@given(st.one_of(JSON_VALUE.map(lambda v: json.dumps(v).encode()), HOSTILE_JSON, st.binary(max_size=64)))
@example(hostile.deep_json(50_000))
@example(hostile.long_number_json(5000))
def test_incident_json_import_never_crashes_nor_half_writes(places, raw):
    import_refused_or_taken(read_json, raw, "incidents.json")


@pytest.mark.parametrize("column", ["reference", "duplicate_of", "place"])
def test_a_nul_in_a_looked_up_cell_is_the_rows_error(places, column):
    """PostgreSQL refuses a NUL in a query: the importer must not send one (a CI run's example)."""
    row = {"title": "Teacher dismissed", "type": "dismissal", "date_start": "2018-03-20", "status": "duplicate",
           column: "SV-2018-\x00"}
    raw = json.dumps([row]).encode()
    before = counts()

    result = import_incidents(actor=system_account(), rows=read_json(raw, "incidents.json"))

    assert column in {error.field for error in result.errors}
    assert counts() == before


@pytest.fixture
def election(coordinator):
    return record_election(actor=coordinator, fields={"name": "Presidential election 2018", "date": dt.date(2018, 3, 18),
                                                      "kind": "presidential"})


NUMBER = st.one_of(st.integers(min_value=-10, max_value=10**6).map(str), CELL)


@FUZZ
@given(st.lists(st.lists(NUMBER, min_size=len(SYNTHETIC_HEADER) - 1, max_size=len(SYNTHETIC_HEADER) + 1), max_size=6),
       st.booleans(), st.sampled_from([",", ";", "\t"]), st.one_of(st.none(), JSON_VALUE))
def test_forensics_results_import_never_crashes_nor_half_writes(election, rows, zipped, delimiter, mapping):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(SYNTHETIC_HEADER)
    writer.writerows(rows)
    raw = out.getvalue().encode("utf-8")
    if zipped:
        packed = io.BytesIO()
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("results.csv", raw)
        raw = packed.getvalue()
    before = counts()
    try:
        import_results(actor=system_account(), election=election, source=raw, name="results.csv",
                       mapping=mapping if isinstance(mapping, dict) else None)
    except ResultsFileError:
        assert counts() == before


@FUZZ
@given(st.one_of(st.text(max_size=200), HOSTILE_JSON.map(lambda b: b.decode("utf-8", "replace"))))
def test_forensics_mapping_field_is_valid_or_a_field_error(text):
    form = ImportForm(data={"mapping": text}, files={})

    form.is_valid()  # a traceback fails the example; a refusal is a field error
    assert set(form.errors) <= {"file", "mapping"}


EU_HEADER = ["recordId", "schema", "name", "birthDate", "annex", "startDate", "programme"]


@FUZZ
@given(st.one_of(
    st.lists(st.one_of(JSON_VALUE.map(json.dumps), st.just(json.dumps({"id": "p1", "schema": "Person",
                                                                         "properties": {"name": ["Ivan Petrov"]}}))),
             max_size=5).map(lambda lines: ("ftm.json", "\n".join(lines).encode())),
    st.lists(st.lists(CELL, max_size=len(EU_HEADER) + 1), max_size=5).map(
        lambda rows: ("eu.csv", "\n".join(",".join(json.dumps(c) for c in r) for r in [EU_HEADER, *rows]).encode())),
    HOSTILE_JSON.map(lambda b: ("hostile.json", b)),
    st.binary(max_size=64).map(lambda b: ("random.csv", b)),
))
def test_reference_list_import_never_crashes_nor_half_writes(coordinator, tmp_path_factory, named):
    name, raw = named
    path = tmp_path_factory.mktemp("lists") / name
    path.write_bytes(raw)
    before = counts()
    try:
        import_list(actor=coordinator, path=path, name="fuzz-list")
    except ListFileError:
        assert counts() == before


@FUZZ
@given(st.one_of(JSON_VALUE, st.fixed_dictionaries({"format": st.just("svidok-vocabularies"), "vocabularies": JSON_VALUE}),
                 st.fixed_dictionaries({"format": st.just("svidok-vocabularies"), "vocabularies": st.lists(
                     st.fixed_dictionaries({"code": CELL, "name_en": CELL, "terms": st.lists(st.dictionaries(
                         st.sampled_from(["code", "label_en", "label_uk", "order", "active", "reference"]), JSON_VALUE), max_size=3)}),
                     max_size=2)})))
def test_vocabulary_file_loads_or_is_refused_without_change(data):
    before = counts()
    try:
        load_vocabularies(actor=system_account(), data=data)
    except ValidationError:
        assert counts() == before


@FUZZ
@given(st.one_of(
    st.binary(max_size=200),
    st.binary(max_size=200).map(lambda b: b"WARC/1.1\r\n" + b),
    st.dictionaries(st.sampled_from(["datapackage.json", "archive/data.warc", "../evil", "archive/a.warc.gz", "pages/pages.jsonl"]),
                    st.one_of(st.binary(max_size=100), JSON_VALUE.map(lambda v: json.dumps(v).encode()), HOSTILE_JSON), max_size=4)
    .map(lambda members: _zip(members)),
))
def test_web_archive_check_reads_or_refuses_with_an_archive_error(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("archives") / "archive.wacz"
    path.write_bytes(raw)
    try:
        warc.describe_archive(path)
    except warc.ArchiveError:
        pass


def _zip(members: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()
