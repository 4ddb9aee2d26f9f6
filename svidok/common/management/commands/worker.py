"""``svidok worker``: run background jobs (web captures, periodic jobs) until stopped.

The database worker of ``django-tasks-db`` with its options (``--batch``, ``--max-tasks``,
``--interval``, ...); before it starts, the periodic jobs of ``SVIDOK_PERIODIC_JOBS`` are queued.
"""

from django_tasks_db.management.commands import db_worker

from svidok.common.tasks import schedule_periodic_jobs


class Command(db_worker.Command):
    help = "Run background jobs (web captures, periodic signed tree heads) until stopped (Ctrl+C)."

    def handle(self, *args, **options):
        schedule_periodic_jobs()
        super().handle(*args, **options)
