"""Publishing incidents on the public site and withdrawing them (issue 14, item 4): leads only,
verified public incidents only, each step audited."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from svidok.audit.models import AuditEntry
from svidok.incidents import publication
from svidok.incidents.services import reopen_incident, submit_incident, update_incident, verify_incident
from tests import factories
from tests.helpers import second_lead

pytestmark = pytest.mark.django_db


def verified(coordinator, *, title="Teacher dismissed", sensitivity="public"):
    incident = factories.incident(coordinator, title=title, sensitivity=sensitivity)
    submit_incident(actor=coordinator, incident=incident)
    return verify_incident(actor=second_lead(), incident=incident)


def entries(incident, action):
    return list(AuditEntry.objects.filter(object_type="incidents.incident", object_id=incident.reference, action=action)
                .values_list("actor__username", "changes"))


def test_publish_by_a_coordinator_is_recorded_and_audited(coordinator):
    incident = verified(coordinator)

    published = publication.publish(coordinator, incident)

    incident.refresh_from_db()
    today = timezone.localdate().isoformat()
    assert (incident.published_by, incident.published_at is not None, published.pk) == (coordinator, True, incident.pk)
    assert publication.is_on_public_site(incident) is True
    assert entries(incident, "publish") == [(coordinator.username, {"published_at": [None, today]})]


def test_admin_may_publish(coordinator, admin_user):
    incident = verified(coordinator)

    publication.publish(admin_user, incident)

    assert entries(incident, "publish")[0][0] == admin_user.username


@pytest.mark.parametrize("role", ["documenter", "analyst", "viewer"])
def test_other_roles_may_not_publish_or_withdraw(request, coordinator, role):
    incident = verified(coordinator)
    publication.publish(coordinator, incident)
    other = factories.incident(coordinator, title="Other")
    user = request.getfixturevalue(role)

    with pytest.raises(PermissionDenied):
        publication.publish(user, other)
    with pytest.raises(PermissionDenied):
        publication.withdraw(user, incident, "no")
    with pytest.raises(PermissionDenied):
        publication.publish(None, other)
    incident.refresh_from_db()
    assert (incident.published_at is not None, entries(incident, "unpublish")) == (True, [])


@pytest.mark.parametrize(("status", "sensitivity", "message"), [
    ("draft", "public", "Only a verified incident can be published: this one is draft."),
    ("submitted", "public", "Only a verified incident can be published: this one is submitted."),
    ("verified", "internal", "Only an incident whose sensitivity is public can be published: this one is internal."),
    ("verified", "restricted", "Only an incident whose sensitivity is public can be published: this one is restricted."),
    ("draft", "restricted", "Only a verified incident whose sensitivity is public can be published: this one is draft "
                            "and restricted."),
])
def test_only_verified_public_incidents_can_be_published(coordinator, status, sensitivity, message):
    if status == "verified":
        incident = verified(coordinator, sensitivity=sensitivity)
    else:
        incident = factories.incident(coordinator, title="Not yet", sensitivity=sensitivity)
        if status == "submitted":
            submit_incident(actor=coordinator, incident=incident)

    with pytest.raises(ValidationError) as caught:
        publication.publish(coordinator, incident)

    assert caught.value.message_dict == {"published_at": [message]}
    incident.refresh_from_db()
    assert (incident.published_at, entries(incident, "publish")) == (None, [])


def test_refusal_is_in_the_readers_language(coordinator, settings):
    incident = factories.incident(coordinator, title="Draft")
    from django.utils import translation

    with translation.override("uk"), pytest.raises(ValidationError) as caught:
        publication.publish(coordinator, incident)

    assert "Only" not in caught.value.messages[0] and "чернетка" in caught.value.messages[0]


def test_publishing_twice_is_refused(coordinator):
    incident = verified(coordinator)
    publication.publish(coordinator, incident)

    with pytest.raises(ValidationError) as caught:
        publication.publish(coordinator, incident)

    assert caught.value.message_dict == {"published_at": ["This incident is already on the public site."]}
    assert len(entries(incident, "publish")) == 1


def test_withdraw_needs_a_reason_and_is_audited(coordinator):
    incident = verified(coordinator)
    publication.publish(coordinator, incident)
    day = timezone.localdate().isoformat()

    with pytest.raises(ValidationError) as caught:
        publication.withdraw(coordinator, incident, "   ")
    assert caught.value.message_dict == {"reason": ["Say why the incident is withdrawn from the public site."]}
    publication.withdraw(coordinator, incident, "  The victim  asked us to ")

    incident.refresh_from_db()
    assert (incident.published_at, incident.published_by) == (None, None)
    assert entries(incident, "unpublish") == [
        (coordinator.username, {"published_at": [day, None], "withdrawal_reason": "The victim asked us to"})]


def test_withdrawing_what_is_not_published_is_refused(coordinator):
    incident = verified(coordinator)

    with pytest.raises(ValidationError) as caught:
        publication.withdraw(coordinator, incident, "why")

    assert caught.value.message_dict == {"published_at": ["This incident is not on the public site."]}


def test_a_reopened_incident_leaves_the_site_and_needs_a_new_decision(coordinator):
    incident = verified(coordinator)
    publication.publish(coordinator, incident)
    day = timezone.localdate().isoformat()

    reopen_incident(actor=coordinator, incident=incident, reason="new facts")
    verify_incident(actor=second_lead(), incident=incident)

    incident.refresh_from_db()
    assert (incident.published_at, publication.is_on_public_site(incident)) == (None, False)
    [reopened] = AuditEntry.objects.filter(object_id=incident.reference, action="status", changes__status=["verified", "submitted"])
    assert reopened.changes["published_at"] == [day, None]


def test_an_incident_made_internal_leaves_the_site_and_needs_a_new_decision(coordinator):
    incident = verified(coordinator)
    publication.publish(coordinator, incident)

    update_incident(actor=coordinator, incident=incident, fields={"sensitivity": "internal"})
    update_incident(actor=coordinator, incident=incident, fields={"sensitivity": "public"})

    incident.refresh_from_db()
    assert (incident.published_at, incident.published_by) == (None, None)
    [entry] = AuditEntry.objects.filter(object_id=incident.reference, action="update", changes__sensitivity=["public", "internal"])
    assert entry.changes["published_at"] == [timezone.localdate().isoformat(), None]


def test_publish_many_is_all_or_nothing(coordinator):
    good = verified(coordinator, title="Good")
    also = verified(coordinator, title="Also good")
    bad = verified(coordinator, title="Internal", sensitivity="internal")

    with pytest.raises(ValidationError) as caught:
        publication.publish_many(coordinator, [good, bad, also])

    assert caught.value.messages == [
        f"Nothing was published, because of {bad.reference} (Only an incident whose sensitivity is public can be "
        "published: this one is internal.). Leave it out and apply the action again."]
    for incident in (good, also):
        incident.refresh_from_db()
        assert (incident.published_at, entries(incident, "publish")) == (None, [])
    assert [i.reference for i in publication.publish_many(coordinator, [good, also])] == [good.reference, also.reference]
    assert [len(entries(i, "publish")) for i in (good, also)] == [1, 1]


def test_withdraw_many_skips_the_unpublished_and_audits_each(coordinator):
    one, two, never = verified(coordinator, title="One"), verified(coordinator, title="Two"), verified(coordinator, title="Never")
    publication.publish_many(coordinator, [one, two])

    done = publication.withdraw_many(coordinator, [one, two, never], "Court order")

    assert sorted(i.reference for i in done) == sorted([one.reference, two.reference])
    assert [entries(i, "unpublish")[0][1]["withdrawal_reason"] for i in (one, two)] == ["Court order", "Court order"]
    with pytest.raises(ValidationError):
        publication.withdraw_many(coordinator, [never], "Court order")
