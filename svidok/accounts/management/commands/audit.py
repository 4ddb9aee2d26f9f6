"""``svidok audit``: the tamper-evident audit log (docs/audit-log.md).

    svidok audit head [--json]                      sign a tree head over the whole log now
    svidok audit prove ENTRY_ID [--size N] [--json] inclusion proof of an audit entry
    svidok audit consistency --from N [--to M] [--json]
    svidok audit verify [--json]                    recompute everything; exit 1 naming the first bad entry
    svidok audit rotate-key                         sign with a new key from now on
"""

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts import audit_log as services
from svidok.accounts.commands import find_actor
from svidok.audit.keys import SigningKeyError
from svidok.audit.log import LogError


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a tree size (a whole number).") from None
    if value < 0:
        raise CommandError("A tree size is 0 or more.")
    return value


class Command(BaseCommand):
    help = "The tamper-evident audit log: signed tree heads, inclusion and consistency proofs, verification."
    # The system checks import every URL and view (seconds); this command needs none of them.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True,
                                    metavar="{head,prove,consistency,verify,rotate-key}")
        p = sub.add_parser("head", help="sign and print a tree head over the whole log")
        p.add_argument("--json", dest="as_json", action="store_true")
        p = sub.add_parser("prove", help="print the inclusion proof of an audit entry (RFC 9162 §2.1.3)")
        p.add_argument("entry_id", metavar="ENTRY_ID")
        p.add_argument("--size", help="tree size to prove against (default: the whole log)")
        p.add_argument("--json", dest="as_json", action="store_true")
        p = sub.add_parser("consistency", help="print a consistency proof between two tree sizes (RFC 9162 §2.1.4)")
        p.add_argument("--from", dest="size1", required=True)
        p.add_argument("--to", dest="size2", help="default: the whole log")
        p.add_argument("--json", dest="as_json", action="store_true")
        p = sub.add_parser("verify", help="recompute every leaf, the order and every stored head; exit 1 on a problem")
        p.add_argument("--json", dest="as_json", action="store_true")
        sub.add_parser("rotate-key", help="sign heads with a new key from now on (old public keys stay published)")
        for name in ("head", "prove", "consistency", "verify", "rotate-key"):
            sub.choices[name].add_argument("--as", dest="username", metavar="USER",
                                           help="act as this user (default: the system account)")

    def handle(self, *args, subcommand, username=None, **options):
        actor = find_actor(username)
        try:
            return getattr(self, "do_" + subcommand.replace("-", "_"))(actor, **options)
        except PermissionDenied:
            raise CommandError(f"{actor.username} may not do this (audit {subcommand}).") from None
        except (LogError, SigningKeyError) as exc:
            raise CommandError(str(exc)) from None

    def emit(self, data, as_json: bool, lines: list[str]):
        if as_json:
            self.stdout.write(json.dumps(data, ensure_ascii=False))
        else:
            self.stdout.write("\n".join(lines))

    def do_head(self, actor, *, as_json=False, **_):
        head = services.issue_head(actor=actor)
        self.emit(head, as_json, [f"tree size  {head['tree_size']}", f"root hash  {head['root_hash']}",
                               f"timestamp  {head['timestamp']}", f"key id     {head['key_id']}",
                               f"signature  {head['signature']}"])

    def do_prove(self, actor, *, entry_id, size=None, as_json=False, **_):
        try:
            entry = int(entry_id)
        except ValueError:
            raise CommandError(f"{entry_id!r} is not an audit entry number.") from None
        proof = services.prove_inclusion(actor=actor, entry_id=entry, tree_size=None if size is None else _size(size))
        self.emit(proof, as_json, [f"audit entry {entry} is leaf {proof['leaf_index']} of {proof['tree_size']}",
                                "audit path (leaf to root):", *proof["audit_path"]])

    def do_consistency(self, actor, *, size1, size2=None, as_json=False, **_):
        proof = services.prove_consistency(actor=actor, size1=_size(size1), size2=None if size2 is None else _size(size2))
        self.emit(proof, as_json, [f"size {proof['size1']}: root {proof['root1']}",
                                f"size {proof['size2']}: root {proof['root2']}", "proof:", *proof["proof"]])

    def do_verify(self, actor, *, as_json=False, **_):
        report = services.verify_log(actor=actor)
        if as_json:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False))
        elif report.ok:
            self.stdout.write(f"The audit log is intact: {report.tree_size} entries, "
                              f"{report.heads_checked} signed heads checked.")
        if not report.ok:
            raise CommandError(report.problems[0] + (f" ({len(report.problems) - 1} more problems.)"
                                                     if len(report.problems) > 1 else ""), returncode=1)

    def do_rotate_key(self, actor, **_):
        key_id = services.rotate_signing_key(actor=actor)
        self.stdout.write(f"Heads are signed from now on with key {key_id}.")
