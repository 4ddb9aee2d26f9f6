"""The "assign" bulk action of the incident list: every chosen incident through the assignment
service, all or nothing, offered only to those who may assign."""

import pytest

from svidok.accounts.models import Role
from svidok.incidents.models import Incident
from svidok.incidents.services import submit_incident
from svidok.work.models import Assignment, Notification
from tests import factories
from tests.helpers import login, make_user


@pytest.fixture
def two(coordinator, vocabularies):
    incidents = [factories.incident(coordinator, title="Teachers told to vote"), factories.incident(coordinator, title="Nurses threatened")]
    for incident in incidents:
        submit_incident(actor=coordinator, incident=incident)  # a documenter sees others' incidents once submitted
    return incidents


def post(client, references, assignee):
    return client.post("/incidents/bulk/", {"scope": "selected", "action": "assign", "assignee": assignee,
                                            "incidents": references, "filter": ""}, follow=True)


def test_coordinator_assigns_two_incidents_at_once_and_the_member_is_notified(client, coordinator, documenter, two):
    login(client, coordinator)

    response = post(client, [i.reference for i in two], documenter.username)

    assert "2 incidents assigned to documenter." in response.content.decode()
    assert sorted(a.incident.title for a in Assignment.objects.filter(assignee=documenter)) == ["Nurses threatened", "Teachers told to vote"]
    assert Notification.objects.filter(recipient=documenter).count() == 2


def test_one_incident_the_member_cannot_work_on_assigns_nothing(client, coordinator, two):
    restricted = factories.incident(coordinator, title="A restricted one", sensitivity=Incident.Sensitivity.RESTRICTED)
    submit_incident(actor=coordinator, incident=restricted)
    outsider = make_user(Role.DOCUMENTER, "outsider")
    login(client, coordinator)

    response = post(client, [two[0].reference, restricted.reference], outsider.username)

    assert f"Nothing was assigned, because of {restricted.reference} (outsider cannot work on this record.)" in response.content.decode()
    assert Assignment.objects.count() == 0
    assert Notification.objects.count() == 0


def test_assign_is_not_offered_to_a_documenter(client, documenter, coordinator, two):
    login(client, documenter)

    page = client.get("/incidents/").content.decode()
    response = post(client, [two[0].reference], documenter.username)

    assert 'value="assign"' not in page
    assert "Action: Choose one of the actions offered." in response.content.decode()
    assert Assignment.objects.count() == 0


def test_the_list_offers_assign_with_the_members_to_a_coordinator(client, coordinator, documenter, two):
    login(client, coordinator)

    page = client.get("/incidents/").content.decode()

    assert 'value="assign"' in page
    assert '<option value="documenter">documenter</option>' in page
