"""The tamper-evident audit log: public API (RFC 9162 Merkle tree over the audit entries).

Every :class:`~svidok.audit.models.AuditEntry` becomes a leaf; the leaf's input is the entry's
``payload`` (canonical JSON) encoded as UTF-8, the "entry bytes". Leaf hash SHA-256(0x00 || entry),
node hash SHA-256(0x01 || left || right), tree head MTH as RFC 9162 §2.1.1.

This module is the contract for callers such as the court bundle. It checks no permission:
callers ask ``accounts.rules.require`` first (``svidok.audit.services`` does for the API and the
command). All hashes in results are lowercase hex, entry bytes are base64, sizes are leaf counts.
Functions raise :class:`LogError` (a message for people) on bad sizes or unknown entries.

A signed tree head (STH) is ``{"tree_size", "root_hash", "timestamp", "key_id", "signature"}``:
``signature`` is base64 of the Ed25519 signature over the UTF-8 canonical JSON (sorted keys, no
spaces) of the other four fields; ``key_id`` is the hex SHA-256 of the raw 32-byte public key.
"""

import base64
import binascii
import datetime as dt
import logging
from dataclasses import dataclass, field
from hashlib import sha256

from django.db import DatabaseError, connection, transaction
from django.utils.translation import gettext as _

from svidok.audit import keys, merkle, timestamping, triggers
from svidok.audit.models import AuditEntry, AuditLeaf, TreeHead
from svidok.common.bulk import insert_rows

log = logging.getLogger(__name__)

BATCH = 20_000
LEAF_TABLE = AuditLeaf._meta.db_table
ENTRY_TABLE = AuditEntry._meta.db_table


class LogError(ValueError):
    """A request the log cannot answer (unknown entry, size beyond the tree...), in people's words."""


def _canonical(data: dict) -> bytes:
    from svidok.audit.services import canonical_json

    return canonical_json(data).encode()


def _payload_bytes_sql() -> str:
    # SQLite hands the stored UTF-8 over as it is (no str round trip in Python). PostgreSQL sends
    # the text (a bytea would travel as hex, twice the size, and be decoded again): see _utf8.
    return "e.payload" if connection.vendor == "postgresql" else "CAST(e.payload AS BLOB)"


def _utf8(value) -> bytes | None:
    """The entry bytes of a payload as ``_payload_bytes_sql`` selected it."""
    return value.encode() if isinstance(value, str) else None if value is None else bytes(value)


# --- sequencing --------------------------------------------------------------------------------

def sequence(*, wait: bool = True) -> int | None:
    """Give every committed audit entry not yet in the tree the next leaf index; return the
    tree size (None when ``wait`` is false and another sequencer holds the lock).

    Order: on PostgreSQL every INSERT into the entries takes the advisory lock ``SEQUENCER_LOCK``
    shared until its transaction ends (a trigger), and the sequencer takes it exclusively, so it
    runs only when no writer is between its insert and its commit. Every entry it sees is then
    committed and every later entry gets a higher id: the new leaves are the entries after the
    last sequenced one, in id order, and leaf order is commit order batch by batch. On SQLite
    writers are serialised by the database's write lock, which the sequencer's transaction holds.
    Runs on demand (heads, proofs, verification), after every commit that wrote an entry
    (``wait=False``) and with each periodic head. Call it outside a transaction that has written
    entries: on PostgreSQL two such transactions sequencing at once wait for each other (the
    database detects it and fails one).
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                if wait:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [triggers.SEQUENCER_LOCK])
                else:
                    cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [triggers.SEQUENCER_LOCK])
                    if not cursor.fetchone()[0]:
                        return None
            cursor.execute(f"SELECT leaf_index, entry_id FROM {LEAF_TABLE} ORDER BY leaf_index DESC LIMIT 1")
            row = cursor.fetchone()
            size, last_entry = (row[0] + 1, row[1]) if row else (0, 0)
            select = (f"SELECT e.id, {_payload_bytes_sql()} FROM {ENTRY_TABLE} e "
                      f"WHERE e.id > %s ORDER BY e.id LIMIT {BATCH}")
            while True:
                cursor.execute(select, [last_entry])
                rows = cursor.fetchall()
                if not rows:
                    return size
                leaves = [(size + i, entry_id, merkle.leaf_hash(_utf8(payload)))
                          for i, (entry_id, payload) in enumerate(rows)]
                insert_rows(LEAF_TABLE, ["leaf_index", "entry_id", "hash"], leaves)
                size += len(rows)
                last_entry = rows[-1][0]


def _sequence_after_commit() -> None:
    try:
        sequence(wait=False)
    except DatabaseError:
        # Never fail the request that already committed; the next head or proof sequences.
        log.warning("audit sequencer deferred", exc_info=True)


def sequence_on_commit() -> None:
    """Sequence once after the current transaction commits (called by ``record``)."""
    if not any(item[1] is _sequence_after_commit for item in connection.run_on_commit):
        transaction.on_commit(_sequence_after_commit)


def tree_size() -> int:
    """The number of leaves sequenced so far (without sequencing)."""
    last = AuditLeaf.objects.order_by("-leaf_index").values_list("leaf_index", flat=True).first()
    return 0 if last is None else last + 1


def _leaf_hashes(size: int) -> bytearray:
    """The stored leaf hashes 0..size-1, concatenated."""
    out = bytearray()
    with connection.cursor() as cursor:
        start = 0
        while start < size:
            end = min(size, start + 100_000)
            cursor.execute(f"SELECT hash FROM {LEAF_TABLE} WHERE leaf_index >= %s AND leaf_index < %s "
                           "ORDER BY leaf_index", [start, end])
            for (digest,) in cursor.fetchall():
                out += digest
            start = end
    if len(out) != size * merkle.HASH_SIZE:
        raise LogError(_("The audit log is damaged: leaves are missing. Run “svidok audit verify”."))
    return out


_TREE_CACHE: dict = {}


def _tree(size: int) -> merkle.Tree:
    """The tree over the stored leaf hashes 0..size-1. The last one built is kept (leaves are
    append-only), so a bundle asking many proofs against one head builds it once."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT hash FROM {LEAF_TABLE} WHERE leaf_index IN (0, %s) ORDER BY leaf_index", [size - 1])
        ends = tuple(bytes(h) for (h,) in cursor.fetchall())
    key = (connection.alias, connection.settings_dict["NAME"], size, ends)
    tree = _TREE_CACHE.get(key)
    if tree is None:
        tree = merkle.Tree(_leaf_hashes(size))
        _TREE_CACHE.clear()
        _TREE_CACHE[key] = tree
    return tree


def _check_size(size, current: int, what: str = "size") -> int:
    if size is None:
        return current
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise LogError(_("A tree size is a whole number, 0 or more."))
    if size > current:
        raise LogError(_("The audit log has %(current)s entries; it cannot answer for %(size)s.")
                       % {"current": current, "size": size})
    return size


# --- signed tree heads --------------------------------------------------------------------------

def sign_head(size: int, root: bytes) -> dict:
    """A new STH for the first ``size`` leaves with root ``root``, signed now by the current key."""
    private_key = keys.signing_key()
    head = {
        "tree_size": size,
        "root_hash": root.hex(),
        "timestamp": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "key_id": keys.key_id(private_key.public_key()),
    }
    head["signature"] = base64.b64encode(private_key.sign(_canonical(head))).decode()
    return head


def _issue(size: int, root: bytes) -> dict:
    head = sign_head(size, root)
    reply = timestamping.stamp(_canonical(head))  # before the row: heads are never updated
    with transaction.atomic():
        TreeHead.objects.create(**head, tsa_reply=reply)
    return head


def timestamp_reply(head: dict) -> bytes | None:
    """The RFC 3161 reply (DER TimeStampResp) stored with this head, over SHA-256 of the head's
    canonical JSON with its signature; None when the head was not time-stamped."""
    stored = TreeHead.objects.filter(tree_size=head["tree_size"], root_hash=head["root_hash"],
                                     timestamp=head["timestamp"], signature=head["signature"]).first()
    return bytes(stored.tsa_reply) if stored is not None and stored.tsa_reply is not None else None


def issue_head() -> dict:
    """Sequence, then sign and store a head over the whole tree; return it (an STH dict)."""
    size = sequence()
    return _issue(size, _tree(size).root())


def issue_head_if_grown() -> dict | None:
    """For the periodic task: sequence, and issue a head only if the tree grew since the last head
    (or none was issued yet). Returns the new head or None."""
    size = sequence()
    last = TreeHead.objects.order_by("-id").first()
    if last is not None and last.tree_size == size:
        return None
    return _issue(size, _tree(size).root())


def signed_head(size: int | None = None) -> dict:
    """An STH over the first ``size`` leaves (the whole tree by default), after sequencing.

    The latest stored head of that size is returned when there is one; otherwise a new head is
    signed and stored. Proofs for a bundle are asked against ``head["tree_size"]``.
    """
    current = sequence()
    size = _check_size(size, current)
    stored = TreeHead.objects.filter(tree_size=size).order_by("-id").first()
    if stored is not None:
        return stored.as_dict()
    return _issue(size, _tree(size).root())


def latest_head() -> dict | None:
    """The last head issued, or None."""
    stored = TreeHead.objects.order_by("-id").first()
    return stored.as_dict() if stored else None


def check_head_signature(head: dict) -> bool:
    """True when ``head`` is signed by one of the published keys (its ``key_id``)."""
    public_key = keys.load_public(str(head.get("key_id", "")))
    if public_key is None:
        return False
    try:
        signature = base64.b64decode(head["signature"], validate=True)
    except (KeyError, binascii.Error, TypeError):
        return False
    body = {k: head[k] for k in ("tree_size", "root_hash", "timestamp", "key_id")}
    return keys.verify(public_key, signature, _canonical(body))


def public_keys() -> list[dict]:
    """Every public key that signed or signs heads: ``[{"key_id", "pem", "current"}]``, the current
    key first; ``pem`` is SubjectPublicKeyInfo, ``key_id`` the hex SHA-256 of the raw key."""
    return keys.public_keys()


def public_key_pem(key_id: str) -> str:
    """The PEM (SubjectPublicKeyInfo) of the published key ``key_id``; LogError if there is none."""
    public_key = keys.load_public(key_id)
    if public_key is None:
        raise LogError(_("No published audit signing key has this id."))
    return keys.public_pem(public_key)


def new_signing_key():
    """A fresh Ed25519 private key for ``rotate_key`` (its id: ``signing_key_id(key)``)."""
    return keys.new_key()


def signing_key_id(private_key) -> str:
    return keys.key_id(private_key.public_key())


def rotate_key(new=None) -> str:
    """Switch to ``new`` (from ``new_signing_key``) or a fresh signing key; return its id. The old
    private key is overwritten; old public keys stay published."""
    return keys.rotate(new)


# --- proofs -------------------------------------------------------------------------------------

def _leaf_of(entry_id) -> tuple[int, bytes]:
    return _leaves_of([entry_id])[entry_id]


def _leaves_of(entry_ids) -> dict:
    """``{entry id: (leaf index, entry bytes)}``, 500 ids per query; LogError naming the first
    entry that is not in the log."""
    ids = list(dict.fromkeys(entry_ids))
    found = {}
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            cursor.execute(f"SELECT l.entry_id, l.leaf_index, {_payload_bytes_sql()} FROM {LEAF_TABLE} l "
                           f"JOIN {ENTRY_TABLE} e ON e.id = l.entry_id WHERE l.entry_id IN ({', '.join(['%s'] * len(chunk))})",
                           chunk)
            found.update((row[0], (row[1], _utf8(row[2]))) for row in cursor.fetchall())
    for entry_id in ids:
        if entry_id not in found:
            raise LogError(_("There is no audit entry %(id)s in the log.") % {"id": entry_id})
    return found


def inclusion_proofs(entry_ids, tree_size: int | None = None) -> list[dict]:
    """Inclusion proofs (RFC 9162 §2.1.3) of several entries against one tree size (the whole tree
    by default), building the tree once. Each: ``{"entry_id", "leaf_index", "tree_size",
    "entry" (base64 of the entry bytes), "audit_path" [hex, leaf to root]}``. Raises LogError when
    an entry is unknown or was sequenced after ``tree_size``."""
    current = sequence()
    size = _check_size(tree_size, current)
    entry_ids = list(entry_ids)
    known = _leaves_of(entry_ids)
    leaves = [(entry_id, *known[entry_id]) for entry_id in entry_ids]
    tree = _tree(size)
    proofs = []
    for entry_id, index, entry in leaves:
        if index >= size:
            raise LogError(_("Audit entry %(id)s was logged after the first %(size)s entries.")
                           % {"id": entry_id, "size": size})
        proofs.append({"entry_id": entry_id, "leaf_index": index, "tree_size": size,
                       "entry": base64.b64encode(entry).decode(),
                       "audit_path": [h.hex() for h in tree.inclusion_path(index, size)]})
    return proofs


def inclusion_proof(entry_id: int, tree_size: int | None = None) -> dict:
    """``{"leaf_index", "tree_size", "entry", "audit_path"}`` for one entry (see inclusion_proofs)."""
    proof = inclusion_proofs([entry_id], tree_size)[0]
    del proof["entry_id"]
    return proof


def consistency_proof(size1: int, size2: int | None = None) -> dict:
    """``{"size1", "size2", "root1", "root2", "proof" [hex]}``: RFC 9162 §2.1.4 proof that the
    tree of ``size1`` leaves is a prefix of the tree of ``size2`` (the whole tree by default)."""
    current = sequence()
    size2 = _check_size(size2, current)
    size1 = _check_size(size1, current)
    if size1 > size2:
        raise LogError(_("The first size must not be larger than the second."))
    tree = _tree(size2)
    return {"size1": size1, "size2": size2, "root1": tree.root(size1).hex(), "root2": tree.root(size2).hex(),
            "proof": [h.hex() for h in tree.consistency_proof(size1, size2)]}


# --- verification -------------------------------------------------------------------------------

@dataclass
class Report:
    """What ``verify_log`` found. ``tree_size`` is the number of leaves; ``ok`` is true when nothing is
    wrong; ``problems`` are messages for people, the first problem first; ``first_bad_entry`` is the id of the first audit entry found
    bad (None when the problem has no entry of its own, e.g. a truncated log)."""

    tree_size: int = 0
    heads_checked: int = 0
    timestamps_checked: int = 0
    problems: list[str] = field(default_factory=list)
    first_bad_entry: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict:
        return {"ok": self.ok, "tree_size": self.tree_size, "heads_checked": self.heads_checked,
                "timestamps_checked": self.timestamps_checked,
                "problems": self.problems, "first_bad_entry": self.first_bad_entry}

    def _bad(self, message: str, entry_id: int | None = None) -> None:
        if entry_id is not None and self.first_bad_entry is None and not self.problems:
            self.first_bad_entry = entry_id
        self.problems.append(message)


def _check_batch(report: Report, rows, expected: int, last_entry: int) -> bool:
    """The slow path over one batch that failed the fast checks: name the first bad row."""
    for leaf_index, entry_id, stored, payload in rows:
        if leaf_index != expected:
            report._bad(_("Leaf %(index)s is missing from the audit log, between audit entries %(prev)s and "
                          "%(id)s: an entry was deleted.") % {"index": expected, "prev": last_entry, "id": entry_id},
                        entry_id)
            return False
        if payload is None:
            report._bad(_("Audit entry %(id)s is missing (leaf %(index)s): it was deleted.")
                        % {"id": entry_id, "index": leaf_index}, entry_id)
            return False
        if entry_id <= last_entry:
            report._bad(_("Audit entry %(id)s is out of order: leaf %(index)s holds it after audit entry %(prev)s.")
                        % {"id": entry_id, "index": leaf_index, "prev": last_entry}, entry_id)
            return False
        if merkle.leaf_hash(_utf8(payload)) != bytes(stored):
            report._bad(_("Audit entry %(id)s does not match its leaf (leaf %(index)s): it was changed after "
                          "it was logged.") % {"id": entry_id, "index": leaf_index}, entry_id)
            return False
        expected += 1
        last_entry = entry_id
    return True


def verify_log(*, sequence_first: bool = True) -> Report:
    """Recompute the whole log from the stored entries and check it; return a :class:`Report`.

    Checks: leaf indexes run 0..n-1 without gaps; every leaf's entry exists, entries follow in
    increasing id order, and SHA-256(0x00 || payload) equals the stored leaf hash; every entry is a
    leaf; every stored head's root equals the root recomputed from the payloads (not from the
    stored leaf hashes) at its size, its size is not beyond the log, and its signature verifies
    with the published key of its key id. Stops at the first bad leaf; head problems are all listed.
    """
    if sequence_first:
        sequence()
    report = Report()
    leaves = bytearray()
    sha = sha256
    prefix = merkle.LEAF_PREFIX
    text = connection.vendor == "postgresql"
    expected, last_entry, broken = 0, 0, False
    # Two ordered streams, leaves and entries, compared batch by batch: no join (PostgreSQL plans a
    # parallel join per batch, slower than both reads together). Entries sequenced while this runs
    # are left out: leaves up to the last one now, entries up to its entry id.
    select_leaves = (f"SELECT leaf_index, entry_id, hash FROM {LEAF_TABLE} WHERE leaf_index >= %s "
                     f"AND leaf_index < %s ORDER BY leaf_index LIMIT {BATCH}")
    select_entries = (f"SELECT e.id, {_payload_bytes_sql()} FROM {ENTRY_TABLE} e WHERE e.id > %s AND e.id <= %s "
                      f"ORDER BY e.id LIMIT {BATCH}")
    select_joined = (f"SELECT l.leaf_index, l.entry_id, l.hash, {_payload_bytes_sql()} FROM {LEAF_TABLE} l "
                     f"LEFT JOIN {ENTRY_TABLE} e ON e.id = l.entry_id WHERE l.leaf_index >= %s AND l.leaf_index < %s "
                     f"ORDER BY l.leaf_index LIMIT {BATCH}")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT leaf_index, entry_id FROM {LEAF_TABLE} ORDER BY leaf_index DESC LIMIT 1")
        row = cursor.fetchone()
        end, ceiling = (row[0] + 1, row[1]) if row else (0, 0)
        while True:
            cursor.execute(select_leaves, [expected, end])
            leaf_rows = cursor.fetchall()
            if not leaf_rows:
                break
            indexes, entry_ids, stored = zip(*leaf_rows, strict=True)
            cursor.execute(select_entries, [last_entry, ceiling])
            entry_rows = cursor.fetchall()
            ids = [r[0] for r in entry_rows]
            # Fast checks over the batch (C loops): contiguous indexes, the same entries in the same
            # (increasing id) order, equal leaf hashes. The slow path names the first bad row.
            fine = indexes[0] == expected and indexes[-1] == expected + len(leaf_rows) - 1 and list(entry_ids) == ids
            if fine:
                if text:
                    recomputed = b"".join([sha(prefix + p.encode()).digest() for _i, p in entry_rows])
                else:
                    recomputed = b"".join([sha(prefix + p).digest() for _i, p in entry_rows])
                fine = recomputed == b"".join(map(bytes, stored))
            if not fine:
                cursor.execute(select_joined, [expected, end])
                if not _check_batch(report, cursor.fetchall(), expected, last_entry):
                    broken = True
                    break
                # Every leaf is right: an entry among these ids is not a leaf.
                known = set(entry_ids)
                orphan = next((i for i in ids if i not in known), None)
                report._bad(_("Audit entry %(id)s is not in the log: it was inserted behind the sequencer.")
                            % {"id": orphan}, orphan)
                broken = True
                break
            leaves += recomputed
            expected += len(leaf_rows)
            last_entry = entry_ids[-1]
        report.tree_size = expected
        if broken:
            cursor.execute(f"SELECT count(*) FROM {LEAF_TABLE}")
            report.tree_size = cursor.fetchone()[0]
    tree = merkle.Tree(leaves)
    good_size, last_entry_ids = 0, None
    for head in TreeHead.objects.order_by("id").iterator():
        report.heads_checked += 1
        when = head.timestamp
        if head.tree_size > tree.size:
            if not broken:
                report._bad(_("The audit log was truncated: it has %(size)s entries, but the head signed at "
                              "%(when)s covers %(head)s; entries after leaf %(last)s were removed.")
                            % {"size": tree.size, "when": when, "head": head.tree_size, "last": tree.size - 1})
        elif tree.root(head.tree_size).hex() != head.root_hash:
            if not broken:
                if last_entry_ids is None:
                    last_entry_ids = _entry_ids_at(good_size, head.tree_size)
                report._bad(_("The first %(size)s audit entries no longer give the root signed at %(when)s: "
                              "an entry among audit entries %(first)s to %(last)s was changed or reordered.")
                            % {"size": head.tree_size, "when": when, "first": last_entry_ids[0],
                               "last": last_entry_ids[1]}, last_entry_ids[0])
        else:
            good_size = max(good_size, head.tree_size)
        if not check_head_signature(head.as_dict()):
            report._bad(_("The head signed at %(when)s has no valid signature by a published key.") % {"when": when})
        if head.tsa_reply is not None:
            stamped = timestamping.check(_canonical(head.as_dict()), bytes(head.tsa_reply))
            if stamped is not None:
                report.timestamps_checked += 1
                if not stamped:
                    report._bad(_("The time-stamp of the head signed at %(when)s does not verify.") % {"when": when})
    return report


def _entry_ids_at(start: int, end: int) -> tuple[int, int]:
    ids = list(AuditLeaf.objects.filter(leaf_index__gte=start, leaf_index__lt=end)
               .order_by("leaf_index").values_list("entry_id", flat=True)[:1])
    last = list(AuditLeaf.objects.filter(leaf_index__gte=start, leaf_index__lt=end)
                .order_by("-leaf_index").values_list("entry_id", flat=True)[:1])
    return (ids[0] if ids else None, last[0] if last else None)
