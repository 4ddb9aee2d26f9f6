"""When the registry's match index is stale (``people.registry``): whenever one of its names comes or
goes, and not when a protected person (a victim, a witness) is recorded, which most new persons are."""

from svidok.names.index import CACHE
from svidok.people import registry, suggest
from svidok.people.services import add_name_variant, record_person, update_person
from tests import factories


def test_a_protected_person_leaves_the_index_current(coordinator):
    factories.person(coordinator, "Sergei Aksyonov")
    before = registry.registry_index()

    record_person(actor=coordinator, name="Рустем Аблаев", protected=True)

    assert registry._registry_state() == before.state
    assert registry.registry_index() is before


def test_every_change_of_the_registrys_names_makes_it_stale(coordinator):
    person = factories.person(coordinator, "Sergei Aksyonov")
    states = [registry._registry_state()]

    add_name_variant(actor=coordinator, person=person, name="Сергей Аксёнов")
    states.append(registry._registry_state())
    other = record_person(actor=coordinator, name="Mikhail Malyshev")
    states.append(registry._registry_state())
    factories.organization(coordinator, "Election Commission of Sevastopol")
    states.append(registry._registry_state())
    update_person(actor=coordinator, person=other, fields={"protected": True})
    states.append(registry._registry_state())
    update_person(actor=coordinator, person=other, fields={"protected": False}, identity={"full_name": "Mikhail Malyshev"})
    states.append(registry._registry_state())

    assert len(set(states)) == len(states)


def test_a_person_unprotected_is_found_again_and_one_protected_is_not(coordinator):
    CACHE.clear()
    person = factories.person(coordinator, "Mikhail Malyshev")
    assert [c.person for c in suggest.candidates("Михаил Малышев")] == [person]

    update_person(actor=coordinator, person=person, fields={"protected": True})
    assert suggest.candidates("Михаил Малышев") == []

    update_person(actor=coordinator, person=person, fields={"protected": False}, identity={"full_name": "Mikhail Malyshev"})
    assert [c.person for c in suggest.candidates("Михаил Малышев")] == [person]
