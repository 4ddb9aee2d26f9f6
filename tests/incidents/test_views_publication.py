"""Publication on the incident page, the list's bulk actions and its filter (issue 14, item 4)."""

import pytest
from django.contrib.messages import get_messages

from svidok.audit.models import AuditEntry
from svidok.incidents import publication
from svidok.incidents.models import Incident
from svidok.incidents.services import submit_incident, verify_incident
from tests import factories
from tests.helpers import login, second_lead

pytestmark = pytest.mark.django_db


def verified(actor, title="Teacher dismissed", sensitivity="public"):
    incident = factories.incident(actor, title=title, sensitivity=sensitivity)
    submit_incident(actor=actor, incident=incident)
    return verify_incident(actor=second_lead(), incident=incident)


def said(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def published(*incidents):
    return [Incident.objects.get(pk=i.pk).published_at is not None for i in incidents]


# --- the incident page ------------------------------------------------------------------------------


def test_coordinator_publishes_from_the_incident_page(client, coordinator):
    incident = verified(coordinator)
    login(client, coordinator)
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert ("Not on the public site." in page, f'action="/incidents/{incident.reference}/publish/"' in page) == (True, True)

    response = client.post(f"/incidents/{incident.reference}/publish/")

    assert (response.status_code, response["Location"]) == (302, f"/incidents/{incident.reference}/#publication")
    assert said(response) == [f"Incident {incident.reference} is on the public site."]
    assert published(incident) == [True]
    page = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert ("On the public site since" in page, "Withdraw from the public site" in page) == (True, True)


def test_the_page_says_why_an_incident_cannot_be_published(client, coordinator):
    incident = verified(coordinator, sensitivity="internal")
    login(client, coordinator)

    page = client.get(f"/incidents/{incident.reference}/").content.decode()

    assert "Only an incident whose sensitivity is public can be published: this one is internal." in page
    assert "/publish/" not in page
    response = client.post(f"/incidents/{incident.reference}/publish/")
    assert (said(response), published(incident)) == (
        ["Only an incident whose sensitivity is public can be published: this one is internal."], [False])


@pytest.mark.parametrize("role", ["documenter", "analyst", "viewer"])
def test_other_roles_see_the_state_but_no_button_and_are_refused(request, client, coordinator, role):
    incident = verified(coordinator)
    publication.publish(coordinator, incident)
    user = request.getfixturevalue(role)
    login(client, user)

    page = client.get(f"/incidents/{incident.reference}/").content.decode()

    assert ("On the public site since" in page, "Withdraw from the public site" in page) == (True, False)
    assert client.post(f"/incidents/{incident.reference}/withdraw-publication/", {"reason": "x"}).status_code == 403
    assert client.post(f"/incidents/{incident.reference}/publish/").status_code == 403
    assert published(incident) == [True]


def test_a_stranger_gets_404_and_a_visitor_the_sign_in_page(client, coordinator, viewer):
    incident = factories.incident(coordinator, title="Draft", sensitivity="public")

    assert client.post(f"/incidents/{incident.reference}/publish/").status_code == 302  # to the sign-in page
    login(client, viewer)
    assert client.post(f"/incidents/{incident.reference}/publish/").status_code == 404
    assert client.get(f"/incidents/{incident.reference}/publish/").status_code == 405


def test_withdraw_from_the_page_needs_a_reason(client, coordinator):
    incident = verified(coordinator)
    publication.publish(coordinator, incident)
    login(client, coordinator)

    refused = client.post(f"/incidents/{incident.reference}/withdraw-publication/", {"reason": " "}, follow=True)
    assert (said(refused), published(incident)) == (["Say why the incident is withdrawn from the public site."], [True])
    done = client.post(f"/incidents/{incident.reference}/withdraw-publication/", {"reason": "Court order"})

    assert said(done) == [f"Incident {incident.reference} was withdrawn from the public site."]
    assert published(incident) == [False]
    entry = AuditEntry.objects.get(object_id=incident.reference, action="unpublish")
    assert entry.changes["withdrawal_reason"] == "Court order"
    history = client.get(f"/incidents/{incident.reference}/").content.decode()
    assert ("withdrawn from the public site" in history, "Why it was withdrawn from the public site" in history) == (True, True)
    assert "unpublish" not in history and "withdrawal_reason" not in history


# --- the list: bulk actions and the filter ----------------------------------------------------------


def bulk(client, action, incidents, **extra):
    # Followed: the list page shows (and so uses up) the messages of this action.
    return client.post("/incidents/bulk/", {"action": action, "scope": "selected",
                                            "incidents": [i.reference for i in incidents], **extra}, follow=True)


def test_bulk_publish_is_offered_to_leads_only(client, coordinator, documenter):
    verified(coordinator)
    login(client, coordinator)
    assert 'value="publish"' in client.get("/incidents/").content.decode()
    login(client, documenter)
    assert 'value="publish"' not in client.get("/incidents/").content.decode()


def test_bulk_publish_publishes_all_or_nothing(client, coordinator):
    one, two = verified(coordinator, "One"), verified(coordinator, "Two")
    internal = verified(coordinator, "Internal", sensitivity="internal")
    login(client, coordinator)

    refused = bulk(client, "publish", [one, two, internal])
    assert said(refused) == [f"Nothing was published, because of {internal.reference} (Only an incident whose sensitivity "
                             "is public can be published: this one is internal.). Leave it out and apply the action again."]
    assert published(one, two, internal) == [False, False, False]
    done = bulk(client, "publish", [one, two])

    assert (done.redirect_chain, said(done)) == ([("/incidents/", 302)], ["2 incidents published on the public site."])
    assert published(one, two) == [True, True]
    assert AuditEntry.objects.filter(action="publish").count() == 2


def test_bulk_withdraw_asks_for_a_reason_then_withdraws(client, coordinator):
    one, two, never = verified(coordinator, "One"), verified(coordinator, "Two"), verified(coordinator, "Never")
    publication.publish_many(coordinator, [one, two])
    login(client, coordinator)

    page = bulk(client, "unpublish", [one, two, never])
    html = page.content.decode()
    assert (page.status_code, html.count('type="hidden" name="incidents"')) == (200, 2)
    assert never.reference not in html
    missing = client.post("/incidents/bulk/withdraw-publication/", {"incidents": [one.reference, two.reference], "reason": ""})
    assert (missing.status_code, published(one, two)) == (400, [True, True])
    done = client.post("/incidents/bulk/withdraw-publication/", {"incidents": [one.reference, two.reference],
                                                                  "reason": "Court order"})

    assert said(done) == ["2 incidents withdrawn from the public site."]
    assert published(one, two) == [False, False]


def test_bulk_withdraw_is_refused_to_other_roles(client, coordinator, documenter):
    incident = verified(coordinator)
    publication.publish(coordinator, incident)
    login(client, documenter)

    response = client.post("/incidents/bulk/withdraw-publication/", {"incidents": [incident.reference], "reason": "x"})

    assert (response.status_code, published(incident)) == (403, [True])


def test_list_filter_published_on_the_public_site(client, coordinator):
    shown, hidden = verified(coordinator, "Shown qzx"), verified(coordinator, "Hidden qzx")
    publication.publish(coordinator, shown)
    login(client, coordinator)

    yes = client.get("/incidents/", {"published": "yes"}).content.decode()
    no = client.get("/incidents/", {"published": "no"}).content.decode()
    bad = client.get("/incidents/", {"published": "maybe"})

    assert (shown.reference in yes, hidden.reference in yes) == (True, False)
    assert (shown.reference in no, hidden.reference in no) == (False, True)
    assert bad.status_code == 400
    assert 'name="published"' in yes


def test_api_filter_published(api, coordinator):
    shown, hidden = verified(coordinator, "Shown"), verified(coordinator, "Hidden")
    publication.publish(coordinator, shown)

    answer = api(coordinator).get("/api/v1/incidents/", {"published": "yes"}).json()

    assert [i["reference"] for i in answer["results"]] == [shown.reference]
    assert hidden.reference not in str(answer)
