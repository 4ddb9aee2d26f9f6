"""The dashboard (issue 10, item 2): aggregates only, so no protected person appears in it, not by
name, not typed into an incident's text, not even by pseudonym, whoever looks."""

import pytest

from svidok.incidents.services import add_involvement, submit_incident, verify_incident
from tests import factories
from tests.helpers import login, second_lead

pytestmark = pytest.mark.django_db

NAME = "Ірина Коваленко"
TYPED = "Iryna Kovalenko"


@pytest.mark.parametrize("reader", ["coordinator", "analyst", "viewer"])
def test_dashboard_shows_no_protected_person(client, request, coordinator, reader):
    victim = factories.person(coordinator, name=NAME, protected=True)
    incident = factories.incident(coordinator, title=f"{TYPED} dismissed", narrative=f"The director told {TYPED} to vote.",
                                  place_text=f"the house of {TYPED}", sensitivity="public")
    add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "victim"), person=victim,
                    details=f"{TYPED} taught there")
    submit_incident(actor=coordinator, incident=incident)
    verify_incident(actor=second_lead(), incident=incident, reason="two sources")
    login(client, request.getfixturevalue(reader))

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200 and response.context["total"] == 1
    assert NAME not in html and "Kovalenko" not in html and "Коваленко" not in html
    assert victim.pseudonym not in html
