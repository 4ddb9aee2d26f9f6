"""Fixtures of the evidence tests: every test gets its own evidence storage in a temporary directory."""

import os
import sqlite3
import sys
from pathlib import Path

import pytest
from django.db import connection

from svidok.audit.models import AuditEntry
from svidok.evidence.models import Blob, EvidenceItem
from tests.evidence.capture_site import Site
from tests.helpers import database_now, var_dir_with_database, wait_for_sessions_to_end

SVIDOK = str(Path(sys.executable).with_name("svidok"))


def local_storage(location) -> dict:
    return {"BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(location), "file_permissions_mode": 0o600, "directory_permissions_mode": 0o700}}


@pytest.fixture(autouse=True)
def vault(settings, tmp_path):
    """The evidence storage of this test: a fresh directory (setting STORAGES resets Django's storages)."""
    location = tmp_path / "evidence"
    settings.STORAGES = {**settings.STORAGES, "evidence": local_storage(location)}
    return location


def stored_files(location) -> list[str]:
    """Every file in the storage directory, relative to it, sorted."""
    if not location.exists():
        return []
    return sorted(str(p.relative_to(location)) for p in location.rglob("*") if p.is_file())


@pytest.fixture
def site():
    """A small web site on loopback for the capture tests (tests/evidence/capture_site.py)."""
    site = Site()
    yield site
    site.close()


@pytest.fixture
def process_env(tmp_path, request):
    """The environment of a ``svidok`` subprocess and a way to count its evidence rows.

    PostgreSQL: the test database itself (committed rows, so a transactional test). SQLite: the
    test database is in memory, so the process gets its own migrated database file. On PostgreSQL
    the test ends once the sessions of its processes have (``wait_for_sessions_to_end``)."""
    env = {**os.environ, "SVIDOK_VAR_DIR": str(tmp_path / "var")}
    (tmp_path / "var" / "static").mkdir(parents=True)
    if connection.vendor == "postgresql":
        request.getfixturevalue("transactional_db")
        started = database_now()
        s = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"

        def counts():
            return (Blob.objects.count(), EvidenceItem.objects.count(),
                    AuditEntry.objects.filter(object_type="evidence.evidenceitem").count())
    else:
        env.pop("DATABASE_URL", None)
        database = var_dir_with_database(request.getfixturevalue("migrated_sqlite"), tmp_path / "var") / "svidok.sqlite3"

        def counts():
            with sqlite3.connect(database) as db:
                return tuple(db.execute(query).fetchone()[0] for query in (
                    "select count(*) from evidence_blob", "select count(*) from evidence_evidenceitem",
                    "select count(*) from audit_auditentry where object_type = 'evidence.evidenceitem'"))
    yield env, tmp_path / "var" / "evidence", counts
    if connection.vendor == "postgresql":
        wait_for_sessions_to_end(started)
