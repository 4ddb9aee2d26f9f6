"""Who a management command acts as."""

from django.core.management.base import CommandError


def find_actor(username: str | None):
    """The active user named by ``--as``; without a name, the audited system account
    (``accounts.services.system_account``): commands never act as nobody."""
    from svidok.accounts.models import User
    from svidok.accounts.services import system_account

    if not username:
        return system_account()
    actor = User.objects.filter(username=username, is_active=True).first()
    if actor is None:
        raise CommandError(f"No active user {username!r}.")
    return actor
