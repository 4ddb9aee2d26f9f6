"""Helpers shared by the management commands."""

from django.core.management.base import CommandError


def find_actor(username: str | None):
    """The active user named by ``--as``; None (the installation owner) when no name is given."""
    from svidok.accounts.models import User

    if not username:
        return None
    actor = User.objects.filter(username=username, is_active=True).first()
    if actor is None:
        raise CommandError(f"No active user {username!r}.")
    return actor
