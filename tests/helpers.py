"""Helpers the test modules import (fixtures live in ``tests/conftest.py``)."""

from svidok.accounts.models import User

PASSWORD = "correct-horse-battery-staple"


def make_user(role: str, username: str | None = None) -> User:
    user = User(username=username or role, role=role)
    user.set_password(PASSWORD)
    user.save()
    return user


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def settle_constraints() -> None:
    """Check the deferred foreign keys of what a module- or session-scoped fixture just loaded, once.

    On PostgreSQL, pytest-django ends every test with ``SET CONSTRAINTS ALL IMMEDIATE`` inside the
    test's savepoint; rolling the savepoint back puts the fixture's pending checks back in the queue,
    so without this each test re-checks every foreign key the fixture wrote (about 100,000 for an
    election file: seconds per test). Checked here, in the fixture's own transaction, they are done.
    SQLite checks nothing deferred this way, so it is left alone."""
    from django.db import connection

    if connection.vendor == "postgresql":
        connection.check_constraints()
