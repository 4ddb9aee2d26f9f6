"""Several `svidok worker` processes on one PostgreSQL: each periodic job stays queued once, however
many workers start at the same moment (svidok/common/tasks.py, ``schedule``'s lock). Real threads,
each with its own connection and its own commits; the whole scale-out path (two worker processes
taking jobs) is tests/scale/test_scale_out.py."""

import threading

import pytest
from django.db import connection, connections
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from svidok.common.tasks import run_periodic, schedule, schedule_periodic_jobs

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

STARTERS = 4
ROUNDS = 5


def waiting() -> dict[str, int]:
    counts: dict[str, int] = {}
    for args in DBTaskResult.objects.filter(task_path=run_periodic.module_path,
                                            status=TaskResultStatus.READY).values_list("args_kwargs", flat=True):
        counts[args["args"][0]] = counts.get(args["args"][0], 0) + 1
    return counts


def at_once(function) -> list[BaseException]:
    start = threading.Barrier(STARTERS)
    errors = []

    def starter():
        try:
            start.wait()
            function()
        except BaseException as exc:  # noqa: BLE001 (reported by the main thread)
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=starter) for _ in range(STARTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent transactions on PostgreSQL")
def test_workers_starting_together_queue_each_periodic_job_once(settings):
    for _ in range(ROUNDS):
        DBTaskResult.objects.all().delete()
        assert at_once(schedule_periodic_jobs) == []
        assert waiting() == dict.fromkeys(settings.SVIDOK_PERIODIC_JOBS, 1)
    assert connection.vendor == "postgresql"


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="concurrent transactions on PostgreSQL")
def test_a_run_finishing_while_a_worker_starts_leaves_one_next_run():
    # The finishing run reschedules itself (delay) while starting workers schedule it now: one of them wins.
    path = "svidok.audit.log.issue_head_if_grown"
    for _ in range(ROUNDS):
        DBTaskResult.objects.all().delete()
        assert at_once(lambda: schedule(path, delay=60)) == []
        assert waiting() == {path: 1}


def test_schedule_queues_nothing_when_a_run_is_waiting():
    path = "svidok.audit.log.issue_head_if_grown"
    assert schedule(path) is True
    assert schedule(path, delay=60) is False
    assert waiting() == {path: 1}
