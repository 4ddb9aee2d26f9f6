import datetime as dt
import fcntl
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from svidok.accounts.models import Role
from svidok.accounts.services import system_account
from svidok.incidents import search_index
from svidok.incidents.models import Place
from svidok.incidents.services import load_vocabularies, record_election, submit_incident, verify_incident
from svidok.names.index import CACHE as MATCH_INDEXES
from tests import factories
from tests.helpers import make_user


def _load_vocabularies():
    with open(settings.DATA_DIR / "vocabularies.json", encoding="utf-8") as handle:
        load_vocabularies(actor=system_account(), data=json.load(handle))


# Fixtures through which a test reaches a database: pytest-django's, and process_env (tests/evidence),
# which hands the test database to a child process on PostgreSQL.
DATABASE_FIXTURES = frozenset({"db", "transactional_db", "live_server", "django_db_reset_sequences",
                               "django_db_serialized_rollback", "process_env"})


def uses_database(item) -> bool:
    """Whether a test can reach a database. pytest-django refuses database access to any other test,
    so a test without these runs the same whatever database the suite is given."""
    return item.get_closest_marker("django_db") is not None or bool(DATABASE_FIXTURES & set(item.fixturenames))


def pytest_collection_modifyitems(config, items):
    """SVIDOK_TESTS_DATABASE_ONLY=1 (scripts/test.sh, second pass on PostgreSQL) leaves out the tests
    that cannot reach a database: they ran in the first pass, and a second database changes nothing
    for them (docs/decisions.md, decision 40).

    The scale-out test (marked ``scale``) makes its own database cluster and processes: it runs only
    with SVIDOK_TESTS_SCALE=1 (`make test-scale`), and then alone."""
    # process_env asks for the test database only once it runs, on PostgreSQL; pytest-django decides
    # at the start which test databases to create from the tests' markers and fixtures, so a run of
    # only such tests would have none (and would reach the real database's name). Mark them.
    for item in items:
        if "process_env" in item.fixturenames and item.get_closest_marker("django_db") is None:
            item.add_marker(pytest.mark.django_db(transaction=True))
    scale = os.environ.get("SVIDOK_TESTS_SCALE") == "1"
    chosen = [item for item in items if (item.get_closest_marker("scale") is not None) == scale]
    if len(chosen) < len(items):
        kept = set(map(id, chosen))
        config.hook.pytest_deselected(items=[item for item in items if id(item) not in kept])
        items[:] = chosen
    if os.environ.get("SVIDOK_TESTS_DATABASE_ONLY") != "1":
        return
    keep = [item for item in items if uses_database(item)]
    if len(keep) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if not uses_database(item)])
        items[:] = keep


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The vocabularies are reference data every test needs: load them once per test database."""
    with django_db_blocker.unblock():
        _load_vocabularies()



@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory, _identity_key) -> Path:
    """An SQLite database made by a real `svidok migrate` process, once for the whole run (migrating
    takes 8 to 13 seconds): the pytest workers share it, the first to need it makes it under a lock.
    Tests that run ``svidok`` processes on SQLite copy it into their var directory
    (``tests.helpers.var_dir_with_database``)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's directory, above each worker's own
    made = shared / "migrated.sqlite3"
    with open(shared / "migrated.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not made.exists():
            var = shared / "migrated-var"
            (var / "static").mkdir(parents=True, exist_ok=True)
            env = {**os.environ, "SVIDOK_VAR_DIR": str(var), "SVIDOK_PLAIN_STATIC": "1"}
            env.pop("DATABASE_URL", None)
            subprocess.run([sys.executable, "-c", "import sys; from svidok.cli import main; sys.exit(main())",
                            "migrate", "-v0"], env=env, check=True, timeout=300)
            # The backup API, not a file copy: it carries what is still in the write-ahead log.
            part = shared / "migrated.part"
            with sqlite3.connect(var / "svidok.sqlite3") as source, sqlite3.connect(part) as copy:
                source.backup(copy)
            source.close()
            copy.close()
            part.rename(made)
    return made


@pytest.fixture(scope="session", autouse=True)
def _identity_key(tmp_path_factory):
    """The identity vault's key (svidok.common.crypto): a fresh key file in a temporary directory
    for the test session, named in the environment too, for the commands tests run as processes."""
    import os

    from svidok.common import crypto

    path = crypto.write_key_file([crypto.Key.generate()], tmp_path_factory.mktemp("keys") / "identity.key", replace=False)
    saved = {name: os.environ.pop(name, None) for name in (crypto.ENV_VAR, "SVIDOK_IDENTITY_KEY_FILE")}
    os.environ["SVIDOK_IDENTITY_KEY_FILE"] = str(path)
    previous, settings.SVIDOK_IDENTITY_KEY_FILE = settings.SVIDOK_IDENTITY_KEY_FILE, path
    yield path
    settings.SVIDOK_IDENTITY_KEY_FILE = previous
    for name, value in saved.items():
        os.environ.pop(name, None)
        if value is not None:
            os.environ[name] = value


@pytest.fixture(scope="session", autouse=True)
def _flush_through_audit_triggers():
    """The database refuses DELETE and TRUNCATE on the audit log (svidok.audit.triggers); the
    flush that ends each transactional test lifts the triggers, empties the tables and puts the
    triggers back, in its one transaction. Test databases only: the application never lifts them."""
    from django.db import connections

    from svidok.audit import triggers

    # Patched on the operations class, not on one connection object: connections are per thread and
    # per context (Playwright's sync API runs tests in a greenlet, with connections of its own).
    patched = {}
    for conn in connections.all():
        cls = type(conn.ops)
        if cls in patched:
            continue
        patched[cls] = original = cls.sql_flush

        def sql_flush(self, style, tables, *args, _original=original, **kwargs):
            statements = _original(self, style, tables, *args, **kwargs)
            if not set(triggers.TABLES) & set(tables):
                return statements
            vendor = self.connection.vendor
            return [*triggers.remove_sql(vendor), *statements, *triggers.install_sql(vendor)]

        cls.sql_flush = sql_flush
    yield
    for cls, original in patched.items():
        cls.sql_flush = original


@pytest.fixture(autouse=True)
def _english():
    """Messages and pages in English, whatever language an earlier test or request left active in
    this thread (the locale middleware leaves it active); tests of other languages ask for them."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_match_indexes():
    """The matcher's per-process indexes are rebuilt when their source changes; a rolled-back test
    can leave one whose state the next test's data repeats, so each test starts without any."""
    yield
    MATCH_INDEXES.clear()


@pytest.fixture(autouse=True)
def _fresh_public_pages():
    """The public site's pages are cached per process under a generation kept in the database; a
    rolled-back test can leave a page whose generation the next test's data repeats, so each test
    starts with none (tests/public tests the cache itself)."""
    yield
    from django.core.cache import caches

    from svidok.public import cache as portal_cache

    caches[portal_cache.PAGES].clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests hash many passwords and do not test its strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def vocabularies(transactional_db):
    """For transactional tests (live server, browser), whose flush empties every table."""
    _load_vocabularies()


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


# --- a small world for page and API tests: gazetteer, election, incidents in several states --------------

@pytest.fixture
def places(db):
    # Reference data: the gazetteer loader writes Place rows directly, and so do these tests.
    crimea = Place.objects.create(code="UA01000000000013043", category="O", name_uk="Автономна Республіка Крим",
                                  name_ru="Автономная Республика Крым", name_latin="Avtonomna Respublika Krym")
    raion = Place.objects.create(code="UA01020000000022387", category="P", name_uk="Бахчисарайський",
                                 name_latin="Bakhchysaraiskyi", parent=crimea, region=crimea)
    hromada = Place.objects.create(code="UA01020010000079335", category="H", name_uk="Бахчисарайська",
                                   name_latin="Bakhchysaraiska", parent=raion, region=crimea, raion=raion)
    town = Place.objects.create(code="UA01020010010073418", category="M", name_uk="Бахчисарай", name_ru="Бахчисарай",
                                name_latin="Bakhchysarai", name_crh="Bağçasaray", parent=hromada, region=crimea, raion=raion)
    search_index.index_places([crimea, raion, hromada, town])
    return {"crimea": crimea, "raion": raion, "hromada": hromada, "town": town}


@pytest.fixture
def election(coordinator):
    return record_election(actor=coordinator, fields={"name": "Russian presidential election 2018 in Crimea",
                                                       "name_uk": "Вибори президента РФ 2018 у Криму",
                                                       "date": dt.date(2018, 3, 18)})


@pytest.fixture
def verified(documenter, coordinator):
    """A verified incident, visible to every role."""
    incident = factories.incident(documenter, title="Teacher dismissed for not voting", sensitivity="internal")
    submit_incident(actor=documenter, incident=incident)
    return verify_incident(actor=coordinator, incident=incident)


@pytest.fixture
def draft(documenter):
    return factories.incident(documenter, title="Draft about a threat", type_code="threat_of_dismissal")


@pytest.fixture
def api():
    """A client factory: ``api(user)`` signs in as ``user``; ``api()`` is anonymous."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make


@pytest.fixture(scope="module")
def module_evidence_storage(tmp_path_factory):
    """An evidence storage for a whole module (a module-scoped world with uploads): a temporary directory."""
    from django.conf import settings as django_settings
    from django.test import override_settings

    location = tmp_path_factory.mktemp("evidence")
    with override_settings(STORAGES={**django_settings.STORAGES, "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}}):
        yield location
