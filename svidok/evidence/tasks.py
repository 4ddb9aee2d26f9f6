"""Background jobs of the evidence app (Django's task API; run by ``svidok worker``).

Tasks take ids and call the use-case modules, which do the work and keep its state: a task that
runs twice, or after the record changed, does no harm (``capture.run_capture`` runs a capture once).
"""

from django_tasks import task


@task()
def capture_web_page(capture_pk: int) -> str:
    from svidok.evidence import capture

    return capture.run_capture(capture_pk)
