"""Use cases of the evidence vault: adding files, linking, withdrawing, purging, verifying, cleaning up.

The bytes of an original are written once, under their SHA-256, and never changed; only
:func:`purge_item` erases them, for a legal takedown. Every use case records its custody event as
an audit entry on the item, in the transaction of what it records (``docs/decisions.md``, 21).

Writing a file is done in this order, so that a failure at any point leaves nothing behind:

1. the bytes stream into a temporary (``storage.write_temporary``), hashed and counted on the way,
   refused as soon as they pass the size limit; a failure deletes the temporary;
2. the type is sniffed from the first bytes and the metadata read from the temporary;
3. one transaction: the Blob row (or the existing one with those bytes), the temporary moved to
   its content address, the item, its links and its custody entries. A failure deletes the
   temporary, and the moved bytes when no Blob row holds them.

What a SIGKILL leaves between these steps (a temporary, bytes at an address without a row) is
removed by :func:`cleanup` once older than its grace period.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import re
import stat
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.common.validation import check_texts
from svidok.evidence import metadata, storage
from svidok.evidence.models import Blob, EvidenceItem, EvidenceLink
from svidok.incidents.models import Incident, Source
from svidok.incidents.queries import visible_incidents

MAX_NAME = 255
EXHIBIT_RE = re.compile(r"^E-(\d+)$")
CLEANUP_GRACE = dt.timedelta(hours=1)
DISK_FULL = {errno.ENOSPC, errno.EDQUOT}


class StorageFailure(ValidationError):
    """The evidence storage could not take or give the bytes (full disk, lost connection).

    A ValidationError so that pages and the API answer with the message instead of a 500; the
    message says that nothing was stored."""


class SourceInterrupted(Exception):
    """Reading the file being added failed part-way (the client went away, the disk read failed)."""


def field_error(field: str, message: str, code: str, kind=ValidationError) -> ValidationError:
    """A field-keyed error whose ``code`` says what happened ("too_large", "storage_full", "erased"...)."""
    return kind({field: ValidationError(message, code=code)})


# --- names -----------------------------------------------------------------------------------------


def safe_name(name: str) -> str:
    """A file name fit to keep and to offer back: the base name only (``../../etc/passwd`` is
    ``passwd``), no control characters, at most 255 characters with the extension kept."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".").strip()
    if not name:
        return "unnamed"
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 16 else ""
        name = (stem if ext else name)[: MAX_NAME - len(ext) - 1 if ext else MAX_NAME] + (f".{ext}" if ext else "")
    return name


# --- reading the input -------------------------------------------------------------------------------


class _GuardedSource:
    """Tells a failure of the source apart from a failure of the storage it is copied to."""

    def __init__(self, handle):
        self.handle = handle

    def read(self, size=-1):
        try:
            return self.handle.read(size)
        except Exception as exc:
            raise SourceInterrupted(str(exc)) from exc


def _declared_size(file) -> int | None:
    """The size of ``file`` when known before reading it: an upload's declared size, a regular file's."""
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    try:
        status = os.fstat(file.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


@contextmanager
def _opened(file):
    if isinstance(file, (str, Path)):
        try:
            handle = open(file, "rb")  # noqa: SIM115
        except OSError as exc:
            raise field_error("file", _("The file %(name)s cannot be read: %(reason)s.")
                              % {"name": Path(file).name, "reason": exc.strerror or exc}, "unreadable") from exc
        with handle:
            yield handle
    else:
        yield file


def _too_large(limit: int) -> ValidationError:
    return field_error("file", _("The file is larger than the limit of %(limit)s: nothing was stored.")
                       % {"limit": human_size(limit)}, "too_large")


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return str(size)


def _storage_failure(exc: OSError) -> StorageFailure:
    if exc.errno in DISK_FULL:
        return field_error("file", _("The evidence storage is full: nothing was stored. Tell the administrator."),
                           "storage_full", StorageFailure)
    return field_error("file", _("The evidence storage could not write the file (%(reason)s): nothing was stored.")
                       % {"reason": exc.strerror or type(exc).__name__}, "storage", StorageFailure)


# --- what the file says about itself ---------------------------------------------------------------------


@dataclass
class Facts:
    media_type: str
    metadata: dict = field(default_factory=dict)
    thumbnail: bytes | None = None
    phash: str = ""


def read_facts(path: str, head: bytes) -> Facts:
    """The sniffed type, metadata, thumbnail and perceptual hash of the file at ``path``.

    A reader that fails notes why in ``metadata["errors"]``; the file is kept all the same."""
    media_type = metadata.sniff(head)
    facts = Facts(media_type=media_type, metadata={"magic": metadata.describe(head)})
    errors = []
    try:
        if media_type in metadata.IMAGE_TYPES:
            with open(path, "rb") as handle:
                image_facts, image = metadata.image_facts(handle)
                facts.metadata.update(image_facts)
                facts.thumbnail, facts.phash = metadata.thumbnail_and_phash(image)
        elif media_type == "application/pdf":
            with open(path, "rb") as handle:
                facts.metadata.update(metadata.pdf_facts(handle))
        elif media_type.startswith(("audio/", "video/")):
            facts.metadata.update(metadata.media_facts(path))
    except Exception as exc:  # noqa: BLE001  hostile or broken files are kept; their metadata is not
        errors.append(f"{type(exc).__name__}: {str(exc)[:200]}")
    if errors:
        facts.metadata["errors"] = errors
    return facts


# --- adding ----------------------------------------------------------------------------------------------


def _check_targets(actor, incident, source) -> None:
    if incident is not None and not visible_incidents(actor).filter(pk=incident.pk).exists():
        raise ValidationError({"incident": _("No such incident.")})
    if source is not None and not isinstance(source, Source):
        raise ValidationError({"source": _("No such source.")})


def next_exhibit(incident: Incident) -> str:
    """The next free exhibit number of ``incident``: ``E-1``, ``E-2``, ... after the highest in use."""
    numbers = [int(m.group(1)) for exhibit in EvidenceLink.objects.filter(incident=incident).values_list("exhibit", flat=True)
               if (m := EXHIBIT_RE.match(exhibit or ""))]
    return f"E-{max(numbers, default=0) + 1}"


def _create_link(*, actor, item, incident=None, source=None, description="", exhibit="") -> EvidenceLink:
    exhibit = (exhibit or "").strip()[:32]
    if incident is not None and not exhibit:
        exhibit = next_exhibit(incident)
    if incident is not None and EvidenceLink.objects.filter(incident=incident, exhibit=exhibit).exists():
        raise ValidationError({"exhibit": _("Exhibit %(exhibit)s is already used in this incident.") % {"exhibit": exhibit}})
    if EvidenceLink.objects.filter(item=item).filter(Q(incident=incident) if incident else Q(source=source)).exists():
        raise ValidationError({"incident" if incident else "source": _("The item is already linked there.")})
    try:
        with transaction.atomic():
            link = EvidenceLink.objects.create(item=item, incident=incident, source=source, description=description,
                                               exhibit=exhibit, created_by=actor if getattr(actor, "pk", None) else None)
    except IntegrityError as exc:  # another upload took the number between the check and the write
        raise ValidationError({"exhibit": _("Exhibit %(exhibit)s was just taken; try again.") % {"exhibit": exhibit}}) from exc
    target = {"incident": incident.reference} if incident else {"source": source.public_id}
    record(actor=actor, action="link", obj=item,
           changes={**{k: [None, v] for k, v in target.items()}, "exhibit": [None, exhibit or None],
                    "description": [None, description or None]})
    return link


def _blob_for(stored: storage.Stored, facts: Facts) -> tuple[Blob, bool]:
    """The Blob of these bytes: the existing one, or a new one with the temporary moved into place.
    Runs inside the caller's transaction; returns whether this call moved bytes into place."""
    blob = Blob.objects.filter(sha256=stored.sha256).first()
    if blob is not None and blob.purged_at is not None:
        raise field_error("file", _("These exact bytes were erased from the vault by a legal takedown on %(date)s "
                                    "and cannot be stored again.") % {"date": blob.purged_at.date().isoformat()}, "erased")
    if blob is not None:
        if not storage.evidence_storage().exists(blob.storage_name):  # lost bytes come back with the same bytes
            storage.promote(stored.temp_name, stored.sha256)
        return blob, False
    final = storage.promote(stored.temp_name, stored.sha256)
    try:
        with transaction.atomic():
            blob = Blob.objects.create(sha256=stored.sha256, size=stored.size, media_type=facts.media_type, storage_name=final)
    except IntegrityError:  # the same bytes were added at the same moment: one blob, two items
        return Blob.objects.get(sha256=stored.sha256), False
    if facts.thumbnail:
        storage.save_bytes(storage.thumbnail_name(stored.sha256), facts.thumbnail)
    return blob, True


def add_item(*, actor, file, name: str, incident: Incident | None = None, source: Source | None = None,
             description: str = "", method: str, collected_at: dt.datetime | None = None, collected_by: str = "",
             origin: str = "", claimed_type: str = "", exhibit: str = "", link_description: str = "") -> EvidenceItem:
    """Store ``file`` (a path or a binary stream) byte-exact and record it as a new evidence item.

    The bytes are streamed to the evidence storage while their SHA-256 is computed (memory stays
    flat whatever the size) and kept under that hash: the same bytes added twice are one blob and
    two items. The type is sniffed from the content (``claimed_type`` is kept, not believed);
    metadata, a thumbnail and a perceptual hash are read from the stored copy, never written into
    it. With ``incident`` or ``source`` the item is linked there (an incident gives the next free
    exhibit number unless ``exhibit`` is given). Custody entries "collect" (how, when, by whom,
    from where) and "upload" (hash, size, type) are recorded with the item.

    All or nothing: a file over ``SVIDOK_EVIDENCE_MAX_BYTES`` (refused before reading when its size
    is known), an interrupted read, a full disk or any other failure raises a ValidationError with
    a message saying so, and leaves no bytes and no record.
    """
    require(actor, "evidence.add")
    if method not in EvidenceItem.Method.values:
        raise ValidationError({"method": _("Unknown way of collecting.")})
    _check_targets(actor, incident, source)
    check_texts({"description": description, "collected_by": collected_by, "origin": origin, "exhibit": exhibit,
                 "link_description": link_description}, long=("description", "link_description"))
    name = safe_name(name)
    limit = storage.max_bytes()
    with _opened(file) as handle:
        declared = _declared_size(handle)
        if declared is not None and declared > limit:
            raise _too_large(limit)
        try:
            stored = storage.write_temporary(_GuardedSource(handle), limit=limit)
        except storage.TooLarge:
            raise _too_large(limit) from None
        except SourceInterrupted as exc:
            raise field_error("file", _("The file could not be read to its end (%(reason)s): nothing was stored.")
                              % {"reason": str(exc)[:200] or _("interrupted")}, "interrupted") from exc
        except OSError as exc:
            raise _storage_failure(exc) from exc
    store = storage.evidence_storage()
    moved = False
    try:
        media_type = metadata.sniff(stored.head)
        if metadata.needs_reading(media_type):
            with storage.local_copy(stored.temp_name) as path:  # on S3: a download, only when there is something to read
                facts = read_facts(path, stored.head)
        else:
            facts = Facts(media_type=media_type, metadata={"magic": metadata.describe(stored.head)})
        with transaction.atomic():
            blob, moved = _blob_for(stored, facts)
            item = EvidenceItem.objects.create(
                blob=blob, original_name=name, description=description, claimed_type=(claimed_type or "")[:127],
                method=method, collected_at=collected_at, collected_by=(collected_by or "")[:200], origin=(origin or "")[:2000],
                metadata=facts.metadata, phash=facts.phash,
                thumbnail=storage.thumbnail_name(blob.sha256) if facts.thumbnail else "",
                created_by=actor if getattr(actor, "pk", None) else None,
            )
            record(actor=actor, action="collect", obj=item, changes={
                "method": [None, method], "collected_at": [None, collected_at], "collected_by": [None, collected_by or None],
                "origin": [None, origin or None]})
            record(actor=actor, action="upload", obj=item, changes={
                "sha256": [None, blob.sha256], "size": [None, blob.size], "media_type": [None, blob.media_type],
                "original_name": [None, name], "claimed_type": [None, claimed_type or None],
                "stored": [None, "new" if moved else "already held"]})
            if incident is not None or source is not None:
                _create_link(actor=actor, item=item, incident=incident, source=source,
                             description=link_description, exhibit=exhibit)
    except OSError as exc:
        _undo(store, stored, moved)
        raise _storage_failure(exc) from exc
    except BaseException:
        _undo(store, stored, moved)
        raise
    if not moved:
        storage.delete_quietly(store, stored.temp_name)
    return item


def _undo(store, stored: storage.Stored, moved: bool) -> None:
    storage.delete_quietly(store, stored.temp_name)
    if moved and not Blob.objects.filter(sha256=stored.sha256).exists():
        storage.delete_quietly(store, storage.blob_name(stored.sha256))
        storage.delete_quietly(store, storage.thumbnail_name(stored.sha256))


# --- links and states ------------------------------------------------------------------------------------


@transaction.atomic
def link_item(*, actor, item: EvidenceItem, incident: Incident | None = None, source: Source | None = None,
              description: str = "", exhibit: str = "") -> EvidenceLink:
    """Cite ``item`` in an incident or a source (exactly one), with what it shows and an exhibit
    number (the next free ``E-<n>`` of the incident unless given)."""
    require(actor, "evidence.add")
    if (incident is None) == (source is None):
        raise ValidationError({"incident": _("Link to one incident or one source.")})
    _check_targets(actor, incident, source)
    check_texts({"description": description, "exhibit": exhibit}, long=("description",))
    return _create_link(actor=actor, item=item, incident=incident, source=source, description=description, exhibit=exhibit)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    check_texts({"reason": reason}, long=("reason",))
    return reason


def _set_status(*, actor, item: EvidenceItem, status: str, reason: str, allowed_from: set[str], action: str) -> EvidenceItem:
    item = EvidenceItem.objects.select_for_update().get(pk=item.pk)
    if item.status not in allowed_from:
        raise ValidationError({"status": _("The item is %(status)s: this cannot be done now.") % {"status": item.get_status_display()}})
    before = {"status": item.status, "status_reason": item.status_reason}
    item.status, item.status_reason = status, reason
    item.save(update_fields=["status", "status_reason"])
    record(actor=actor, action=action, obj=item, changes={"status": [before["status"], status],
                                                            "status_reason": [before["status_reason"] or None, reason]})
    return item


@transaction.atomic
def withdraw_item(*, actor, item: EvidenceItem, reason: str) -> EvidenceItem:
    """Take an item out of use, with the reason. The original and every record are kept."""
    require(actor, "evidence.withdraw")
    return _set_status(actor=actor, item=item, status=EvidenceItem.Status.WITHDRAWN, reason=_reason(reason),
                       allowed_from={EvidenceItem.Status.ACTIVE}, action="withdraw")


@transaction.atomic
def restore_item(*, actor, item: EvidenceItem, reason: str) -> EvidenceItem:
    """Put a withdrawn item back in use, with the reason."""
    require(actor, "evidence.withdraw")
    return _set_status(actor=actor, item=item, status=EvidenceItem.Status.ACTIVE, reason=_reason(reason),
                       allowed_from={EvidenceItem.Status.WITHDRAWN}, action="restore")


@transaction.atomic
def purge_item(*, actor, item: EvidenceItem, reason: str) -> EvidenceItem:
    """Erase an item for a legal takedown: its state becomes "erased" with the reason.

    The bytes go only when no other item still holds them: the same bytes collected another time
    (another item of the blob, not erased) are that item's original, and a takedown of one
    collection does not destroy another's evidence; purge each item to erase them. When the last
    item goes, the original and its thumbnail are deleted from the storage once the transaction
    has committed (``cleanup`` finishes the job if that deletion fails). The hash, size, type and
    every record stay, so the history still says what was held and why it is gone.
    """
    require(actor, "evidence.purge")
    reason = _reason(reason)
    item = _set_status(actor=actor, item=item, status=EvidenceItem.Status.PURGED, reason=reason,
                       allowed_from={EvidenceItem.Status.ACTIVE, EvidenceItem.Status.WITHDRAWN}, action="purge")
    blob = Blob.objects.select_for_update().get(pk=item.blob_id)
    holders = blob.items.exclude(pk=item.pk).exclude(status=EvidenceItem.Status.PURGED).count()
    if holders == 0 and blob.purged_at is None:
        blob.purged_at = timezone.now()
        blob.save(update_fields=["purged_at"])
        EvidenceItem.objects.filter(blob=blob).exclude(thumbnail="").update(thumbnail="")
        record(actor=actor, action="purge", obj=item, changes={"bytes_erased": [None, True], "sha256": [None, blob.sha256]})
        transaction.on_commit(lambda: _erase_bytes(blob))
    else:
        record(actor=actor, action="purge", obj=item, changes={"bytes_erased": [None, False], "held_by_other_items": [None, holders]})
    item.refresh_from_db()
    return item


def _erase_bytes(blob: Blob) -> None:
    store = storage.evidence_storage()
    storage.delete_quietly(store, blob.storage_name)
    storage.delete_quietly(store, storage.thumbnail_name(blob.sha256))


# --- custody of reads -------------------------------------------------------------------------------------


def _require_visible(actor, item: EvidenceItem) -> None:
    from svidok.evidence.queries import visible_items

    if not visible_items(actor).filter(pk=item.pk).exists():
        raise ValidationError({"item": _("No such evidence item.")})


@transaction.atomic
def record_view(*, actor, item: EvidenceItem) -> None:
    """Custody: ``actor`` looked at the item's record (its page or its API detail)."""
    require(actor, "evidence.view")
    _require_visible(actor, item)
    record(actor=actor, action="view", obj=item)


@transaction.atomic
def record_download(*, actor, item: EvidenceItem, what: str = "original") -> None:
    """Custody: ``actor`` received the original (or, with ``what="thumbnail"``, its thumbnail)."""
    require(actor, "evidence.download")
    _require_visible(actor, item)
    if item.status == EvidenceItem.Status.PURGED or item.blob.purged_at is not None:
        raise field_error("item", _("The original was erased (legal takedown): %(reason)s") % {"reason": item.status_reason},
                          "erased")
    record(actor=actor, action="download", obj=item, changes={"file": [None, what], "sha256": [None, item.blob.sha256]})


@dataclass
class Verification:
    item: EvidenceItem
    outcome: str  # "intact", "altered", "missing", "erased"
    sha256: str = ""
    size: int | None = None

    @property
    def ok(self) -> bool:
        return self.outcome in ("intact", "erased")


def _hash_stored(name: str) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with storage.open_blob(name) as handle:
        while data := handle.read(storage.CHUNK_SIZE):
            digest.update(data)
            size += len(data)
    return digest.hexdigest(), size


def verify_item(*, actor, item: EvidenceItem, _hashes: dict | None = None) -> Verification:
    """Re-read the stored original and compare its SHA-256 and size with the record; the outcome
    ("intact", "altered", "missing", or "erased" for a purged one) is a custody event "verify".

    The hashing runs outside any transaction (a large file must not hold the database's write
    lock); only the custody entry is written in one."""
    require(actor, "evidence.download")
    blob = item.blob
    if blob.purged_at is not None:
        result = Verification(item=item, outcome="erased")
    else:
        try:
            if _hashes is not None and blob.pk in _hashes:
                sha256, size = _hashes[blob.pk]
            else:
                sha256, size = _hash_stored(blob.storage_name)
                if _hashes is not None:
                    _hashes[blob.pk] = (sha256, size)
        except FileNotFoundError:
            result = Verification(item=item, outcome="missing")
        except OSError as exc:
            raise _storage_failure(exc) from exc
        else:
            intact = sha256 == blob.sha256 and size == blob.size
            result = Verification(item=item, outcome="intact" if intact else "altered", sha256=sha256, size=size)
    with transaction.atomic():
        record(actor=actor, action="verify", obj=item, changes={
            "outcome": [None, result.outcome], "sha256": [None, result.sha256 or blob.sha256]})
    return result


def verify_items(*, actor, items) -> list[Verification]:
    """:func:`verify_item` for each of ``items``, reading each stored original once."""
    require(actor, "evidence.download")
    hashes: dict = {}
    return [verify_item(actor=actor, item=item, _hashes=hashes) for item in items]


# --- cleanup ---------------------------------------------------------------------------------------------


@dataclass
class CleanupReport:
    temporaries: int = 0
    orphans: int = 0
    erased: int = 0

    @property
    def total(self) -> int:
        return self.temporaries + self.orphans + self.erased


def cleanup(*, actor, grace: dt.timedelta = CLEANUP_GRACE) -> CleanupReport:
    """Remove what interrupted work left in the evidence storage, once older than ``grace``:
    temporaries of uploads that never finished, bytes at a content address that no Blob record
    holds (the process died between moving them and committing), and the bytes of blobs whose
    record says they were erased (a purge whose deletion failed). Records are never touched."""
    require(actor, "evidence.purge")
    store = storage.evidence_storage()
    cutoff = timezone.now() - grace
    report = CleanupReport()
    known = {}
    for name in list(storage.walk(store)):
        if name.startswith(storage.TMP_DIR + "/"):
            kind = "temporaries"
        else:
            sha256 = name.rsplit("/", 1)[-1].removesuffix(".thumb.png")
            if not re.fullmatch(r"[0-9a-f]{64}", sha256) or name not in (storage.blob_name(sha256), storage.thumbnail_name(sha256)):
                continue  # not ours: never delete what this code did not write
            if sha256 not in known:
                known[sha256] = Blob.objects.filter(sha256=sha256).values_list("purged_at", flat=True).first() or (
                    "held" if Blob.objects.filter(sha256=sha256).exists() else None)
            state = known[sha256]
            if state == "held":
                continue
            kind = "orphans" if state is None else "erased"
        try:
            if kind != "erased" and _modified(store, name) > cutoff:
                continue
        except FileNotFoundError:
            continue
        storage.delete_quietly(store, name)
        setattr(report, kind, getattr(report, kind) + 1)
    if report.total:
        with transaction.atomic():
            record(actor=actor, action="delete", object_type="evidence.storage", object_id="cleanup",
                   object_repr="evidence storage", changes={"temporaries": [None, report.temporaries],
                                                            "orphans": [None, report.orphans], "erased": [None, report.erased]})
    return report


def _modified(store, name: str) -> dt.datetime:
    moment = store.get_modified_time(name)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.UTC)


# --- near-duplicates ---------------------------------------------------------------------------------------


def near_duplicates(item: EvidenceItem, *, user=None, bits: int = metadata.NEAR_DUPLICATE_BITS) -> list[tuple[EvidenceItem, int]]:
    """Other images that look like ``item`` (perceptual hashes at most ``bits`` apart; see
    ``metadata.NEAR_DUPLICATE_BITS``), nearest first, as ``(item, distance)``. Items of the same
    blob (the very same bytes) are exact duplicates and not listed here. With ``user``, only the
    items that user may see."""
    if not item.phash:
        return []
    candidates = EvidenceItem.objects.exclude(phash="").exclude(blob_id=item.blob_id)
    if user is not None:
        from svidok.evidence.queries import visible_items

        candidates = candidates.filter(pk__in=visible_items(user).values("pk"))
    found = []
    for other in candidates.only("id", "phash", "original_name", "uuid", "blob_id"):
        distance = metadata.hamming(item.phash, other.phash)
        if distance <= bits:
            found.append((other, distance))
    return sorted(found, key=lambda pair: (pair[1], pair[0].pk))

