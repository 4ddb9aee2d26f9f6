"""Making periodic reports: at once (the ``svidok report`` command) or by the background worker
(the "Periodic reports" page), both through :func:`make_report`, audited alike.

A run (:class:`~svidok.reports.models.ReportRun`) is made by :func:`start_report`, which checks the
scope before anything is queued; the worker's task calls :func:`run_report`, which writes the file
under ``VAR_DIR/reports/`` and keeps the count of incidents written as its progress.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from svidok.audit.services import record
from svidok.people.consent import Purpose
from svidok.reports import periodic, periodic_writers
from svidok.reports.models import ReportRun

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 1.0  # seconds between writes of a run's progress
INTERRUPTED_AFTER = dt.timedelta(hours=6)
REASONS = {
    "unexpected": gettext_lazy("The report could not be made because of an unexpected error; it is in the server's log. "
                               "Try again, or tell the administrator."),
    "interrupted": gettext_lazy("The report was interrupted (the background worker stopped). Ask for it again."),
    "not_allowed": gettext_lazy("You may no longer make reports."),
    "scope": gettext_lazy("What the report covers no longer exists (an election or place was removed)."),
}
_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


@dataclass
class Made:
    path: Path
    size: int
    sha256: str
    counted: int
    listed: int
    redactions: int


def language_name(code: str) -> str:
    """The language in its own words ("Українська", "Qırımtatarca"): a file name says it so."""
    return {"en": "English", "uk": "Українська", "crh": "Qırımtatarca", "ru": "Русский"}.get(code, code)


def file_name(scope: periodic.Scope, fmt: str, language: str, purpose: Purpose | str = Purpose.INTERNAL) -> str:
    """"Periodic report – Russian presidential election 2018 in Crimea – 2018-03-18 – Українська.pdf",
    in the report's language: by what it covers and its language, never by an id (docs/wording.md)."""
    with translation.override(language):
        what = scope.election.display_name if scope.election else ""
        parts = [_("Periodic report"), what, scope.period_for_file()]
        if scope.place is not None:
            parts.append(scope.place.name)
        if Purpose(purpose) is Purpose.PUBLICATION:
            parts.append(_("for publication"))
        parts.append(language_name(language))
        stem = _UNSAFE_IN_FILE_NAMES.sub(" ", " – ".join(p for p in parts if p))
    return f"{' '.join(stem.split())[:180]}.{fmt}"


def make_report(*, actor, scope: periodic.Scope, purpose: Purpose | str, fmt: str, language: str, path,
                progress=None, today: dt.date | None = None) -> Made:
    """Build and write one report to ``path`` (complete or not at all), and audit it: who made
    which report (scope, purpose, format, language), how many incidents it counts and lists, how
    many redactions, and the file's SHA-256, so that a report found outside can be traced."""
    periodic.check_allowed(actor)
    purpose = Purpose(purpose)
    if fmt not in periodic.FORMATS:
        raise ValueError(f"unknown report format {fmt!r}")
    if language not in periodic.LANGUAGES:
        raise ValueError(f"unknown report language {language!r}")
    with translation.override(language):
        report = periodic.build(actor=actor, scope=scope, purpose=purpose, today=today)
        size = periodic_writers.write(report, fmt, path, progress=progress)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    made = Made(path=Path(path), size=size, sha256=digest.hexdigest(), counted=report.counted, listed=report.listed,
                redactions=report.redactions)
    with transaction.atomic():
        record(actor=actor, action="export", object_type="reports.periodic", object_id=made.sha256[:64],
               object_repr=file_name(scope, fmt, language, purpose)[:300],
               changes={"report": [None, {**scope.options(), "purpose": purpose.value, "format": fmt,
                                          "language": language, "incidents": report.counted, "listed": report.listed,
                                          "redactions": report.redactions, "sha256": made.sha256}]})
    return made


# --- runs of the background worker ---------------------------------------------------------------------


def report_dir() -> Path:
    return Path(settings.VAR_DIR) / "reports"


def stored_file(run: ReportRun) -> Path:
    return report_dir() / f"{run.uuid.hex}.{run.format}"


def start_report(*, actor, scope: periodic.Scope, purpose: str, fmt: str, language: str) -> ReportRun:
    """Queue a report for the worker (``tasks.make_periodic_report``, once this transaction commits)."""
    periodic.check_allowed(actor)
    if fmt not in periodic.FORMATS:
        raise ValidationError({"format": _("Choose the format of the report.")})
    if purpose not in (p.value for p in periodic.PURPOSES):
        raise ValidationError({"purpose": _("Choose whom the report is for.")})
    if language not in periodic.LANGUAGES:
        raise ValidationError({"language": _("Choose the language of the report.")})
    run = ReportRun(requested_by=actor, options=scope.options(), language=language, format=fmt, purpose=purpose,
                    label=scope.label()[:300], file_name=file_name(scope, fmt, language, purpose))
    with transaction.atomic():
        run.save()
        record(actor=actor, action="create", obj=run, object_repr=run.label,
               changes={"report": [None, {**run.options, "purpose": purpose, "format": fmt, "language": language}]})
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(run_pk: int) -> None:
    from svidok.reports.tasks import make_periodic_report

    result = make_periodic_report.enqueue(run_pk)
    ReportRun.objects.filter(pk=run_pk).update(task_id=str(result.id)[:64])


class _Progress:
    """Counts the incidents written and stores the count now and then (not once per incident)."""

    def __init__(self, run: ReportRun):
        self.run, self.count, self.written_at = run, 0, 0.0

    def __call__(self, n: int = 1) -> None:
        self.count += n
        now = time.monotonic()
        if now - self.written_at >= PROGRESS_EVERY:
            self.written_at = now
            ReportRun.objects.filter(pk=self.run.pk).update(progress=self.count)


def run_report(run_pk: int) -> str:
    """Make a run's report (called by the worker); returns the final status. Runs once even if its
    task runs twice."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update(of=("self",)).select_related("requested_by").get(pk=run_pk)
        if run.status != ReportRun.Status.QUEUED:
            return run.status
        run.status, run.started_at = ReportRun.Status.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
    progress = _Progress(run)
    reason = ""
    try:
        with translation.override(run.language):
            scope = periodic.scope_from_options(run.options)
            report_dir().mkdir(parents=True, exist_ok=True, mode=0o700)
            counted = periodic.counted_incidents(run.requested_by, scope, Purpose(run.purpose))
            run.total = counted.filter(status="verified").count()
            ReportRun.objects.filter(pk=run.pk).update(total=run.total)
            made = make_report(actor=run.requested_by, scope=scope, purpose=run.purpose, fmt=run.format,
                               language=run.language, path=stored_file(run), progress=progress)
    except ValidationError:
        reason = "scope"
    except PermissionDenied:
        reason = "not_allowed"
    except Exception:
        logger.exception("report %s stopped", run.uuid)
        reason = "unexpected"
    with transaction.atomic():
        run.finished_at, run.progress = timezone.now(), progress.count
        if reason:
            run.status, run.reason = ReportRun.Status.FAILED, {"code": reason}
        else:
            run.status, run.size, run.sha256 = ReportRun.Status.DONE, made.size, made.sha256
        run.save(update_fields=["status", "finished_at", "progress", "total", "size", "sha256", "reason"])
        record(actor=run.requested_by, action="status", obj=run, object_repr=run.label,
               changes={"status": [ReportRun.Status.RUNNING.value, run.status], **({"reason": reason} if reason else {})})
    return run.status


def fail_interrupted_reports() -> int:
    """Periodic job: runs still "being written" six hours after they started were cut off (the
    worker was killed); they are marked failed and their partial files removed."""
    count, cutoff = 0, timezone.now() - INTERRUPTED_AFTER
    for run in ReportRun.objects.filter(status=ReportRun.Status.RUNNING, started_at__lt=cutoff):
        run.status, run.finished_at, run.reason = ReportRun.Status.FAILED, timezone.now(), {"code": "interrupted"}
        run.save(update_fields=["status", "finished_at", "reason"])
        stored_file(run).unlink(missing_ok=True)
        count += 1
    return count


def reason_text(run: ReportRun) -> str:
    return str(REASONS.get(run.reason.get("code"), "")) if run.reason else ""


def record_download(*, actor, run: ReportRun) -> None:
    with transaction.atomic():
        record(actor=actor, action="download", obj=run, object_repr=run.label, changes={"sha256": run.sha256})
