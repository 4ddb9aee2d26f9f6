import pytest

from svidok.audit.models import AuditEntry
from svidok.people.models import Person
from tests import factories

pytestmark = pytest.mark.django_db
PERSONS = "/api/v1/persons/"
ORGS = "/api/v1/organizations/"


def test_person_protected_identity_hidden_from_analyst(api, documenter, analyst):
    person = factories.person(documenter, name="Ayshe Seitova", protected=True)

    response = api(analyst).get(f"{PERSONS}{person.uuid}/")

    assert response.status_code == 200
    assert (response.json()["display_name"], response.json()["identity"]) == (person.pseudonym, None)
    assert "Ayshe" not in response.content.decode()


def test_person_protected_identity_shown_to_coordinator_only_when_revealed(api, documenter, coordinator):
    person = factories.person(documenter, name="Ayshe Seitova", protected=True)
    client = api(coordinator)

    read = client.get(f"{PERSONS}{person.uuid}/")
    revealed = client.post(f"{PERSONS}{person.uuid}/reveal/", {"reason": "court filing"}, format="json")

    assert read.json()["identity"] is None
    assert revealed.json()["full_name"] == "Ayshe Seitova"


def test_person_unknown_uuid_is_404(api, analyst):
    response = api(analyst).get(f"{PERSONS}00000000-0000-0000-0000-000000000000/")

    assert response.status_code == 404


def test_person_list_anonymous_is_401(api):
    assert api().get(PERSONS).status_code == 401


def test_person_create_by_documenter(api, documenter):
    response = api(documenter).post(PERSONS, {"name": "Ivan Petrov", "names": [{"name": "Иван Петров", "lang": "ru"}]}, format="json")

    assert response.status_code == 201
    assert [n["name"] for n in response.json()["names"]] == ["Ivan Petrov", "Иван Петров"]
    assert AuditEntry.objects.filter(object_type="people.person", action="create").count() == 1


def test_person_create_by_viewer_is_403(api, viewer):
    response = api(viewer).post(PERSONS, {"name": "Ivan Petrov"}, format="json")

    assert response.status_code == 403
    assert Person.objects.count() == 0


def test_person_create_future_birth_date_is_400(api, documenter):
    response = api(documenter).post(PERSONS, {"name": "Ivan", "identity": {"birth_date": "2999-01-01"}}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["birth_date"]
    assert Person.objects.count() == 0


def test_person_update_makes_protected(api, documenter, coordinator):
    person = factories.person(documenter, name="Ivan Petrov")

    response = api(coordinator).patch(f"{PERSONS}{person.uuid}/", {"protected": True}, format="json")

    assert response.status_code == 200
    assert response.json()["display_name"].startswith("Person ")
    assert response.json()["names"] == []


def test_person_search_by_q(api, documenter, analyst):
    factories.person(documenter, name="Ivan Petrov")
    factories.person(documenter, name="Oleh Bondar")

    response = api(analyst).get(PERSONS, {"q": "Petrov"})

    assert [p["display_name"] for p in response.json()["results"]] == ["Ivan Petrov"]


def test_organization_create_and_read(api, documenter, viewer):
    created = api(documenter).post(ORGS, {"name": "School No. 5", "kind": "school"}, format="json")

    response = api(viewer).get(f"{ORGS}{created.json()['uuid']}/")

    assert created.status_code == 201
    assert (response.json()["name"], response.json()["kind"]) == ("School No. 5", "school")


def test_organization_unknown_kind_is_400(api, documenter):
    response = api(documenter).post(ORGS, {"name": "School No. 5", "kind": "ministry-of-truth"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"kind": ["Unknown perpetrator_type code 'ministry-of-truth'."]}


def test_organization_update_by_analyst_is_403(api, documenter, analyst):
    organization = factories.organization(documenter)

    response = api(analyst).patch(f"{ORGS}{organization.uuid}/", {"name": "Renamed"}, format="json")

    assert response.status_code == 403
