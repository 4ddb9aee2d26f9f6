"""Background jobs of the reports (Django's task API; run by ``svidok worker``). Thin: the task
takes the run's id and calls the use case, which keeps the state."""

from django_tasks import task


@task()
def make_periodic_report(run_pk: int) -> str:
    from svidok.reports import runs

    return runs.run_report(run_pk)
