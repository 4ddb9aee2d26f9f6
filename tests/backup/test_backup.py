"""Backups: an encrypted archive of the database, evidence and configuration that restores the same
state, refuses a wrong key or a damaged file without changing anything, and leaves the keys out.

Real parts: the live test database (SQLite's online backup, or pg_dump/pg_restore on PostgreSQL),
evidence files on disk, age encryption through pyrage. Transactional tests: a restore replaces the
whole database, which a test transaction could not hold."""

import functools
import hashlib
import io
import os
import sqlite3
import subprocess
import sys
import tarfile
from pathlib import Path

import pyrage
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from pyrage import x25519

from svidok.accounts.models import Role
from svidok.audit import log
from svidok.audit.models import AuditEntry
from svidok.backup import archive, services
from svidok.backup.archive import BackupError
from svidok.evidence import services as evidence
from svidok.evidence.models import EvidenceItem
from svidok.incidents.models import Incident
from tests import factories
from tests.helpers import database_now, make_user, wait_for_sessions_to_end

pytestmark = pytest.mark.django_db(transaction=True)

SVIDOK = str(Path(sys.executable).with_name("svidok"))
ORDER = b"%PDF-1.4\n% dismissal order No. 17\n%%EOF\n"
AUDIT_TABLES = ("audit_auditentry", "audit_auditleaf", "audit_treehead")


@pytest.fixture(autouse=True)
def installation(settings, tmp_path):
    """This test's evidence store and audit keys, in its own directories."""
    settings.STORAGES = {**settings.STORAGES, "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path / "evidence"), "file_permissions_mode": 0o600,
                    "directory_permissions_mode": 0o700}}}
    settings.SVIDOK_AUDIT_KEY = tmp_path / "keys" / "signing-key.pem"
    settings.SVIDOK_AUDIT_PUBLIC_KEYS = tmp_path / "keys" / "public-keys"
    return tmp_path


@pytest.fixture
def key(tmp_path):
    path = tmp_path / "backup-key.txt"
    return path, archive.new_identity(path)


@pytest.fixture
def admin(db):
    return make_user(Role.ADMIN, "backup-admin")


@pytest.fixture
def records(admin, vocabularies):
    """An incident, a person and an evidence file: what a backup must bring back."""
    incident = factories.incident(admin)
    factories.person(admin)
    item = evidence.add_item(actor=admin, file=io.BytesIO(ORDER), name="order 17.pdf", incident=incident,
                             method=EvidenceItem.Method.UPLOAD)
    log.signed_head()  # the head the backup will record exists before the "before" picture is taken
    return incident, item


def picture(skip_audit_beyond: dict | None = None) -> dict:
    """Every row of every table, in order: the state a restore must bring back. For the audit tables,
    only the first rows (as many as ``skip_audit_beyond`` says) when given."""
    rows = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table.startswith("sqlite_"):
                continue
            cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')
            found = [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in cursor.fetchall()]
            if skip_audit_beyond is not None and table in AUDIT_TABLES:
                found = found[: skip_audit_beyond[table]]
            rows[table] = found
    return rows


def evidence_file(tmp_path, item) -> Path:
    sha = item.blob.sha256
    return tmp_path / "evidence" / sha[:2] / sha[2:4] / sha


def test_a_backup_restores_the_same_state_and_the_audit_log_verifies(admin, records, key, tmp_path):
    _, item = records
    before = picture()
    key_path, public = key
    outcome = services.create_backup(actor=admin, path=tmp_path / "svidok.backup", recipients=[public])
    names = [m["name"] for m in outcome.manifest["members"]]
    assert names[0].startswith("database/svidok.")
    assert f"evidence/{item.blob.sha256[:2]}/{item.blob.sha256[2:4]}/{item.blob.sha256}" in names
    assert outcome.manifest["counts"] == {"incidents": 1, "persons": 1, "evidence_items": 1}

    # After the backup: a new record, and the evidence file lost from the disk.
    factories.incident(admin, title="Recorded after the backup")
    evidence_file(tmp_path, item).unlink()

    restored = services.restore_backup(actor=admin, path=tmp_path / "svidok.backup", identity_file=key_path, replace=True)

    assert restored.audit.ok, restored.audit.problems
    assert picture({t: len(before[t]) for t in AUDIT_TABLES}) == before
    assert not Incident.objects.filter(title="Recorded after the backup").exists()
    assert hashlib.sha256(evidence_file(tmp_path, item).read_bytes()).hexdigest() == item.blob.sha256
    # The restore itself is in the restored log, after what the backup held.
    last = AuditEntry.objects.order_by("-id").first()
    assert last.action == "backup_restored"
    assert log.verify_log().ok


def test_the_archive_is_age_encrypted_tar_and_holds_no_key(admin, records, key, tmp_path, settings):
    key_path, public = key
    log.signed_head()
    assert Path(settings.SVIDOK_AUDIT_KEY).exists()
    services.create_backup(actor=admin, path=tmp_path / "b.age", recipients=[public])
    data = (tmp_path / "b.age").read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n")
    assert ORDER not in data
    # Any age implementation opens it with the secret key: a plain tar inside.
    plain = pyrage.decrypt(data, archive.read_identities(key_path))
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        names = tar.getnames()
    assert names[-1] == "manifest.json"
    assert "config/environment.json" in names
    assert not any("signing-key" in name or "secret_key" in name for name in names)
    assert Path(settings.SVIDOK_AUDIT_KEY).read_bytes() not in plain
    identity_key = Path(settings.SVIDOK_IDENTITY_KEY_FILE).read_text().split()
    assert identity_key and not any(part.encode() in plain for part in identity_key if len(part) > 20)


@pytest.mark.parametrize("damage", ["wrong key", "flipped byte", "cut short", "not an archive"])
def test_a_bad_archive_or_key_changes_nothing(admin, records, key, tmp_path, damage, settings):
    key_path, public = key
    archive_path = tmp_path / "svidok.backup"
    # A data directory of this test's own: the staging check at the end must not see another test
    # process's restore in progress (pytest-xdist workers share the suite's directory).
    settings.VAR_DIR = str(tmp_path / "var")
    services.create_backup(actor=admin, path=archive_path, recipients=[public])
    factories.incident(admin, title="Recorded after the backup")
    data = archive_path.read_bytes()
    if damage == "wrong key":
        key_path = tmp_path / "other-key.txt"
        archive.new_identity(key_path)
    elif damage == "flipped byte":
        middle = len(data) // 2
        archive_path.write_bytes(data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1:])
    elif damage == "cut short":
        archive_path.write_bytes(data[: len(data) - 100])
    else:
        archive_path.write_bytes(b"PK\x03\x04 not a backup at all")
    before = picture()

    with pytest.raises(BackupError) as error:
        services.restore_backup(actor=admin, path=archive_path, identity_file=key_path, replace=True)

    expected = {"wrong key": "does not open", "flipped byte": "damaged", "cut short": "damaged",
                "not an archive": "cannot be decrypted"}[damage]
    assert expected in str(error.value)
    assert picture() == before
    assert not any(p.name.startswith(".backup-") for p in Path(settings.VAR_DIR).iterdir())


def test_a_restore_over_records_needs_replace(admin, records, key, tmp_path):
    key_path, public = key
    services.create_backup(actor=admin, path=tmp_path / "b", recipients=[public])
    before = picture()
    with pytest.raises(BackupError, match="--replace"):
        services.restore_backup(actor=admin, path=tmp_path / "b", identity_file=key_path)
    assert picture() == before
    checked = services.restore_backup(actor=admin, path=tmp_path / "b", identity_file=key_path, check_only=True)
    assert checked.audit is None and picture() == before


def test_a_backup_never_overwrites_and_leaves_nothing_when_refused(admin, records, key, tmp_path):
    _, public = key
    existing = tmp_path / "exists.backup"
    existing.write_bytes(b"keep me")
    with pytest.raises(BackupError, match="exists already"):
        services.create_backup(actor=admin, path=existing, recipients=[public])
    assert existing.read_bytes() == b"keep me"
    with pytest.raises(BackupError, match="not an age recipient"):
        services.create_backup(actor=admin, path=tmp_path / "new.backup", recipients=["age1notakey"])
    assert sorted(p.name for p in tmp_path.iterdir() if "backup" in p.name and p.is_file()) == ["backup-key.txt", "exists.backup"]


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.DOCUMENTER, Role.ANALYST, Role.VIEWER])
def test_only_an_admin_makes_or_restores_backups(role, key, tmp_path):
    key_path, public = key
    user = make_user(role, f"{role}-backup")
    with pytest.raises(PermissionDenied):
        services.create_backup(actor=user, path=tmp_path / "b", recipients=[public])
    with pytest.raises(PermissionDenied):
        services.restore_backup(actor=user, path=tmp_path / "b", identity_file=key_path)
    assert not (tmp_path / "b").exists()


def test_the_commands_warn_that_keys_are_apart_and_check_an_archive(tmp_path, settings, request):
    """The real commands in a process of their own, on their own SQLite installation."""
    env = {**os.environ, "SVIDOK_VAR_DIR": str(tmp_path / "var")}
    env.pop("DATABASE_URL", None)
    (tmp_path / "var" / "static").mkdir(parents=True)

    def svidok(*args, ok=True):
        done = subprocess.run([SVIDOK, *args], env=env, capture_output=True, text=True, cwd=tmp_path)
        assert (done.returncode == 0) == ok, done.stderr
        return done

    # The commands work on this test's database: a copy of it (SQLite, in memory here), or itself (PostgreSQL).
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(tmp_path / "var" / "svidok.sqlite3")
        connection.connection.backup(copy)
        copy.close()
    else:
        s = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"
        request.addfinalizer(functools.partial(wait_for_sessions_to_end, database_now()))
    public = archive.new_identity(tmp_path / "key.txt")  # `svidok backup --new-key`: test_new_key_command
    assert oct((tmp_path / "key.txt").stat().st_mode & 0o777) == "0o600"
    written = svidok("backup", str(tmp_path / "b.age"), "--recipient", public)
    assert "Backup written to" in written.stdout
    assert "keys are not in the backup" in written.stderr and "audit log signing key" in written.stderr
    assert oct((tmp_path / "b.age").stat().st_mode & 0o777) == "0o600"
    checked = svidok("restore", str(tmp_path / "b.age"), "--identity", str(tmp_path / "key.txt"), "--check")
    assert "match their SHA-256. Nothing was changed." in checked.stdout
    other = tmp_path / "other.txt"
    x = x25519.Identity.generate()
    other.write_text(str(x))
    refused = svidok("restore", str(tmp_path / "b.age"), "--identity", str(other), ok=False)
    assert "This key does not open the backup" in refused.stderr and "Nothing was changed." in refused.stderr
    assert "Traceback" not in refused.stderr


def test_new_key_command_writes_a_private_key_once(tmp_path):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    out = io.StringIO()
    call_command("backup", "--new-key", str(tmp_path / "key.txt"), stdout=out)
    public = out.getvalue().split("Public key (give it to --recipient): ")[1].split()[0]
    assert oct((tmp_path / "key.txt").stat().st_mode & 0o777) == "0o600"
    assert archive.parse_recipients([public])
    assert [str(i.to_public()) for i in archive.read_identities(tmp_path / "key.txt")] == [public]
    before = (tmp_path / "key.txt").read_bytes()
    with pytest.raises(CommandError, match="never overwritten"):
        call_command("backup", "--new-key", str(tmp_path / "key.txt"), stdout=io.StringIO())
    assert (tmp_path / "key.txt").read_bytes() == before
