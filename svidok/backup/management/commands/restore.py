"""``svidok restore``: bring back an installation from a ``svidok backup`` archive.

    svidok restore FILE --identity KEYFILE [--check] [--replace] [--as USER] [--json]

Everything is decrypted and checked against the manifest before anything changes; afterwards the
audit log is verified and must hold the signed head recorded at backup time (exit 1 otherwise).
"""

import json
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.backup import services
from svidok.backup.archive import BackupError


class Command(BaseCommand):
    help = "Restore the database, evidence and public keys from an encrypted backup, then verify the audit log."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="the archive written by svidok backup")
        parser.add_argument("--identity", required=True, metavar="KEYFILE",
                            help="the backup's secret key file (from svidok backup --new-key)")
        parser.add_argument("--check", action="store_true", help="decrypt and check every file; change nothing")
        parser.add_argument("--replace", action="store_true",
                            help="replace the records this installation holds (refused otherwise)")
        parser.add_argument("--as", dest="username", metavar="USER", help="act as this user (default: the system account)")
        parser.add_argument("--json", dest="as_json", action="store_true")

    def handle(self, *args, file, identity, check, replace, username, as_json, **options):
        actor = find_actor(username)
        try:
            outcome = services.restore_backup(actor=actor, path=Path(file), identity_file=Path(identity),
                                              replace=replace, check_only=check)
        except PermissionDenied:
            raise CommandError(f"{actor.username} may not restore backups.") from None
        except BackupError as exc:
            raise CommandError(f"{exc} Nothing was changed.") from None
        manifest = outcome.manifest
        report = outcome.audit
        if as_json:
            self.stdout.write(json.dumps({"manifest": manifest, "audit": report.as_dict() if report else None},
                                         ensure_ascii=False, indent=1))
        elif check:
            self.stdout.write(f"The backup of {manifest.get('created_at')} opens and all {len(manifest['members'])} files "
                              f"match their SHA-256. Nothing was changed.")
        else:
            counts = manifest.get("counts", {})
            self.stdout.write(f"Restored the backup of {manifest.get('created_at')}: {counts.get('incidents', 0)} incidents, "
                              f"{counts.get('persons', 0)} persons, {counts.get('evidence_items', 0)} evidence items.")
            if report.ok:
                self.stdout.write(f"Audit log verified: {report.tree_size} entries, {report.heads_checked} signed heads.")
        if report is not None and not report.ok:
            raise CommandError("The restored audit log does not verify: " + " ".join(report.problems[:3]))
