"""The backup archive: a tar stream encrypted to age recipients, written and read without holding it.

Layout inside the tar (checked on reading; nothing else is accepted):

    database/svidok.sqlite3        a consistent snapshot (SQLite's online backup), or
    database/svidok.pgdump         ``pg_dump --format=custom`` (PostgreSQL)
    evidence/ab/cd/<sha256>        every original in the evidence store, under its content address
    config/audit-public-keys/<id>  public keys that verify old signed heads of the audit log
    config/environment.json        the SVIDOK_* settings in force (secrets left out)
    manifest.json                  last: the format, what was backed up, and each member's SHA-256

Encryption is age (https://age-encryption.org/v1) through ``pyrage``: X25519 recipients, so the
server needs only public keys to write backups and cannot read them; the archive opens with the
standard ``age``/``rage`` tools too (``age -d -i key.txt backup.age | tar x``). age authenticates
each 64 KiB chunk and the end of the stream, and every member's SHA-256 is checked against the
manifest before anything is restored.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyrage
from pyrage import x25519

FORMAT = "svidok-backup/1"
MANIFEST = "manifest.json"
CHUNK = 1 << 20
# Every name an archive may hold; anything else (links, "..", absolute paths) is refused on reading.
ALLOWED = re.compile(
    r"^(database/svidok\.(sqlite3|pgdump)"
    r"|evidence/[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}"
    r"|config/audit-public-keys/[A-Za-z0-9._-]{1,100}"
    r"|config/environment\.json"
    r"|manifest\.json)$"
)


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why in words."""


def parse_recipients(texts: Iterable[str]) -> list:
    recipients = []
    for text in texts:
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        try:
            recipients.append(x25519.Recipient.from_str(text))
        except Exception:  # pyrage raises its own RecipientError or ValueError
            raise BackupError(f"{text[:20]!r}... is not an age recipient (a public key starting with 'age1').") from None
    if not recipients:
        raise BackupError("No recipient: give the public key(s) the backup is encrypted to (--recipient or --recipients-file).")
    return recipients


def read_identities(path: Path) -> list:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"Cannot read the key file {path}: {exc.strerror if isinstance(exc, OSError) else 'not text'}.") from None
    identities = []
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                identities.append(x25519.Identity.from_str(line))
            except Exception:
                raise BackupError(f"{path} holds a line that is not an age secret key (AGE-SECRET-KEY-...).") from None
    if not identities:
        raise BackupError(f"{path} holds no age secret key.")
    return identities


def new_identity(path: Path) -> str:
    """Write a new age key pair's secret half to ``path`` (0600, never overwritten) and return the
    public half, the recipient that backups are encrypted to."""
    identity = x25519.Identity.generate()
    recipient = str(identity.to_public())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(f"# Svidok backup key. Public key (recipient): {recipient}\n{identity}\n")
    return recipient


class _Hashing(io.RawIOBase):
    """Reads through to ``raw`` and hashes what passes."""

    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = self.raw.read(len(buffer))
        self.sha256.update(data)
        self.size += len(data)
        buffer[: len(data)] = data
        return len(data)


@dataclass
class Source:
    """A member to write: its archive name, size and a way to open its bytes."""

    name: str
    size: int
    open: Callable[[], io.BufferedIOBase]


def write(out, recipients: list, sources: Iterable[Source], manifest: dict) -> dict:
    """Stream ``sources`` and then the manifest as a tar through age into ``out``; return the manifest
    with each member's size and SHA-256. Memory stays flat whatever the sizes."""
    members: list[dict] = []
    failure: list[BaseException] = []
    read_end, write_end = os.pipe()

    def produce():
        try:
            with os.fdopen(write_end, "wb") as pipe, tarfile.open(fileobj=pipe, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                for source in sources:
                    info = tarfile.TarInfo(source.name)
                    info.size = source.size
                    info.mode = 0o600
                    with source.open() as raw:
                        hashing = _Hashing(raw)
                        tar.addfile(info, io.BufferedReader(hashing, CHUNK))
                    if hashing.size != source.size:
                        raise BackupError(f"{source.name} changed size while it was being backed up.")
                    members.append({"name": source.name, "size": source.size, "sha256": hashing.sha256.hexdigest()})
                data = json.dumps({**manifest, "format": FORMAT, "members": members}, ensure_ascii=False, indent=1).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mode = 0o600
                tar.addfile(info, io.BytesIO(data))
        except BaseException as exc:  # reported by the caller once encryption has stopped
            failure.append(exc)

    thread = threading.Thread(target=produce, name="backup-tar")
    thread.start()
    try:
        with os.fdopen(read_end, "rb") as pipe:
            pyrage.encrypt_io(pipe, out, recipients)
    finally:
        thread.join()
    if failure:
        raise failure[0]
    return {**manifest, "format": FORMAT, "members": members}


@dataclass
class Extracted:
    manifest: dict
    files: dict[str, Path] = field(default_factory=dict)  # archive name -> staged file


def read(archive, identities: list, staging: Path) -> Extracted:
    """Decrypt ``archive`` and unpack it into ``staging``, then check every member against the
    manifest. Raises :class:`BackupError` on a wrong key, a damaged or cut archive, a foreign
    member or a hash that does not match; what was unpacked stays in ``staging`` for the caller to
    remove."""
    staged: dict[str, tuple[Path, int, str]] = {}
    failure: list[BaseException] = []
    read_end, write_end = os.pipe()

    def consume():
        try:
            with os.fdopen(read_end, "rb") as pipe:
                try:
                    with tarfile.open(fileobj=pipe, mode="r|") as tar:
                        for member in tar:
                            if not member.isfile() or not ALLOWED.match(member.name) or member.name in staged:
                                raise BackupError(f"The archive holds {member.name[:80]!r}, which is not part of a Svidok backup.")
                            target = staging / member.name
                            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
                            digest = hashlib.sha256()
                            size = 0
                            source = tar.extractfile(member)
                            with open(target, "xb") as out:
                                while chunk := source.read(CHUNK):
                                    digest.update(chunk)
                                    size += len(chunk)
                                    out.write(chunk)
                            staged[member.name] = (target, size, digest.hexdigest())
                finally:
                    while pipe.read(CHUNK):  # let the decryption finish whatever the tar reader stopped at
                        pass
        except tarfile.TarError:
            failure.append(BackupError("The archive is damaged: its contents are not a complete backup."))
        except BaseException as exc:
            failure.append(exc)

    thread = threading.Thread(target=consume, name="restore-tar")
    thread.start()
    decrypt_error = None
    try:
        with os.fdopen(write_end, "wb") as pipe:
            try:
                pyrage.decrypt_io(archive, pipe, identities)
            except pyrage.DecryptError as exc:
                decrypt_error = exc
            except BrokenPipeError:
                pass
            except OSError as exc:  # pyrage's stream errors: a chunk that does not authenticate, a cut end
                decrypt_error = exc
    finally:
        thread.join()
    if decrypt_error is not None:
        text = str(decrypt_error).lower()
        if "no matching keys" in text or "identity" in text:
            raise BackupError("This key does not open the backup: it was encrypted to another key.")
        raise BackupError("The backup cannot be decrypted: it is damaged, cut short or not an age file.")
    if failure:
        raise failure[0]
    if MANIFEST not in staged:
        raise BackupError("The archive has no manifest: it was cut short or is not a Svidok backup.")
    try:
        manifest = json.loads(staged[MANIFEST][0].read_text(encoding="utf-8"))
    except ValueError:
        raise BackupError("The manifest of the backup is not valid JSON.") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"This is not a backup this version can restore (format {manifest.get('format')!r}, expected {FORMAT!r}).")
    listed = {m["name"]: m for m in manifest.get("members", [])}
    present = {name for name in staged if name != MANIFEST}
    if missing := sorted(set(listed) - present):
        raise BackupError(f"{len(missing)} file(s) listed in the manifest are missing from the archive, the first: {missing[0]}.")
    if extra := sorted(present - set(listed)):
        raise BackupError(f"The archive holds {extra[0]}, which its manifest does not list.")
    for name, (_, size, sha) in staged.items():
        if name != MANIFEST and (listed[name]["size"] != size or listed[name]["sha256"] != sha):
            raise BackupError(f"{name} does not match its SHA-256 in the manifest: the archive was altered.")
    return Extracted(manifest=manifest, files={name: path for name, (path, _, _) in staged.items()})
