"""Pages of daily work: assign and comment on a record's page, notifications, saved searches, the
dashboard's lists in full. Thin: authorise with ``accounts.rules``, call ``services``, render.
Every form works without JavaScript; htmx swaps the comment thread in place."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from svidok.accounts.rules import require
from svidok.common.validation import is_uuid
from svidok.common.views import add_service_errors, paginate
from svidok.incidents.queries import FILTERS, get_incident_for_user
from svidok.incidents.views import expect_incidents
from svidok.sanctions.queries import get_proposal_for_user
from svidok.work import queries, services
from svidok.work.forms import AssignForm, CommentForm, SaveSearchForm
from svidok.work.sections import record_urls, work_context

# --- on a record's page ----------------------------------------------------------------------------


@login_required
@require_POST
def incident_assign(request, reference):
    return _assign(request, get_incident_for_user(request.user, reference))


@login_required
@require_POST
def proposal_assign(request, uuid):
    return _assign(request, get_proposal_for_user(request.user, str(uuid)))


def _assign(request, record):
    user = request.user
    back = record_urls(record)["record_url"] + "#work"
    if "take" in request.POST:
        require(user, "work.take")
        assignee = user if request.POST["take"] == "me" else None
    else:
        require(user, "work.assign")
        form = AssignForm(request.POST, candidates=services.candidates(record))
        if not form.is_valid():
            messages.error(request, _("Choose one of the members listed."))
            return redirect(back)
        assignee = form.chosen()
    try:
        services.assign(actor=user, record=record, assignee=assignee)
    except ValidationError as error:
        messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
    else:
        messages.success(request, _("Assigned to %(name)s.") % {"name": assignee.username} if assignee else _("Nobody is assigned now."))
    return redirect(back)


@login_required
@require_POST
def incident_comment(request, reference):
    return _comment(request, get_incident_for_user(request.user, reference))


@login_required
@require_POST
def proposal_comment(request, uuid):
    return _comment(request, get_proposal_for_user(request.user, str(uuid)))


def _comment(request, record):
    require(request.user, "work.comment")
    form = CommentForm(request.POST)
    missed = []
    if form.is_valid():
        try:
            _comment_, missed = services.add_comment(actor=request.user, record=record, body=form.cleaned_data["body"])
        except ValidationError as error:
            add_service_errors(form, error)
    status = 400 if form.errors else 200
    if not form.errors and not request.htmx:
        messages.success(request, _("Comment added."))
        if missed:
            messages.warning(request, _missed_message(missed))
        return redirect(record_urls(record)["record_url"] + "#comments")
    if not form.errors:
        form = CommentForm()
    context = work_context(request, record, comment_form=form, missed=missed)
    if request.htmx:
        return render(request, "work/_comments.html", context, status=status)
    return render(request, "work/comment_page.html", context, status=status)


def _missed_message(missed) -> str:
    return _("Not notified (no member of that name can read this record): %(names)s.") % {
        "names": ", ".join("@" + n for n in missed)}


# --- notifications ----------------------------------------------------------------------------------


@login_required
def notification_list(request):
    require(request.user, "work.personal")
    page = paginate(request, queries.notifications_for(request.user))
    expect_incidents(request, [n.incident for n in page if n.incident_id])
    return render(request, "work/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request):
    """Mark all read, or open one (marked read, then its record)."""
    require(request.user, "work.personal")
    one = request.POST.get("notification", "")
    if not one:
        services.mark_read(user=request.user)
        messages.success(request, _("All notifications marked read."))
        return redirect("work:notifications")
    notification = queries.notifications_for(request.user).filter(uuid=one).first() if is_uuid(one) else None
    if notification is None:
        raise Http404("No such notification")
    services.mark_read(user=request.user, notifications=[notification])
    return redirect(record_urls(notification.record)["record_url"])


# --- saved searches ---------------------------------------------------------------------------------


@login_required
def search_list(request):
    require(request.user, "work.personal")
    return render(request, "work/saved_searches.html", {"searches": list(queries.saved_searches(request.user)),
                                                        "save_search_form": None})


@login_required
@require_POST
def search_save(request):
    require(request.user, "work.personal")
    form = SaveSearchForm(request.POST)
    if form.is_valid():
        # htmx sends the filter form's fields along (the list may have been filtered in place since
        # the page loaded); without JavaScript the hidden field holds the page's filter.
        sent = any(key in request.POST for key in (*FILTERS, "sort"))
        query = request.POST.urlencode() if sent else form.cleaned_data["query"]
        try:
            search = services.save_search(actor=request.user, name=form.cleaned_data["name"], query=query)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Search “%(name)s” saved.") % {"name": search.name})
            url = reverse("incidents:list") + (f"?{search.query}" if search.query else "")
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    return render(request, "work/saved_searches.html", {"searches": list(queries.saved_searches(request.user)),
                                                        "save_search_form": form}, status=400)


@login_required
@require_POST
def search_delete(request, uuid):
    require(request.user, "work.personal")
    search = queries.get_saved_search(request.user, str(uuid))
    services.delete_search(actor=request.user, search=search)
    messages.success(request, _("Search “%(name)s” deleted.") % {"name": search.name})
    return redirect("work:searches")


# --- the dashboard's lists in full --------------------------------------------------------------------

LISTS = {"drafts": queries.my_drafts, "review": queries.incidents_to_review, "recent": queries.recent_incidents}


@login_required
def incident_panel(request, kind):
    require(request.user, "work.personal")
    page = paginate(request, LISTS[kind](request.user).select_related("type", "place"))
    expect_incidents(request, page)
    titles = {"drafts": _("My drafts"), "review": _("Waiting for my review"), "recent": _("Recently changed")}
    extra = list(queries.proposals_to_review(request.user)) if kind == "review" else []
    return render(request, "work/incident_panel.html", {"page": page, "title": titles[kind], "proposals": extra})


@login_required
def assigned_list(request):
    require(request.user, "work.personal")
    page = paginate(request, queries.assigned_to(request.user))
    expect_incidents(request, [a.incident for a in page if a.incident_id])
    return render(request, "work/assigned.html", {"page": page})
