import pytest

from svidok.incidents.models import Incident
from svidok.incidents.services import submit_incident
from tests import factories
from tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(documenter, draft):
    return submit_incident(actor=documenter, incident=draft)


def _status(incident):
    incident.refresh_from_db()
    return incident.status


def test_submit_own_draft(client, documenter, draft):
    login(client, documenter)

    response = client.post(f"/incidents/{draft.reference}/submit/")

    assert (response.status_code, response["Location"]) == (302, f"/incidents/{draft.reference}/")
    assert _status(draft) == "submitted"


def test_submit_twice_shows_error_not_500(client, documenter, submitted):
    login(client, documenter)

    response = client.post(f"/incidents/{submitted.reference}/submit/", follow=True)

    assert response.status_code == 200
    assert "Only a draft can be submitted; this incident is submitted." in response.content.decode()


def test_submit_by_get_is_not_allowed(client, documenter, draft):
    login(client, documenter)

    assert client.get(f"/incidents/{draft.reference}/submit/").status_code == 405
    assert _status(draft) == "draft"


def test_submit_others_visible_incident_is_403(client, other_documenter, coordinator, documenter):
    incident = factories.incident(coordinator, title="Coordinator's draft", sensitivity="public")
    submit_incident(actor=coordinator, incident=incident)
    login(client, other_documenter)

    assert client.post(f"/incidents/{incident.reference}/submit/").status_code == 403


def test_queue_lists_submitted_for_coordinator(client, coordinator, submitted, verified):
    login(client, coordinator)

    response = client.get("/incidents/review/")

    body = response.content.decode()
    assert response.status_code == 200
    assert [item["incident"].reference for item in response.context["items"]] == [submitted.reference]
    assert ">Verify</button>" in body and ">Reject</button>" in body and ">Mark as duplicate</button>" in body


def test_queue_refused_to_documenter_and_viewer(client, documenter, viewer):
    login(client, documenter)
    assert client.get("/incidents/review/").status_code == 403
    login(client, viewer)
    assert client.get("/incidents/review/").status_code == 403


def test_queue_link_shown_only_to_reviewers(client, coordinator, documenter):
    login(client, documenter)
    assert 'href="/incidents/review/"' not in client.get("/").content.decode()
    login(client, coordinator)
    assert 'href="/incidents/review/"' in client.get("/").content.decode()


def test_verify_from_queue(client, coordinator, submitted):
    login(client, coordinator)

    response = client.post(f"/incidents/{submitted.reference}/review/", {"action": "verify", "next": "queue"})

    assert (response.status_code, response["Location"]) == (302, "/incidents/review/")
    assert _status(submitted) == "verified"


def test_reject_without_reason_is_400_and_unchanged(client, coordinator, submitted):
    login(client, coordinator)

    response = client.post(f"/incidents/{submitted.reference}/review/", {"action": "reject", f"reject-{submitted.reference}-reason": ""})

    assert response.status_code == 400
    assert response.context["reject_form"].errors == {"reason": ["This field is required."]}
    assert _status(submitted) == "submitted"


def test_reject_with_reason(client, coordinator, submitted):
    login(client, coordinator)

    client.post(f"/incidents/{submitted.reference}/review/", {"action": "reject", f"reject-{submitted.reference}-reason": "No source"})

    submitted.refresh_from_db()
    assert (submitted.status, submitted.status_reason) == ("rejected", "No source")


def test_mark_duplicate_by_reference(client, coordinator, submitted, verified):
    login(client, coordinator)

    response = client.post(f"/incidents/{submitted.reference}/review/", {
        "action": "duplicate", f"duplicate-{submitted.reference}-original": verified.reference.lower(),
        f"duplicate-{submitted.reference}-reason": "same dismissal"})

    submitted.refresh_from_db()
    assert response.status_code == 302
    assert (submitted.status, submitted.duplicate_of, submitted.status_reason) == ("duplicate", verified, "same dismissal")


def test_mark_duplicate_of_unknown_reference_is_400(client, coordinator, submitted):
    login(client, coordinator)

    response = client.post(f"/incidents/{submitted.reference}/review/", {
        "action": "duplicate", f"duplicate-{submitted.reference}-original": "SV-2018-999999"})

    assert response.status_code == 400
    assert response.context["duplicate_form"].errors == {"original": ["No incident has this reference."]}
    assert _status(submitted) == "submitted"


def test_mark_duplicate_of_itself_is_400(client, coordinator, submitted):
    login(client, coordinator)

    response = client.post(f"/incidents/{submitted.reference}/review/", {
        "action": "duplicate", f"duplicate-{submitted.reference}-original": submitted.reference})

    assert response.status_code == 400
    assert response.context["duplicate_form"].errors == {"original": ["An incident cannot duplicate itself."]}


def test_review_refused_to_documenter(client, documenter, submitted):
    login(client, documenter)

    response = client.post(f"/incidents/{submitted.reference}/review/", {"action": "verify"})

    assert response.status_code == 403
    assert _status(submitted) == "submitted"


def test_review_of_verified_incident_is_400(client, coordinator, verified):
    login(client, coordinator)

    response = client.post(f"/incidents/{verified.reference}/review/", {"action": "verify"})

    assert response.status_code == 400
    assert Incident.objects.get(pk=verified.pk).status == "verified"


def test_review_forms_on_incident_page_for_coordinator(client, coordinator, submitted):
    login(client, coordinator)

    body = client.get(f"/incidents/{submitted.reference}/").content.decode()

    assert ">Verify</button>" in body
    assert f'<label for="id_reject-{submitted.reference}-reason">Reason for rejection' in body
