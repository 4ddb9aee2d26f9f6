"""``svidok audit``: the --json shapes of the issue, exit status of verify, --as."""

import base64
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from svidok.accounts.models import Role
from svidok.accounts.services import system_account
from svidok.audit import log, triggers
from svidok.audit.models import AuditEntry
from svidok.audit.services import canonical_json, record
from tests.audit import rfc9162
from tests.helpers import make_user


def run(*args) -> str:
    out = io.StringIO()
    call_command("audit", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def entries(db):
    ids = []
    for i in range(6):
        with transaction.atomic():
            ids.append(record(actor=system_account(), action="create", object_type="test.thing",
                              object_id=f"T-{i}").id)
    return ids


def test_head_json(entries):
    head = json.loads(run("head", "--json"))
    assert sorted(head) == ["key_id", "root_hash", "signature", "timestamp", "tree_size"]
    assert head["tree_size"] == AuditEntry.objects.count()
    assert log.check_head_signature(head)
    body = canonical_json({k: head[k] for k in ("tree_size", "root_hash", "timestamp", "key_id")})
    assert body.startswith('{"key_id":"') and " " not in body


def test_prove_json(entries):
    head = json.loads(run("head", "--json"))
    proof = json.loads(run("prove", str(entries[2]), "--size", str(head["tree_size"]), "--json"))
    assert sorted(proof) == ["audit_path", "entry", "leaf_index", "tree_size"]
    entry = base64.b64decode(proof["entry"])
    assert rfc9162.verify_inclusion(proof["leaf_index"], proof["tree_size"], rfc9162.leaf(entry),
                                    [bytes.fromhex(h) for h in proof["audit_path"]], bytes.fromhex(head["root_hash"]))


def test_consistency_json(entries):
    size = log.sequence()
    proof = json.loads(run("consistency", "--from", "2", "--to", str(size), "--json"))
    assert sorted(proof) == ["proof", "root1", "root2", "size1", "size2"]
    assert rfc9162.verify_consistency(2, size, bytes.fromhex(proof["root1"]), bytes.fromhex(proof["root2"]),
                                      [bytes.fromhex(h) for h in proof["proof"]])


def test_verify_intact(entries):
    run("head")
    assert run("verify").startswith(f"The audit log is intact: {AuditEntry.objects.count()} entries, 1 signed heads")


def test_verify_fails_naming_the_entry(entries):
    run("head")
    triggers.execute(connection, triggers.remove_sql(connection.vendor))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET payload = %s WHERE id = %s", ['{"forged":true}', entries[3]])
    with pytest.raises(CommandError, match=f"^Audit entry {entries[3]} does not match its leaf") as failure:
        run("verify")
    assert failure.value.returncode == 1


def test_bad_arguments_are_refused_in_words(entries):
    with pytest.raises(CommandError, match="'x' is not an audit entry number"):
        run("prove", "x", "--json")
    with pytest.raises(CommandError, match="is not a tree size"):
        run("consistency", "--from", "one")
    with pytest.raises(CommandError, match="no audit entry 999999"):
        run("prove", "999999")


def test_rotate_key_as_admin_only(entries):
    documenter = make_user(Role.DOCUMENTER, "doc")
    with pytest.raises(CommandError, match="doc may not do this"):
        run("rotate-key", "--as", "doc")
    old = json.loads(run("head", "--json"))["key_id"]
    assert documenter.pk
    out = run("rotate-key")
    new = out.split()[-1].rstrip(".")
    assert new != old
    assert json.loads(run("head", "--json"))["key_id"] == new
    rotation = AuditEntry.objects.filter(object_type="audit.signingkey").get()
    assert rotation.changes == {"key_id": [old, new]}
