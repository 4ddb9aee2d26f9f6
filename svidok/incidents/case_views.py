"""Case pages: the list, a new case, a case with its incidents and the accounts it is shared with;
and the named access of a restricted incident (a section of the incident's page).

Thin, like ``views.py``: authorise, call ``cases`` (the use cases), render. Invisible cases are 404.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from svidok.accounts import rules
from svidok.accounts.models import User
from svidok.accounts.rules import require
from svidok.common.views import add_service_errors, submit_form
from svidok.incidents import cases
from svidok.incidents.models import Case
from svidok.incidents.queries import get_incident_for_user, visible_incidents
from svidok.people import freetext


class CaseForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200,
                           help_text=gettext_lazy("e.g. the court and the claim the incidents are gathered for"))
    description = forms.CharField(label=gettext_lazy("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))


class AddIncidentForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Incident"), max_length=20,
                                help_text=gettext_lazy("Its number, e.g. SV-2018-000123"))


class AccountForm(forms.Form):
    user = forms.CharField(label=gettext_lazy("Account"), max_length=150, help_text=gettext_lazy("The username of the account"))


def _case_url(case) -> str:
    return reverse("incidents:case_detail", args=[case.uuid])


@login_required
def case_list(request):
    require(request.user, "case.view")
    visible = visible_incidents(request.user)
    rows = [{"case": case, "incidents": visible.filter(cases=case).count()}
            for case in cases.visible_cases(request.user)]
    freetext.reader_for(request).expect(row["case"].description for row in rows)
    return render(request, "incidents/case_list.html",
                  {"rows": rows, "can_edit": rules.can(request.user, "case.edit")})


@login_required
def case_create(request):
    require(request.user, "case.edit")
    form = CaseForm(request.POST or None)
    return submit_form(
        request, form,
        save=lambda: cases.create_case(actor=request.user, **form.cleaned_data),
        saved=lambda case: (_("Case created."), _case_url(case)),
        page=lambda status: render(request, "record_form.html", {
            "title": _("New case"), "form": form, "cancel_url": reverse("incidents:case_list")}, status=status),
    )


def _detail_page(request, case, *, add_form=None, share_form=None, status=200):
    can_edit = rules.can(request.user, "case.edit")
    incidents = list(visible_incidents(request.user).filter(cases=case).select_related("type", "place").order_by("-date_start", "id"))
    freetext.reader_for(request).expect([case.description, *(i.title for i in incidents)])
    context = {
        "case": case,
        "incidents": incidents,
        "can_edit": can_edit,
        # Who the case is shared with is the leads' business, not every reader's.
        "shares": case.shares.select_related("user").order_by("user__username") if can_edit else None,
        "add_form": add_form or AddIncidentForm(),
        "share_form": share_form or AccountForm(),
    }
    return render(request, "incidents/case_detail.html", context, status=status)


@login_required
def case_detail(request, uuid):
    return _detail_page(request, cases.get_case_for_user(request.user, uuid))


def _post_action(request, case, form, action, done, which):
    """Run ``action`` for a valid ``form``; on an error show the page again with it."""
    if form.is_valid():
        try:
            action()
        except ValidationError as exc:
            add_service_errors(form, exc, {"reference": "reference", "user": "user"})
        else:
            messages.success(request, done)
            return redirect(_case_url(case))
    return _detail_page(request, case, status=400, **{which: form})


@login_required
@require_POST
def case_add_incident(request, uuid):
    case = cases.get_case_for_user(request.user, uuid)
    require(request.user, "case.edit")
    form = AddIncidentForm(request.POST)
    return _post_action(request, case, form,
                        lambda: cases.add_incident(actor=request.user, case=case, reference=form.cleaned_data["reference"]),
                        _("Incident added to the case."), "add_form")


@login_required
@require_POST
def case_remove_incident(request, uuid, reference):
    case = cases.get_case_for_user(request.user, uuid)
    require(request.user, "case.edit")
    incident = get_incident_for_user(request.user, reference)
    cases.remove_incident(actor=request.user, case=case, incident=incident)
    messages.success(request, _("Incident removed from the case."))
    return redirect(_case_url(case))


@login_required
@require_POST
def case_share(request, uuid):
    case = cases.get_case_for_user(request.user, uuid)
    require(request.user, "case.edit")
    form = AccountForm(request.POST)
    return _post_action(request, case, form,
                        lambda: cases.share_case(actor=request.user, case=case, username=form.cleaned_data["user"]),
                        _("The case is shared with the account."), "share_form")


@login_required
@require_POST
def case_unshare(request, uuid):
    case = cases.get_case_for_user(request.user, uuid)
    require(request.user, "case.edit")
    share = get_object_or_404(case.shares.select_related("user"), user__username=request.POST.get("user", ""))
    cases.unshare_case(actor=request.user, case=case, user=share.user)
    messages.success(request, _("The case is no longer shared with the account."))
    return redirect(_case_url(case))


# --- named access to a restricted incident --------------------------------------------------------


def named_access_section(request, incident, context):
    """The incident page's section: the cases it is in (those the reader sees) and, for the roles
    that may name users on it, who may see a restricted incident."""
    added = {"incident_cases": cases.visible_cases(request.user).filter(incidents=incident)
             if rules.can(request.user, "case.view") else Case.objects.none()}
    if incident.sensitivity == incident.Sensitivity.RESTRICTED and rules.can(request.user, "incident.grant"):
        added["named_access"] = incident.named_access.select_related("user").order_by("user__username")
        added["access_form"] = AccountForm()
    return added


@login_required
@require_POST
def incident_access(request, reference):
    incident = get_incident_for_user(request.user, reference)
    require(request.user, "incident.grant")
    url = reverse("incidents:detail", args=[incident.reference]) + "#named-access"
    username = (request.POST.get("user") or "").strip()
    try:
        if request.POST.get("remove"):
            user = get_object_or_404(User, username=username)
            cases.revoke_access(actor=request.user, incident=incident, user=user)
            messages.success(request, _("The account may no longer see this incident."))
        else:
            cases.grant_access(actor=request.user, incident=incident, username=username)
            messages.success(request, _("The account may now see this incident."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect(url)
