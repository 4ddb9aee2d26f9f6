"""Assignment, comments with mentions, notifications and saved searches: the use cases."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from svidok.accounts.models import Role
from svidok.audit.models import AuditEntry
from svidok.incidents.services import reject_incident, reopen_incident, submit_incident, verify_incident
from svidok.sanctions.services import create_proposal
from svidok.work import services
from svidok.work.models import Assignment, Notification, SavedSearch
from tests import factories
from tests.helpers import make_user, second_lead


@pytest.fixture
def submitted(documenter):
    incident = factories.incident(documenter, title="Teachers told to bring voters", sensitivity="internal")
    return submit_incident(actor=documenter, incident=incident)


def kinds(user) -> list[tuple[str, str]]:
    return [(n.kind, n.actor.username if n.actor else "") for n in Notification.objects.filter(recipient=user).order_by("id")]


def test_coordinator_assigns_incident_to_documenter_audited_and_notified(coordinator, documenter, submitted):
    assignment = services.assign(actor=coordinator, record=submitted, assignee=documenter)

    assert (assignment.incident, assignment.assignee, assignment.assigned_by) == (submitted, documenter, coordinator)
    entry = AuditEntry.objects.filter(action="assign").get()
    assert (entry.object_type, entry.object_id, entry.changes) == ("incidents.incident", submitted.reference,
                                                                    {"assignee": [None, "documenter"]})
    assert kinds(documenter) == [("assigned", "coordinator")]


def test_reassigning_replaces_the_assignee_and_unassigning_removes_it(coordinator, documenter, other_documenter, submitted):
    services.assign(actor=coordinator, record=submitted, assignee=documenter)
    services.assign(actor=coordinator, record=submitted, assignee=other_documenter)
    services.assign(actor=coordinator, record=submitted, assignee=None)

    assert Assignment.objects.count() == 0
    assert [e.changes["assignee"] for e in AuditEntry.objects.filter(action="assign").order_by("id")] == [
        [None, "documenter"], ["documenter", "documenter2"], ["documenter2", None]]


def test_assigning_the_same_assignee_again_changes_nothing(coordinator, documenter, submitted):
    services.assign(actor=coordinator, record=submitted, assignee=documenter)
    services.assign(actor=coordinator, record=submitted, assignee=documenter)

    assert AuditEntry.objects.filter(action="assign").count() == 1
    assert Notification.objects.count() == 1


def test_documenter_may_take_an_incident_for_themselves_but_not_give_it_to_another(documenter, other_documenter, submitted):
    services.assign(actor=other_documenter, record=submitted, assignee=other_documenter)

    with pytest.raises(PermissionDenied):
        services.assign(actor=other_documenter, record=submitted, assignee=documenter)
    with pytest.raises(PermissionDenied):
        services.assign(actor=documenter, record=submitted, assignee=documenter)  # taken by a colleague already
    with pytest.raises(PermissionDenied):
        services.assign(actor=documenter, record=submitted, assignee=None)  # only one's own is given up
    assert Assignment.objects.get().assignee == other_documenter
    assert Notification.objects.count() == 0  # taking it oneself notifies nobody


def test_analyst_and_viewer_cannot_be_assigned_nor_take(coordinator, analyst, viewer, verified):
    for user in (analyst, viewer):
        with pytest.raises(ValidationError) as error:
            services.assign(actor=coordinator, record=verified, assignee=user)
        assert error.value.message_dict == {"assignee": [f"{user.username} cannot work on this record."]}
        with pytest.raises(PermissionDenied):
            services.assign(actor=user, record=verified, assignee=user)


def test_restricted_incident_cannot_be_assigned_to_a_documenter_who_cannot_see_it(coordinator, documenter):
    restricted = factories.incident(coordinator, title="Names a witness", sensitivity="restricted")

    assert [u.username for u in services.candidates(restricted)] == ["coordinator"]
    with pytest.raises(ValidationError):
        services.assign(actor=coordinator, record=restricted, assignee=documenter)


def test_inactive_member_cannot_be_assigned(coordinator, documenter, submitted):
    documenter.is_active = False
    documenter.save()

    with pytest.raises(ValidationError):
        services.assign(actor=coordinator, record=submitted, assignee=documenter)


def test_proposal_assigned_to_a_documenter(coordinator, documenter):
    proposal = create_proposal(actor=coordinator, title="Commission chairs 2024")

    services.assign(actor=coordinator, record=proposal, assignee=documenter)

    assert Assignment.objects.get().proposal == proposal
    assert kinds(documenter) == [("assigned", "coordinator")]


def test_comment_mentions_notify_readers_and_report_the_others(coordinator, documenter, viewer, draft):
    # The draft is the documenter's: the viewer cannot read it, and "nobody" does not exist.
    comment, missed = services.add_comment(actor=coordinator, record=draft,
                                           body="@documenter please add a source. @viewer, @nobody: fyi. Mail a@documenter.org")

    assert missed == ["viewer", "nobody"]
    assert list(comment.mentioned.all()) == [documenter]
    assert kinds(documenter) == [("mentioned", "coordinator")]
    assert kinds(viewer) == []
    entry = AuditEntry.objects.get(object_type="work.comment")
    assert (entry.action, entry.changes["incident"], entry.changes["mentioned"]) == ("create", draft.reference, ["documenter"])


def test_comment_notifies_the_assignee_once_and_never_the_author(coordinator, documenter, submitted):
    services.assign(actor=coordinator, record=submitted, assignee=documenter)
    services.add_comment(actor=coordinator, record=submitted, body="Looks fine, one more source?")
    services.add_comment(actor=coordinator, record=submitted, body="@documenter ping")
    services.add_comment(actor=documenter, record=submitted, body="@documenter note to self")

    assert kinds(documenter) == [("assigned", "coordinator"), ("commented", "coordinator"), ("mentioned", "coordinator")]
    assert kinds(coordinator) == []


def test_comment_refused_on_a_record_the_author_cannot_see(viewer, draft):
    with pytest.raises(PermissionDenied):
        services.add_comment(actor=viewer, record=draft, body="hello")


def test_empty_comment_refused(coordinator, draft):
    with pytest.raises(ValidationError) as error:
        services.add_comment(actor=coordinator, record=draft, body="   ")
    assert error.value.message_dict == {"body": ["Write a comment first."]}


def test_mentions_in_reads_usernames_not_mail_addresses():
    assert services.mentions_in("@anna, @Bob. and @anna again; me@example.org @ana.k.") == ["anna", "Bob", "ana.k"]


def test_recorder_notified_when_verified_rejected_and_reopened_by_others(coordinator, documenter):
    lead2 = second_lead()
    first = submit_incident(actor=documenter, incident=factories.incident(documenter, title="One"))
    second = submit_incident(actor=documenter, incident=factories.incident(documenter, title="Two"))
    verify_incident(actor=coordinator, incident=first)
    reject_incident(actor=lead2, incident=second, reason="One source only")
    reopen_incident(actor=coordinator, incident=second)

    assert [(n.kind, n.status, n.incident.title) for n in Notification.objects.order_by("id")] == [
        ("status", "verified", "One"), ("status", "rejected", "Two"), ("status", "submitted", "Two")]
    assert {n.recipient for n in Notification.objects.all()} == {documenter}


def test_submitting_ones_own_draft_notifies_nobody(documenter, draft):
    submit_incident(actor=documenter, incident=draft)

    assert Notification.objects.count() == 0


def test_mark_read_marks_only_ones_own(coordinator, documenter, other_documenter, submitted):
    services.assign(actor=coordinator, record=submitted, assignee=documenter)
    services.add_comment(actor=coordinator, record=submitted, body="@documenter2 see this")

    assert services.mark_read(user=documenter) == 2  # assigned, then a comment on what is assigned
    assert Notification.objects.filter(read_at=None).get().recipient == other_documenter


def test_saved_search_keeps_only_the_list_filters_and_replaces_by_name(documenter):
    first = services.save_search(actor=documenter, name="Crimea threats", query="?type=threat&page=3&evil=1&sort=-date")
    again = services.save_search(actor=documenter, name="Crimea threats", query="status=verified&sort=nonsense")

    assert first.pk == again.pk
    assert SavedSearch.objects.get().query == "status=verified"
    assert [e.action for e in AuditEntry.objects.filter(object_type="work.savedsearch").order_by("id")] == ["create", "update"]


def test_saved_search_needs_a_name_and_is_deleted_only_by_its_owner(documenter, other_documenter):
    with pytest.raises(ValidationError):
        services.save_search(actor=documenter, name=" ", query="q=x")
    search = services.save_search(actor=documenter, name="Mine", query="q=x")
    with pytest.raises(PermissionDenied):
        services.delete_search(actor=other_documenter, search=search)
    services.delete_search(actor=documenter, search=search)

    assert SavedSearch.objects.count() == 0


def test_counsel_may_not_comment_or_keep_searches(db, verified):
    counsel = make_user(Role.COUNSEL, "counsel")

    with pytest.raises(PermissionDenied):
        services.add_comment(actor=counsel, record=verified, body="hi")
    with pytest.raises(PermissionDenied):
        services.save_search(actor=counsel, name="x", query="")


def test_comment_and_assignment_entries_read_in_words(coordinator, documenter, submitted):
    from svidok.audit.display import readable
    from svidok.audit.services import history

    services.assign(actor=coordinator, record=submitted, assignee=documenter)
    comment, _missed = services.add_comment(actor=coordinator, record=submitted, body="@documenter look")

    assigned = [e for e in readable(history(submitted)) if e.action == "assign"][0]
    created = readable(history(comment))[0]
    assert (assigned.action_label, [(r.label, r.before, r.after) for r in assigned.rows]) == (
        "assigned", [("Assigned to", "—", "documenter")])
    assert [(r.label, r.after) for r in created.rows] == [
        ("Comment", "@documenter look"), ("Incident", submitted.reference), ("Mentioned", "documenter")]
