"""Person and organization create/edit pages and their name variants."""

import pytest

from svidok.audit.models import AuditEntry
from svidok.people.models import NameVariant, Organization, Person
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def lawyer(coordinator):
    return factories.person(coordinator, name="Emil Kurbedinov")


@pytest.fixture
def victim(coordinator):
    return factories.person(coordinator, name="Rustem Aliev", protected=True, identity={"contacts": "+380 00 000 0000"})


# --- person create


def test_person_create_by_documenter_without_identity_fields(client, documenter):
    login(client, documenter)

    page = client.get("/people/persons/new/")
    response = client.post("/people/persons/new/", {"name": "Mykola Petrenko", "gender": "male", "description": "Teacher"})

    person = Person.objects.get()
    assert page.status_code == 200
    assert "id_contacts" not in page.content.decode()
    assert (response.status_code, response["Location"]) == (302, f"/people/persons/{person.uuid}/")
    assert (person.display_name, person.gender, person.description, person.protected) == ("Mykola Petrenko", "male", "Teacher", False)


def test_person_create_protected_by_coordinator_with_identity(client, coordinator):
    login(client, coordinator)

    client.post("/people/persons/new/", {"name": "Ayshe Seitova", "protected": "on", "contacts": "Bakhchysarai", "birth_date": "1980-01-02"})

    person = Person.objects.get()
    assert (person.protected, person.display_name == person.pseudonym) == (True, True)
    assert (person.identity.full_name, person.identity.contacts, str(person.identity.birth_date)) == ("Ayshe Seitova", "Bakhchysarai", "1980-01-02")


def test_person_create_refused_to_analyst_and_viewer(client, analyst, viewer):
    login(client, analyst)
    assert client.post("/people/persons/new/", {"name": "Someone"}).status_code == 403
    login(client, viewer)
    assert client.get("/people/persons/new/").status_code == 403
    assert Person.objects.count() == 0


def test_person_create_stranger_redirected_to_sign_in(client):
    response = client.post("/people/persons/new/", {"name": "Someone"})

    assert (response.status_code, response["Location"].split("?")[0]) == (302, "/accounts/login/")
    assert Person.objects.count() == 0


def test_person_create_bad_input_shows_every_field_error_at_once(client, coordinator):
    login(client, coordinator)

    response = client.post("/people/persons/new/", {"name": "1234", "birth_date": "2999-01-01"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"name": ["A name must contain letters."],
                                               "birth_date": ["Date 2999-01-01 is in the future."]}
    page = response.content.decode()
    assert '<a href="#id_name">Name: A name must contain letters.</a>' in page
    assert '<a href="#id_birth_date">Birth date: Date 2999-01-01 is in the future.</a>' in page
    assert (Person.objects.count(), AuditEntry.objects.filter(object_type="people.person").count()) == (0, 0)


# --- person edit


def test_person_edit_by_documenter_changes_description_not_identity(client, documenter, lawyer):
    login(client, documenter)

    page = client.get(f"/people/persons/{lawyer.uuid}/edit/")
    response = client.post(f"/people/persons/{lawyer.uuid}/edit/",
                           {"description": "Lawyer of Crimean Solidarity", "gender": "", "name": "Changed Name"})

    lawyer.refresh_from_db()
    assert page.status_code == 200
    assert 'id="id_name"' not in page.content.decode()
    assert response.status_code == 302
    assert (lawyer.description, lawyer.display_name) == ("Lawyer of Crimean Solidarity", "Emil Kurbedinov")


def test_person_edit_documenter_cannot_lift_protection(client, documenter, victim):
    login(client, documenter)

    response = client.post(f"/people/persons/{victim.uuid}/edit/", {"description": "Teacher"})

    victim.refresh_from_db()
    assert response.status_code == 302
    assert (victim.protected, victim.display_name, victim.description) == (True, victim.pseudonym, "Teacher")


def test_person_edit_coordinator_changes_identity(client, coordinator, victim):
    login(client, coordinator)

    page = client.get(f"/people/persons/{victim.uuid}/edit/")
    response = client.post(f"/people/persons/{victim.uuid}/edit/",
                           {"name": "Rustem Aliyev", "protected": "on", "contacts": "via lawyer"})

    victim.refresh_from_db()
    assert "Rustem Aliev" not in page.content.decode()  # rule 6: not filled into the form on a page load
    assert response.status_code == 302
    assert (victim.identity.full_name, victim.identity.contacts, victim.protected) == ("Rustem Aliyev", "via lawyer", True)
    assert AuditEntry.objects.filter(object_type="people.person", action="update").get().changes["identity"] == ["[protected]", "[protected]"]


def test_person_edit_bad_input_writes_nothing(client, coordinator, victim):
    login(client, coordinator)

    response = client.post(f"/people/persons/{victim.uuid}/edit/", {"name": "", "protected": "on", "birth_date": "not a date"})

    victim.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors == {"birth_date": ["Enter a valid date."]}
    assert victim.identity.full_name == "Rustem Aliev"


def test_person_edit_of_a_protected_person_keeps_the_fields_left_empty(client, coordinator, victim):
    login(client, coordinator)

    response = client.post(f"/people/persons/{victim.uuid}/edit/", {"name": "", "protected": "on", "contacts": "via lawyer"})

    victim.refresh_from_db()
    assert response.status_code == 302
    assert (victim.identity.full_name, victim.identity.contacts) == ("Rustem Aliev", "via lawyer")


def test_person_edit_refused_to_analyst(client, analyst, lawyer):
    login(client, analyst)

    assert client.post(f"/people/persons/{lawyer.uuid}/edit/", {"description": "x"}).status_code == 403
    lawyer.refresh_from_db()
    assert lawyer.description == ""


def test_person_edit_stranger_redirected(client, lawyer):
    assert client.get(f"/people/persons/{lawyer.uuid}/edit/").status_code == 302


def test_person_add_name_variant(client, documenter, lawyer):
    login(client, documenter)

    response = client.post(f"/people/persons/{lawyer.uuid}/names/",
                           {"variant-name": "Эмиль Курбединов", "variant-lang": "ru", "variant-script": "",
                            "variant-kind": "press", "variant-origin": "QHA"})

    assert (response.status_code, response["Location"]) == (302, f"/people/persons/{lawyer.uuid}/edit/")
    variant = NameVariant.objects.get(person=lawyer, name="Эмиль Курбединов")
    assert (variant.lang, variant.script, variant.kind, variant.origin) == ("ru", "Cyrl", "press", "QHA")


def test_person_add_name_variant_to_protected_is_refused_with_error(client, coordinator, victim):
    login(client, coordinator)

    response = client.post(f"/people/persons/{victim.uuid}/names/", {"variant-name": "Рустем Алиев", "variant-kind": "official"})

    assert response.status_code == 400
    assert response.context["name_form"].errors == {"name": ["A protected person's names stay in the identity record."]}
    assert NameVariant.objects.filter(person=victim).count() == 0


def test_person_add_name_variant_refused_to_viewer(client, viewer, lawyer):
    login(client, viewer)

    assert client.post(f"/people/persons/{lawyer.uuid}/names/", {"variant-name": "Kurbedinov E.", "variant-kind": "press"}).status_code == 403
    assert NameVariant.objects.filter(person=lawyer).count() == 1


# --- organizations


def test_organization_create_with_place_parent_and_spellings(client, documenter, places):
    parent = factories.organization(documenter, name="Central Election Commission of Russia")
    login(client, documenter)

    response = client.post("/people/organizations/new/", {
        "name": "Election Commission of the Republic of Crimea", "kind": "election_commission",
        "parent": "Central Election Commission of Russia", "place": "Бахчисарай",
        "other_names": "Избирательная комиссия Республики Крым\nВиборча комісія Республіки Крим",
    })

    organization = Organization.objects.get(name="Election Commission of the Republic of Crimea")
    assert (response.status_code, response["Location"]) == (302, f"/people/organizations/{organization.uuid}/")
    assert (organization.parent, organization.place, organization.kind.code) == (parent, places["town"], "election_commission")
    assert sorted(v.name for v in organization.names.all()) == [
        "Election Commission of the Republic of Crimea", "Виборча комісія Республіки Крим", "Избирательная комиссия Республики Крым"]


def test_organization_create_refused_to_analyst(client, analyst):
    login(client, analyst)

    assert client.post("/people/organizations/new/", {"name": "Some body"}).status_code == 403
    assert Organization.objects.count() == 0


def test_organization_create_stranger_redirected(client):
    assert client.post("/people/organizations/new/", {"name": "Some body"}).status_code == 302
    assert Organization.objects.count() == 0


def test_organization_create_unknown_place_is_field_error(client, documenter, places):
    login(client, documenter)

    response = client.post("/people/organizations/new/", {"name": "Some body", "place": "Atlantis"})

    assert response.status_code == 400
    assert response.context["form"].errors == {"place": ["No place matches “Atlantis”."]}
    assert Organization.objects.count() == 0


def test_organization_edit_changes_name_and_adds_variant(client, documenter):
    organization = factories.organization(documenter)
    login(client, documenter)

    page = client.get(f"/people/organizations/{organization.uuid}/edit/")
    saved = client.post(f"/people/organizations/{organization.uuid}/edit/",
                        {"name": "Crimean Election Commission", "kind": "election_commission", "description": "Organised the vote"})
    added = client.post(f"/people/organizations/{organization.uuid}/names/", {"variant-name": "Крымизбирком", "variant-lang": "ru", "variant-kind": "alias"})

    organization.refresh_from_db()
    assert (page.status_code, saved.status_code, added.status_code) == (200, 302, 302)
    assert (organization.name, organization.description) == ("Crimean Election Commission", "Organised the vote")
    assert organization.names.filter(name="Крымизбирком", kind="alias").count() == 1


def test_organization_edit_own_parent_is_field_error(client, documenter):
    organization = factories.organization(documenter)
    login(client, documenter)

    response = client.post(f"/people/organizations/{organization.uuid}/edit/",
                           {"name": "Renamed", "parent": str(organization.uuid)})

    organization.refresh_from_db()
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["parent"]
    assert organization.name == "Election Commission of the Republic of Crimea"


def test_organization_edit_refused_to_viewer(client, viewer, documenter):
    organization = factories.organization(documenter)
    login(client, viewer)

    assert client.post(f"/people/organizations/{organization.uuid}/edit/", {"name": "Renamed"}).status_code == 403
    organization.refresh_from_db()
    assert organization.name == "Election Commission of the Republic of Crimea"
