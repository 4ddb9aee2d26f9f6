import pytest
from django.utils import translation

from svidok.incidents.models import Incident
from svidok.incidents.services import submit_incident
from tests import factories
from tests.helpers import login, make_user

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
    # No decision from the list: the incident opens on its page, where it is read whole.
    assert f'<a class="button" href="/incidents/{submitted.reference}/#review">Open to review</a>' in body
    assert ("Verify</button>" in body, "Reject</button>" in body, "action=\"/incidents/" in body) == (False, False, False)


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


def test_verify_from_incident_page_returns_to_it(client, coordinator, submitted):
    login(client, coordinator)

    response = client.post(f"/incidents/{submitted.reference}/review/", {"action": "verify"})

    assert (response.status_code, response["Location"]) == (302, f"/incidents/{submitted.reference}/")
    assert _status(submitted) == "verified"


def test_review_page_by_get_opens_the_incident_page(client, coordinator, submitted):
    login(client, coordinator)

    response = client.get(f"/incidents/{submitted.reference}/review/")

    assert (response.status_code, response["Location"]) == (302, f"/incidents/{submitted.reference}/#review")


@pytest.fixture
def own_submitted(coordinator):
    incident = factories.incident(coordinator, title="Recorded by the coordinator", sensitivity="internal")
    return submit_incident(actor=coordinator, incident=incident)


def test_author_cannot_verify_own_incident_sees_why(client, coordinator, own_submitted):
    login(client, coordinator)

    response = client.post(f"/incidents/{own_submitted.reference}/review/", {"action": "verify"})

    assert response.status_code == 400
    assert response.context["verify_form"].non_field_errors() == [
        "You recorded this incident, so another coordinator verifies it: a second pair of eyes checks every verified incident."]
    assert _status(own_submitted) == "submitted"


def test_author_sees_verify_disabled_with_reason_on_incident_page(client, coordinator, own_submitted):
    login(client, coordinator)

    body = client.get(f"/incidents/{own_submitted.reference}/").content.decode()

    ref = own_submitted.reference
    assert (f'<p class="four-eyes" id="verify-refusal-{ref}">You recorded this incident, so another coordinator verifies it: '
            "a second pair of eyes checks every verified incident.</p>") in body
    assert f'<button type="submit" class="primary" disabled aria-describedby="verify-refusal-{ref}">Verify</button>' in body
    # Rejecting or marking as a duplicate approves nothing: the author may still do it.
    assert '<button type="submit" class="danger">Reject</button>' in body


def test_author_may_reject_own_incident(client, coordinator, own_submitted):
    login(client, coordinator)

    client.post(f"/incidents/{own_submitted.reference}/review/", {"action": "reject", f"reject-{own_submitted.reference}-reason": "Wrong date"})

    assert _status(own_submitted) == "rejected"


def test_second_coordinator_verifies_from_incident_page(client, own_submitted):
    second = make_user("coordinator", "coordinator2")
    login(client, second)

    body = client.get(f"/incidents/{own_submitted.reference}/").content.decode()
    response = client.post(f"/incidents/{own_submitted.reference}/review/", {"action": "verify"})

    assert ("four-eyes" in body, '<button type="submit" class="primary">Verify</button>' in body) == (False, True)
    assert response.status_code == 302
    assert _status(own_submitted) == "verified"


def test_queue_tells_author_another_coordinator_verifies(client, coordinator, own_submitted):
    login(client, coordinator)

    body = client.get("/incidents/review/").content.decode()

    assert '<span class="note">You recorded it: another coordinator verifies it.</span>' in body


def test_author_verifies_own_incident_when_four_eyes_is_off(client, coordinator, own_submitted, settings):
    settings.SVIDOK_FOUR_EYES = False
    login(client, coordinator)

    response = client.post(f"/incidents/{own_submitted.reference}/review/", {"action": "verify"})

    assert response.status_code == 302
    assert _status(own_submitted) == "verified"


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


def test_author_reads_why_in_ukrainian(client, coordinator, own_submitted):
    login(client, coordinator)

    try:
        body = client.get(f"/incidents/{own_submitted.reference}/", HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    finally:
        translation.activate("en")  # the locale middleware leaves the request's language active in this thread

    assert ("Ви записали цей інцидент, тож підтверджує його інший координатор: "
            "кожен підтверджений інцидент перевіряє друга пара очей.</p>") in body


def test_verification_history_says_a_second_person_checked_it(client, coordinator, own_submitted):
    second = make_user("coordinator", "coordinator2")
    login(client, second)
    client.post(f"/incidents/{own_submitted.reference}/review/", {"action": "verify"})

    history = client.get(f"/incidents/{own_submitted.reference}/").context["history"]

    entry = history[-1]
    assert [(row.label, row.after) for row in entry.rows if row.label == "Checked by a second person"] == [("Checked by a second person", "yes")]
