"""The "Periodic reports" page: a form that queues a report for the background worker, the
requester's reports with their progress (htmx polling), and the download of a finished one."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from svidok.common.views import add_service_errors, render_htmx
from svidok.reports import periodic, runs
from svidok.reports.models import ReportRun
from svidok.reports.periodic_forms import PeriodicReportForm


def own_runs(user):
    """A report is its requester's: it holds what they may see, so nobody else lists or downloads it."""
    return ReportRun.objects.filter(requested_by=user)


def get_run_for_user(user, public_id) -> ReportRun:
    periodic.check_allowed(user)
    run = own_runs(user).filter(uuid=public_id).first()
    if run is None:
        raise Http404("No such report")
    return run


@login_required
@require_http_methods(["GET", "POST"])
def reports(request):
    periodic.check_allowed(request.user)
    language = (get_language() or "en").split("-")[0]
    form = PeriodicReportForm(request.POST or None, initial={"language": language})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                scope = periodic.resolve_scope(election=data["election"], date_from=data["date_from"],
                                               date_to=data["date_to"], place=data["place"])
                run = runs.start_report(actor=request.user, scope=scope, purpose=data["purpose"], fmt=data["format"],
                                        language=data["language"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return redirect("reports:periodic_run", run.uuid)
    recent = own_runs(request.user)[:20]
    return render(request, "reports/periodic.html", {"form": form, "recent": recent}, status=status)


@login_required
@require_GET
def run_detail(request, public_id):
    run = get_run_for_user(request.user, public_id)
    return render_htmx(request, "reports/periodic_run.html", "reports/_periodic_run.html",
                       {"run": run, "reason": runs.reason_text(run)})


@login_required
@require_GET
def download(request, public_id):
    run = get_run_for_user(request.user, public_id)
    path = runs.stored_file(run)
    if run.status != ReportRun.Status.DONE or not path.is_file():
        raise Http404("Not ready")
    runs.record_download(actor=request.user, run=run)
    content_type = {"pdf": "application/pdf", "html": "text/html; charset=utf-8",
                    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}[run.format]
    response = FileResponse(open(path, "rb"), as_attachment=True, filename=run.file_name, content_type=content_type)
    response["Cache-Control"] = "private, no-store"
    return response
