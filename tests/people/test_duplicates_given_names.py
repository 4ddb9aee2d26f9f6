"""The duplicate finder and the person picker with the table of equivalent given names (data/names/given-names.csv):
Alexander / Oleksandr, Mykola / Nikolai are one name; two different names are not (issue 13)."""

import pytest

from svidok.names import matching
from svidok.people import duplicates
from tests import factories

pytestmark = pytest.mark.django_db


def pairs(found):
    return [(c.left_pk, c.right_pk) for c in found]


def test_find_duplicates_proposes_english_and_ukrainian_spellings_of_one_name(coordinator):
    english = factories.person(coordinator, "Alexander Moroz")
    ukrainian = factories.person(coordinator, "Oleksandr Moroz")
    factories.person(coordinator, "Mykola Petrenko")

    found = duplicates.find_duplicates()

    assert pairs(found) == [(english.pk, ukrainian.pk)]
    assert found[0].score >= matching.DEFAULT_THRESHOLD
    assert [t[:2] for t in found[0].explanation["name"]["tokens"]] == [["alexander", "oleksandr"], ["moroz", "moroz"]]


def test_find_duplicates_proposes_a_latin_name_and_the_cyrillic_one_of_another_language(coordinator):
    english = factories.person(coordinator, "Michael Sheremet")
    russian = factories.person(coordinator, "Михаил Шеремет")

    found = duplicates.find_duplicates()

    assert pairs(found) == [(english.pk, russian.pk)]


def test_find_duplicates_proposes_surname_first_with_an_equivalent_given_name(coordinator):
    ukrainian = factories.person(coordinator, "Патрушев Микола")
    russian = factories.person(coordinator, "Nikolai Patrushev")

    assert pairs(duplicates.find_duplicates()) == [(ukrainian.pk, russian.pk)]


@pytest.mark.parametrize("first, second", [("Mykola Sydorenko", "Mykhailo Sydorenko"),
                                           ("Yurii Sydorenko", "George Sydorenko"),
                                           ("Ivan Sydorenko", "John Sydorenko")])
def test_find_duplicates_never_merges_given_names_of_different_groups(coordinator, first, second):
    factories.person(coordinator, first)
    factories.person(coordinator, second)

    assert duplicates.find_duplicates() == []


def test_person_picker_offers_the_registry_person_under_another_spelling_of_the_given_name(coordinator):
    from svidok.people import suggest

    recorded = factories.person(coordinator, "Микола Патрушев")
    factories.person(coordinator, "Михайло Патрушев")
    matching.CACHE.clear()

    found = suggest.candidates("Nicholas Patrushev")

    assert [(c.person.pk, c.score) for c in found] == [(recorded.pk, 0.95)]
