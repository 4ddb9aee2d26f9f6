"""The identity vault's keys and ciphers: identity values sealed at rest, names found by a blind index.

A value is sealed with AES-256-GCM under a fresh random 96-bit nonce; the associated data binds it
to its place (``table.column.row``), so a ciphertext copied into another row or column no longer
opens. A sealed value is the text ``sv1:<key id>:<base64url(nonce || ciphertext || tag)>``; the key
id names the key that sealed it, so values sealed before a rotation stay readable until resealed.
``None`` stays NULL and ``""`` stays empty: whether a field is filled is not a secret (see
``docs/identity-vault.md``).

The keys live outside the database: the environment variable ``SVIDOK_IDENTITY_KEY``, else the key
file ``settings.SVIDOK_IDENTITY_KEY_FILE`` (0600 in a 0700 directory). Either holds one or more
base64 keys of 32 bytes, one a line (commas also separate them in the variable); the first seals,
all open. Each master key gives two keys by HKDF-SHA256: one for AES-GCM, one for the blind index's
HMAC-SHA256, so a blind index digest reveals nothing about the cipher key and the reverse.

A missing key is an error (:class:`KeyMissing`), never a silent fall back to plaintext.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

PREFIX = "sv1"
ENV_VAR = "SVIDOK_IDENTITY_KEY"
KEY_BYTES = 32
NONCE_BYTES = 12


class VaultError(Exception):
    """A sealed value cannot be opened, or a key cannot be read or written (a message for people)."""


class KeyMissing(VaultError):
    """No identity key is configured, or not the one a value was sealed with."""


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=b"svidok identity vault: " + purpose).derive(master)


@dataclass(frozen=True)
class Key:
    """One master key and the keys derived from it."""

    master: bytes = field(repr=False)

    @property
    def kid(self) -> str:
        # A name for the key that reveals nothing of it: 12 hex digits of a derived hash.
        return _derive(self.master, b"key id").hex()[:12]

    @property
    def cipher(self) -> AESGCM:
        return _ciphers(self.master)

    @property
    def index_key(self) -> bytes:
        return _derive(self.master, b"blind index")

    @classmethod
    def generate(cls) -> Key:
        return cls(secrets.token_bytes(KEY_BYTES))

    def encoded(self) -> str:
        return base64.b64encode(self.master).decode()


_CIPHERS: dict[bytes, AESGCM] = {}


def _ciphers(master: bytes) -> AESGCM:
    cipher = _CIPHERS.get(master)
    if cipher is None:
        cipher = _CIPHERS[master] = AESGCM(_derive(master, b"aes-256-gcm"))
    return cipher


@dataclass(frozen=True)
class Keyring:
    """The configured keys: ``keys[0]`` seals, every one opens; ``source`` says where they came from."""

    keys: tuple[Key, ...]
    source: str

    @property
    def current(self) -> Key:
        return self.keys[0]

    def get(self, kid: str) -> Key:
        for key in self.keys:
            if key.kid == kid:
                return key
        raise KeyMissing(f"The identity key {kid} that sealed this value is not configured ({self.source}).")


def parse_keys(text: str, source: str) -> Keyring:
    """The keys written in ``text`` (base64, one a line or comma-separated); VaultError names what is wrong."""
    keys = []
    for number, item in enumerate(text.replace(",", "\n").split(), start=1):
        try:
            raw = base64.b64decode(item, validate=True)
        except (binascii.Error, ValueError):
            raise VaultError(f"Identity key {number} in {source} is not base64.") from None
        if len(raw) != KEY_BYTES:
            raise VaultError(f"Identity key {number} in {source} is {len(raw)} bytes long, not {KEY_BYTES}.")
        keys.append(Key(raw))
    if not keys:
        raise KeyMissing(f"{source} holds no identity key.")
    return Keyring(tuple(dict.fromkeys(keys)), source)


def key_file() -> Path:
    return Path(settings.SVIDOK_IDENTITY_KEY_FILE)


_CACHE: dict[tuple, Keyring] = {}


def keyring() -> Keyring:
    """The configured keys; KeyMissing when there are none (run ``svidok keys init``)."""
    env = os.environ.get(ENV_VAR)
    if env is not None and env.strip():
        cache_key = ("env", env)
        if cache_key not in _CACHE:
            _CACHE.clear()
            _CACHE[cache_key] = parse_keys(env, ENV_VAR)
        return _CACHE[cache_key]
    path = key_file()
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise KeyMissing(
            f"The identity key is missing: no {ENV_VAR} and no key file {path}. "
            "Run `svidok keys init` (or `svidok setup`) on a new installation, or restore the key from its backup."
        ) from None
    cache_key = ("file", str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino, stat.st_mode)
    if stat.st_mode & 0o077:
        # As ssh does with a private key: a key other users can read protects nothing.
        raise VaultError(f"The identity key file {path} can be read by other users (mode {stat.st_mode & 0o777:o}): "
                         f"make it readable by its owner only (chmod 600).")
    if cache_key not in _CACHE:
        try:
            text = path.read_text()
        except OSError as error:
            raise VaultError(f"The identity key file {path} cannot be read: {error.strerror}.") from None
        _CACHE.clear()
        _CACHE[cache_key] = parse_keys(text, str(path))
    return _CACHE[cache_key]


def has_key() -> bool:
    try:
        keyring()
    except KeyMissing:
        return False
    return True


def write_key_file(keys: list[Key], path: Path | None = None, *, replace: bool) -> Path:
    """Write ``keys`` (the first seals) to the key file: a 0600 file in a 0700 directory, moved into
    place whole so that a reader never sees half a keyring. Without ``replace`` an existing file
    is an error: a new key over a lost one would make every sealed value unreadable for good."""
    path = Path(path or key_file())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".identity-key.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write("".join(key.encoded() + "\n" for key in keys))
            handle.flush()
            os.fsync(handle.fileno())
        if replace:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise VaultError(f"The identity key file {path} exists already.") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _CACHE.clear()
    return path


# --- sealing ----------------------------------------------------------------------------------

def is_sealed(value) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def _aad(kid: str, context: str) -> bytes:
    return f"{PREFIX}:{kid}:{context}".encode()


def seal(value: str | None, context: str, *, key: Key | None = None) -> str | None:
    """``value`` sealed for its place ``context`` (``table.column.row``); None and "" stay as they are."""
    if value is None or value == "":
        return value
    key = key or keyring().current
    nonce = secrets.token_bytes(NONCE_BYTES)
    sealed = key.cipher.encrypt(nonce, value.encode(), _aad(key.kid, context))
    return f"{PREFIX}:{key.kid}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def open_sealed(token: str | None, context: str, *, ring: Keyring | None = None) -> str | None:
    """The value sealed in ``token`` for ``context``; VaultError when it is not a sealed value, was
    sealed for another place, was altered, or its key is not configured."""
    if token is None or token == "":
        return token
    parts = token.split(":", 2) if isinstance(token, str) else ()
    if len(parts) != 3 or parts[0] != PREFIX:
        raise VaultError(f"The value of {context} is not sealed.")
    kid, body = parts[1], parts[2]
    key = (ring or keyring()).get(kid)
    try:
        data = base64.urlsafe_b64decode(body.encode())
        return key.cipher.decrypt(data[:NONCE_BYTES], data[NONCE_BYTES:], _aad(kid, context)).decode()
    except (InvalidTag, binascii.Error, ValueError, UnicodeDecodeError):
        raise VaultError(f"The sealed value of {context} does not open: altered, or sealed for another place.") from None


def blind(text: str, *, key: Key | None = None) -> str:
    """The blind index digest of ``text`` (a search key): hex HMAC-SHA256 under the index key."""
    key = key or keyring().current
    return hmac.new(key.index_key, text.encode(), hashlib.sha256).hexdigest()
