"""The demo's reference list (``svidok setup --demo`` loads the shipped EU 269/2014 annex) and the
checks it makes honest: the Aksyonov case of issue 13, surname-first spellings."""

import pytest

from svidok.audit.models import AuditEntry
from svidok.sanctions import listcheck
from svidok.sanctions import services as proposals
from svidok.sanctions.demo import DEMO_LIST, load_demo_list
from svidok.sanctions.models import ReferenceList
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def eu_list():
    return load_demo_list()


def test_demo_list_is_the_shipped_eu_annex_and_loading_again_changes_nothing(eu_list):
    assert (eu_list.name, eu_list.title, eu_list.jurisdiction) == ("eu-269", DEMO_LIST["title"], "eu")
    assert eu_list.entity_count > 2000
    aksyonov = eu_list.entities.get(record_id="I.PERSONS/1")
    assert (aksyonov.listed_since.isoformat(), "AKSYONOV" in aksyonov.caption.upper()) == ("2014-03-17", True)

    again = load_demo_list()

    assert again.pk == eu_list.pk and again.imported_at == eu_list.imported_at
    assert ReferenceList.objects.count() == 1
    assert AuditEntry.objects.filter(action="import", object_repr="eu-269").count() == 1


def test_aksyonov_proposal_member_is_a_possible_match_with_list_record_and_date(eu_list, coordinator):
    person = factories.person(coordinator, name="Sergey Aksyonov")
    proposal = proposals.create_proposal(actor=coordinator, title="Crimea 2014")
    member = proposals.add_member(actor=coordinator, proposal=proposal, person=person)

    [check] = listcheck.check_members([member])

    assert check.state == listcheck.State.POSSIBLE
    assert [(s.reference_list.name, s.record_id, s.listed_since) for s in check.possible][:1] == [
        ("eu-269", "I.PERSONS/1", "2014-03-17")]


@pytest.mark.parametrize("name", ["Aksionov Serhii", "Serhii Aksionov", "Аксёнов Сергей"])
def test_surname_first_and_other_spellings_find_the_listed_entry(eu_list, name):
    found = listcheck.match_names([name], lists=[eu_list])

    assert found and found[0].record_id == "I.PERSONS/1", [(s.record_id, s.caption, s.score) for s in found]


def test_without_a_list_a_member_is_unchecked_not_unlisted(coordinator):
    person = factories.person(coordinator, name="Sergey Aksyonov")
    proposal = proposals.create_proposal(actor=coordinator, title="Crimea 2014")
    member = proposals.add_member(actor=coordinator, proposal=proposal, person=person)

    assert [(c.state, c.possible) for c in listcheck.check_members([member])] == [(listcheck.State.NO_LIST, [])]


def test_person_picker_suggests_reference_list_entries_marked_as_such(client, documenter, coordinator, tmp_path):
    from svidok.sanctions.lists import import_list
    from tests.helpers import login

    path = tmp_path / "eu.ftm.json"
    path.write_text('{"id": "eu-2", "schema": "Person", "properties": {"name": ["Vladimir Andreyevich KONSTANTINOV"]}}\n'
                    '{"id": "eu-2-s", "schema": "Sanction", "properties": {"entity": ["eu-2"], "startDate": ["2014-03-17"]}}\n',
                    encoding="utf-8")
    import_list(actor=coordinator, path=path, name="eu-test", title="EU list", jurisdiction="eu")
    login(client, documenter)

    body = " ".join(client.post("/people/persons/suggest/", {"name": "Vladimir Konstantinov", "prefix": ""},
                                HTTP_HX_REQUEST="true").content.decode().split())
    surname_first = client.post("/people/persons/suggest/", {"name": "Konstantinov Vladimir", "prefix": ""}).content.decode()
    nobody = client.post("/people/persons/suggest/", {"name": "Natalia Bezruchenko", "prefix": ""}).content.decode()

    assert "On a reference list (not a person of the registry):" in body
    assert ("<li>Vladimir Andreyevich KONSTANTINOV — EU list, listed 2014-03-17 <span class=\"badge\">reference list</span></li>"
            in body)
    assert "KONSTANTINOV" in surname_first
    assert "reference list" not in nobody


def test_setup_loads_the_list_with_demo_only():
    import io

    from django.apps import apps

    config = apps.get_app_config("sanctions")
    out = io.StringIO()
    config.setup_data(demo=False, stdout=out)
    assert not ReferenceList.objects.exists()

    config.setup_data(demo=True, stdout=out)
    config.setup_data(demo=True, stdout=out)

    assert list(ReferenceList.objects.values_list("name", flat=True)) == ["eu-269"]
    assert out.getvalue().count("Reference list 'eu-269'") == 1
    assert config.setup_order < apps.get_app_config("accounts").setup_order
