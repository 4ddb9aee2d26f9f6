"""Periodic jobs run by the background worker.

``settings.SVIDOK_PERIODIC_JOBS`` maps the import path of a function (taking no arguments) to the
seconds between its runs. :func:`schedule_periodic_jobs` (called when ``svidok worker`` starts)
queues one :func:`run_periodic` task per job unless one is already waiting; each run queues the
next, ``run_after`` the interval. The schedule lives in the task table, so any number of workers
share it and a restarted worker picks it up.

Two workers starting at once, or one starting while another finishes a run, would each see no run
waiting and each queue one: the job would then run twice per interval, for ever. ``schedule`` looks
and queues under one lock (a transaction-scoped advisory lock on PostgreSQL; on SQLite the
transaction's ``BEGIN IMMEDIATE`` is that lock), so the second sees the first's run. Claiming a job
is django-tasks-db's ``SELECT ... FOR UPDATE SKIP LOCKED``: one worker per job.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.base import TaskResultStatus

logger = logging.getLogger(__name__)


def _waiting(path: str) -> bool:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(task_path=run_periodic.module_path, status=TaskResultStatus.READY,
                                       args_kwargs__args__0=path).exists()


def _importable(path: str) -> bool:
    try:
        import_string(path)
    except ImportError:
        return False
    return True


# pg_advisory_xact_lock's key for the periodic schedule: any fixed number no other lock of ours uses.
SCHEDULE_LOCK = 0x5F1D0C01


def schedule(path: str, *, delay: int = 0) -> bool:
    """Queue the periodic job ``path`` to run in ``delay`` seconds, unless a run is already waiting."""
    with transaction.atomic(using=DEFAULT_DB_ALIAS):
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULE_LOCK])
        if _waiting(path):
            return False
        run_periodic.using(run_after=timezone.now() + dt.timedelta(seconds=delay)).enqueue(path)
    return True


def schedule_periodic_jobs() -> list[str]:
    """Queue every configured periodic job that is not waiting yet; the jobs whose function does not
    exist (an app not installed) are left out and named in the log."""
    scheduled = []
    for path in settings.SVIDOK_PERIODIC_JOBS:
        if not _importable(path):
            logger.warning("periodic job %s is not available; not scheduled", path)
            continue
        if schedule(path):
            scheduled.append(path)
    return scheduled


@task()
def run_periodic(path: str) -> None:
    interval = settings.SVIDOK_PERIODIC_JOBS.get(path)
    if interval is None:
        return  # no longer configured: the chain ends here
    try:
        import_string(path)()
    finally:
        schedule(path, delay=interval)
