"""Background jobs of the news reader (Django's task API; run by ``svidok worker``).

Thin: the task takes the run's id and calls the use case, which keeps the state (a run is read
once, even if its task runs twice)."""

from django_tasks import task


@task()
def fetch_news(run_pk: int) -> str:
    from svidok.ingest import services

    return services.run_fetch(run_pk)


@task()
def import_file(run_pk: int) -> str:
    from svidok.ingest import data_imports

    return data_imports.run_import(run_pk)
