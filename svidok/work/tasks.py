"""Background jobs of daily work (Django's task API; run by ``svidok worker``)."""

from django_tasks import task


@task()
def send_notification_email(notification_pk: int) -> bool:
    from svidok.work import mail

    return mail.send_notification(notification_pk)
