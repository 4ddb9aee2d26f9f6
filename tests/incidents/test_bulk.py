"""Bulk actions on incidents (issue 13, item 5): verify and tag many at once, all or nothing, each
incident through the same service and audit entry as on its own page; four eyes kept in bulk."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from svidok.audit.models import AuditEntry
from svidok.incidents import bulk
from svidok.incidents.models import Incident
from svidok.incidents.services import submit_incident
from tests import factories
from tests.helpers import make_user, second_lead

pytestmark = pytest.mark.django_db


def _submitted(actor, title, **fields):
    incident = factories.incident(actor, title=title, **fields)
    return submit_incident(actor=actor, incident=incident)


@pytest.fixture
def three(documenter, coordinator):
    """Two incidents a documenter recorded and one the coordinator recorded, all submitted."""
    return [_submitted(documenter, "School director dismissed"), _submitted(documenter, "Nurses threatened"),
            _submitted(coordinator, "Commission member searched")]


def _statuses():
    return dict(Incident.objects.values_list("title", "status"))


def _verify_entries():
    return list(AuditEntry.objects.filter(object_type="incidents.incident", action="status")
                .values_list("object_id", flat=True).order_by("id"))


def test_verification_plan_puts_the_actors_own_incidents_apart(coordinator, three):
    plan = bulk.verification_plan(coordinator, bulk.selected(coordinator, [i.reference for i in three]))

    assert ([i.title for i in plan.verifiable], [i.title for i in plan.recorded_by_you], plan.not_submitted) == (
        ["Nurses threatened", "School director dismissed"], ["Commission member searched"], [])


def test_verification_plan_counts_sources_and_parties(coordinator, documenter, three):
    from svidok.incidents.services import add_involvement, link_source
    first = three[0]
    link_source(actor=coordinator, incident=first, source=factories.source(coordinator))
    add_involvement(actor=coordinator, incident=first, role=factories.term("involvement_role", "perpetrator"),
                    person=factories.person(coordinator, name="Ivan Petrov"))

    chosen = bulk.selected(coordinator, [first.reference])

    assert [(i.source_count, i.party_count) for i in chosen] == [(1, 1)]


def test_bulk_verify_verifies_each_through_the_service_with_its_audit_entry(coordinator, three):
    before = len(_verify_entries())
    verifiable = bulk.verification_plan(coordinator, bulk.selected(coordinator, [i.reference for i in three])).verifiable

    done = bulk.bulk_verify(actor=coordinator, incidents=verifiable, reason="Two sources each")

    assert sorted(i.title for i in done) == ["Nurses threatened", "School director dismissed"]
    assert _statuses() == {"School director dismissed": "verified", "Nurses threatened": "verified",
                           "Commission member searched": "submitted"}
    entries = AuditEntry.objects.filter(object_type="incidents.incident", action="status").order_by("-id")[:2]
    assert sorted(e.object_id for e in entries) == sorted(i.reference for i in three[:2])
    assert [e.changes["second_person"] for e in entries] == [[None, True], [None, True]]
    assert len(_verify_entries()) == before + 2


def test_bulk_verify_with_one_own_incident_verifies_none(coordinator, three):
    before = len(_verify_entries())

    with pytest.raises(ValidationError) as refused:
        bulk.bulk_verify(actor=coordinator, incidents=bulk.selected(coordinator, [i.reference for i in three]))

    assert refused.value.message_dict == {"incidents": [
        f"Nothing was verified: {three[2].reference} cannot be verified by you now."]}
    assert set(_statuses().values()) == {"submitted"}
    assert len(_verify_entries()) == before


def test_bulk_verify_refuses_a_documenter(documenter, three):
    with pytest.raises(PermissionDenied):
        bulk.bulk_verify(actor=documenter, incidents=three[:2])

    assert set(_statuses().values()) == {"submitted"}


def test_bulk_verify_with_four_eyes_off_verifies_the_own_incident_and_says_so(coordinator, three, settings):
    settings.SVIDOK_FOUR_EYES = False

    bulk.bulk_verify(actor=coordinator, incidents=[three[2]])

    entry = AuditEntry.objects.filter(object_type="incidents.incident", action="status").latest("id")
    assert (_statuses()["Commission member searched"], entry.changes["second_person"]) == ("verified", [None, False])


def test_selected_leaves_out_incidents_the_actor_may_not_see(documenter, other_documenter, coordinator):
    draft = factories.incident(coordinator, title="Coordinator's draft")
    own = factories.incident(documenter, title="Own draft")

    chosen = bulk.selected(documenter, [draft.reference, own.reference, "SV-2018-999999"])

    assert [i.title for i in chosen] == ["Own draft"]


def test_selected_refuses_nothing_and_too_many(documenter):
    with pytest.raises(ValidationError) as empty:
        bulk.selected(documenter, [])
    with pytest.raises(ValidationError) as many:
        bulk.selected(documenter, [f"SV-2018-{n:06d}" for n in range(bulk.LIMIT + 1)])

    assert (empty.value.messages, many.value.messages) == (
        ["Select at least one incident."], [f"At most {bulk.LIMIT} incidents at once: narrow the filters."])


def test_bulk_tag_adds_a_tag_to_each_with_an_audit_entry(coordinator, three):
    changed = bulk.bulk_tag(actor=coordinator, incidents=three, tag="  Teachers ")

    assert changed == 3
    assert {i.title: sorted(i.tags.values_list("name", flat=True)) for i in Incident.objects.all()} == {
        "School director dismissed": ["teachers"], "Nurses threatened": ["teachers"], "Commission member searched": ["teachers"]}
    entries = AuditEntry.objects.filter(object_type="incidents.incident", action="update").order_by("-id")[:3]
    assert [e.changes["tags"] for e in entries] == [[[], ["teachers"]]] * 3


def test_bulk_tag_skips_incidents_that_already_have_it_and_removes(coordinator, three):
    bulk.bulk_tag(actor=coordinator, incidents=three[:1], tag="teachers")

    added = bulk.bulk_tag(actor=coordinator, incidents=three, tag="teachers")
    removed = bulk.bulk_tag(actor=coordinator, incidents=three, tag="Teachers", remove=True)

    assert (added, removed) == (2, 3)
    assert list(Incident.objects.filter(tags__isnull=False)) == []


def test_bulk_tag_by_a_documenter_with_one_foreign_incident_changes_none(documenter, three):
    with pytest.raises(ValidationError) as refused:
        bulk.bulk_tag(actor=documenter, incidents=three, tag="teachers")

    assert refused.value.message_dict == {"incidents": [f"Nothing was changed: you may not edit {three[2].reference}."]}
    assert list(Incident.objects.filter(tags__isnull=False)) == []


def test_bulk_tag_refuses_an_empty_or_long_tag(coordinator, three):
    with pytest.raises(ValidationError) as empty:
        bulk.bulk_tag(actor=coordinator, incidents=three, tag="   ")
    with pytest.raises(ValidationError) as long:
        bulk.bulk_tag(actor=coordinator, incidents=three, tag="x" * 61)

    assert (empty.value.message_dict, long.value.message_dict) == (
        {"tag": ["Enter a tag."]}, {"tag": ["Tags are at most 60 characters long."]})


def test_bulk_tag_refuses_a_viewer(three):
    viewer = make_user("viewer")

    with pytest.raises(PermissionDenied):
        bulk.bulk_tag(actor=viewer, incidents=three, tag="teachers")


def test_second_lead_verifies_what_the_first_recorded(coordinator, three):
    other = second_lead()

    bulk.bulk_verify(actor=other, incidents=three)

    assert set(_statuses().values()) == {"verified"}
