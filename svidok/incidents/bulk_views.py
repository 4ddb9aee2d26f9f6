"""Bulk actions on the incident list and the export page (issue 13, item 5).

Thin like every page: the form parses, ``rules`` authorises, ``incidents.bulk`` and
``incidents.exporting`` do the work. The actions are a registry (:data:`BULK_ACTIONS`) so that
another action is a few lines: a label, the permission it needs, and a view function taking
``(request, incidents, form)``.
"""

import datetime as dt
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.common.ratelimits import limited
from svidok.incidents import bulk, exporting
from svidok.incidents.bulk_forms import BulkForm, ExportForm
from svidok.incidents.forms import filter_with_place_names
from svidok.incidents.queries import sort_incidents, visible_incidents
from svidok.people.consent import Purpose


@dataclass(frozen=True)
class BulkAction:
    label: str | Promise
    permission: str  # asked with rules.can before the action is offered or run
    run: Callable  # (request, incidents, form) -> HttpResponse
    needs_tag: bool = False
    needs_assignee: bool = False


# --- the filter of the list, as the list page reads it ----------------------------------------------


def filtered(user, params):
    """The incidents of the list page for ``params`` (its query string): visible to ``user``,
    filtered and sorted as the page shows them. A bad filter raises a field-keyed ValidationError."""
    queryset, _cleaned = filter_with_place_names(visible_incidents(user), params)
    return sort_incidents(queryset, params.get("sort"))


def filter_query(request) -> str:
    """The list's filter as a query string, without the page number."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _list_url(query: str) -> str:
    return reverse("incidents:list") + (f"?{query}" if query else "")


# --- the actions --------------------------------------------------------------------------------------


def _confirm_verify(request, incidents, form):
    """Verification is never blind: the page shows each incident in brief, and apart the ones the
    person may not verify, before anything is verified (decision 52, four eyes)."""
    plan = bulk.verification_plan(request.user, incidents)
    return _verify_page(request, plan, form.cleaned_data["filter"])


def _verify_page(request, plan, query: str, *, status: int = 200, errors=()):
    return render(request, "incidents/bulk_verify.html", {
        "plan": plan, "filter_query": query, "list_url": _list_url(query), "errors": list(errors),
    }, status=status)


def _tag(request, incidents, form, *, remove=False):
    tag = form.cleaned_data["tag"]
    try:
        changed = bulk.bulk_tag(actor=request.user, incidents=incidents, tag=tag, remove=remove)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        name = " ".join(tag.split()).lower()
        if remove:
            text = ngettext("Tag “%(tag)s” removed from %(count)d incident.", "Tag “%(tag)s” removed from %(count)d incidents.", changed)
        else:
            text = ngettext("Tag “%(tag)s” added to %(count)d incident.", "Tag “%(tag)s” added to %(count)d incidents.", changed)
        messages.success(request, text % {"tag": name, "count": changed})
    return redirect(_list_url(form.cleaned_data["filter"]))


def _untag(request, incidents, form):
    return _tag(request, incidents, form, remove=True)


def _export(request, incidents, form):
    if form.cleaned_data["scope"] == "all":
        query = form.cleaned_data["filter"]
    else:
        query = urlencode([("incident", i.reference) for i in incidents])
    return redirect(reverse("incidents:export") + f"?{query}")


# Every bulk action of the incident list, in the order the menu offers them.
BULK_ACTIONS: dict[str, BulkAction] = {
    "verify": BulkAction(gettext_lazy("Verify (you will confirm)"), "incident.review", _confirm_verify),
    "tag": BulkAction(gettext_lazy("Add a tag"), "incident.edit", _tag, needs_tag=True),
    "untag": BulkAction(gettext_lazy("Remove a tag"), "incident.edit", _untag, needs_tag=True),
    "export": BulkAction(gettext_lazy("Export"), "data.export", _export),
    # Apps above add their actions here when they start (work: "assign", in WorkConfig.ready()).
}


def actions_for(user) -> dict[str, BulkAction]:
    return {key: action for key, action in BULK_ACTIONS.items() if rules.can(user, action.permission)}


def list_context(request, page) -> dict:
    """What the list page needs for its bulk form and its Export link."""
    return {"bulk_form": BulkForm(actions=actions_for(request.user)) if actions_for(request.user) and page else None,
            "filter_query": filter_query(request), "can_export": rules.can(request.user, "data.export")}


# --- the views ----------------------------------------------------------------------------------------


@login_required
@require_POST
def bulk_action(request):
    """Run the chosen action on the chosen incidents (ticked, the page, or the whole filter)."""
    require(request.user, "incident.view")
    actions = actions_for(request.user)
    if not actions:
        raise PermissionDenied
    form = BulkForm(request.POST, actions=actions)
    query = (request.POST.get("filter") or "")[:4000]
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                label = form.fields[field].label if field in form.fields and field not in ("scope", "incidents") else ""
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(_list_url(query))
    data = form.cleaned_data
    try:
        if data["scope"] == "all":
            references = filtered(request.user, QueryDict(data["filter"])).values_list("reference", flat=True)[:bulk.LIMIT + 1]
        else:
            references = data["incidents"] if data["scope"] == "selected" else data["page_incidents"]
        incidents = bulk.selected(request.user, list(references))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_list_url(query))
    return actions[data["action"]].run(request, incidents, form)


@login_required
@require_POST
def bulk_verify(request):
    """Verify the incidents confirmed on the confirmation page, all or none."""
    require(request.user, "incident.review")
    query = (request.POST.get("filter") or "")[:4000]
    reason = (request.POST.get("reason") or "").strip()
    chosen = request.POST.getlist("incidents")
    try:
        incidents = bulk.selected(request.user, chosen)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect(_list_url(query))
    try:
        done = bulk.bulk_verify(actor=request.user, incidents=incidents, reason=reason)
    except ValidationError as exc:
        # Rolled back: the page shows the incidents as they are now, and why nothing was verified.
        plan = bulk.verification_plan(request.user, bulk.selected(request.user, chosen))
        return _verify_page(request, plan, query, status=400, errors=exc.messages)
    messages.success(request, ngettext("%(count)d incident verified.", "%(count)d incidents verified.", len(done))
                     % {"count": len(done)})
    return redirect(_list_url(query))


# --- export -------------------------------------------------------------------------------------------

_UNSAFE_IN_FILE_NAMES = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def export_file_name(purpose: Purpose, partner: str, fmt: str, *, today: dt.date | None = None) -> str:
    """"Incidents – 2026-12-03.xlsx", "Incidents for litigation – 2026-12-03.json", "Incidents for
    OSCE ODIHR – 2026-12-03.json": what the file holds, for whom, and the day, in the reader's
    language (docs/wording.md)."""
    if purpose is Purpose.INTERNAL:
        what = _("Incidents")
    elif purpose is Purpose.PARTNER:
        what = _("Incidents for %(partner)s") % {"partner": partner}
    elif purpose is Purpose.LITIGATION:
        what = _("Incidents for litigation")
    else:
        what = _("Incidents for publication")
    day = (today or timezone.localdate()).isoformat()
    stem = " ".join(_UNSAFE_IN_FILE_NAMES.sub(" ", f"{what} – {day}").split())[:150]
    return f"{stem}.{fmt}"


def _export_within(request):
    """The incidents the export page is about: the references it names, or else the list's filter."""
    references = [r for r in request.GET.getlist("incident") if r][:bulk.LIMIT]
    queryset = filtered(request.user, request.GET)
    if references:
        queryset = queryset.filter(reference__in=references)
    return queryset


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@login_required
@limited("export", method="POST")
def export_page(request):
    """The export of the list's current filter (or a selection) as XLSX, CSV or JSON: the command
    line's export (``exporting``), same content, same consent rules, audited, streamed."""
    require(request.user, "data.export")
    status = 200
    try:
        within = _export_within(request)
        count = within.count()
    except ValidationError as exc:
        within, count, status = None, 0, 400
        messages.error(request, " ".join(exc.messages))
    form = ExportForm(request.POST or None)
    if request.method == "POST" and within is not None and form.is_valid():
        return _download(request, within, form.cleaned_data)
    if request.method == "POST":
        status = 400
    query = request.GET.urlencode()
    context = {"form": form, "count": count, "selection": bool(request.GET.getlist("incident")),
               "list_url": _list_url("" if request.GET.getlist("incident") else query), "query": query}
    return render(request, "incidents/export.html", context, status=status)


def _download(request, within, data) -> HttpResponse:
    purpose, fmt = Purpose(data["purpose"]), data["format"]
    partner = (data.get("partner") or "").strip() if purpose is Purpose.PARTNER else ""
    # The file's own order (by date, then reference), like the command line's.
    within = within.order_by()
    name = export_file_name(purpose, partner, fmt)
    if fmt == "xlsx":
        # A workbook is a ZIP written at the end: it is made in a temporary file, then sent from disk.
        handle = tempfile.TemporaryFile()
        exporting.export_incidents(actor=request.user, fmt="xlsx", output=handle, purpose=purpose, partner=partner,
                                   within=within)
        handle.seek(0)
        return FileResponse(handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES["xlsx"])
    parts = exporting.export_parts(actor=request.user, fmt=fmt, purpose=purpose, partner=partner, within=within)
    response = StreamingHttpResponse((p.encode("utf-8") for p in parts), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response
