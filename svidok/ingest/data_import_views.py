"""The "Imports" page (a file of incidents, a reference list or election results, imported by the
worker) and the page of one import, refreshed while it runs. Parse, call the use case, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from svidok.accounts.rules import require
from svidok.common.views import add_service_errors, render_htmx
from svidok.ingest import data_imports
from svidok.ingest.data_import_forms import DataImportForm
from svidok.ingest.models import ImportRun


def _kinds_or_403(user) -> list[tuple[str, str]]:
    kinds = data_imports.kinds_for(user)
    if not kinds:
        # The one rule decides: asking it for the first kind gives its own refusal.
        require(user, data_imports.PERMISSIONS[ImportRun.Kind.INCIDENTS])
    return kinds


def visible_runs(user):
    """The imports of the kinds ``user`` may import (everyone who may import a kind sees its runs)."""
    kinds = [kind for kind, _label in data_imports.kinds_for(user)]
    return ImportRun.objects.filter(kind__in=kinds).select_related("requested_by")


def get_run_for_user(user, public_id) -> ImportRun:
    _kinds_or_403(user)
    run = visible_runs(user).filter(uuid=public_id).first()
    if run is None:
        raise Http404("No such import")
    return run


@login_required
@require_http_methods(["GET", "POST"])
def imports(request):
    kinds = _kinds_or_403(request.user)
    form = DataImportForm(request.POST or None, request.FILES or None, kinds=kinds)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                run = data_imports.start_import(actor=request.user, kind=data["kind"], upload=data["file"],
                                                options={"list_name": data["list_name"], "title": data["title"],
                                                         "election": data["election"],
                                                         "verified_elsewhere": data["verified_elsewhere"]},
                                                language=get_language())
            except PermissionDenied:
                raise
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("imports:run", run.uuid)
    recent = visible_runs(request.user)[:20]
    return render(request, "ingest/imports.html", {"form": form, "recent": recent}, status=status)


def describe(run: ImportRun) -> dict:
    """What the page says about a run besides its state: the counts in words and the problems."""
    errors = data_imports.errors_for(run, get_language() or "en")
    rows = [{"line": e["line"], "column": e["field"], "field": data_imports.field_label(e["field"]), "message": e["message"]}
            for e in errors]
    return {"run": run, "errors": rows, "reason": data_imports.reason_text(run),
            "counts": data_imports.counts_text(run) if run.status == ImportRun.Status.DONE else "",
            "progress": data_imports.progress_text(run), "more_errors": max(0, run.error_count - len(rows))}


@login_required
@require_GET
def run_detail(request, public_id):
    run = get_run_for_user(request.user, public_id)
    return render_htmx(request, "ingest/import_run.html", "ingest/_import_run.html", describe(run))
