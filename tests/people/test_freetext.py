"""Protected persons' names in free text (issue 10, "Identities leak through free text"): a victim's
real name typed into a narrative is not found by a search, and readers without clearance see the
pseudonym in its place on the page and in the API; cleared readers see the text as written."""

import pytest
from django.urls import reverse

from svidok.incidents.services import submit_incident, update_incident, verify_incident
from svidok.people import freetext
from svidok.people.services import update_person
from svidok.search.api import search
from tests import factories
from tests.helpers import login, second_lead

pytestmark = pytest.mark.django_db

NAME = "Ірина Коваленко"
NARRATIVE = "The director called Iryna Kovalenko in and told her that she would lose her post."


@pytest.fixture
def victim(coordinator):
    return factories.person(coordinator, name=NAME, protected=True)


@pytest.fixture
def incident(coordinator, victim):
    incident = factories.incident(coordinator, title="Teacher threatened with dismissal")
    update_incident(actor=coordinator, incident=incident, fields={"narrative": NARRATIVE})
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=incident)
    incident.refresh_from_db()
    return incident


def test_a_name_in_any_spelling_becomes_the_pseudonym(victim):
    for text in (NARRATIVE, "Коваленко Ірина, вчителька", "Kovalenko, Iryna said so"):
        shown, found = freetext.pseudonymize(text)
        assert found == {victim.pk}
        assert victim.pseudonym in shown
        assert not any(w in shown for w in ("Kovalenko", "Iryna", "Коваленко", "Ірина")), shown
    assert freetext.pseudonymize("The director called the staff in.") == ("The director called the staff in.", set())


def test_nobody_finds_the_incident_by_the_name_typed_in_its_narrative(incident, viewer, coordinator, victim):
    for user in (viewer, coordinator):
        assert search(user, "Kovalenko")["incidents"] == []
        assert search(user, "Коваленко")["incidents"] == []
    assert search(coordinator, "director post")["incidents"] == [incident]


def test_readers_without_clearance_see_the_pseudonym_on_the_page_and_in_the_api(client, incident, viewer, victim):
    login(client, viewer)
    response = client.get(reverse("incidents:detail", args=[incident.reference]))
    assert response.status_code == 200
    page = response.content.decode()
    api = client.get(f"/api/v1/incidents/{incident.reference}/").json()
    assert "Kovalenko" not in page and victim.pseudonym in page
    assert "Kovalenko" not in api["narrative"] and victim.pseudonym in api["narrative"]


def test_cleared_readers_see_the_narrative_as_written(client, incident, coordinator):
    login(client, coordinator)
    page = client.get(reverse("incidents:detail", args=[incident.reference])).content.decode()
    assert "Iryna Kovalenko" in page
    assert client.get(f"/api/v1/incidents/{incident.reference}/").json()["narrative"] == NARRATIVE


def test_protecting_a_person_later_takes_the_name_out_of_the_index(coordinator, viewer):
    person = factories.person(coordinator, name="Олег Бондар")
    incident = factories.incident(coordinator, title="Teacher threatened")
    update_incident(actor=coordinator, incident=incident, fields={"narrative": "Oleh Bondar was told to vote."})
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=incident)
    assert search(viewer, "Bondar")["incidents"] == [incident]

    update_person(actor=coordinator, person=person, fields={"protected": True})

    assert search(viewer, "Bondar")["incidents"] == []
    assert search(viewer, "told vote")["incidents"] == [incident]


def test_a_possessive_is_recognised_and_an_apostrophe_inside_a_name_kept(coordinator, victim):
    marianna = factories.person(coordinator, name="Мар'яна Ткачук", protected=True)
    shown, found = freetext.pseudonymize("Kovalenko's school and Мар'яна Ткачук's class")
    assert found == {victim.pk, marianna.pk}
    assert shown == f"{victim.pseudonym}'s school and {marianna.pseudonym}'s class"
