"""The Ed25519 key that signs tree heads, kept outside the database.

The private key is a PKCS#8 PEM file (``settings.SVIDOK_AUDIT_KEY``, mode 0600) generated on first
use. Every public key that ever signed stays as ``<key id>.pem`` (SubjectPublicKeyInfo) in
``settings.SVIDOK_AUDIT_PUBLIC_KEYS``, so heads signed before a rotation can still be checked.
The key id is the hex SHA-256 of the raw 32-byte public key.
"""

import hashlib
import os
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings


class SigningKeyError(Exception):
    """The signing key cannot be read or written (a message for people)."""


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_pem(public_key: Ed25519PublicKey) -> str:
    return public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def _private_pem(private_key: Ed25519PrivateKey) -> bytes:
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption())


def _write_private(path: Path, private_key: Ed25519PrivateKey, *, replace: bool) -> None:
    """Write the key to a 0600 temporary file in the same directory, then move it into place:
    readers never see half a key. Without ``replace``, a key another process wrote first wins."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".signing-key.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(_private_pem(private_key))
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _publish(public_key: Ed25519PublicKey) -> str:
    directory = Path(settings.SVIDOK_AUDIT_PUBLIC_KEYS)
    directory.mkdir(parents=True, exist_ok=True)
    kid = key_id(public_key)
    target = directory / f"{kid}.pem"
    if not target.exists():
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".pub.")
        with os.fdopen(fd, "w") as handle:
            handle.write(public_pem(public_key))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    return kid


def signing_key() -> Ed25519PrivateKey:
    """The current private key, generated into its file on first use; its public key is published."""
    path = Path(settings.SVIDOK_AUDIT_KEY)
    if not path.exists():
        _write_private(path, Ed25519PrivateKey.generate(), replace=False)
    try:
        private_key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError) as exc:
        raise SigningKeyError(f"The audit signing key {path} cannot be read: {exc}") from None
    if not isinstance(private_key, Ed25519PrivateKey):
        raise SigningKeyError(f"The audit signing key {path} is not an Ed25519 key.")
    _publish(private_key.public_key())
    return private_key


def new_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def rotate(new: Ed25519PrivateKey | None = None) -> str:
    """Make ``new`` (or a fresh key) the current signing key and return its key id. The old private
    key is overwritten (it can sign nothing more); its public key stays published."""
    signing_key()  # the old key's public half is published before it goes
    new = new or new_key()
    kid = _publish(new.public_key())
    _write_private(Path(settings.SVIDOK_AUDIT_KEY), new, replace=True)
    return kid


def public_keys() -> list[dict]:
    """Every published public key, the current one first: ``[{"key_id", "pem", "current"}]``."""
    current = key_id(signing_key().public_key())
    directory = Path(settings.SVIDOK_AUDIT_PUBLIC_KEYS)
    found = []
    for file in sorted(directory.glob("*.pem"), key=lambda f: (f.stat().st_mtime, f.name), reverse=True):
        found.append({"key_id": file.stem, "pem": file.read_text(), "current": file.stem == current})
    found.sort(key=lambda k: not k["current"])
    return found


def load_public(kid: str) -> Ed25519PublicKey | None:
    """The published public key with this id, or None (also when the file does not match its id)."""
    if len(kid) != 64 or not all(c in "0123456789abcdef" for c in kid):
        return None
    file = Path(settings.SVIDOK_AUDIT_PUBLIC_KEYS) / f"{kid}.pem"
    try:
        public_key = serialization.load_pem_public_key(file.read_bytes())
    except (OSError, ValueError):
        return None
    if not isinstance(public_key, Ed25519PublicKey) or key_id(public_key) != kid:
        return None
    return public_key


def verify(public_key: Ed25519PublicKey, signature: bytes, message: bytes) -> bool:
    try:
        public_key.verify(signature, message)
    except InvalidSignature:
        return False
    return True
