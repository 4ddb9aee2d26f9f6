import pytest
from django.core.management import CommandError, call_command

from svidok.incidents.models import Incident, Place
from svidok.incidents.search_index import index_places
from svidok.incidents.services import add_involvement, submit_incident, verify_incident
from svidok.people.models import Person
from svidok.people.services import add_name_variant, update_person
from svidok.search.api import matching_ids, search
from svidok.search.indexing import rebuild
from svidok.search.models import SearchEntry
from svidok.search.normalize import query_keys, word_keys
from tests import factories

pytestmark = pytest.mark.django_db


def _ids(object_type, q):
    return sorted(set(matching_ids(object_type, q).values_list("object_id", flat=True)))


@pytest.fixture
def bakhchysarai(db):
    # The row the gazetteer loader writes for the town (tests/incidents/test_gazetteer.py loads the real files).
    place = Place.objects.create(
        code="UA01020050010045207", koatuu="0120410100", category="M", name_uk="Бахчисарай", name_ru="Бахчисарай",
        name_latin="Bakhchysarai", name_crh="Bağçasaray", alt_names=["Bakhchisaray", "Baɣča Saraj"],
    )
    index_places([place])
    return place


@pytest.mark.parametrize("word", ["Курбединов", "Курбедінов", "Kurbedinov", "kurbedinov", "КУРБЕДИНОВ", "Kurbed"])
def test_person_found_by_any_spelling(documenter, word):
    lawyer = factories.person(documenter, "Эмиль Курбединов")
    factories.person(documenter, "Mykola Petrenko")

    assert _ids("person", word) == [lawyer.pk]


@pytest.mark.parametrize("word", ["Бахчисарай", "Bağçasaray", "Bakhchysarai", "Bakhchisaray", "бахчисарай", "Bakhchisarai"])
def test_place_found_by_any_spelling(bakhchysarai, word):
    Place.objects.create(code="UA01040000000000001", category="C", name_uk="Багате", name_ru="Богатое", name_latin="Bahate")
    index_places(Place.objects.all())

    assert _ids("place", word) == [bakhchysarai.pk]


@pytest.mark.parametrize("query", ["Малышев", "Михаил Малышев", "Mikhail Malyshev", "Михайло Малишев", "malysh"])
def test_incident_found_by_perpetrator_entered_in_latin(documenter, query):
    incident = factories.incident(documenter)
    factories.incident(documenter, title="Search of a home in Simferopol")
    perpetrator = factories.person(documenter, "Mikhail Malyshev")
    add_involvement(actor=documenter, incident=incident, role=factories.term("involvement_role", "perpetrator"), person=perpetrator)

    assert _ids("incident", query) == [incident.pk]


@pytest.mark.parametrize("query", ["Huzieieva", "Гузеева", "Guzeeva", "Гузєєва"])
def test_person_entered_in_cyrillic_found_by_latin(documenter, query):
    person = factories.person(documenter, "Гузеева")

    assert _ids("person", query) == [person.pk]


def test_name_variant_found_after_adding(documenter):
    person = factories.person(documenter, "Emil Kurbedinov")
    add_name_variant(actor=documenter, person=person, name="Эмиль Курбединов", lang="ru")

    assert (_ids("person", "Эмиль"), _ids("person", "Emil Kurbedinov")) == ([person.pk], [person.pk])


def test_every_query_word_must_match(documenter):
    person = factories.person(documenter, "Emil Kurbedinov")
    factories.person(documenter, "Emil Petrenko")

    assert (_ids("person", "Emil Kurbedinov"), _ids("person", "Emil Kurbedinov Zzyzx")) == ([person.pk], [])


def test_three_words_each_must_match_whatever_their_order(documenter):
    both = factories.incident(documenter, title="Lenur Asanov detained in Bakhchysarai")
    factories.incident(documenter, title="Lenur Seitumerov detained in Bakhchysarai")
    factories.incident(documenter, title="Asanov threatened in Simferopol")

    found = [_ids("incident", q) for q in ("Ленур Асанов Бахчисарай", "Bakhchysarai Asanov Lenur", "Asanov Lenur")]

    assert found == [[both.pk]] * 3


def test_several_words_are_intersected_ranges_not_nested_lookups(documenter):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        list(matching_ids("incident", "Ленур Асанов"))

    (sql,) = [q["sql"] for q in captured.captured_queries]
    assert "INTERSECT" in sql.upper() and '"object_id" IN' not in sql


def test_protected_person_real_name_finds_nothing(documenter):
    victim = factories.person(documenter, "Рустем Аблаев", protected=True, pseudonym="Person TEST1")
    incident = factories.incident(documenter)
    add_involvement(actor=documenter, incident=incident, role=factories.term("involvement_role", "victim"), person=victim)

    assert (_ids("person", "Аблаев"), _ids("person", "Ablaiev"), _ids("incident", "Аблаев"), _ids("person", "Rustem")) == ([], [], [], [])
    assert (_ids("person", "TEST1"), _ids("incident", "TEST1")) == ([victim.pk], [incident.pk])


def test_person_becoming_protected_is_no_longer_found_by_name(coordinator):
    person = factories.person(coordinator, "Рустем Аблаев")
    update_person(actor=coordinator, person=person, fields={"protected": True})

    person.refresh_from_db()
    assert (_ids("person", "Аблаев"), _ids("person", person.pseudonym)) == ([], [person.pk])


def test_renamed_person_updates_incident_index(coordinator):
    person = factories.person(coordinator, "Mikhail Malyshev")
    incident = factories.incident(coordinator)
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "perpetrator"), person=person)

    update_person(actor=coordinator, person=person, identity={"full_name": "Sergei Aksyonov"})

    assert (_ids("incident", "Аксёнов"), _ids("incident", "Malyshev")) == ([incident.pk], [])


def test_incident_found_by_reference_title_narrative_and_place(documenter, bakhchysarai):
    incident = factories.incident(documenter, narrative="Вчителька звільнена після так званих виборів.", place=bakhchysarai)
    factories.incident(documenter, title="Something else")

    found = [_ids("incident", q) for q in (incident.reference, "teacher dismissed", "звільнена", "Bağçasaray")]

    assert found == [[incident.pk]] * 4


def test_organization_found_by_other_script(documenter):
    organization = factories.organization(documenter, name="Избирательная комиссия Республики Крым")

    assert _ids("organization", "Izbiratelnaya komissiya") == [organization.pk]


def test_unsearchable_query_matches_nothing(documenter):
    factories.person(documenter, "Emil Kurbedinov")

    assert (_ids("person", ""), _ids("person", "- ! -"), _ids("person", "x")) == ([], [], [])


def test_search_hides_draft_incident_from_viewer(documenter, coordinator, viewer):
    draft = factories.incident(documenter, title="Dismissal in Bakhchysarai")
    verified = factories.incident(documenter, title="Threat in Bakhchysarai", sensitivity=Incident.Sensitivity.PUBLIC)
    submit_incident(actor=documenter, incident=verified)
    verify_incident(actor=coordinator, incident=verified)

    assert [i.reference for i in search(viewer, "Бахчисарай")["incidents"]] == [verified.reference]
    assert sorted(i.reference for i in search(coordinator, "Бахчисарай")["incidents"]) == sorted([draft.reference, verified.reference])


def test_search_returns_every_type(documenter, bakhchysarai):
    person = factories.person(documenter, "Bakhchysarai Resident")
    organization = factories.organization(documenter, name="Бахчисарайская избирательная комиссия")
    incident = factories.incident(documenter, place=bakhchysarai)

    result = search(documenter, "Bakhchisaray")

    assert {k: [o.pk for o in v] for k, v in result.items()} == {
        "incidents": [incident.pk], "persons": [person.pk], "organizations": [organization.pk], "places": [bakhchysarai.pk],
    }


def test_search_for_anonymous_user_is_empty(documenter, bakhchysarai):
    from django.contrib.auth.models import AnonymousUser

    factories.incident(documenter, place=bakhchysarai)

    assert search(AnonymousUser(), "Bakhchysarai") == {"incidents": [], "persons": [], "organizations": [], "places": []}


def test_rebuild_recreates_the_same_index(documenter, bakhchysarai):
    person = factories.person(documenter, "Emil Kurbedinov")
    factories.incident(documenter, place=bakhchysarai)
    before = sorted(SearchEntry.objects.values_list("object_type", "object_id", "key", "rank"))

    SearchEntry.objects.all().delete()
    counts = rebuild()

    assert sorted(SearchEntry.objects.values_list("object_type", "object_id", "key", "rank")) == before
    assert counts == {"place": 1, "person": 1, "organization": 0, "incident": 1}
    assert Person.objects.get(pk=person.pk).display_name == "Emil Kurbedinov"


def test_rebuild_search_index_command_rejects_unknown_type(db):
    with pytest.raises(CommandError) as caught:
        call_command("rebuild_search_index", "incident", "bogus")

    assert str(caught.value) == "unknown record type(s): bogus"


def test_query_keys_fold_spellings_to_one_key():
    spellings = ["Бахчисарай", "Bağçasaray", "Bakhchysarai", "Bakhchisaray"]

    assert [word_keys(s) for s in spellings] == [{"bakcasara"}] * 4
    assert query_keys("Яни Капу") == query_keys("Yañı Qapı") == [{"ana"}, {"kapa", "kap"}]
