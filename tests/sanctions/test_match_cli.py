"""`svidok people import-list | lists | match` through call_command, on a few records of the EU list."""

import json

import pytest
from django.core.management import CommandError, call_command

from svidok.audit.models import AuditEntry
from svidok.sanctions.models import ReferenceList
from tests import factories
from tests.sanctions.test_lists import eu_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def eu_file(tmp_path):
    path = tmp_path / "eu-subset.csv"
    path.write_bytes(eu_rows("1", "8", "30", "153", "154", "155", "162", "1775"))
    return path


def people(capsys, *args):
    call_command("people", *args)
    return capsys.readouterr().out


def test_import_list_reports_the_count_and_sha(capsys, eu_file, coordinator):
    out = people(capsys, "import-list", str(eu_file), "--name", "eu-269", "--title", "EU 269/2014", "--as", "coordinator")

    reference_list = ReferenceList.objects.get()
    assert out == (f"Imported 8 entities from eu-subset.csv as list 'eu-269' (SHA-256 {reference_list.sha256}).\n")
    assert (reference_list.title, AuditEntry.objects.get(object_type="people.referencelist").actor) == ("EU 269/2014", coordinator)


def test_import_list_malformed_file_names_the_line_and_imports_nothing(capsys, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{"id": "a", "schema": "Person", "properties": {"name": ["A B"]}}\n{"id": "b"}\n', encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        people(capsys, "import-list", str(path), "--name", "os")

    assert (str(caught.value), ReferenceList.objects.count()) == ('line 2: the entity has no "schema". Nothing was imported.', 0)


def test_import_list_by_a_documenter_is_refused(capsys, eu_file, documenter):
    with pytest.raises(CommandError) as caught:
        people(capsys, "import-list", str(eu_file), "--name", "eu-269", "--as", "documenter")

    assert (str(caught.value), ReferenceList.objects.count()) == ("documenter may not import reference lists.", 0)


def test_lists_shows_the_imported_lists(capsys, eu_file):
    people(capsys, "import-list", str(eu_file), "--name", "eu-269")

    out = people(capsys, "lists")

    assert out.startswith("eu-269  -  [EU Regulation 269/2014 annex (CSV)]  8 entities  eu-subset.csv  imported ")


def test_match_list_json_carries_caption_names_score_and_record_id(capsys, eu_file):
    people(capsys, "import-list", str(eu_file), "--name", "eu-269")

    out = people(capsys, "match", "Михаила Малышева", "--list", "eu-269", "--json", "--limit", "2")

    data = json.loads(out)
    first = data["results"][0]
    assert (data["dataset"], data["threshold"], data["total"], len(data["results"])) == ("eu-269", 0.8, 1, 1)
    assert {k: first[k] for k in ("record_id", "caption", "score", "match", "listed_since", "schema")} == {
        "record_id": "I.PERSONS/30", "caption": "Mikhail Grigorievich MALYSHEV", "score": 1.0, "match": True,
        "listed_since": "2014-03-21", "schema": "Person"}
    assert first["names"] == ["Mikhail Grigorievich MALYSHEV", "Михаил Григорьевич МАЛЫШЕВ",
                              "Mykhaylo Hryhorovych MALYSHEV", "Михайло Григорович МАЛИШЕВ"]
    assert first["explanation"]["name"]["tokens"] == [["mikhail", "mikhail", 1.0], ["malyshev", "malyshev", 1.0]]


def test_match_list_text_marks_the_match(capsys, eu_file):
    people(capsys, "import-list", str(eu_file), "--name", "eu-269")

    out = people(capsys, "match", "Inna Guzeeva", "--list", "eu-269", "--birth-date", "1971-05-20", "--limit", "1")

    assert out.splitlines() == [
        "1 candidate(s) in list 'eu-269', 1 at or above the threshold 0.8 (svidok-names):",
        "  1. 1.000 MATCH Inna Nikolayevna GUZEYEVA  [I.PERSONS/162]  listed since 2018-05-14",
        "        inna ~ inna 1.00; guzeeva ~ guzeeva 1.00; as 'Инна Николаевна ГУЗЕЕВА'; birth date: agrees",
    ]


def test_match_registry_by_default(capsys, coordinator):
    person = factories.person(coordinator, name="Михаил Григорьевич Малышев")

    data = json.loads(people(capsys, "match", "Mikhail Malyshev", "--json"))

    assert [(r["id"], r["caption"], r["match"]) for r in data["results"]] == [(person.public_id, "Михаил Григорьевич Малышев", True)]
    assert (data["dataset"], "record_id" in data["results"][0]) == ("registry", False)


def test_match_with_logic_v2(capsys, eu_file):
    people(capsys, "import-list", str(eu_file), "--name", "eu-269")

    data = json.loads(people(capsys, "match", "Mikhail Malyshev", "--list", "eu-269", "--json", "--algorithm", "logic-v2"))

    assert (data["algorithm"], data["threshold"], data["results"][0]["record_id"], data["results"][0]["match"]) == (
        "logic-v2", 0.7, "I.PERSONS/30", True)


@pytest.mark.parametrize(("args", "message"), [
    (["И. Н."], "A name cannot be initials only: write at least one name in full."),
    ([""], "A name is required."),
    (["Mikhail Malyshev", "--list", "nope"], "No reference list 'nope' (lists: none imported yet)."),
    (["Mikhail Malyshev", "--birth-date", "10.10.1955"], "Birth date '10.10.1955' is not a date (YYYY-MM-DD or YYYY)."),
    (["Mikhail Malyshev", "--limit", "0"], "--limit must be at least 1."),
])
def test_match_bad_input_is_a_clear_error(capsys, args, message):
    with pytest.raises(CommandError) as caught:
        people(capsys, "match", *args)

    assert str(caught.value) == message
