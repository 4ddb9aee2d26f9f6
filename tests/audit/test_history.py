"""The change history on record pages: readable labels, and a constant number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svidok.incidents.services import add_involvement, link_source, update_incident
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db


def _rows(response, action):
    entry = next(e for e in response.context["history"] if e.action == action)
    return [(row.label, row.before, row.after) for row in entry.rows]


def test_history_shows_labels_terms_places_and_dashes(client, coordinator, documenter, places):
    incident = factories.incident(documenter, title="Teacher dismissed", place=places["town"])
    update_incident(actor=documenter, incident=incident,
                    fields={"type": factories.term("incident_type", "threat_of_dismissal"), "place": None, "confidence": "high"})
    login(client, coordinator)

    response = client.get(f"/incidents/{incident.reference}/")

    assert _rows(response, "update") == [
        ("Confidence", "medium", "high"),
        ("Place", "Bakhchysarai", "—"),
        ("Type", "Dismissal", "Threat of dismissal"),
    ]
    created = dict((label, after) for label, _before, after in _rows(response, "create"))
    assert (created["Type"], created["Place"], created["Status"], created["Date precision"]) == (
        "Dismissal", "Bakhchysarai", "draft", "exact day")
    assert "Place details" not in created


def test_history_in_ukrainian_uses_ukrainian_labels(client, coordinator, documenter, places):
    incident = factories.incident(documenter, title="Teacher dismissed", place=places["town"])
    login(client, coordinator)
    client.post("/i18n/setlang/", {"language": "uk", "next": "/"})

    response = client.get(f"/incidents/{incident.reference}/")

    created = dict((label, after) for label, _before, after in _rows(response, "create"))
    assert (created["Тип"], created["Місце"]) == ("Звільнення", "Бахчисарай")


def test_history_shows_involvement_with_role_label(client, coordinator, documenter):
    incident = factories.incident(documenter)
    add_involvement(actor=documenter, incident=incident, organization=factories.organization(documenter),
                    role=factories.term("involvement_role", "perpetrator"),
                    perpetrator_type=factories.term("perpetrator_type", "election_commission"), details="organised the vote")
    login(client, coordinator)

    response = client.get(f"/incidents/{incident.reference}/")

    assert _rows(response, "link") == [
        ("Involved", None, "Election Commission of the Republic of Crimea — Perpetrator (Election commission): organised the vote"),
    ]


def _incident_with(coordinator, count):
    incident = factories.incident(coordinator, title=f"Incident with {count}")
    for n in range(count):
        add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "victim"),
                        person=factories.person(coordinator, name=f"Victim Number {n}", protected=True))
        add_involvement(actor=coordinator, incident=incident, role=factories.term("involvement_role", "perpetrator"),
                        organization=factories.organization(coordinator, name=f"Commission {n}"),
                        perpetrator_type=factories.term("perpetrator_type", "election_commission"))
        link_source(actor=coordinator, incident=incident, source=factories.source(coordinator, title=f"Report {n}"))
    return incident


def _queries(client, incident) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/incidents/{incident.reference}/")
    assert response.status_code == 200
    return len(queries)


def test_incident_page_queries_do_not_grow_with_involvements_sources_and_history(client, coordinator):
    small = _incident_with(coordinator, 1)
    large = _incident_with(coordinator, 20)
    login(client, coordinator)
    _queries(client, small)  # the first request of a session loads the session and the user once more

    assert _queries(client, small) == _queries(client, large)
