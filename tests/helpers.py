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
