"""Given names that are one name across languages (data/names/given-names.csv, svidok.names.given):
the table, its errors, and the matcher that folds each given name to its group (issue 13)."""

import pytest
from django.conf import settings

from svidok.names import given, matching
from svidok.sanctions import matching as sanctions_matching
from svidok.sanctions.lists import read_eu_csv

DATA = settings.BASE_DIR / "data"
HEADER = "key,gender,uk,ru,en,crh,latin\n"


@pytest.fixture(scope="module")
def eu_index():
    parsed = read_eu_csv((DATA / "sanctions" / "eu-regulation-269-2014-annex-i.csv").read_bytes())
    return matching.MatchIndex([sanctions_matching.entry_from_record(e) for e in parsed.entities])


def ranked(index, name):
    return [(r.entry.caption, r.score, r.match) for r in index.match(name, limit=3).results]


# --- the table ---------------------------------------------------------------------------------------------

def test_shipped_table_folds_every_spelling_of_a_name_to_one_group():
    groups = {name: given.group_of(name) for name in (
        "alexander", "aleksandr", "oleksandr", "olexandr", "michael", "mikhail", "mykhailo", "mykhaylo",
        "nikolai", "nikolay", "mykola", "nicholas")}

    assert len({groups[n] for n in ("alexander", "aleksandr", "oleksandr", "olexandr")}) == 1
    assert len({groups[n] for n in ("michael", "mikhail", "mykhailo", "mykhaylo")}) == 1
    assert len({groups[n] for n in ("nikolai", "nikolay", "mykola", "nicholas")}) == 1
    assert len({groups["alexander"], groups["michael"], groups["nikolai"]}) == 3
    assert min(groups.values()) >= 0


def test_shipped_table_gives_the_cyrillic_spellings_their_romanizations():
    table = given.table()
    serhii = table.group_of("serhii")

    # Сергій (uk national, BGN/PCGN 1965) and Сергей (ICAO, BGN/PCGN, GOST) come from the Cyrillic columns.
    assert [table.group_of(t) for t in ("serhiy", "sergei", "sergey")] == [serhii, serhii, serhii]
    assert len(table.groups) >= 150 and len(table.tokens) >= 500
    # The duplicate finder's group token (0g + number) must stay shorter than its fuzzy length.
    assert len(table.groups) < 1000


@pytest.mark.parametrize("first, second", [("yurii", "heorhii"), ("ivan", "john"), ("oleksandr", "oleksandra"),
                                           ("mykola", "mykhailo"), ("olena", "alona")])
def test_different_names_stay_in_different_groups(first, second):
    assert given.group_of(first) != given.group_of(second) or given.group_of(first) == -1


def test_a_word_that_is_no_given_name_has_no_group():
    assert (given.group_of("moroz"), given.group_of("ivanovich"), given.group_of("")) == (-1, -1, -1)


@pytest.mark.parametrize("rows, message", [
    ("sasha,m,Саша,Саша,,,\nsasha,f,Саша,Саша,,,\n", "given.csv, row 3: the key 'sasha' is already used in row 2."),
    ("oleksandr,m,Олександр,Александр,Alexander\n", "given.csv, row 2: 5 fields, expected 7."),
    ("Oleksandr,m,Олександр,,,,\n", "given.csv, row 2: the key 'Oleksandr' must be lower-case Latin letters."),
    ("oleksandr,x,Олександр,,,,\n", "given.csv, row 2: the gender must be m or f, not 'x'."),
    ("oleksandr,m,,,,,\n", "given.csv, row 2: the group 'oleksandr' has no spelling."),
    ("oleksandr,m,Олександр,,Alexander2,,\n", "given.csv, row 2, column en: 'Alexander2' is not a name (letters only)."),
    ("oleksandr,m,Oleksandr,,,,\n", "given.csv, row 2, column uk: 'Oleksandr' is not in Cyrillic letters."),
    ("oleksandr,m,,,Олександр,,\n", "given.csv, row 2, column en: 'Олександр' is not in Latin letters."),
    ("oleksandr,m,Олександр,,,,\nsasha,m,,,,,Aleksandr;Oleksandr\n",
     "given.csv, row 3, column latin: 'Oleksandr' (oleksandr) is already in the group of row 2 (oleksandr)."),
])
def test_a_malformed_row_is_refused_naming_the_row(tmp_path, rows, message):
    path = tmp_path / "given.csv"
    path.write_text(HEADER + rows, encoding="utf-8")

    with pytest.raises(given.TableError) as error:
        given.read_table(path)

    assert str(error.value) == message


def test_a_wrong_header_is_refused(tmp_path):
    path = tmp_path / "given.csv"
    path.write_text("key,uk,ru\noleksandr,Олександр,Александр\n", encoding="utf-8")

    with pytest.raises(given.TableError) as error:
        given.read_table(path)

    assert str(error.value) == "given.csv, row 1: the header must be key,gender,uk,ru,en,crh,latin."


def test_a_table_read_from_a_file_groups_its_spellings(tmp_path):
    path = tmp_path / "given.csv"
    path.write_text(HEADER + "mykola,m,Микола,Николай,Nicholas,,Nikolai\n\nyurii,m,Юрій,Юрий,,,Yuri\n", encoding="utf-8")

    table = given.read_table(path)

    assert [(g.key, g.row, g.spellings) for g in table.groups] == [
        ("mykola", 2, ("Микола", "Николай", "Nicholas", "Nikolai")), ("yurii", 4, ("Юрій", "Юрий", "Yuri"))]
    assert (table.group_of("nicholas"), table.group_of("nikolay"), table.group_of("yuri"), table.group_of("ivan")) == (0, 0, 1, -1)


# --- the matcher: the cases of issue 13 -------------------------------------------------------------------

@pytest.mark.parametrize("query, listed", [
    ("Alexander Moroz", "Aleksandr Ivanovich MOROZ"),
    ("Michael Sheremet", "Mikhail Sergeyevich SHEREMET"),
    ("Mykola Patrushev", "Nikolai Platonovich PATRUSHEV"),
    ("Patrushev Mykola", "Nikolai Platonovich PATRUSHEV"),
    ("Микола Патрушев", "Nikolai Platonovich PATRUSHEV"),
])
def test_equivalent_given_names_match_the_listed_person(eu_index, query, listed):
    # Before the table: 0.475 each (the given names did not pair, one word alone is capped).
    assert ranked(eu_index, query)[0] == (listed, 0.95, True)


def test_alexander_udaltsov_ranks_udaltsov_first_and_alone_above_the_threshold(eu_index):
    found = ranked(eu_index, "Alexander Udaltsov")

    assert found[0] == ("Aleksandr Ivanovich UDALTSOV", 0.95, True)
    assert [r for r in found[1:] if r[2]] == []
    assert "ZHDANOV" in found[1][0] and found[1][1] < matching.DEFAULT_THRESHOLD


def test_surname_first_finds_aksyonov(eu_index):
    assert ranked(eu_index, "Aksionov Serhii")[0] == ("Sergey Valeryevich AKSYONOV", 0.95, True)


def test_the_explanation_pairs_the_equivalent_given_names(eu_index):
    explanation = eu_index.match("Michael Sheremet", limit=1).results[0].explanation["name"]

    assert explanation["tokens"] == [["michael", "mikhail", 0.9], ["sheremet", "sheremet", 1.0]]


def test_given_names_of_different_groups_do_not_match(eu_index):
    # Yurii and George are one name in etymology, two in use; Mykola is not Mikhail.
    assert [r[2] for r in ranked(eu_index, "George Isaev")] == [False, False, False]
    assert [r[2] for r in ranked(eu_index, "Mykhailo Patrushev")] == [False, False, False]


def test_a_broken_table_stops_matching_loudly_rather_than_matching_without_it(eu_index, tmp_path, monkeypatch):
    # TableError is no ValueError: callers that skip an unmatchable name (MatchError) must not
    # swallow it and report every name as not found.
    path = tmp_path / "given.csv"
    path.write_text(HEADER + "oleksandr,m,Олександр,Александр\n", encoding="utf-8")
    monkeypatch.setattr(given, "TABLE", path)
    given.table.cache_clear()
    try:
        with pytest.raises(given.TableError, match=r"given.csv, row 2: 4 fields, expected 7."):
            eu_index.match("Alexander Moroz")
        assert not isinstance(given.TableError("x"), ValueError)
    finally:
        given.table.cache_clear()
