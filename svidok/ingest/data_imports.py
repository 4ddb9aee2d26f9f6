"""Imports from the web page (issue 13): a file uploaded on the "Imports" page is stored, then
imported by the worker through the very use case the command line calls — incidents
(``incidents.importing.import_incidents``, ``svidok import``), a reference list
(``sanctions.lists.import_list``, ``svidok people import-list``) or election results
(``forensics.services.import_results``, ``svidok forensics import``). Nothing of the import logic
is repeated here: this module keeps the file, the job (:class:`ImportRun`) and its progress.

All or nothing, as on the command line: each use case writes in one transaction, and a run that
fails changed nothing. The uploaded file is kept only while the run waits or runs; when the run
ends, done or failed, it is deleted (its name, size and SHA-256 stay in the run and the audit log;
what it held is in the database, or was refused). A file whose run could not even be created is
deleted at once, so no file is left behind without a run.

This app sits above incidents, sanctions and forensics (``docs/architecture.md``), so it may call
all three.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
import shutil
import time
from pathlib import Path, PurePath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.forensics import services as forensics_services
from svidok.forensics.parsing import ResultsFileError
from svidok.incidents.importing import ImportFileError, import_incidents, read_file
from svidok.incidents.models import Election
from svidok.ingest.models import ImportRun
from svidok.sanctions import lists

logger = logging.getLogger(__name__)

# Who may start each kind: the permission its command-line import asks.
PERMISSIONS = {
    ImportRun.Kind.INCIDENTS: "data.import",
    ImportRun.Kind.REFERENCE_LIST: "list.import",
    ImportRun.Kind.RESULTS: "forensics.import",
}
# The files each importer reads, by suffix (the importers check the content itself).
SUFFIXES = {
    ImportRun.Kind.INCIDENTS: (".csv", ".xlsx", ".json"),
    ImportRun.Kind.REFERENCE_LIST: (".csv", ".json", ".jsonl", ".ftm"),
    ImportRun.Kind.RESULTS: (".csv", ".zip"),
}
# As on the command line: thousands of bad rows help nobody, the first ones show the pattern.
MAX_ERRORS_KEPT = 1000
# Progress is written at most this often (seconds): each write is a database write.
PROGRESS_EVERY = 0.5
LIST_NAME = re.compile(r"^[-a-zA-Z0-9_]{1,100}$")
# A run still importing this long after it started was cut off (``fail_interrupted_imports``).
INTERRUPTED_AFTER = dt.timedelta(hours=6)
REASONS = {
    "unexpected": gettext_lazy("The import stopped on an unexpected error; nothing was imported. "
                               "The administrators can see the error in the worker's log."),
    "interrupted": gettext_lazy("The import was interrupted (the worker stopped); nothing was imported. Upload the file again."),
    "not_allowed": gettext_lazy("The person who uploaded the file may no longer import this kind of data; nothing was imported."),
    "file_missing": gettext_lazy("The uploaded file is no longer there; nothing was imported. Upload it again."),
}


def kinds_for(user) -> list[tuple[str, str]]:
    """The kinds of import ``user`` may start, as ``(value, label)`` choices (asked of the one rule,
    through the module, so that a test spying on it sees each answer)."""
    return [(kind.value, kind.label) for kind in ImportRun.Kind if rules.can(user, PERMISSIONS[kind])]


def upload_dir(run: ImportRun) -> Path:
    return Path(settings.SVIDOK_IMPORT_UPLOAD_DIR) / run.uuid.hex


def stored_file(run: ImportRun) -> Path:
    """Where the run's file waits: a folder of its own, under the file's own name, since the
    reference-list importer records the name of the path it reads."""
    return upload_dir(run) / run.file_name


def _safe_name(name: str) -> str:
    name = PurePath((name or "").replace("\\", "/")).name
    name = "".join(c for c in name if c.isprintable() and c not in '/\\:*?"<>|').strip(" .")
    return name[-200:] or "file"


def _check_options(kind: str, options: dict) -> dict:
    """The options the kind needs, checked before anything is stored."""
    if kind == ImportRun.Kind.REFERENCE_LIST:
        name = (options.get("list_name") or "").strip()
        if not LIST_NAME.match(name):
            raise ValidationError({"list_name": _("Give the list a short name of letters, digits, '-' or '_' "
                                                  "(at most 100), for example eu-269.")})
        return {"list_name": name, "title": (options.get("title") or "").strip()[:300]}
    if kind == ImportRun.Kind.RESULTS:
        election = options.get("election")
        if not isinstance(election, Election):
            raise ValidationError({"election": _("Choose the election the results belong to.")})
        return {"election": election.public_id}
    # Incidents: keep "verified" only when the file's verifications were decided in the system it comes from.
    return {"verified_elsewhere": True} if options.get("verified_elsewhere") else {}


def start_import(*, actor, kind: str, upload, options: dict | None = None, language: str = "") -> ImportRun:
    """Store an uploaded file and queue its import (``tasks.import_file``, once this transaction
    commits). ``upload`` is a Django ``UploadedFile``; ``options`` holds ``list_name`` and
    ``title`` for a reference list, ``election`` (an Election) for results. Refused with a
    ``ValidationError`` (keyed ``file``, ``kind``, ``list_name`` or ``election``) before anything
    is stored: a kind the actor may not import, a file of the wrong type, empty or too large."""
    known = isinstance(kind, str) and kind in PERMISSIONS
    require(actor, PERMISSIONS[kind] if known else "data.import")
    if not known:
        raise ValidationError({"kind": _("Choose what the file holds.")})
    options = _check_options(kind, options or {})
    name = _safe_name(getattr(upload, "name", ""))
    if not name.lower().endswith(SUFFIXES[kind]):
        raise ValidationError({"file": _("This kind of import reads %(types)s files; this file is not one.")
                               % {"types": ", ".join(s.lstrip(".").upper() for s in SUFFIXES[kind])}})
    if not upload.size:
        raise ValidationError({"file": _("The file is empty.")})
    limit = settings.SVIDOK_IMPORT_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise ValidationError({"file": _("The file is larger than %(size)s MB, the most an import accepts.")
                               % {"size": limit // 1024**2}})
    run = ImportRun(kind=kind, requested_by=actor, file_name=name, size=upload.size, options=options,
                    language=(language or translation.get_language() or settings.LANGUAGE_CODE)[:16])
    folder = upload_dir(run)
    try:
        folder.mkdir(parents=True, mode=0o700)
        digest = hashlib.sha256()
        with open(stored_file(run), "xb") as out:
            for chunk in upload.chunks():
                digest.update(chunk)
                out.write(chunk)
        run.sha256 = digest.hexdigest()
        with transaction.atomic():
            run.save()
            record(actor=actor, action="import_queued", obj=run, object_repr=name,
                   changes={"kind": kind, "file": name, "size": run.size, "sha256": run.sha256, **options})
            transaction.on_commit(lambda: _enqueue(run.pk))
    except BaseException:
        # No file without a run: whatever stopped us (a full disk, a refused write), it goes.
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return run


def _enqueue(run_pk: int) -> None:
    from svidok.ingest.tasks import import_file

    result = import_file.enqueue(run_pk)
    ImportRun.objects.filter(pk=run_pk).update(task_id=str(result.id)[:64])


class _Progress:
    """The callback the importers take: counts what they report and writes it to the run now and then."""

    def __init__(self, run: ImportRun):
        self.run, self.count, self.written_at = run, 0, 0.0
        # Made outside the importer's transaction: deeper than this, the importer is writing.
        self.depth = len(connection.atomic_blocks)

    def __call__(self, n: int = 1) -> None:
        self.count += n
        # Inside the import's transaction a write would show nobody anything until it commits, and
        # on PostgreSQL the callback may come in the middle of a COPY on this very connection.
        if len(connection.atomic_blocks) > self.depth:
            return
        now = time.monotonic()
        if now - self.written_at >= PROGRESS_EVERY:
            self.written_at = now
            ImportRun.objects.filter(pk=self.run.pk).update(progress=self.count)


def _error(line, field: str, message) -> dict:
    return {"line": line, "field": field, "message": str(message)}


class _Refused(Exception):
    """The importer refused the file: ``errors`` per language, nothing was written."""

    def __init__(self, errors: dict[str, list[dict]], count: int):
        super().__init__(count)
        self.errors, self.count = errors, count


def _import_incidents(run: ImportRun, path: Path, progress: _Progress) -> tuple[dict, dict]:
    try:
        rows = read_file(path)
    except ImportFileError as exc:
        errors = {run.language: [_error(None, "", exc)]}
        for code, _name in settings.LANGUAGES:
            if code not in errors:
                with translation.override(code):
                    try:
                        read_file(path)
                    except ImportFileError as again:
                        errors[code] = [_error(None, "", again)]
        raise _Refused(errors, 1) from None
    # As the command's bar: validation counts each row once, writing each created incident once.
    ImportRun.objects.filter(pk=run.pk).update(total=len(rows) * 2)
    outcome = import_incidents(actor=run.requested_by, rows=rows, progress=progress,
                               verified_elsewhere=bool(run.options.get("verified_elsewhere")))
    if outcome.errors:
        errors = {run.language: [_error(e.line, e.field, e.message) for e in outcome.errors[:MAX_ERRORS_KEPT]]}
        # The service checks speak the active language: check the rows again (nothing is written)
        # in each other interface language, so every reader reads the problems in theirs.
        for code, _name in settings.LANGUAGES:
            if code not in errors:
                with translation.override(code):
                    again = import_incidents(actor=run.requested_by, rows=rows, dry_run=True)
                errors[code] = [_error(e.line, e.field, e.message) for e in again.errors[:MAX_ERRORS_KEPT]]
        raise _Refused(errors, len(outcome.errors))
    return outcome.created, {"references": outcome.references[:1], "rows": outcome.rows}


def _import_list(run: ImportRun, path: Path, progress: _Progress) -> tuple[dict, dict]:
    try:
        reference_list = lists.import_list(actor=run.requested_by, path=path, name=run.options["list_name"],
                                           title=run.options.get("title", ""))
    except lists.ListFileError as exc:
        raise _Refused({run.language: [_error(None, "", exc)]}, 1) from None
    return {"entities": reference_list.entity_count}, {"list": reference_list.name}


def _import_results(run: ImportRun, path: Path, progress: _Progress) -> tuple[dict, dict]:
    election = Election.objects.filter(uuid=run.options["election"]).first()
    if election is None:
        raise _Refused({run.language: [_error(None, "", _("The election was deleted after the file was uploaded."))]}, 1)
    try:
        outcome = forensics_services.import_results(actor=run.requested_by, election=election, source=path,
                                                    name=run.file_name, progress=progress)
    except ResultsFileError as exc:
        problems = [_error(None, "", exc.args[0])] + [_error(None, "", p) for p in exc.problems[:MAX_ERRORS_KEPT]]
        raise _Refused({run.language: problems}, max(1, len(exc.problems))) from None
    flagged = sum(1 for f in outcome.parsed.flags if f)
    return ({"precincts": len(outcome.parsed), "flagged": flagged},
            {"result_set": outcome.result_set.public_id, "election": election.public_id})


IMPORTERS = {
    ImportRun.Kind.INCIDENTS: _import_incidents,
    ImportRun.Kind.REFERENCE_LIST: _import_list,
    ImportRun.Kind.RESULTS: _import_results,
}


def run_import(run_pk: int) -> str:
    """Import a run's file (called by the worker); returns the final status. Runs once even if its
    task runs twice. The file is deleted at the end, whatever the outcome."""
    with transaction.atomic():
        run = ImportRun.objects.select_for_update(of=("self",)).select_related("requested_by").get(pk=run_pk)
        if run.status != ImportRun.Status.QUEUED:
            return run.status
        run.status, run.started_at = ImportRun.Status.RUNNING, timezone.now()
        run.save(update_fields=["status", "started_at"])
    progress = _Progress(run)
    path = stored_file(run)
    try:
        with translation.override(run.language):
            if not path.is_file():
                raise _Stopped("file_missing")
            require(run.requested_by, PERMISSIONS[run.kind])
            counts, result = IMPORTERS[run.kind](run, path, progress)
    except _Refused as refused:
        run.errors, run.error_count = refused.errors, refused.count
        _finish(run, ImportRun.Status.FAILED, progress)
    except _Stopped as stopped:
        _finish(run, ImportRun.Status.FAILED, progress, reason=stopped.code)
    except PermissionDenied:
        _finish(run, ImportRun.Status.FAILED, progress, reason="not_allowed")
    except Exception:
        logger.exception("import %s stopped", run.uuid)
        _finish(run, ImportRun.Status.FAILED, progress, reason="unexpected")
    else:
        run.counts, run.result = counts, result
        _finish(run, ImportRun.Status.DONE, progress)
    finally:
        shutil.rmtree(upload_dir(run), ignore_errors=True)
    return run.status


class _Stopped(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@transaction.atomic
def _finish(run: ImportRun, status: str, progress: _Progress | None, reason: str = "") -> None:
    run.status, run.finished_at = status, timezone.now()
    if progress is not None:
        run.progress = progress.count
    run.total = ImportRun.objects.filter(pk=run.pk).values_list("total", flat=True).first()
    if reason:
        run.reason = {"code": reason}
    run.save(update_fields=["status", "finished_at", "progress", "total", "counts", "result", "errors", "error_count", "reason"])
    changes = {"kind": run.kind, "file": run.file_name, "sha256": run.sha256, "status": status, **run.counts}
    if run.error_count:
        changes["problems"] = run.error_count
    if reason:
        changes["reason"] = reason
    record(actor=run.requested_by, action="import_finished", obj=run, object_repr=run.file_name, changes=changes)


def fail_interrupted_imports() -> int:
    """Periodic job: runs still "importing" six hours after they started were cut off (the worker
    was killed, the machine stopped). Their transaction never committed, so nothing was imported;
    they are marked failed and their file deleted, so that nobody waits for them. Upload folders
    without a pending run are deleted too."""
    count, cutoff = 0, timezone.now() - INTERRUPTED_AFTER
    for run in ImportRun.objects.filter(status=ImportRun.Status.RUNNING, started_at__lt=cutoff).select_related("requested_by"):
        _finish(run, ImportRun.Status.FAILED, None, reason="interrupted")
        shutil.rmtree(upload_dir(run), ignore_errors=True)
        count += 1
    _remove_orphans()
    return count


def _remove_orphans() -> None:
    """Delete upload folders no waiting or running import owns (an upload whose run was rolled back
    with a caller's transaction, a run deleted by hand), once they are an hour old, so that no
    uploaded file stays behind without a run."""
    root = Path(settings.SVIDOK_IMPORT_UPLOAD_DIR)
    if not root.is_dir():
        return
    pending = {u.hex for u in ImportRun.objects.filter(status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING])
               .values_list("uuid", flat=True)}
    cutoff = time.time() - 3600
    for folder in root.iterdir():
        if folder.name in pending or folder.stat().st_mtime >= cutoff:
            continue
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            folder.unlink(missing_ok=True)


def reason_text(run: ImportRun) -> str:
    return str(REASONS.get(run.reason.get("code"), "")) if run.reason else ""


def errors_for(run: ImportRun, language: str) -> list[dict]:
    """The run's problems in ``language``, or in the language the run wrote them in."""
    return run.errors.get(language) or run.errors.get(run.language) or next(iter(run.errors.values()), [])


# The columns of an incident file in people's words (``docs/import-format.md``); the page shows
# the label and keeps the column's name for the tooltip.
COLUMN_LABELS = {
    "reference": gettext_lazy("Reference"), "title": gettext_lazy("Title"), "type": gettext_lazy("Type"),
    "date_start": gettext_lazy("Start date"), "date_end": gettext_lazy("End date"),
    "date_precision": gettext_lazy("Date precision"), "place": gettext_lazy("Place"),
    "place_text": gettext_lazy("Place (free text)"), "election": gettext_lazy("Election"),
    "status": gettext_lazy("Status"), "status_reason": gettext_lazy("Reason for the status"),
    "duplicate_of": gettext_lazy("Duplicate of"), "sensitivity": gettext_lazy("Sensitivity"),
    "confidence": gettext_lazy("Confidence"), "victim_count": gettext_lazy("Number of victims"),
    "narrative": gettext_lazy("Narrative"), "legal_tags": gettext_lazy("Legal qualification"),
    "tags": gettext_lazy("Tags"), "victims": gettext_lazy("Victims"), "witnesses": gettext_lazy("Witnesses"),
    "perpetrators": gettext_lazy("Perpetrators"), "perpetrator_organizations": gettext_lazy("Perpetrator organizations"),
    "perpetrator_type": gettext_lazy("Perpetrator type"), "source_type": gettext_lazy("Source type"),
    "source_title": gettext_lazy("Source title"), "source_url": gettext_lazy("Source address"),
    "source_publisher": gettext_lazy("Source publisher"), "source_author": gettext_lazy("Source author"),
    "source_date": gettext_lazy("Source date"), "source_language": gettext_lazy("Source language"),
    "source_reliability": gettext_lazy("Source reliability"), "source_credibility": gettext_lazy("Source credibility"),
    "source_excerpt": gettext_lazy("Source excerpt"), "source_note": gettext_lazy("Source note"),
    "row": gettext_lazy("The row"), "involvements": gettext_lazy("Involvements"), "sources": gettext_lazy("Sources"),
    # keys of the nested JSON items
    "role": gettext_lazy("Role"), "kind": gettext_lazy("Kind"), "name": gettext_lazy("Name"),
    "details": gettext_lazy("Details"), "url": gettext_lazy("Address"), "publisher": gettext_lazy("Publisher"),
    "author": gettext_lazy("Author"), "published_on": gettext_lazy("Publication date"), "language": gettext_lazy("Language"),
    "reliability": gettext_lazy("Reliability"), "credibility": gettext_lazy("Credibility"),
    "excerpt": gettext_lazy("Excerpt"), "note": gettext_lazy("Note"),
}
_NESTED = re.compile(r"^(involvements|sources)\[(\d+)\]\.?(\w*)$")


def field_label(field: str) -> str:
    """A row error's field (a column, or ``sources[2].url`` in JSON) in the reader's words."""
    if not field:
        return ""
    nested = _NESTED.match(field)
    if nested:
        group, number, key = nested.groups()
        item = (_("Involvement %(n)s") if group == "involvements" else _("Source %(n)s")) % {"n": number}
        return f"{item}: {COLUMN_LABELS[key]}" if key in COLUMN_LABELS else item
    return str(COLUMN_LABELS.get(field, _("another column")))


def counts_text(run: ImportRun) -> str:
    """What a finished run created, in words."""
    from django.utils.translation import ngettext

    counts = run.counts or {}
    if run.kind == ImportRun.Kind.INCIDENTS:
        parts = [ngettext("%(n)s incident", "%(n)s incidents", counts.get("incidents", 0)),
                 ngettext("%(n)s new person", "%(n)s new persons", counts.get("persons", 0)),
                 ngettext("%(n)s new organization", "%(n)s new organizations", counts.get("organizations", 0)),
                 ngettext("%(n)s new source", "%(n)s new sources", counts.get("sources", 0))]
        values = [counts.get(k, 0) for k in ("incidents", "persons", "organizations", "sources")]
        return _("Imported: %(list)s.") % {"list": ", ".join(p % {"n": f"{v:,}"} for p, v in zip(parts, values, strict=True))}
    if run.kind == ImportRun.Kind.REFERENCE_LIST:
        n = counts.get("entities", 0)
        return ngettext("%(n)s person or organization in the list %(name)s.", "%(n)s persons and organizations in the list %(name)s.", n) % {
            "n": f"{n:,}", "name": run.result.get("list", "")}
    n, flagged = counts.get("precincts", 0), counts.get("flagged", 0)
    return ngettext("%(n)s precinct imported (%(flagged)s flagged for review).", "%(n)s precincts imported (%(flagged)s flagged for review).",
                    n) % {"n": f"{n:,}", "flagged": f"{flagged:,}"}


def progress_text(run: ImportRun) -> str:
    """How far a running import is, where its importer reports it."""
    if run.status != ImportRun.Status.RUNNING:
        return ""
    if run.kind == ImportRun.Kind.INCIDENTS and run.total:
        rows = run.total // 2
        if run.progress < rows:
            return _("Checking row %(n)s of %(total)s.") % {"n": f"{run.progress:,}", "total": f"{rows:,}"}
        # The writing is one transaction: its progress shows nobody anything before it commits.
        return _("All %(total)s rows checked; writing the incidents.") % {"total": f"{rows:,}"}
    return _("Reading the file.")
