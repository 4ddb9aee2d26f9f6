"""The audit log in the database: sequencing, signed heads, proofs, verification and tampering.

Tampering edits the tables directly after lifting the append-only triggers (the test's
transaction is rolled back, triggers included)."""

import base64
import json
import subprocess

import pytest
from django.db import IntegrityError, connection, transaction

from svidok.accounts.services import system_account
from svidok.audit import keys, log, triggers
from svidok.audit.models import AuditEntry, AuditLeaf, TreeHead
from svidok.audit.services import canonical_json, record
from tests.audit import rfc9162


def write_entries(count: int) -> list[int]:
    actor = system_account()
    ids = []
    for i in range(count):
        with transaction.atomic():
            ids.append(record(actor=actor, action="create", object_type="test.thing", object_id=f"T-{i}",
                              changes={"title": [None, f"thing {i} — річ"]}).id)
    return ids


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))


def lift_triggers() -> None:
    triggers.execute(connection, triggers.remove_sql(connection.vendor))


@pytest.fixture
def entries(db):
    ids = write_entries(12)
    log.sequence()
    return ids


def test_sequence_gives_every_entry_one_leaf_in_order(entries):
    size = log.sequence()
    leaves = list(AuditLeaf.objects.order_by("leaf_index").values_list("leaf_index", "entry_id", "hash"))
    assert [leaf[0] for leaf in leaves] == list(range(size))
    assert size == AuditEntry.objects.count()
    assert [leaf[1] for leaf in leaves[-12:]] == entries
    for _index, entry_id, digest in leaves[-12:]:
        payload = AuditEntry.objects.get(id=entry_id).payload.encode()
        assert bytes(digest) == rfc9162.leaf(payload)


def test_sequence_twice_adds_nothing(entries):
    assert log.sequence() == log.sequence() == AuditLeaf.objects.count()


def test_signed_head_root_is_the_rfc_root_of_all_payloads(entries):
    head = log.signed_head()
    payloads = [e.encode() for e in AuditEntry.objects.order_by("leaf__leaf_index").values_list("payload", flat=True)]
    assert head["tree_size"] == len(payloads)
    assert head["root_hash"] == rfc9162.mth(payloads).hex()
    assert head["timestamp"].endswith("Z") and head["timestamp"][10] == "T"
    assert TreeHead.objects.filter(tree_size=head["tree_size"]).count() == 1
    assert log.signed_head() == head  # the stored head of that size is reused


def test_head_signature_is_ed25519_over_the_canonical_json_by_the_published_key(entries):
    head = log.signed_head()
    body = canonical_json({k: v for k, v in head.items() if k != "signature"}).encode()
    (published,) = log.public_keys()
    public_key = keys.serialization.load_pem_public_key(published["pem"].encode())
    public_key.verify(base64.b64decode(head["signature"]), body)  # raises if invalid
    assert published["key_id"] == head["key_id"] == keys.key_id(public_key)
    assert log.check_head_signature(head)
    assert not log.check_head_signature({**head, "tree_size": head["tree_size"] - 1})


def test_head_signature_verifies_with_openssl(entries, tmp_path):
    head = log.signed_head()
    (tmp_path / "head.json").write_bytes(
        canonical_json({k: v for k, v in head.items() if k != "signature"}).encode())
    (tmp_path / "head.sig").write_bytes(base64.b64decode(head["signature"]))
    (tmp_path / "key.pem").write_text(log.public_key_pem(head["key_id"]))
    args = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", tmp_path / "key.pem", "-rawin",
            "-in", tmp_path / "head.json", "-sigfile", tmp_path / "head.sig"]
    ok = subprocess.run(args, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "Signature Verified Successfully" in ok.stdout
    (tmp_path / "head.json").write_bytes(b"{" + (tmp_path / "head.json").read_bytes()[1:].replace(b"1", b"2", 1))
    assert subprocess.run(args, capture_output=True).returncode != 0


def test_key_file_is_private_and_outside_the_database(entries, settings):
    log.signed_head()
    assert settings.SVIDOK_AUDIT_KEY.stat().st_mode & 0o777 == 0o600
    assert b"PRIVATE KEY" in settings.SVIDOK_AUDIT_KEY.read_bytes()


def test_rotation_signs_with_the_new_key_and_keeps_the_old_public_key(entries):
    old = log.signed_head()
    new_id = log.rotate_key()
    write_entries(1)
    new = log.signed_head()
    assert new["key_id"] == new_id != old["key_id"]
    assert [k["key_id"] for k in log.public_keys()] == [new_id, old["key_id"]]
    assert log.check_head_signature(old) and log.check_head_signature(new)
    assert log.verify_log().ok


def test_inclusion_proof_round_trips_through_the_rfc_verifier(entries):
    head = log.signed_head()
    for entry_id in entries:
        proof = log.inclusion_proof(entry_id, head["tree_size"])
        entry = base64.b64decode(proof["entry"])
        assert entry == AuditEntry.objects.get(id=entry_id).payload.encode()
        assert rfc9162.verify_inclusion(proof["leaf_index"], proof["tree_size"], rfc9162.leaf(entry),
                                        [bytes.fromhex(h) for h in proof["audit_path"]], bytes.fromhex(head["root_hash"]))


def test_inclusion_proof_against_an_older_size(entries):
    size = log.sequence()
    old_root = bytes.fromhex(log.signed_head(size - 2)["root_hash"])
    proof = log.inclusion_proof(entries[-3], size - 2)
    assert rfc9162.verify_inclusion(proof["leaf_index"], size - 2, rfc9162.leaf(base64.b64decode(proof["entry"])),
                                    [bytes.fromhex(h) for h in proof["audit_path"]], old_root)
    with pytest.raises(log.LogError, match="logged after the first"):
        log.inclusion_proof(entries[-1], size - 2)


def test_consistency_proof_between_heads_round_trips(entries):
    first = log.signed_head()
    write_entries(5)
    second = log.signed_head()
    proof = log.consistency_proof(first["tree_size"], second["tree_size"])
    assert (proof["root1"], proof["root2"]) == (first["root_hash"], second["root_hash"])
    assert rfc9162.verify_consistency(first["tree_size"], second["tree_size"], bytes.fromhex(first["root_hash"]),
                                      bytes.fromhex(second["root_hash"]), [bytes.fromhex(h) for h in proof["proof"]])


def test_bad_requests_are_refused_in_words(entries):
    size = log.sequence()
    with pytest.raises(log.LogError, match=f"has {size} entries"):
        log.consistency_proof(1, size + 1)
    with pytest.raises(log.LogError, match="must not be larger"):
        log.consistency_proof(5, 4)
    with pytest.raises(log.LogError, match="no audit entry 999999"):
        log.inclusion_proof(999999)


def test_issue_head_if_grown_issues_only_after_growth(entries):
    assert log.issue_head_if_grown() is not None
    assert log.issue_head_if_grown() is None
    write_entries(1)
    assert log.issue_head_if_grown()["tree_size"] == log.sequence()


def test_verify_passes_on_an_untouched_log(entries):
    log.signed_head()
    report = log.verify_log()
    assert report.ok, report.problems
    assert report.tree_size == AuditEntry.objects.count()
    assert report.heads_checked == 1


# --- the database refuses rewrites --------------------------------------------------------------

@pytest.mark.parametrize("table", triggers.TABLES)
@pytest.mark.parametrize("verb", ["UPDATE", "DELETE"])
def test_database_refuses_update_and_delete(entries, table, verb):
    log.signed_head()
    column = {"audit_auditentry": "object_repr", "audit_auditleaf": "hash", "audit_treehead": "root_hash"}[table]
    value = b"x" * 32 if table == "audit_auditleaf" else "x"
    statement = f"UPDATE {table} SET {column} = %s" if verb == "UPDATE" else f"DELETE FROM {table}"
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        sql(statement, [value] if verb == "UPDATE" else [])


def test_orm_bulk_update_and_delete_are_refused_too(entries):
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEntry.objects.filter(id=entries[0]).update(payload="{}")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditLeaf.objects.filter(entry_id=entries[0]).delete()


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="TRUNCATE is PostgreSQL's")
def test_postgresql_refuses_truncate(entries):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        sql("TRUNCATE audit_treehead")


# --- tampering: verify names the first bad entry ------------------------------------------------

def test_edited_payload_is_named(entries):
    log.signed_head()
    lift_triggers()
    victim = entries[4]
    payload = json.loads(AuditEntry.objects.get(id=victim).payload)
    payload["actor"] = "somebody else"
    sql("UPDATE audit_auditentry SET payload = %s WHERE id = %s", [canonical_json(payload), victim])
    report = log.verify_log()
    assert not report.ok
    assert report.first_bad_entry == victim
    assert report.problems[0].startswith(f"Audit entry {victim} does not match its leaf")


def test_edited_payload_with_a_recomputed_leaf_hash_fails_the_signed_head(entries):
    head = log.signed_head()
    lift_triggers()
    victim = entries[4]
    payload = AuditEntry.objects.get(id=victim).payload.replace("thing 4", "thing 5")
    sql("UPDATE audit_auditentry SET payload = %s WHERE id = %s", [payload, victim])
    sql("UPDATE audit_auditleaf SET hash = %s WHERE entry_id = %s", [rfc9162.leaf(payload.encode()), victim])
    report = log.verify_log()
    assert not report.ok
    assert f"no longer give the root signed at {head['timestamp']}" in report.problems[0]


def test_deleted_entry_and_leaf_are_named(entries):
    log.signed_head()
    lift_triggers()
    victim = entries[6]
    sql("DELETE FROM audit_auditleaf WHERE entry_id = %s", [victim])
    sql("DELETE FROM audit_auditentry WHERE id = %s", [victim])
    report = log.verify_log()
    assert not report.ok
    assert report.first_bad_entry == entries[7]
    assert f"between audit entries {entries[5]} and {entries[7]}: an entry was deleted" in report.problems[0]


def test_deleted_entry_alone_is_named(entries):
    victim = entries[6]
    with transaction.atomic():
        lift_triggers()
        sql("DELETE FROM audit_auditentry WHERE id = %s", [victim])  # its leaf stays (the foreign key is deferred)
        report = log.verify_log()
        transaction.set_rollback(True)  # before the deferred foreign key is checked
    assert report.first_bad_entry == victim
    assert report.problems[0].startswith(f"Audit entry {victim} is missing")


def test_swapped_payloads_are_named_at_the_first(entries):
    lift_triggers()
    a, b = entries[2], entries[8]
    pa, pb = (AuditEntry.objects.get(id=i).payload for i in (a, b))
    sql("UPDATE audit_auditentry SET payload = %s WHERE id = %s", [pb, a])
    sql("UPDATE audit_auditentry SET payload = %s WHERE id = %s", [pa, b])
    report = log.verify_log()
    assert report.first_bad_entry == a
    assert report.problems[0].startswith(f"Audit entry {a} does not match its leaf")


def test_reordered_leaves_are_named(entries):
    """Two leaves swap their entries and hashes: each leaf matches its entry, but the order does not."""
    log.signed_head()
    lift_triggers()
    a, b = entries[2], entries[8]
    (ia, ha), (ib, hb) = (AuditLeaf.objects.filter(entry_id=i).values_list("leaf_index", "hash").get() for i in (a, b))
    sql("UPDATE audit_auditleaf SET entry_id = %s, hash = %s WHERE leaf_index = %s", [-1, bytes(hb), ia])
    sql("UPDATE audit_auditleaf SET entry_id = %s, hash = %s WHERE leaf_index = %s", [a, bytes(ha), ib])
    sql("UPDATE audit_auditleaf SET entry_id = %s WHERE leaf_index = %s", [b, ia])
    report = log.verify_log()
    # Entry b now sits too early; the first leaf that contradicts the order is the next one.
    assert report.first_bad_entry == entries[3]
    assert report.problems[0] == (f"Audit entry {entries[3]} is out of order: leaf {ia + 1} holds it after "
                                  f"audit entry {b}.")


def test_truncated_log_is_named(entries):
    head = log.signed_head()
    lift_triggers()
    for victim in entries[-3:]:
        sql("DELETE FROM audit_auditleaf WHERE entry_id = %s", [victim])
        sql("DELETE FROM audit_auditentry WHERE id = %s", [victim])
    report = log.verify_log()
    assert not report.ok
    size = head["tree_size"] - 3
    assert report.problems[0] == (f"The audit log was truncated: it has {size} entries, but the head signed at "
                                  f"{head['timestamp']} covers {head['tree_size']}; entries after leaf {size - 1} "
                                  "were removed.")


def test_forged_head_signature_is_named(entries):
    head = log.signed_head()
    lift_triggers()
    forged = base64.b64encode(b"\0" * 64).decode()
    sql("UPDATE audit_treehead SET signature = %s", [forged])
    report = log.verify_log()
    assert report.problems == [f"The head signed at {head['timestamp']} has no valid signature by a published key."]


def test_bulk_inserted_entries_become_leaves(db):
    """The importer writes entries with COPY/executemany (common.bulk), not record(): the next
    sequencing picks them up like any other."""
    from svidok.audit.services import build_entry
    from svidok.common.bulk import insert_rows

    before = log.sequence()
    built = [build_entry(actor=system_account(), action="import", object_type="test.thing", object_id=f"B-{i}",
                         changes={"n": [None, i]}) for i in range(30)]
    columns = ["created_at", "actor_label", "action", "object_type", "object_id", "object_repr", "changes",
               "request_id", "payload"]
    with transaction.atomic():
        insert_rows(AuditEntry, columns, [[getattr(e, c) for c in columns] for e in built])
    assert log.sequence() == before + 30
    payloads = [p.encode() for p in AuditEntry.objects.order_by("leaf__leaf_index").values_list("payload", flat=True)]
    assert log.signed_head()["root_hash"] == rfc9162.mth(payloads).hex()
    assert log.verify_log().ok


def _insert_entry_with_id(entry_id: int) -> None:
    from svidok.audit.services import build_entry

    entry = build_entry(actor=system_account(), action="create", object_type="test.thing", object_id=f"X-{entry_id}")
    entry.id = entry_id
    with transaction.atomic():
        AuditEntry.objects.bulk_create([entry])  # save() refuses an entry that has an id


def test_entry_inserted_behind_the_sequencer_is_named(entries):
    _insert_entry_with_id(entries[-1] + 10)
    log.sequence()
    _insert_entry_with_id(entries[-1] + 5)  # a lower id than the last leaf's, after it was sequenced
    report = log.verify_log()
    assert report.first_bad_entry == entries[-1] + 5
    assert report.problems == [f"Audit entry {entries[-1] + 5} is not in the log: it was inserted behind the sequencer."]


def test_entries_not_yet_sequenced_are_not_problems(entries):
    size = log.sequence()
    write_entries(2)  # committed after the sequencer ran (their on-commit sequencing does not run in a test)
    report = log.verify_log(sequence_first=False)
    assert report.ok, report.problems
    assert report.tree_size == size


@pytest.mark.django_db
def test_an_action_code_too_long_for_the_column_fails_on_every_database():
    # PostgreSQL refuses a value longer than the column, SQLite stores it: the service refuses first.
    with transaction.atomic(), pytest.raises(ValueError, match="longer than 16"):
        record(actor=system_account(), action="consent_withdrawn", object_type="people.person", object_id="x")
    assert not AuditEntry.objects.filter(action="consent_withdrawn").exists()
