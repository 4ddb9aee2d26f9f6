"""Persons found by search in name order (``people.search_index.find_persons``): their search
entries rank them by the first letters of their name (``search.indexing.name_rank``), the first of
them come from the index and only those that can come first are sorted by the database."""

import importlib
import itertools

import pytest
from django.apps import apps
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from svidok.incidents.importing import import_incidents
from svidok.people import search_index
from svidok.people.models import Person
from svidok.people.queries import visible_persons
from svidok.people.services import update_person
from svidok.search import api
from svidok.search.backends import backend
from svidok.search.indexing import name_rank, rebuild
from svidok.search.models import SearchEntry
from tests import factories

# First letters that code points order differently from an alphabet: Ukrainian Є, І, Ї before А
# and Ґ after я, capitals before small letters, Latin before Cyrillic, Crimean Tatar letters after z,
# digits and a space first, letters beyond Cyrillic (Greek, Georgian, Han) and a name shorter than
# three letters.
NAMES = [
    "Євген Шевчук", "Іван Шевчук", "Їжакевич Іван", "Ґонта Іван", "Андрій Іваненко", "андрій Іванів", "Ян Іванчук",
    "Ivan Shevchuk", "ivan Ivanenko", "Çelebi İvan", "Ömer Ivanov", "Şevki Ivaniuk", "Zarema Ivanova", "Ив",
    "1 Іван", " Іван Ів", "Ωμέγα Ivanidis", "ლაშა Ivanishvili", "王 Ivan", "Ива Ивановa", "Иван Ивченко", "Ивa Иванов",
]


def _reference(user, q, limit):
    """Every match sorted by the database: what find_persons gave before name ranks."""
    return list(visible_persons(user).filter(search_index.matching_persons(user, q)).order_by("display_name", "id")[:limit])


def _person_ranks(person) -> set[int]:
    return set(SearchEntry.objects.filter(object_type="person", object_id=person.pk).values_list("rank", flat=True))


@given(st.text(max_size=6), st.text(max_size=6))
def test_a_name_that_sorts_after_another_never_ranks_higher(first, second):
    first, second = sorted([first, second])
    assert name_rank(first) >= name_rank(second)


def test_names_rank_apart_by_their_first_three_letters():
    assert name_rank("Ї") > name_rank("Ив") > name_rank("Ива") > name_rank("Ивб") > name_rank("Иг") > name_rank("я") > name_rank("Ґ")
    assert name_rank("Иван") == name_rank("Ивано") == name_rank("Ива")
    assert name_rank("A") > name_rank("Z") > name_rank("a") > name_rank("ç") > name_rank("ş") > name_rank("Є")
    # Greek shares one number, and so does everything after Cyrillic: the letters after it do not count.
    assert name_rank("Ωμέγα") == name_rank("Ω") < name_rank("ş") and name_rank("ლაშა") == name_rank("王")


def test_the_database_orders_names_by_code_point_as_the_ranks_assume(coordinator):
    """The test databases (SQLite, and PostgreSQL with C.UTF-8) order by code point, so the fast
    path is the one tested; this checks the assumption on the database itself."""
    persons = [factories.person(coordinator, name) for name in NAMES]

    assert backend().sorts_by_code_point(Person._meta.get_field("display_name"))
    in_database = list(Person.objects.order_by("display_name", "id").values_list("display_name", flat=True))
    assert in_database == sorted(p.display_name for p in persons)


def test_every_writer_keeps_a_persons_rank_from_its_name(coordinator):
    person = factories.person(coordinator, "Андрій Іваненко")
    assert _person_ranks(person) == {name_rank("Андрій Іваненко")}

    update_person(actor=coordinator, person=person, identity={"full_name": "Євген Шевчук"})
    assert _person_ranks(person) == {name_rank("Євген Шевчук")}

    update_person(actor=coordinator, person=person, fields={"protected": True})
    person.refresh_from_db()
    assert _person_ranks(person) == {name_rank(person.pseudonym)}

    result = import_incidents(actor=coordinator, rows=[(2, {
        "title": "Teacher dismissed", "type": "dismissal", "date_start": "2018-03-20", "perpetrators": "Ґонта Іван"})])
    assert result.errors == []
    imported = Person.objects.get(display_name="Ґонта Іван")
    assert _person_ranks(imported) == {name_rank("Ґонта Іван")}

    SearchEntry.objects.filter(object_type="person").update(rank=0)
    rebuild(("person",))
    assert (_person_ranks(person), _person_ranks(imported)) == ({name_rank(person.pseudonym)}, {name_rank("Ґонта Іван")})


def test_the_migration_gives_existing_entries_their_names_rank(coordinator):
    persons = [factories.person(coordinator, name) for name in NAMES[:6]]
    SearchEntry.objects.filter(object_type="person").update(rank=0)
    migration = importlib.import_module("svidok.people.migrations.0011_search_name_rank")

    migration.fill(apps, type("SchemaEditor", (), {"connection": connection})())

    assert [_person_ranks(p) for p in persons] == [{name_rank(p.display_name)} for p in persons]


@pytest.mark.parametrize("walked", [api.MAX_WALKED_KEYS, 0], ids=["walked", "sorted"])
@pytest.mark.parametrize("q", ["Ів", "Ив", "Iv", "Ivan", "Шевчук", "і", "ivan iv", "Ωμέγα", "1"])
def test_the_first_persons_by_name_are_those_every_match_sorted_gives(coordinator, analyst, monkeypatch, q, walked):
    # "sorted": no prefix's keys are walked, the database sorts the (few) matches by rank.
    monkeypatch.setattr(api, "MAX_WALKED_KEYS", walked)
    for name in NAMES:
        factories.person(coordinator, name)
    # Ties: many persons whose names share the first three letters, and a protected one whose real
    # name only the blind index knows (the coordinator finds it by an exact word).
    for n in range(12):
        factories.person(coordinator, f"Иванов Иван {n}")
    factories.person(coordinator, "Іван Шевчук", protected=True, pseudonym="Person IVAN1")

    for user, limit in itertools.product([coordinator, analyst], [1, 2, 3, 5, 8, 13, 50]):
        assert list(search_index.find_persons(user, q, limit)) == _reference(user, q, limit), (user.role, limit)


def test_too_many_names_of_one_rank_are_sorted_by_the_database(coordinator, monkeypatch):
    for n in range(6):
        factories.person(coordinator, f"Иванов Иван {n}")
    monkeypatch.setattr(search_index, "MAX_NAME_TIES", 3)

    assert api.ranked_ties("person", "Иван", 2, 3) is None
    assert len(api.ranked_ties("person", "Иван", 2, 6)) == 6
    assert list(search_index.find_persons(coordinator, "Иван", 2)) == _reference(coordinator, "Иван", 2)


def test_a_database_that_orders_names_by_language_sorts_every_match(coordinator, monkeypatch):
    for name in NAMES:
        factories.person(coordinator, name)
    monkeypatch.setattr(backend(), "sorts_by_code_point", staticmethod(lambda field: False))
    monkeypatch.setattr(api, "ranked_ties", lambda *args: pytest.fail("the index order was used"))

    assert list(search_index.find_persons(coordinator, "Ів", 5)) == _reference(coordinator, "Ів", 5)


def test_ranked_ties_give_the_first_matches_and_every_one_of_the_same_rank(coordinator):
    first = [factories.person(coordinator, f"Ab Ivan {n}") for n in range(3)]
    tied = [factories.person(coordinator, f"Abc Ivan {n}") for n in range(4)]
    factories.person(coordinator, "Zed Ivan")

    # "Ab " is one rank: the third of them ties the second.
    assert sorted(api.ranked_ties("person", "Ivan", 2, 100)) == sorted(p.pk for p in first)
    assert sorted(api.ranked_ties("person", "Ivan", 4, 100)) == sorted(p.pk for p in first + tied)
    assert sorted(api.ranked_ties("person", "Ivan", 20, 100)) == sorted(Person.objects.values_list("pk", flat=True))
    assert api.ranked_ties("person", "Ivan", 4, 6) is None


def test_ranked_ties_leave_several_words_and_many_entries_to_the_database(coordinator, monkeypatch):
    for n in range(5):
        factories.person(coordinator, f"Ab Ivan {n}")
    assert len(api.ranked_ties("person", "Ivan", 2, 100)) == 5
    assert api.ranked_ties("person", "Ab Ivan", 2, 100) is None
    monkeypatch.setattr(api, "MAX_WALKED_KEYS", 0)
    monkeypatch.setattr(api, "FEW_ENTRIES", 3)
    assert api.ranked_ties("person", "Ivan", 2, 100) is None
