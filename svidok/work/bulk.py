"""The "assign" action of the incident list's bulk actions (``incidents.bulk_views.BULK_ACTIONS``),
added by this app when it starts: every chosen incident through :func:`services.assign`, all or nothing."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from svidok.accounts.models import User
from svidok.incidents import bulk_views
from svidok.work import services


def _assign(request, incidents, form):
    username = form.cleaned_data.get("assignee") or ""
    assignee = User.objects.filter(username=username, is_active=True).first() if username else None
    back = redirect(bulk_views._list_url(form.cleaned_data["filter"]))
    if username and assignee is None:
        messages.error(request, _("No active member has that username."))
        return back
    refused = []
    try:
        with transaction.atomic():
            for incident in incidents:
                try:
                    services.assign(actor=request.user, record=incident, assignee=assignee)
                except PermissionDenied:
                    refused.append(incident.reference)
                except ValidationError as exc:
                    refused.append(f"{incident.reference} ({' '.join(exc.messages)})")
            if refused:
                raise _Refused
    except _Refused:
        messages.error(request, _("Nothing was assigned, because of %(references)s. Leave them out and apply the "
                                  "action again.") % {"references": ", ".join(refused[:20])})
        return back
    count = len(incidents)
    if assignee is None:
        text = ngettext("The assignment of %(count)d incident was removed.", "The assignments of %(count)d incidents were removed.", count)
    else:
        text = ngettext("%(count)d incident assigned to %(name)s.", "%(count)d incidents assigned to %(name)s.", count)
    messages.success(request, text % {"count": count, "name": username})
    return back


class _Refused(Exception):
    """Rolls back the assignments made before a refusal (all or nothing)."""


def register() -> None:
    bulk_views.BULK_ACTIONS["assign"] = bulk_views.BulkAction(
        gettext_lazy("Assign"), "work.assign", _assign, needs_assignee=True)
