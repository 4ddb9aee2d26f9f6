import json

import pytest
from django.conf import settings

from svidok.accounts.models import Role, User
from svidok.accounts.services import system_account
from svidok.incidents.services import load_vocabularies

PASSWORD = "correct-horse-battery-staple"


def _load_vocabularies():
    with open(settings.DATA_DIR / "vocabularies.json", encoding="utf-8") as handle:
        load_vocabularies(actor=system_account(), data=json.load(handle))


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The vocabularies are reference data every test needs: load them once per test database."""
    with django_db_blocker.unblock():
        _load_vocabularies()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests hash many passwords and do not test its strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def vocabularies(transactional_db):
    """For transactional tests (live server, browser), whose flush empties every table."""
    _load_vocabularies()


def make_user(role: str, username: str | None = None) -> User:
    user = User(username=username or role, role=role)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def admin_user(db):
    return make_user(Role.ADMIN, "admin")


@pytest.fixture
def coordinator(db):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def documenter(db):
    return make_user(Role.DOCUMENTER)


@pytest.fixture
def other_documenter(db):
    return make_user(Role.DOCUMENTER, "documenter2")


@pytest.fixture
def analyst(db):
    return make_user(Role.ANALYST)


@pytest.fixture
def viewer(db):
    return make_user(Role.VIEWER)
