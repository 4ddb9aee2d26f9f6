import uuid

import pytest

from svidok.incidents.services import add_involvement
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim(coordinator, verified):
    person = factories.person(coordinator, name="Rustem Aliev", protected=True)
    add_involvement(actor=coordinator, incident=verified, person=person, role=factories.term("involvement_role", "victim"))
    return person


@pytest.fixture
def commission(coordinator, verified, draft):
    organization = factories.organization(coordinator)
    for incident in (verified, draft):
        add_involvement(actor=coordinator, incident=incident, organization=organization,
                        role=factories.term("involvement_role", "perpetrator"))
    return organization


def test_person_list_shows_pseudonyms_only(client, viewer, coordinator, victim):
    factories.person(coordinator, name="Emil Kurbedinov")
    login(client, viewer)

    response = client.get("/people/persons/")

    body = response.content.decode()
    assert [p.display_name for p in response.context["page"]] == ["Emil Kurbedinov", victim.pseudonym]
    assert "Rustem Aliev" not in body


def test_person_list_search_box(client, viewer, coordinator):
    lawyer = factories.person(coordinator, name="Emil Kurbedinov")
    factories.person(coordinator, name="Mykola Petrenko")
    login(client, viewer)

    response = client.get("/people/persons/", {"q": "Курбедінов"})

    assert list(response.context["page"]) == [lawyer]


def test_protected_person_page_hides_name_from_viewer(client, viewer, victim, verified):
    login(client, viewer)

    response = client.get(f"/people/persons/{victim.uuid}/")

    body = response.content.decode()
    assert response.status_code == 200
    assert victim.pseudonym in body
    assert "Rustem Aliev" not in body
    assert verified.reference in body


def test_protected_person_page_shows_name_to_coordinator_after_a_reveal(client, coordinator, victim):
    login(client, coordinator)

    loaded = client.get(f"/people/persons/{victim.uuid}/")
    revealed = client.post(f"/people/persons/{victim.uuid}/reveal/", {"reason": "court filing"})

    assert "Rustem Aliev" not in loaded.content.decode()
    assert '<dd class="identity">Rustem Aliev</dd>' in revealed.content.decode()


def test_person_page_unknown_uuid_is_404(client, viewer):
    login(client, viewer)

    assert client.get(f"/people/persons/{uuid.uuid4()}/").status_code == 404


def test_person_page_stranger_redirected(client, victim):
    assert client.get(f"/people/persons/{victim.uuid}/").status_code == 302


def test_organization_page_lists_only_visible_incidents(client, viewer, commission, verified, draft):
    login(client, viewer)

    response = client.get(f"/people/organizations/{commission.uuid}/")

    assert response.status_code == 200
    assert [i.incident.reference for i in response.context["involvements"]] == [verified.reference]
    assert draft.reference not in response.content.decode()


def test_organization_page_lists_all_for_coordinator(client, coordinator, commission, verified, draft):
    login(client, coordinator)

    response = client.get(f"/people/organizations/{commission.uuid}/")

    assert sorted(i.incident.reference for i in response.context["involvements"]) == sorted([verified.reference, draft.reference])


def test_organization_list(client, analyst, commission):
    login(client, analyst)

    response = client.get("/people/organizations/")

    assert list(response.context["page"]) == [commission]


def test_organization_page_unknown_uuid_is_404(client, viewer):
    login(client, viewer)

    assert client.get(f"/people/organizations/{uuid.uuid4()}/").status_code == 404
