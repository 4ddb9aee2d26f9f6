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


def test_match_file_one_result_per_line_with_line_numbers_in_json(capsys, eu_file, tmp_path):
    people(capsys, "import-list", str(eu_file), "--name", "eu-269")
    names = tmp_path / "names.txt"
    names.write_text("# checked on 3 December\nМихаила Малышева\n\nInna Guzeeva\nИ. Н.\n12345\n", encoding="utf-8")

    with pytest.raises(CommandError) as caught:
        people(capsys, "match", "--file", str(names), "--list", "eu-269", "--json", "--limit", "1")
    data = json.loads(capsys.readouterr().out)

    assert str(caught.value) == "2 of 4 names could not be matched (lines 5, 6); the others were."
    assert [(row["line"], row.get("query"), [r["record_id"] for r in row.get("results", [])]) for row in data] == [
        (2, "Михаила Малышева", ["I.PERSONS/30"]), (4, "Inna Guzeeva", ["I.PERSONS/162"]), (5, None, []), (6, None, [])]
    assert data[2]["error"] == "A name cannot be initials only: write at least one name in full."
    assert data[3]["error"] == "A name must contain letters."
    assert data[0]["dataset"] == "eu-269" and data[0]["results"][0]["match"] is True


def test_match_file_csv_with_birth_dates_and_text_output(capsys, eu_file, tmp_path):
    people(capsys, "import-list", str(eu_file), "--name", "eu-269")
    names = tmp_path / "names.csv"
    names.write_text("name,birth_date\nInna Guzeeva,1971-05-20\n\"Malyshev, Mikhail\",\n", encoding="utf-8")

    out = people(capsys, "match", "--file", str(names), "--list", "eu-269", "--limit", "1")

    blocks = out.split("\n\n")
    assert len(blocks) == 2
    assert blocks[0].splitlines()[:3] == [
        "line 2: Inna Guzeeva",
        "1 candidate(s) in list 'eu-269', 1 at or above the threshold 0.8 (svidok-names):",
        "  1. 1.000 MATCH Inna Nikolayevna GUZEYEVA  [I.PERSONS/162]  listed since 2018-05-14",
    ]
    assert blocks[0].splitlines()[3].endswith("birth date: agrees")
    assert blocks[1].startswith("line 3: Malyshev, Mikhail\n")
    assert "MALYSHEV  [I.PERSONS/30]" in blocks[1]


def test_match_file_builds_the_index_once(capsys, eu_file, tmp_path, monkeypatch):
    from svidok.names import index as index_module

    people(capsys, "import-list", str(eu_file), "--name", "eu-269")
    names = tmp_path / "names.txt"
    names.write_text("\n".join(["Mikhail Malyshev", "Inna Guzeeva", "Sergei Ivanov"] * 10), encoding="utf-8")
    built = []
    original = index_module.MatchIndex.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(index_module.MatchIndex, "__init__", counting)
    monkeypatch.setattr(index_module.CACHE, "directory", None)  # the store would spare the build: count it
    index_module.CACHE.clear()

    data = json.loads(people(capsys, "match", "--file", str(names), "--list", "eu-269", "--json"))

    assert (len(data), len(built)) == (30, 1)


@pytest.mark.parametrize(("content", "extra", "message"), [
    (None, [], "Cannot read {path}: No such file or directory."),
    (b"\n# only a comment\n", [], "{path} holds no names; nothing was matched."),
    (b"Inna \xff Guzeeva\n", [], "{path} is not UTF-8 text (line 1); nothing was matched."),
    (b"Inna Guzeeva\n", ["--birth-date", "1971"],
     "--birth-date goes with one name; in a file, give each name's birth date in a birth_date column."),
])
def test_match_file_whole_file_problems_match_nothing(capsys, tmp_path, content, extra, message):
    path = tmp_path / "names.txt"
    if content is not None:
        path.write_bytes(content)

    with pytest.raises(CommandError) as caught:
        people(capsys, "match", "--file", str(path), *extra)

    assert (str(caught.value), capsys.readouterr().out) == (message.format(path=path), "")


def test_match_csv_without_a_name_column_and_a_bad_birth_date_line(capsys, eu_file, tmp_path):
    people(capsys, "import-list", str(eu_file), "--name", "eu-269")
    headless = tmp_path / "headless.csv"
    headless.write_text("Inna Guzeeva,1971-05-20\n", encoding="utf-8")
    dated = tmp_path / "dated.csv"
    dated.write_text("birth_date,name\n20.05.1971,Inna Guzeeva\n", encoding="utf-8")

    with pytest.raises(CommandError) as headless_error:
        people(capsys, "match", "--file", str(headless), "--list", "eu-269")
    with pytest.raises(CommandError) as dated_error:
        people(capsys, "match", "--file", str(dated), "--list", "eu-269")

    assert str(headless_error.value).endswith("the first line must name the columns, among them 'name' (and 'birth_date' if any); "
                                              "nothing was matched.")
    assert capsys.readouterr().out == "line 2: the birth date is not a date (YYYY-MM-DD or YYYY).\n"
    assert str(dated_error.value) == "1 of 1 names could not be matched (line 2); the others were."


def test_match_needs_a_name_or_a_file_not_both(capsys, tmp_path):
    with pytest.raises(CommandError) as neither:
        people(capsys, "match")
    with pytest.raises(CommandError) as both:
        people(capsys, "match", "Inna Guzeeva", "--file", str(tmp_path / "x.txt"))

    assert (str(neither.value), str(both.value)) == ("Give a name, or --file with names.", "Give a name or --file, not both.")
