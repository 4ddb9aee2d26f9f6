import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from svidok.audit.models import AuditEntry
from svidok.people.models import Person
from svidok.people.services import add_name_variant, update_person
from tests import factories

pytestmark = pytest.mark.django_db


def test_protected_person_shown_by_pseudonym_only(documenter):
    person = factories.person(documenter, name="Lenie Umerova", protected=True)

    assert person.display_name == person.pseudonym
    assert person.pseudonym.startswith("Person ")
    assert list(person.names.all()) == []
    assert "Umerova" not in AuditEntry.objects.get(object_id=person.public_id).payload


def test_documenter_cannot_lift_protection(documenter):
    person = factories.person(documenter, name="Lenie Umerova", protected=True)

    with pytest.raises(PermissionDenied):
        update_person(actor=documenter, person=person, fields={"protected": False})

    person.refresh_from_db()
    assert (person.protected, person.display_name) == (True, person.pseudonym)


def test_documenter_cannot_edit_hidden_identity(documenter):
    person = factories.person(documenter, name="Lenie Umerova", protected=True)

    with pytest.raises(PermissionDenied):
        update_person(actor=documenter, person=person, identity={"contacts": "+380 00 000 0000"})


def test_coordinator_lifts_protection_and_name_becomes_public(documenter, coordinator):
    person = factories.person(documenter, name="Lenie Umerova", protected=True)

    update_person(actor=coordinator, person=person, fields={"protected": False})

    person.refresh_from_db()
    assert (person.display_name, [n.name for n in person.names.all()]) == ("Lenie Umerova", ["Lenie Umerova"])


def test_protecting_a_person_removes_public_name_variants(coordinator):
    person = factories.person(coordinator, name="Mikhail Malyshev")
    add_name_variant(actor=coordinator, person=person, name="Михаил Малышев", lang="ru")

    update_person(actor=coordinator, person=person, fields={"protected": True})

    person.refresh_from_db()
    assert (person.protected, person.names.count(), person.display_name == person.pseudonym) == (True, 0, True)


def test_name_variant_refused_for_protected_person(coordinator):
    person = factories.person(coordinator, name="Lenie Umerova", protected=True)

    with pytest.raises(ValidationError) as caught:
        add_name_variant(actor=coordinator, person=person, name="Ленie Умерова")

    assert list(caught.value.message_dict) == ["name"]


@pytest.mark.parametrize("name", ["", "   ", "1234", "x" * 301])
def test_record_person_rejects_bad_names(documenter, name):
    with pytest.raises(ValidationError) as caught:
        factories.person(documenter, name=name)

    assert list(caught.value.message_dict) == ["name"]
    assert Person.objects.count() == 0
