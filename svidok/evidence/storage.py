"""Bytes in the evidence storage: streamed in while hashed, then moved to their content address.

Everything goes through Django's storage API (``storages["evidence"]``), so the same code writes a
local directory or an S3-compatible bucket. Names:

- ``tmp/<random>.part``: an upload in progress. A process killed mid-write leaves one behind;
  ``services.cleanup`` removes those older than its grace period.
- ``ab/cd/<sha256>``: an original, named by the SHA-256 of its bytes (``ab`` and ``cd`` are its
  first hex digits, so no directory holds more than 65,536 names).
- ``ab/cd/<sha256>.thumb.png``: the safe thumbnail of an image, re-encoded by Pillow.

The local directory gets two shortcuts the storage API does not offer: the finished temporary is
renamed into place (no second copy) and synced to disk before the record is written.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, storages
from django.utils._os import safe_makedirs

TMP_DIR = "tmp"
CHUNK_SIZE = 1024 * 1024  # large enough that the per-call cost vanishes (hashlib, write), small enough for a flat RSS
HEAD_SIZE = 64 * 1024  # what libmagic sees: enough for every format it knows by its start


class TooLarge(Exception):
    """The file is bigger than SVIDOK_EVIDENCE_MAX_BYTES."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


def evidence_storage():
    return storages["evidence"]


def max_bytes() -> int:
    return settings.SVIDOK_EVIDENCE_MAX_BYTES


def blob_name(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def thumbnail_name(sha256: str) -> str:
    return blob_name(sha256) + ".thumb.png"


def is_local(storage) -> bool:
    return isinstance(storage, FileSystemStorage)


class HashingReader(io.RawIOBase):
    """Reads ``source`` once, hashing and counting as it goes; refuses past ``limit`` bytes.

    Not seekable on purpose: a storage that tried to rewind would hash the bytes twice.
    """

    def __init__(self, source, limit: int):
        super().__init__()
        self.source = source
        self.limit = limit
        self.hash = hashlib.sha256()
        self.size = 0
        self.head = b""

    def readable(self):
        return True

    def seekable(self):
        return False

    def read(self, size=-1):
        if size is None or size < 0:
            size = CHUNK_SIZE
        data = self.source.read(size)
        if data:
            if isinstance(data, str):
                raise TypeError("evidence must be read as bytes")
            self.size += len(data)
            if self.size > self.limit:
                raise TooLarge(self.limit)
            if len(self.head) < HEAD_SIZE:
                self.head += bytes(data[: HEAD_SIZE - len(self.head)])
            self.hash.update(data)
        return data

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class _StreamFile(File):
    """A Django File over a :class:`HashingReader` that storages read in large chunks."""

    DEFAULT_CHUNK_SIZE = CHUNK_SIZE

    def chunks(self, chunk_size=None):
        while data := self.file.read(chunk_size or CHUNK_SIZE):
            yield data

    def multiple_chunks(self, chunk_size=None):
        return True


@dataclass
class Stored:
    """A finished temporary: its name in the storage and what was learnt while writing it."""

    temp_name: str
    sha256: str
    size: int
    head: bytes


def write_temporary(source, *, limit: int | None = None) -> Stored:
    """Stream ``source`` (a binary file object) into a new temporary in the evidence storage.

    On any failure (too large, the client went away, the disk is full) the temporary is deleted
    before the exception goes on: nothing stays behind but what a SIGKILL leaves, which
    ``cleanup`` handles.
    """
    storage = evidence_storage()
    reader = HashingReader(source, max_bytes() if limit is None else limit)
    name = f"{TMP_DIR}/{uuid.uuid4().hex}.part"
    try:
        name = storage.save(name, _StreamFile(reader, name=name))
        if is_local(storage):
            _fsync(storage.path(name))
    except BaseException:
        delete_quietly(storage, name)
        raise
    return Stored(temp_name=name, sha256=reader.hash.hexdigest(), size=reader.size, head=reader.head)


def promote(temp_name: str, sha256: str) -> str:
    """Move a finished temporary to its content address and return that name.

    Whatever was at the address is replaced: only the same bytes can have that name, and an
    object there without a Blob record is what an interrupted upload left (replacing it gives it
    a fresh time, so ``cleanup`` cannot take it while this upload is being recorded).
    """
    storage = evidence_storage()
    final = blob_name(sha256)
    if is_local(storage):
        target = storage.path(final)
        directory = os.path.dirname(target)
        if storage.directory_permissions_mode is not None:
            safe_makedirs(directory, storage.directory_permissions_mode, exist_ok=True)
        else:
            os.makedirs(directory, exist_ok=True)
        os.replace(storage.path(temp_name), target)
        _fsync_directory(directory)
    elif hasattr(storage, "bucket"):  # S3: a server-side copy, no bytes through this process
        client = storage.connection.meta.client
        bucket = storage.bucket_name
        client.copy({"Bucket": bucket, "Key": storage._normalize_name(temp_name)}, bucket, storage._normalize_name(final))
        storage.delete(temp_name)
    else:  # any other storage: copy through the API
        with storage.open(temp_name, "rb") as handle:
            if storage.exists(final):
                storage.delete(final)
            storage.save(final, File(handle, name=final))
        storage.delete(temp_name)
    return final


def save_bytes(name: str, data: bytes) -> str:
    """Store a small derived file (a thumbnail) under ``name``, replacing what was there."""
    storage = evidence_storage()
    if storage.exists(name):
        storage.delete(name)
    return storage.save(name, File(io.BytesIO(data), name=name))


def open_blob(name: str):
    return evidence_storage().open(name, "rb")


def local_path(name: str) -> str | None:
    storage = evidence_storage()
    return storage.path(name) if is_local(storage) else None


def delete_quietly(storage, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:  # noqa: BLE001  a failed clean-up is left to ``cleanup``; the first error matters
        pass


def walk(storage, directory: str = ""):
    """Every file name under ``directory``, recursively (``listdir`` works on both backends)."""
    try:
        directories, files = storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}/{name}" if directory else name
    for sub in directories:
        yield from walk(storage, f"{directory}/{sub}" if directory else sub)


def _fsync(path: str) -> None:
    # An original must be on disk before its record says it is: a power cut after the commit
    # must not leave a record pointing at bytes that were only in the page cache.
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def local_copy(name: str):
    """A path on the local disk holding the bytes of ``name``: the file itself for the local
    storage, a temporary download (streamed, deleted afterwards) for a remote one."""
    storage = evidence_storage()
    if is_local(storage):
        yield storage.path(name)
        return
    with tempfile.NamedTemporaryFile(prefix="svidok-evidence-") as copy:
        if hasattr(storage, "bucket"):
            storage.connection.meta.client.download_fileobj(storage.bucket_name, storage._normalize_name(name), copy)
        else:
            with storage.open(name, "rb") as handle:
                while data := handle.read(CHUNK_SIZE):
                    copy.write(data)
        copy.flush()
        yield copy.name
