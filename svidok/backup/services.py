"""Backups as use cases: write an encrypted archive of the installation, check one, restore one.

What is in an archive and how it is protected: ``archive.py`` and docs/backups.md. Keys are never
in it (the Django secret key, the audit signing key, the identity-vault key): a backup of the data
and a backup of the keys kept together would be one theft away from everything; they are exported
apart, and the command says so every time.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from svidok.accounts.models import User
from svidok.accounts.rules import require
from svidok.accounts.services import system_account
from svidok.audit import log
from svidok.audit.models import TreeHead
from svidok.audit.services import record
from svidok.backup import archive
from svidok.backup.archive import BackupError, Source
from svidok.evidence.storage import evidence_storage

# Settings whose values are secrets (or lead to them): named in the archive's environment, never valued.
SECRET_WORDS = ("KEY", "SECRET", "PASSWORD", "PASSPHRASE", "TOKEN", "DATABASE_URL", "CREDENTIAL")


@dataclass
class Outcome:
    """What a backup wrote or a restore brought back, for the command to say."""

    manifest: dict
    path: Path | None = None
    size: int = 0
    key_files: list[tuple[str, Path]] = field(default_factory=list)
    audit: log.Report | None = None


def _version() -> str:
    try:
        return metadata.version("svidok")
    except metadata.PackageNotFoundError:
        return ""


def key_files() -> list[tuple[str, Path]]:
    """The key files this installation holds, which a backup leaves out (label, path)."""
    found = [("Django secret key", Path(settings.VAR_DIR) / "secret_key"),
             ("audit log signing key", Path(settings.SVIDOK_AUDIT_KEY))]
    if getattr(settings, "SVIDOK_IDENTITY_KEY_FILE", None):
        found.append(("identity-vault key", Path(settings.SVIDOK_IDENTITY_KEY_FILE)))
    return [(label, path) for label, path in found if path.exists()]


def _staging() -> Path:
    """A private directory beside the data (same disk, same protection), removed by the caller."""
    base = Path(settings.VAR_DIR)
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    return Path(tempfile.mkdtemp(prefix=".backup-", dir=base))


def _pg_command(tool: str, *args: str) -> tuple[list[str], dict]:
    db = settings.DATABASES["default"]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    command = [tool, "--no-owner", "--no-privileges", *args]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [flag, str(db[key])]
    return command, env


def _run(command: list[str], env: dict, what: str) -> None:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed: {what} needs PostgreSQL's client tools.") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise BackupError(f"{what} failed: {command[0]} said: {last}")


def _snapshot_database(staging: Path) -> Source:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = staging / "svidok.sqlite3"
        copy = sqlite3.connect(target)
        try:
            connection.connection.backup(copy)  # SQLite's online backup: a consistent copy while in use
        finally:
            copy.close()
        name = "database/svidok.sqlite3"
    elif connection.vendor == "postgresql":
        target = staging / "svidok.pgdump"
        command, env = _pg_command("pg_dump", "--format=custom", "--file", str(target),
                                   str(settings.DATABASES["default"]["NAME"]))
        _run(command, env, "Dumping the database")
        name = "database/svidok.pgdump"
    else:
        raise BackupError(f"Backups support SQLite and PostgreSQL, not {connection.vendor}.")
    return Source(name, target.stat().st_size, lambda: open(target, "rb"))


def _evidence_root(skip_evidence: bool) -> Path | None:
    storage = evidence_storage()
    if isinstance(storage, FileSystemStorage):
        return Path(storage.location)
    if skip_evidence:
        return None
    raise BackupError("The evidence is kept in object storage (S3): back the bucket up with its own tools "
                      "(versioning, replication) and run the backup with --skip-evidence.")


def _evidence_sources(root: Path | None) -> list[Source]:
    if root is None or not root.is_dir():
        return []
    sources = []
    for path in sorted(root.glob("[0-9a-f][0-9a-f]/[0-9a-f][0-9a-f]/*")):
        name = "evidence/" + path.relative_to(root).as_posix()
        if path.is_file() and archive.ALLOWED.match(name):
            sources.append(Source(name, path.stat().st_size, lambda path=path: open(path, "rb")))
    return sources


def _config_sources(staging: Path) -> list[Source]:
    sources = []
    keys_dir = Path(settings.SVIDOK_AUDIT_PUBLIC_KEYS)
    if keys_dir.is_dir():
        for path in sorted(keys_dir.iterdir()):
            name = "config/audit-public-keys/" + path.name
            if path.is_file() and archive.ALLOWED.match(name):
                sources.append(Source(name, path.stat().st_size, lambda path=path: open(path, "rb")))
    environment = {name: ("(secret, not kept)" if any(word in name for word in SECRET_WORDS) else value)
                   for name, value in sorted(os.environ.items())
                   if name.startswith("SVIDOK_") or name == "DATABASE_URL"}
    env_file = staging / "environment.json"
    env_file.write_text(json.dumps(environment, ensure_ascii=False, indent=1), encoding="utf-8")
    sources.append(Source("config/environment.json", env_file.stat().st_size, lambda: open(env_file, "rb")))
    return sources


def _counts() -> dict:
    from svidok.evidence.models import EvidenceItem
    from svidok.incidents.models import Incident
    from svidok.people.models import Person

    return {"incidents": Incident.objects.count(), "persons": Person.objects.count(),
            "evidence_items": EvidenceItem.objects.count()}


def create_backup(*, actor, path: Path, recipients: list[str], skip_evidence: bool = False) -> Outcome:
    """Write an encrypted archive of the database, the evidence store and the configuration to
    ``path`` (never overwritten; nothing is left there if it fails)."""
    require(actor, "backup.create")
    parsed = archive.parse_recipients(recipients)
    path = Path(path)
    if path.exists():
        raise BackupError(f"{path} exists already: a backup never overwrites a file.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    root = _evidence_root(skip_evidence)
    head = log.signed_head()  # stored before the snapshot, so the restored log must hold it
    staging = _staging()
    partial = path.with_name(f".{path.name}.partial")
    try:
        database = _snapshot_database(staging)
        manifest = {
            "created_at": timezone.now().isoformat(timespec="seconds"),
            "svidok_version": _version(),
            "database": connection.vendor,
            "migrations": sorted(f"{app}.{name}" for app, name in MigrationRecorder(connection).applied_migrations()),
            "counts": _counts(),
            "evidence": "included" if root is not None else "left out (object storage)",
            "audit_head": {key: head[key] for key in ("tree_size", "root_hash", "timestamp", "key_id") if key in head},
        }
        sources = [database, *_evidence_sources(root), *_config_sources(staging)]
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            manifest = archive.write(out, parsed, sources, manifest)
            out.flush()
            os.fsync(out.fileno())
        os.link(partial, path)  # fails rather than replace a file that appeared meanwhile
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        partial.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
    with transaction.atomic():
        record(actor=actor, action="backup_created", object_type="backup", object_id=manifest["created_at"],
               changes={"members": len(manifest["members"]), "audit_tree_size": head.get("tree_size")})
    return Outcome(manifest=manifest, path=path, size=path.stat().st_size, key_files=key_files())


def _holds_data() -> bool:
    counts = _counts()
    return any(counts.values())


def _restore_database(extracted: archive.Extracted) -> None:
    if connection.vendor == "sqlite":
        staged = extracted.files.get("database/svidok.sqlite3")
        if staged is None:
            raise BackupError("This backup holds a PostgreSQL database; this installation runs on SQLite.")
        connection.ensure_connection()
        source = sqlite3.connect(staged)
        try:
            source.backup(connection.connection)  # page for page, in place of the live database
        finally:
            source.close()
    else:
        staged = extracted.files.get("database/svidok.pgdump")
        if staged is None:
            raise BackupError("This backup holds a SQLite database; this installation runs on PostgreSQL.")
        connection.close()
        command, env = _pg_command("pg_restore", "--clean", "--if-exists", "--single-transaction", "--exit-on-error",
                                   "--dbname", str(settings.DATABASES["default"]["NAME"]), str(staged))
        _run(command, env, "Restoring the database")


def _restore_files(extracted: archive.Extracted, root: Path | None) -> int:
    written = 0
    for name, staged in extracted.files.items():
        if name.startswith("evidence/"):
            if root is None:
                continue
            target = root / name.removeprefix("evidence/")
        elif name.startswith("config/audit-public-keys/"):
            target = Path(settings.SVIDOK_AUDIT_PUBLIC_KEYS) / name.rsplit("/", 1)[1]
        else:
            continue
        if target.exists() and target.read_bytes() == staged.read_bytes():
            continue
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(staged, 0o600)
        shutil.move(staged, target)
        written += 1
    return written


def restore_backup(*, actor, path: Path, identity_file: Path, replace: bool = False,
                   check_only: bool = False) -> Outcome:
    """Decrypt and check the archive at ``path``; unless ``check_only``, bring back its database,
    evidence and public keys, then verify the restored audit log. Nothing is changed unless every
    member matched the manifest; a database holding records is replaced only with ``replace``."""
    require(actor, "backup.restore")
    identities = archive.read_identities(identity_file)
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} is not a file.")
    staging = _staging()
    try:
        with open(path, "rb") as source:
            extracted = archive.read(source, identities, staging)
        manifest = extracted.manifest
        if check_only:
            return Outcome(manifest=manifest, path=path, size=path.stat().st_size)
        if not replace and _holds_data():
            raise BackupError("This installation already holds records: restoring would replace them. "
                              "Run the restore with --replace if that is what you want.")
        evidence_root = _evidence_root(skip_evidence=True)
        _restore_database(extracted)
        _restore_files(extracted, evidence_root)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report = log.verify_log()
    head = manifest.get("audit_head") or {}
    if head and not TreeHead.objects.filter(tree_size=head.get("tree_size"), root_hash=head.get("root_hash")).exists():
        report._bad("The restored audit log does not hold the signed head recorded in the backup's manifest.")
    # The restored database has its own accounts: the restore is recorded under the same username there.
    restorer = User.objects.filter(username=actor.username, is_active=True).first() or system_account()
    with transaction.atomic():
        record(actor=restorer, action="backup_restored", object_type="backup",
               object_id=manifest.get("created_at", ""), changes={"audit_ok": report.ok})
    return Outcome(manifest=manifest, path=path, size=path.stat().st_size, audit=report)
