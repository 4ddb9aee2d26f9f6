"""Helpers the test modules import (fixtures live in ``tests/conftest.py``)."""

import shutil
import time
from pathlib import Path

import pytest
from django.conf import settings
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from svidok.accounts.models import User

PASSWORD = "correct-horse-battery-staple"


def var_dir_with_database(migrated: Path, path: Path) -> Path:
    """A var directory at ``path`` for a ``svidok`` process on SQLite, holding its own copy of the
    run's migrated database (the ``migrated_sqlite`` fixture)."""
    (path / "static").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(migrated, path / "svidok.sqlite3")
    (path / "svidok.sqlite3").chmod(0o600)
    return path


def database_now():
    """The PostgreSQL server's clock: what ``wait_for_sessions_to_end`` counts from."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        return cursor.fetchone()[0]


def wait_for_sessions_to_end(since, timeout: float = 30) -> None:
    """Wait until every other session opened on the test database since ``since`` (by the processes a
    test started) has ended. PostgreSQL ends the session of a finished or killed process a moment
    after the process is gone; when that test was a worker's last, dropping its test database right
    away failed now and then ("being accessed by other users")."""
    from django.db import connection

    def sessions() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                           "AND pid <> pg_backend_pid() AND backend_start >= %s", [since])
            return cursor.fetchone()[0]

    deadline = time.monotonic() + timeout
    while sessions() and time.monotonic() < deadline:
        time.sleep(0.05)  # polling for a state, not timing an assertion
    assert sessions() == 0, "a process the test started still holds a database session"


def make_user(role: str, username: str | None = None) -> User:
    user = User(username=username or role, role=role)
    user.set_password(PASSWORD)
    user.save()
    return user


def second_lead() -> User:
    """A second coordinator, "coordinator2", made once: who verifies what the ``coordinator`` fixture
    recorded (four eyes, docs/permissions.md: the recorder of an incident does not verify it)."""
    return User.objects.filter(username="coordinator2").first() or make_user("coordinator", "coordinator2")


def authenticator(user: User) -> TOTPDevice:
    """The user's confirmed authenticator, set up if missing (as the enrollment page would)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    """The code the person's app would show now, computed from the device's key. A device refuses
    a code twice: when this step's code was used already (a second sign-in within 30 s), the next
    step's code is given, which the device accepts too (one step of tolerance for a phone's clock)."""
    device.refresh_from_db()
    code = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    code.time = time.time()
    if code.t() <= device.last_t:
        code.time += device.step
    assert code.t() > device.last_t, "a third code in one time step: the device would refuse it"
    return f"{code.token():0{device.digits}d}"


def login(client, user):
    """Sign ``client`` in as ``user``, past the second factor when the role needs one: the session
    holds the verified device as ``django_otp.login`` leaves it. Tests of the sign-in form itself
    post to it (tests/accounts)."""
    client.force_login(user)
    if user.needs_second_factor:
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = authenticator(user).persistent_id
        session.save()
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


# Interface languages whose catalogue another branch brings, e.g. {"xx": "comes from branch h/xx"}.
# Their tests are expected to fail until the merge, strictly: once the catalogue is there they
# pass, the strict xfail turns that into a failure, and the entry must go.
PENDING_CATALOGUES: dict[str, str] = {}


def interface_languages(*, with_english: bool = False) -> list:
    """The configured interface languages as pytest parameters (English, the source, left out
    unless asked for), those in ``PENDING_CATALOGUES`` marked as expected to fail."""
    return [pytest.param(code, marks=pytest.mark.xfail(reason=PENDING_CATALOGUES[code], strict=True))
            if code in PENDING_CATALOGUES else code
            for code, _name in settings.LANGUAGES if with_english or code != settings.LANGUAGE_CODE]
