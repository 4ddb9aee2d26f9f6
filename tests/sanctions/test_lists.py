import datetime as dt
import hashlib
import json

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied

from svidok.audit.models import AuditEntry
from svidok.sanctions.lists import ListFileError, fuzzy_date, import_list, parse_date, read_eu_csv, split_values
from svidok.sanctions.models import ReferenceEntity, ReferenceList

EU_FILE = settings.BASE_DIR / "data" / "sanctions" / "eu-regulation-269-2014-annex-i.csv"


def eu_rows(*record_ids: str, annex: str = "I.PERSONS") -> bytes:
    """The header and the named rows of the shipped EU file, byte for byte."""
    import csv
    import io

    text = EU_FILE.read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in reader:
        record = dict(zip(header, row, strict=True))
        if record["recordId"] in record_ids and record["annex"] == annex:
            writer.writerow(row)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def eu_subset(tmp_path):
    path = tmp_path / "eu-subset.csv"
    path.write_bytes(eu_rows("1", "30", "162"))
    return path


def ftm_file(tmp_path, *entities, name="list.ftm.json"):
    path = tmp_path / name
    path.write_text("".join((e if isinstance(e, str) else json.dumps(e, ensure_ascii=False)) + "\n" for e in entities),
                    encoding="utf-8")
    return path


PERSON = {"id": "os-1", "schema": "Person", "properties": {"name": ["Inna Guzeyeva"], "alias": ["Инна Гузеева"],
                                                           "birthDate": ["1971-05-20"]}}
SANCTION = {"id": "os-s-1", "schema": "Sanction", "properties": {"entity": ["os-1"], "startDate": ["2018-05-14"],
                                                                 "program": ["EU-UKR"]}}


@pytest.mark.django_db
def test_import_eu_file_whole_list_counts_and_audit(coordinator):
    reference_list = import_list(actor=coordinator, path=EU_FILE, name="eu-269", title="EU 269/2014 Annex I")

    entry = AuditEntry.objects.get(object_type="people.referencelist")
    assert (reference_list.entity_count, reference_list.entities.count(), reference_list.format) == (2802, 2802, "eu-269-csv")
    assert reference_list.entities.filter(schema="Person").count() == 1984
    assert reference_list.sha256 == hashlib.sha256(EU_FILE.read_bytes()).hexdigest()
    assert (entry.action, entry.actor, entry.changes) == ("import", coordinator, {
        "file": "eu-regulation-269-2014-annex-i.csv", "sha256": reference_list.sha256, "format": "eu-269-csv", "entities": 2802,
    })


@pytest.mark.django_db
def test_import_eu_record_keeps_names_dates_and_the_lists_own_id(coordinator, eu_subset):
    reference_list = import_list(actor=coordinator, path=eu_subset, name="eu-269")

    malyshev = reference_list.entities.get(record_id="I.PERSONS/30")
    assert (malyshev.schema, malyshev.caption, malyshev.listed_since, malyshev.program) == (
        "Person", "Mikhail Grigorievich MALYSHEV", dt.date(2014, 3, 21), "EU-UKR")
    assert malyshev.names == ["Mikhail Grigorievich MALYSHEV", "Михаил Григорьевич МАЛЫШЕВ",
                              "Mykhaylo Hryhorovych MALYSHEV", "Михайло Григорович МАЛИШЕВ"]
    assert (malyshev.properties["birthDate"], malyshev.properties["gender"]) == (["1955-10-10"], ["male"])
    assert sorted(reference_list.entities.values_list("record_id", flat=True)) == ["I.PERSONS/1", "I.PERSONS/162", "I.PERSONS/30"]


def test_eu_persons_and_entities_with_the_same_number_are_two_records():
    parsed = read_eu_csv(eu_rows("1", annex="I.PERSONS") + eu_rows("1", annex="I.ENTITIES").split(b"\n", 1)[1])

    assert [(e.record_id, e.schema) for e in parsed.entities] == [("I.PERSONS/1", "Person"), ("I.ENTITIES/1", "LegalEntity")]


@pytest.mark.django_db
def test_reimport_under_the_same_name_replaces_the_entities(coordinator, tmp_path, eu_subset):
    first = import_list(actor=coordinator, path=eu_subset, name="eu-269")
    smaller = tmp_path / "smaller.csv"
    smaller.write_bytes(eu_rows("30"))

    second = import_list(actor=coordinator, path=smaller, name="eu-269")

    entry = AuditEntry.objects.filter(object_type="people.referencelist").last()
    assert (second.pk, second.uuid, second.entity_count) == (first.pk, first.uuid, 1)
    assert list(ReferenceEntity.objects.values_list("record_id", flat=True)) == ["I.PERSONS/30"]
    assert entry.changes["replaced"] == {"file": "eu-subset.csv", "sha256": first.sha256, "entities": 3}


@pytest.mark.django_db
def test_failed_reimport_leaves_the_old_list_whole(coordinator, tmp_path, eu_subset):
    import_list(actor=coordinator, path=eu_subset, name="eu-269")
    broken = ftm_file(tmp_path, PERSON, "{not json")

    with pytest.raises(ListFileError):
        import_list(actor=coordinator, path=broken, name="eu-269")

    assert (ReferenceList.objects.get().entity_count, ReferenceEntity.objects.count()) == (3, 3)


@pytest.mark.django_db
def test_malformed_ftm_line_is_named_and_nothing_is_written(coordinator, tmp_path):
    path = ftm_file(tmp_path, PERSON, SANCTION, '{"id": "x", "schema": "Person", "properties": {"name": ["A B"]},}')

    with pytest.raises(ListFileError) as caught:
        import_list(actor=coordinator, path=path, name="os")

    assert str(caught.value) == "line 3: not valid JSON (Expecting property name enclosed in double quotes at column 65)."
    assert (ReferenceList.objects.count(), ReferenceEntity.objects.count(),
            AuditEntry.objects.filter(object_type="people.referencelist").count()) == (0, 0, 0)


@pytest.mark.parametrize(("line", "message"), [
    ('["a list"]', "line 1: a FollowTheMoney entity is a JSON object, not list."),
    ('{"id": "x", "properties": {}}', 'line 1: the entity has no "schema".'),
    ('{"id": "x", "schema": "Wizard", "properties": {}}', "line 1: unknown FollowTheMoney schema 'Wizard'."),
    ('{"schema": "Person", "properties": {"name": ["A B"]}}', 'line 1: the entity has no "id".'),
    ('{"id": "x", "schema": "Person", "properties": {"shoeSize": ["44"]}}', "line 1: Person has no property 'shoeSize'."),
    ('{"id": "x", "schema": "Person", "properties": {"name": [{"a": 1}]}}', "line 1: property 'name' holds NoneType, not text."),
    ('{"id": "x", "schema": "Person", "properties": ["name"]}', 'line 1: "properties" must be an object of lists.'),
])
@pytest.mark.django_db
def test_malformed_ftm_entity_is_refused_with_its_line(coordinator, tmp_path, line, message):
    path = ftm_file(tmp_path, line)

    with pytest.raises(ListFileError) as caught:
        import_list(actor=coordinator, path=path, name="os")

    assert (str(caught.value), ReferenceList.objects.count()) == (message, 0)



@pytest.mark.django_db
def test_an_entity_again_with_another_schema_is_refused_with_its_line(coordinator, tmp_path):
    person = '{"id": "x", "schema": "Person", "properties": {"name": ["A B"]}}'
    company = '{"id": "x", "schema": "Company", "properties": {"name": ["A B Ltd"]}}'
    path = ftm_file(tmp_path, person, company)

    with pytest.raises(ListFileError) as caught:
        import_list(actor=coordinator, path=path, name="os")

    assert str(caught.value).startswith("line 2: entity 'x' appears again with another schema (")
    assert ReferenceList.objects.count() == 0

@pytest.mark.django_db
def test_ftm_import_takes_listing_date_and_program_from_the_sanction(coordinator, tmp_path):
    address = {"id": "addr-1", "schema": "Address", "properties": {"full": ["Simferopol"]}}
    path = ftm_file(tmp_path, PERSON, SANCTION, address)

    reference_list = import_list(actor=coordinator, path=path, name="os-crimea")

    entity = reference_list.entities.get()
    entry = AuditEntry.objects.get(object_type="people.referencelist")
    assert (entity.record_id, entity.caption, entity.names, entity.listed_since, entity.program) == (
        "os-1", "Inna Guzeyeva", ["Inna Guzeyeva", "Инна Гузеева"], dt.date(2018, 5, 14), "EU-UKR")
    assert (reference_list.format, entry.changes["not_kept"]) == ("ftm", {"Address": 1})


@pytest.mark.django_db
def test_ftm_entity_on_two_lines_is_merged(coordinator, tmp_path):
    more = {"id": "os-1", "schema": "Person", "properties": {"alias": ["Inna Huzieieva"]}}
    path = ftm_file(tmp_path, PERSON, more)

    entity = import_list(actor=coordinator, path=path, name="os").entities.get()

    assert entity.names == ["Inna Guzeyeva", "Инна Гузеева", "Inna Huzieieva"]


@pytest.mark.django_db
def test_documenter_may_not_import_a_list(documenter, eu_subset):
    with pytest.raises(PermissionDenied):
        import_list(actor=documenter, path=eu_subset, name="eu-269")

    assert ReferenceList.objects.count() == 0


@pytest.mark.parametrize("name", ["", "eu 269", "eu/269", "x" * 101])
@pytest.mark.django_db
def test_bad_list_name_is_refused(coordinator, eu_subset, name):
    with pytest.raises(ListFileError):
        import_list(actor=coordinator, path=eu_subset, name=name)

    assert ReferenceList.objects.count() == 0


@pytest.mark.django_db
def test_csv_without_the_eu_columns_is_refused(coordinator, tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("id,full_name\n1,Inna Guzeeva\n", encoding="utf-8")

    with pytest.raises(ListFileError) as caught:
        import_list(actor=coordinator, path=path, name="other")

    assert str(caught.value) == "other.csv: not an EU annex CSV, column(s) missing: recordId, schema, name."


def test_eu_row_with_an_unknown_schema_or_bad_listing_date_is_named():
    header = b"recordId,annex,startDate,schema,name\n"

    with pytest.raises(ListFileError) as schema_error:
        read_eu_csv(header + b"1,I.PERSONS,17.3.2014,Wizard,A B\n")
    with pytest.raises(ListFileError) as date_error:
        read_eu_csv(header + b"1,I.PERSONS,17.3.2014,Person,A B\n2,I.PERSONS,yesterday,Person,C D\n")

    assert str(schema_error.value) == "row 2: unknown or empty schema 'Wizard'."
    assert str(date_error.value) == "row 3: startDate 'yesterday' is not a date (d.m.yyyy)."


def test_split_values_keeps_a_quoted_semicolon():
    assert split_values('Foo; "Bar; Baz";  Qux; Foo') == ["Foo", "Bar; Baz", "Qux"]


@pytest.mark.parametrize(("text", "expected"), [
    ("17.3.2014", "2014-03-17"), ("2014-03-17", "2014-03-17"), ("2 December 1985", "1985-12-02"),
    ("26 Feb. 2011", "2011-02-26"), ("2011", "2011"), ("31.2.2014", None), ("yesterday", None),
])
def test_parse_date_reads_the_eu_forms(text, expected):
    assert parse_date(text) == expected


def test_fuzzy_birth_date_keeps_a_lone_year():
    assert (fuzzy_date("1964 (possibly: 21 April)"), fuzzy_date("Approximately 1952"), fuzzy_date("1950 or 1951")) == (
        "1964", "1952", None)
