import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from svidok.audit.models import AuditEntry
from svidok.incidents.models import Incident
from svidok.incidents.services import (
    add_involvement,
    mark_duplicate,
    reject_incident,
    submit_incident,
    verify_incident,
)
from tests import factories

pytestmark = pytest.mark.django_db


def test_record_incident_assigns_reference_by_year(documenter):
    first = factories.incident(documenter)
    second = factories.incident(documenter, date=dt.date(2018, 3, 21))
    other_year = factories.incident(documenter, date=dt.date(2016, 9, 18))

    assert (first.reference, second.reference, other_year.reference) == ("SV-2018-000001", "SV-2018-000002", "SV-2016-000001")


def test_record_incident_writes_one_audit_entry_in_same_transaction(documenter):
    incident = factories.incident(documenter)

    entries = list(AuditEntry.objects.filter(object_id=incident.reference))
    assert [(e.action, e.actor_label) for e in entries] == [("create", "documenter")]
    assert entries[0].changes["title"] == [None, "Teacher dismissed for not voting"]


def test_record_incident_rejects_future_and_reversed_dates_without_writing(documenter):
    with pytest.raises(ValidationError) as caught:
        factories.incident(documenter, date=dt.date(2018, 3, 20), date_end=dt.date(2018, 3, 1))

    assert list(caught.value.message_dict) == ["date_end"]
    assert Incident.objects.count() == 0
    assert AuditEntry.objects.filter(object_type="incidents.incident").count() == 0


def test_record_incident_refused_to_viewer(viewer):
    with pytest.raises(PermissionDenied):
        factories.incident(viewer)


def test_workflow_submit_verify(documenter, coordinator):
    incident = factories.incident(documenter)

    submit_incident(actor=documenter, incident=incident)
    verify_incident(actor=coordinator, incident=incident)

    incident.refresh_from_db()
    assert incident.status == "verified"
    assert [e.changes["status"] for e in AuditEntry.objects.filter(action="status")] == [["draft", "submitted"], ["submitted", "verified"]]


def test_documenter_cannot_verify(documenter):
    incident = factories.incident(documenter)
    submit_incident(actor=documenter, incident=incident)

    with pytest.raises(PermissionDenied):
        verify_incident(actor=documenter, incident=incident)


FOUR_EYES = "You recorded this incident, so another coordinator verifies it: a second pair of eyes checks every verified incident."


def test_recorder_cannot_verify_own_incident(coordinator):
    incident = factories.incident(coordinator)
    submit_incident(actor=coordinator, incident=incident)

    with pytest.raises(ValidationError) as caught:
        verify_incident(actor=coordinator, incident=incident)

    incident.refresh_from_db()
    assert caught.value.message_dict == {"status": [FOUR_EYES]}
    assert (incident.status, AuditEntry.objects.filter(action="status").count()) == ("submitted", 1)


def test_second_lead_verifies_and_the_audit_says_so(coordinator, admin_user):
    incident = factories.incident(coordinator)
    submit_incident(actor=coordinator, incident=incident)

    verify_incident(actor=admin_user, incident=incident, reason="Matches the source.")

    entry = AuditEntry.objects.filter(action="status").latest("id")
    assert (entry.actor_id, entry.changes["status"], entry.changes["second_person"]) == (admin_user.pk, ["submitted", "verified"], [None, True])


def test_recorder_verifies_when_four_eyes_is_off_and_the_audit_says_so(coordinator, settings):
    settings.SVIDOK_FOUR_EYES = False
    incident = factories.incident(coordinator)
    submit_incident(actor=coordinator, incident=incident)

    verify_incident(actor=coordinator, incident=incident)

    incident.refresh_from_db()
    entry = AuditEntry.objects.filter(action="status").latest("id")
    assert (incident.status, entry.changes["second_person"]) == ("verified", [None, False])


def test_recorder_may_still_reject_or_mark_duplicate(coordinator, documenter):
    own = factories.incident(coordinator, title="Own report")
    original = factories.incident(documenter, title="Earlier report")
    submit_incident(actor=coordinator, incident=own)

    mark_duplicate(actor=coordinator, incident=own, original=original)

    own.refresh_from_db()
    assert own.status == "duplicate"


def test_reject_needs_reason(documenter, coordinator):
    incident = factories.incident(documenter)
    submit_incident(actor=documenter, incident=incident)

    with pytest.raises(ValidationError) as caught:
        reject_incident(actor=coordinator, incident=incident, reason="  ")

    assert list(caught.value.message_dict) == ["reason"]


def test_mark_duplicate_links_and_keeps_both(documenter, coordinator):
    original = factories.incident(documenter)
    copy = factories.incident(documenter)
    submit_incident(actor=documenter, incident=copy)

    mark_duplicate(actor=coordinator, incident=copy, original=original, reason="same event, second report")

    copy.refresh_from_db()
    assert (copy.status, copy.duplicate_of_id, Incident.objects.count()) == ("duplicate", original.pk, 2)


def test_add_involvement_of_protected_victim_audits_pseudonym_only(documenter):
    incident = factories.incident(documenter)
    victim = factories.person(documenter, name="Ayshe Seitova", protected=True)

    add_involvement(actor=documenter, incident=incident, person=victim, role=factories.term("involvement_role", "victim"))

    payloads = "".join(AuditEntry.objects.values_list("payload", flat=True))
    assert "Seitova" not in payloads
    assert victim.pseudonym in payloads
