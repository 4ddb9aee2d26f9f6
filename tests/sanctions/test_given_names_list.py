"""Equivalent given names in the reference-list check and the person picker (issue 13): the
English, Ukrainian and Russian spellings of one given name find the listed entry."""

import pytest

from svidok.sanctions import listcheck
from svidok.sanctions import services as proposals
from svidok.sanctions.demo import load_demo_list
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def eu_list():
    return load_demo_list()


def test_list_check_finds_the_entry_under_another_spelling_of_the_given_name(eu_list):
    # One list import for all the spellings: importing the EU annex is the slow part.
    queries = {"Alexander Moroz": "I.PERSONS/1819", "Moroz Oleksandr": "I.PERSONS/1819",
               "Michael Sheremet": "I.PERSONS/105", "Aksionov Serhii": "I.PERSONS/1"}

    found = {name: [(s.record_id, s.score) for s in listcheck.match_names([name], lists=[eu_list])][:1] for name in queries}

    assert found == {name: [(record, 0.95)] for name, record in queries.items()}


def test_alexander_udaltsov_is_suggested_udaltsov_only(eu_list):
    found = listcheck.match_names(["Alexander Udaltsov"], lists=[eu_list])

    assert [s.caption for s in found] == ["Aleksandr Ivanovich UDALTSOV"]


def test_proposal_member_with_the_ukrainian_given_name_is_a_possible_match(eu_list, coordinator):
    person = factories.person(coordinator, name="Mykola Patrushev")
    proposal = proposals.create_proposal(actor=coordinator, title="Security Council")
    member = proposals.add_member(actor=coordinator, proposal=proposal, person=person)

    [check] = listcheck.check_members([member])

    assert (check.state, [s.caption for s in check.possible]) == (
        listcheck.State.POSSIBLE, ["Nikolai Platonovich PATRUSHEV"])


def test_person_picker_suggests_the_list_entry_for_an_english_given_name(client, documenter, eu_list):
    from tests.helpers import login

    login(client, documenter)

    body = client.post("/people/persons/suggest/", {"name": "Michael Sheremet", "prefix": ""},
                       HTTP_HX_REQUEST="true").content.decode()
    surname_first = client.post("/people/persons/suggest/", {"name": "Aksionov Serhii", "prefix": ""},
                                HTTP_HX_REQUEST="true").content.decode()

    assert "Mikhail Sergeyevich SHEREMET" in body and "reference list" in body
    assert "AKSYONOV" in surname_first
