"""Permission-aware reads of daily work: the dashboard's lists, notifications, saved searches."""

from __future__ import annotations

from django.db.models import Q
from django.http import Http404

from svidok.accounts import rules
from svidok.audit.models import AuditEntry
from svidok.common.validation import is_uuid
from svidok.incidents.models import Incident
from svidok.incidents.queries import visible_incidents
from svidok.sanctions.models import Proposal
from svidok.sanctions.queries import visible_proposals
from svidok.work.models import Assignment, Notification, SavedSearch

PROPOSAL_AUDIT_TYPE = Proposal.audit_type


def my_drafts(user):
    """Incidents ``user`` recorded that are still drafts, last changed first."""
    return visible_incidents(user).filter(created_by=user, status=Incident.Status.DRAFT).order_by("-updated_at", "-id")


def incidents_to_review(user):
    """Submitted incidents ``user`` may review and did not record (four eyes), oldest first."""
    if not rules.can(user, "incident.review"):
        return Incident.objects.none()
    return visible_incidents(user).filter(status=Incident.Status.SUBMITTED).exclude(created_by=user).order_by("updated_at", "id")


def proposals_to_review(user):
    """Proposals in review that ``user`` may sign off: not those whose members they reviewed (four eyes)."""
    if not rules.can(user, "proposal.signoff"):
        return Proposal.objects.none()
    return (visible_proposals(user).filter(status=Proposal.Status.IN_REVIEW)
            .exclude(members__reviewed_by=user).distinct().order_by("created_at", "id"))


def assigned_to(user):
    """``user``'s assignments on the records they can still see, newest first."""
    visible = Q(incident__in=visible_incidents(user))
    if rules.can(user, "proposal.view"):
        visible |= Q(proposal__isnull=False)
    return Assignment.objects.filter(visible, assignee=user).select_related("incident", "proposal")


def recent_incidents(user):
    return visible_incidents(user).order_by("-updated_at", "-id")


def recent_proposals(user, limit: int) -> list[Proposal]:
    """Proposals by their last audited change (a proposal keeps no change time of its own)."""
    if not rules.can(user, "proposal.view"):
        return []
    ids: list[str] = []
    entries = AuditEntry.objects.filter(object_type=PROPOSAL_AUDIT_TYPE).order_by("-id").values_list("object_id", flat=True)
    for object_id in entries[: limit * 20].iterator():
        if object_id not in ids and is_uuid(object_id):
            ids.append(object_id)
        if len(ids) == limit:
            break
    found = {str(p.uuid): p for p in visible_proposals(user).filter(uuid__in=ids)}
    return [found[i] for i in ids if i in found]


def notifications_for(user):
    """``user``'s notifications about records they can still see, newest first."""
    if not rules.can(user, "work.personal"):
        return Notification.objects.none()
    visible = Q(incident__in=visible_incidents(user))
    if rules.can(user, "proposal.view"):
        visible |= Q(proposal__isnull=False)
    return Notification.objects.filter(visible, recipient=user).select_related("actor", "incident", "proposal")


def saved_searches(user):
    if not rules.can(user, "work.personal"):
        return SavedSearch.objects.none()
    return SavedSearch.objects.filter(user=user)


def get_saved_search(user, public_id: str) -> SavedSearch:
    search = saved_searches(user).filter(uuid=public_id).first() if is_uuid(public_id) else None
    if search is None:
        raise Http404("No such saved search")
    return search
