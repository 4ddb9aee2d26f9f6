"""What daily work adds to the pages of the apps below it (``common.extensions``): the assignment
and the comment thread on an incident's and a proposal's page, the saved searches on the incident
list; the hook that notifies a recorder of their incident's review. Registered in ``WorkConfig.ready()``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from svidok.accounts import rules
from svidok.accounts.models import Role
from svidok.audit import display
from svidok.common import extensions
from svidok.common.validation import is_uuid
from svidok.people import freetext
from svidok.work import queries, services
from svidok.work.forms import AssignForm, CommentForm, SaveSearchForm
from svidok.work.models import Comment, SavedSearch


def record_urls(record) -> dict:
    if services._field(record) == "incident":
        ref = record.reference
        return {"assign_url": reverse("work:incident_assign", args=[ref]), "comment_url": reverse("work:incident_comment", args=[ref]),
                "record_url": reverse("incidents:detail", args=[ref])}
    return {"assign_url": reverse("work:proposal_assign", args=[record.uuid]),
            "comment_url": reverse("work:proposal_comment", args=[record.uuid]),
            "record_url": reverse("sanctions:proposal_detail", args=[record.uuid])}


def work_context(request, record, *, assign_form=None, comment_form=None, missed=()) -> dict:
    """The assignment and the comments of ``record`` as its page shows them to ``request.user``."""
    user = request.user
    assignment = services.assignment_of(record)
    can_assign = rules.can(user, "work.assign")
    can_take = not can_assign and rules.can(user, "work.take") and services.can_be_assigned(user, record)
    comments = list(services.comments_on(record)) if rules.can(user, "work.comment") else None
    if comments:
        freetext.reader_for(request).expect(c.body for c in comments)
    if can_assign and assign_form is None:
        assign_form = AssignForm(candidates=services.candidates(record),
                                 initial={"assignee": assignment.assignee.username if assignment else ""})
    return {
        "work_record": record,
        "assignment": assignment,
        "can_assign": can_assign,
        "can_take": can_take,
        "assign_form": assign_form,
        "comments": comments,
        "comment_form": comment_form or CommentForm(),
        "missed_mentions": list(missed),
        **record_urls(record),
    }


def _record_section(request, record, context) -> dict | None:
    # Who works on a record, and what colleagues write about it, is for the organisation's own
    # people (documenters are at risk too), not for external counsel: like "Recorded by".
    if not rules.can(request.user, "work.comment"):
        return None
    return work_context(request, record)


def _saved_searches(request, obj, context) -> dict | None:
    if not rules.can(request.user, "work.personal"):
        return None
    query = services.clean_query(request.GET.urlencode())
    return {"saved_searches": list(queries.saved_searches(request.user)),
            "save_search_form": SaveSearchForm(initial={"query": query}), "current_query": query}


def _status_changed(*, actor, incident, before) -> None:
    services.status_changed(actor=actor, incident=incident, before=before)


def withhold_entry(actor, entry) -> str:
    """Why ``actor`` may not read an audit entry's content (``accounts.audit_log``): a comment on a
    record they may not see; someone else's saved search (its filter may hold a name)."""
    if entry.object_type == Comment.audit_type:
        comment = Comment.objects.filter(uuid=entry.object_id).select_related("incident", "proposal").first() \
            if is_uuid(entry.object_id) else None
        if comment is None or not services.can_see(actor, comment.incident or comment.proposal):
            return _("It is about a record you may not see.")
    elif entry.object_type == SavedSearch.audit_type and entry.actor_id != getattr(actor, "pk", None) \
            and rules.role_of(actor) != Role.ADMIN:
        return _("It is another member's saved search.")
    return ""


def register() -> None:
    extensions.provide("audit.withhold_entry", withhold_entry)
    extensions.add_section("incidents.incident", context=_record_section, template="work/_record_work.html", order=95)
    extensions.add_section("sanctions.proposal", context=_record_section, template="work/_record_work.html", order=95)
    extensions.add_section("incidents.list", context=_saved_searches, template="work/_saved_searches.html", order=10)
    extensions.provide("incidents.status_changed", _status_changed)
    display.ACTION_LABELS.setdefault("assign", gettext_lazy("assigned"))
    display.register_type(Comment.audit_type, models=("work.Comment",))
    display.register_type(SavedSearch.audit_type, models=("work.SavedSearch",))
    display.register_labels({"assignee": gettext_lazy("Assigned to"), "mentioned": gettext_lazy("Mentioned"),
                             "incident": gettext_lazy("Incident"), "proposal": gettext_lazy("Proposal")})
