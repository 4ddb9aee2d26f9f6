import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from svidok.audit.models import AuditEntry
from svidok.incidents.models import Incident, Involvement, Place
from svidok.incidents.services import add_involvement, submit_incident, update_incident, verify_incident
from svidok.people.models import Person
from tests import factories

pytestmark = pytest.mark.django_db
URL = "/api/v1/incidents/"


def verified(documenter, coordinator, **kwargs):
    incident = factories.incident(documenter, **kwargs)
    submit_incident(actor=documenter, incident=incident)
    return verify_incident(actor=coordinator, incident=incident)


def payload(**overrides):
    data = {
        "title": "Nurse dismissed after refusing to vote",
        "type": "dismissal",
        "date_start": "2018-03-20",
        "sensitivity": "internal",
        "legal_tags": ["echr-10", "iccpr-25"],
        "tags": ["Health"],
    }
    return data | overrides


def test_incident_list_anonymous_is_refused(api):
    response = api().get(URL)

    assert response.status_code == 401


def test_incident_list_viewer_sees_only_verified(api, documenter, coordinator, viewer):
    shown = verified(documenter, coordinator, title="Verified one")
    factories.incident(documenter, title="Still a draft")

    response = api(viewer).get(URL)

    assert response.status_code == 200
    assert [row["reference"] for row in response.json()["results"]] == [shown.reference]


def test_incident_list_filters_by_type_and_sorts(api, coordinator):
    factories.incident(coordinator, title="B threat", type_code="threat_of_dismissal", date=dt.date(2018, 3, 1))
    factories.incident(coordinator, title="A dismissal", date=dt.date(2018, 3, 5))
    factories.incident(coordinator, title="C dismissal", date=dt.date(2018, 3, 2))

    response = api(coordinator).get(URL, {"type": "dismissal", "ordering": "title"})

    assert [row["title"] for row in response.json()["results"]] == ["A dismissal", "C dismissal"]
    assert response.json()["count"] == 2


def test_incident_list_malformed_date_filter_is_400(api, coordinator):
    response = api(coordinator).get(URL, {"date_from": "20-03-2018"})

    assert response.status_code == 400
    assert list(response.json()) == ["date_from"]


def test_incident_list_query_count_does_not_grow_with_rows(api, coordinator):
    place = Place.objects.create(code="UA01020010010073418", category="M", name_uk="Бахчисарай", name_latin="Bakhchysarai")
    factories.incident(coordinator, place=place, sensitivity="public")
    client = api(coordinator)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(8):
        factories.incident(coordinator, title=f"Incident {n}", place=place)
    for incident in Incident.objects.all():
        update_incident(actor=coordinator, incident=incident, fields={}, legal_tags=[factories.term("legal_qualification", "echr-10")], tags=["crimea"])

    with CaptureQueriesContext(connection) as many:
        response = client.get(URL)

    assert response.json()["count"] == 9
    assert len(many) == len(few)


def test_incident_detail_shows_involvements_with_pseudonym(api, coordinator, documenter):
    incident = factories.incident(documenter)
    victim = factories.person(documenter, name="Ayshe Seitova", protected=True)
    add_involvement(actor=documenter, incident=incident, role=factories.term("involvement_role", "victim"), person=victim)

    response = api(documenter).get(f"{URL}{incident.reference}/")

    assert response.status_code == 200
    body = response.json()
    assert [(i["role"], i["party_name"]) for i in body["involvements"]] == [("victim", victim.pseudonym)]
    assert "Ayshe" not in response.content.decode()


def test_incident_detail_other_documenters_draft_is_404(api, documenter, other_documenter):
    incident = factories.incident(documenter)

    response = api(other_documenter).get(f"{URL}{incident.reference}/")

    assert response.status_code == 404


def test_incident_detail_unknown_reference_is_404(api, coordinator):
    response = api(coordinator).get(f"{URL}SV-2018-999999/")

    assert response.status_code == 404


def test_create_incident_with_involvements_and_source(api, documenter):
    source = factories.source(documenter, title="QHA report")
    body = payload(
        involvements=[
            {"role": "victim", "person_name": "Ayshe Seitova"},
            {"role": "perpetrator", "organization_name": "School No. 5", "perpetrator_type": "school"},
        ],
        sources=[{"source": str(source.uuid), "note": "names the school"}],
    )

    response = api(documenter).post(URL, body, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["reference"] == "SV-2018-000001"
    assert data["status"] == "draft"
    assert data["legal_tags"] == ["echr-10", "iccpr-25"]
    assert data["tags"] == ["health"]
    assert [(i["role"], i["perpetrator_type"]) for i in data["involvements"]] == [("victim", None), ("perpetrator", "school")]
    assert Person.objects.get().protected is True
    assert [s["note"] for s in data["sources"]] == ["names the school"]
    assert list(AuditEntry.objects.filter(object_id="SV-2018-000001").values_list("action", flat=True)) == [
        "create", "link", "link", "link"]


def test_create_incident_viewer_is_403_and_writes_nothing(api, viewer):
    response = api(viewer).post(URL, payload(), format="json")

    assert response.status_code == 403
    assert Incident.objects.count() == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"type": "no-such-type"}, "type"),
        ({"legal_tags": ["echr-99"]}, "legal_tags"),
        ({"date_start": "2018-02-30"}, "date_start"),
        ({"date_start": "2999-01-01"}, "date_start"),
        ({"date_start": "2018-03-20", "date_end": "2018-03-01"}, "date_end"),
        ({"title": ""}, "title"),
        ({"title": "x" * 301}, "title"),
        ({"narrative": "x" * 100_001}, "narrative"),
        ({"date_start": 20180320}, "date_start"),
        ({"place": "UA00000000000000000"}, "place"),
        ({"sensitivity": "secret"}, "sensitivity"),
        ({"date_precision": "range"}, "date_end"),
    ],
)
def test_create_incident_bad_input_is_400_naming_the_field(api, documenter, override, field):
    response = api(documenter).post(URL, payload(**override), format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert Incident.objects.count() == 0


def test_create_incident_missing_fields_names_each(api, documenter):
    response = api(documenter).post(URL, {}, format="json")

    assert response.status_code == 400
    assert sorted(response.json()) == ["date_start", "title", "type"]


def test_create_incident_bad_nested_involvement_leaves_nothing(api, documenter):
    body = payload(involvements=[
        {"role": "victim", "person_name": "Ayshe Seitova"},
        {"role": "witness", "person_name": "12345"},
    ])

    response = api(documenter).post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == {"involvements": {"1": {"name": ["A name must contain letters."]}}}
    assert (Incident.objects.count(), Person.objects.count(), AuditEntry.objects.filter(actor=documenter).count()) == (0, 0, 0)


def test_create_incident_involvement_with_two_parties_is_400(api, documenter):
    body = payload(involvements=[{"role": "victim", "person_name": "A", "organization_name": "B"}])

    response = api(documenter).post(URL, body, format="json")

    assert response.status_code == 400
    assert response.json() == {"involvements": {"0": {"party": ["Give exactly one of person, organization, person_name, organization_name."]}}}


def test_partial_update_by_owner_changes_title(api, documenter):
    incident = factories.incident(documenter)

    response = api(documenter).patch(f"{URL}{incident.reference}/", {"title": "New title"}, format="json")

    assert response.status_code == 200
    assert Incident.objects.get().title == "New title"
    assert AuditEntry.objects.filter(action="update").get().changes == {"title": ["Teacher dismissed for not voting", "New title"]}


def test_partial_update_by_other_documenter_is_403(api, documenter, other_documenter):
    incident = factories.incident(documenter)
    submit_incident(actor=documenter, incident=incident)

    response = api(other_documenter).patch(f"{URL}{incident.reference}/", {"title": "Hijacked"}, format="json")

    assert response.status_code == 403
    assert Incident.objects.get().title == "Teacher dismissed for not voting"


def test_partial_update_reversed_dates_is_400(api, documenter):
    incident = factories.incident(documenter)

    response = api(documenter).patch(f"{URL}{incident.reference}/", {"date_end": "2018-01-01"}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["date_end"]


def test_workflow_submit_then_verify(api, documenter, coordinator):
    incident = factories.incident(documenter)

    submitted = api(documenter).post(f"{URL}{incident.reference}/submit/")
    verified_response = api(coordinator).post(f"{URL}{incident.reference}/verify/", {"reason": "two sources"}, format="json")

    assert (submitted.status_code, submitted.json()["status"]) == (200, "submitted")
    assert (verified_response.status_code, verified_response.json()["status"]) == (200, "verified")


def test_workflow_documenter_cannot_verify(api, documenter):
    incident = factories.incident(documenter)
    submit_incident(actor=documenter, incident=incident)

    response = api(documenter).post(f"{URL}{incident.reference}/verify/")

    assert response.status_code == 403
    assert Incident.objects.get().status == "submitted"


def test_workflow_recorder_cannot_verify_own_incident_is_400_with_reason(api, coordinator):
    incident = factories.incident(coordinator)
    submit_incident(actor=coordinator, incident=incident)

    response = api(coordinator).post(f"{URL}{incident.reference}/verify/", {"reason": "mine"}, format="json")

    assert (response.status_code, Incident.objects.get().status) == (400, "submitted")
    assert response.json() == {"status": [
        "You recorded this incident, so another coordinator verifies it: a second pair of eyes checks every verified incident."]}


def test_workflow_reject_without_reason_is_400(api, documenter, coordinator):
    incident = factories.incident(documenter)
    submit_incident(actor=documenter, incident=incident)

    response = api(coordinator).post(f"{URL}{incident.reference}/reject/", {}, format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["reason"]


def test_workflow_submit_twice_is_400(api, documenter):
    incident = factories.incident(documenter)
    api(documenter).post(f"{URL}{incident.reference}/submit/")

    response = api(documenter).post(f"{URL}{incident.reference}/submit/")

    assert response.status_code == 400
    assert list(response.json()) == ["status"]


def test_workflow_mark_duplicate_links_original(api, documenter, coordinator):
    original = factories.incident(documenter)
    copy = factories.incident(documenter, date=dt.date(2018, 3, 21))
    submit_incident(actor=documenter, incident=copy)

    response = api(coordinator).post(f"{URL}{copy.reference}/mark-duplicate/", {"duplicate_of": original.reference}, format="json")

    assert response.status_code == 200
    assert (response.json()["status"], response.json()["duplicate_of"]) == ("duplicate", original.reference)


def test_involvement_add_and_remove(api, documenter):
    incident = factories.incident(documenter)
    client = api(documenter)

    added = client.post(f"{URL}{incident.reference}/involvements/", {"role": "perpetrator", "person_name": "Ivan Ivanov"}, format="json")
    listed = client.get(f"{URL}{incident.reference}/involvements/")
    removed = client.delete(f"{URL}{incident.reference}/involvements/{added.json()['uuid']}/")

    assert added.status_code == 201
    assert [i["party_name"] for i in listed.json()] == ["Ivan Ivanov"]
    assert removed.status_code == 204
    assert Involvement.objects.count() == 0


def test_involvement_add_by_viewer_on_visible_incident_is_403(api, documenter, coordinator, viewer):
    incident = verified(documenter, coordinator)

    response = api(viewer).post(f"{URL}{incident.reference}/involvements/", {"role": "perpetrator", "person_name": "Ivan"}, format="json")

    assert response.status_code == 403
    assert Person.objects.count() == 0


def test_involvement_unknown_role_is_400(api, documenter):
    incident = factories.incident(documenter)

    response = api(documenter).post(f"{URL}{incident.reference}/involvements/", {"role": "bystander", "person_name": "Ivan"}, format="json")

    assert response.status_code == 400
    assert response.json() == {"role": ["Unknown involvement_role code 'bystander'."]}
