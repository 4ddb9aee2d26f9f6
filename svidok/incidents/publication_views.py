"""Publication on the incident page and in the list's bulk actions (``incidents.publication``).

The incident page gets a section saying whether the incident is on the public site; leads
(``incident.publish``) get the button that publishes it, or the form that withdraws it with a
reason. The list gets two bulk actions: "publish" (at once, all or nothing) and "withdraw" (a page
first, for the reason). Registered in ``IncidentsConfig.ready()``.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.common import extensions
from svidok.incidents import bulk, bulk_views, publication
from svidok.incidents.queries import get_incident_for_user


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why it is withdrawn"), max_length=publication.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Kept in the change history, not shown on the public site."))


def publication_section(request, incident, context):
    """Whether the incident is on the public site, and for leads what they may do about it."""
    may_publish = rules.can(request.user, "incident.publish")
    on_site = publication.is_on_public_site(incident)
    added = {"publication": {
        "on_site": on_site, "since": incident.published_at if on_site else None, "may_publish": may_publish,
        "refusal": publication.publication_refusal(incident) if may_publish and not on_site else "",
    }}
    if may_publish and on_site:
        added["withdraw_form"] = WithdrawForm(auto_id="withdraw_%s")
    return added


def _back(incident):
    return redirect(reverse("incidents:detail", args=[incident.reference]) + "#publication")


@login_required
@require_POST
def incident_publish(request, reference):
    incident = get_incident_for_user(request.user, reference)
    require(request.user, "incident.publish")
    try:
        publication.publish(request.user, incident)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Incident %(ref)s is on the public site.") % {"ref": incident.reference})
    return _back(incident)


@login_required
@require_POST
def incident_withdraw(request, reference):
    incident = get_incident_for_user(request.user, reference)
    require(request.user, "incident.publish")
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the incident is withdrawn from the public site."))
        return _back(incident)
    try:
        publication.withdraw(request.user, incident, form.cleaned_data["reason"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Incident %(ref)s was withdrawn from the public site.") % {"ref": incident.reference})
    return _back(incident)


# --- bulk actions -----------------------------------------------------------------------------------


def _bulk_publish(request, incidents, form):
    try:
        done = publication.publish_many(request.user, incidents)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, ngettext("%(count)d incident published on the public site.",
                                           "%(count)d incidents published on the public site.", len(done))
                         % {"count": len(done)})
    return redirect(bulk_views._list_url(form.cleaned_data["filter"]))


def _withdraw_page(request, incidents, query: str, *, form=None, status=200):
    return render(request, "incidents/bulk_withdraw.html", {
        "incidents": incidents, "form": form or WithdrawForm(auto_id="bulk_withdraw_%s"), "filter_query": query,
        "list_url": bulk_views._list_url(query),
    }, status=status)


def _confirm_withdraw(request, incidents, form):
    """Withdrawing needs a reason: a page lists the published incidents of the selection and asks for it."""
    return _withdraw_page(request, [i for i in incidents if i.published_at is not None], form.cleaned_data["filter"])


@login_required
@require_POST
def bulk_withdraw(request):
    """Withdraw the incidents confirmed on the page, all or none, with one reason."""
    require(request.user, "incident.publish")
    query = (request.POST.get("filter") or "")[:4000]
    try:
        incidents = bulk.selected(request.user, request.POST.getlist("incidents"))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(bulk_views._list_url(query))
    form = WithdrawForm(request.POST, auto_id="bulk_withdraw_%s")
    if not form.is_valid():
        return _withdraw_page(request, incidents, query, form=form, status=400)
    try:
        done = publication.withdraw_many(request.user, incidents, form.cleaned_data["reason"])
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(bulk_views._list_url(query))
    messages.success(request, ngettext("%(count)d incident withdrawn from the public site.",
                                       "%(count)d incidents withdrawn from the public site.", len(done))
                     % {"count": len(done)})
    return redirect(bulk_views._list_url(query))


def register() -> None:
    extensions.add_section("incidents.incident", context=publication_section,
                           template="incidents/_publication.html", order=80)
    bulk_views.BULK_ACTIONS["publish"] = bulk_views.BulkAction(
        gettext_lazy("Publish on the public site"), "incident.publish", _bulk_publish)
    bulk_views.BULK_ACTIONS["unpublish"] = bulk_views.BulkAction(
        gettext_lazy("Withdraw from the public site (you will give a reason)"), "incident.publish", _confirm_withdraw)
