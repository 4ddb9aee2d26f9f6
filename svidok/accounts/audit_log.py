"""The tamper-evident audit log as use cases: who may read heads and proofs, sign, verify, rotate.

The log itself is ``svidok.audit.log`` (below this app, it knows no roles); these functions ask
``rules.require`` first, as every use case does, and audit the key rotation.
"""

import base64

from django.db import transaction

from svidok.accounts.rules import require
from svidok.audit import log, merkle
from svidok.audit.models import AuditEntry
from svidok.audit.services import record
from svidok.common import extensions

# Apps above answer ``(actor, entry) -> reason or ""``: why ``actor`` may not read ``entry``'s
# content (a record they may not see; a protected person's name typed into a text they may not read).
WITHHOLD_HOOK = "audit.withhold_entry"


def get_head(*, actor) -> dict | None:
    """The last signed tree head issued, or None when none was issued yet."""
    require(actor, "audit.verify")
    return log.latest_head()


def issue_head(*, actor) -> dict:
    """Sequence the log and sign a new head over all of it."""
    require(actor, "audit.sign")
    return log.issue_head()


def prove_inclusion(*, actor, entry_id: int, tree_size: int | None = None) -> dict:
    """The inclusion proof of one entry. Its content (the entry bytes) only when ``actor`` may read
    it: an entry about a record they may not see, or naming a protected person they may not see
    named, comes as its leaf hash, marked withheld with the reason — still proven under the head,
    as in a court bundle (``docs/redaction.md``)."""
    require(actor, "audit.verify")
    proof = log.inclusion_proof(entry_id, tree_size)
    entry = AuditEntry.objects.filter(pk=entry_id).first()
    reason = next((str(r) for r in extensions.ask(WITHHOLD_HOOK, actor, entry) if r), "") if entry else ""
    if reason:
        leaf = merkle.leaf_hash(base64.b64decode(proof["entry"])).hex()
        proof = proof | {"entry": None, "leaf_hash": leaf, "withheld": reason}
    return proof


def prove_consistency(*, actor, size1: int, size2: int | None = None) -> dict:
    require(actor, "audit.verify")
    return log.consistency_proof(size1, size2)


def verify_log(*, actor) -> log.Report:
    """Recompute the whole log and check every stored head (``log.verify_log``)."""
    require(actor, "audit.verify")
    return log.verify_log()


@transaction.atomic
def rotate_signing_key(*, actor) -> str:
    """A new key signs heads from now on; the old public key stays published. Audited."""
    require(actor, "audit.sign")
    old = log.public_keys()[0]["key_id"]
    key = log.new_signing_key()
    new = log.signing_key_id(key)
    # Recorded first: if the key files cannot be written, the transaction rolls the entry back.
    record(actor=actor, action=AuditEntry.Action.UPDATE, object_type="audit.signingkey", object_id=new[:16],
           changes={"key_id": [old, new]})
    log.rotate_key(key)
    return new
