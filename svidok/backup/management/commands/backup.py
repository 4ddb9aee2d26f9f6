"""``svidok backup``: an encrypted archive of the database, evidence store and configuration.

    svidok backup FILE --recipient age1... [--recipient ...] [--recipients-file F] [--skip-evidence] [--as USER] [--json]
    svidok backup --new-key FILE     make a key pair: the secret half in FILE, the public half printed

The archive is encrypted to age public keys (docs/backups.md): the server needs no secret to write
it and cannot read it. Keys are not in it; the command names the key files to export apart.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.backup import archive, services
from svidok.backup.archive import BackupError


class Command(BaseCommand):
    help = "Write an encrypted backup (database, evidence, configuration; keys apart), or make a backup key pair."
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", metavar="FILE", help="the archive to write (never overwritten)")
        parser.add_argument("--recipient", action="append", default=[], metavar="AGE_PUBLIC_KEY",
                            help="encrypt to this age public key (age1...); repeat for several")
        parser.add_argument("--recipients-file", metavar="FILE",
                            help="a file of age public keys, one per line (default: SVIDOK_BACKUP_RECIPIENTS)")
        parser.add_argument("--skip-evidence", action="store_true",
                            help="leave out the evidence store (required when it is in object storage)")
        parser.add_argument("--new-key", metavar="FILE",
                            help="write a new backup key pair's secret half to FILE and print its public key")
        parser.add_argument("--as", dest="username", metavar="USER", help="act as this user (default: the system account)")
        parser.add_argument("--json", dest="as_json", action="store_true", help="print the manifest as JSON")

    def handle(self, *args, file, recipient, recipients_file, skip_evidence, new_key, username, as_json, **options):
        if new_key:
            try:
                public = archive.new_identity(Path(new_key))
            except FileExistsError:
                raise CommandError(f"{new_key} exists already: a key file is never overwritten.") from None
            except OSError as exc:
                raise CommandError(f"Cannot write {new_key}: {exc.strerror}.") from None
            self.stdout.write(f"Public key (give it to --recipient): {public}\n"
                              f"Secret key written to {new_key} (0600). Keep it OFF this server, on paper or a "
                              f"key you control: whoever holds it can read every backup made to this public key.")
            return
        if not file:
            raise CommandError("Name the archive to write: svidok backup FILE --recipient age1...")
        recipients = list(recipient)
        recipients_file = recipients_file or getattr(settings, "SVIDOK_BACKUP_RECIPIENTS", "")
        if recipients_file:
            try:
                recipients += Path(recipients_file).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                raise CommandError(f"Cannot read the recipients file {recipients_file}.") from None
        actor = find_actor(username)
        try:
            outcome = services.create_backup(actor=actor, path=Path(file), recipients=recipients,
                                             skip_evidence=skip_evidence)
        except PermissionDenied:
            raise CommandError(f"{actor.username} may not make backups.") from None
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        if as_json:
            self.stdout.write(json.dumps(outcome.manifest, ensure_ascii=False, indent=1))
        else:
            counts = outcome.manifest["counts"]
            evidence = sum(1 for m in outcome.manifest["members"] if m["name"].startswith("evidence/"))
            self.stdout.write(
                f"Backup written to {outcome.path} ({outcome.size:,} bytes, {len(outcome.manifest['members'])} files): "
                f"{outcome.manifest['database']} database with {counts['incidents']} incidents, {counts['persons']} persons, "
                f"{counts['evidence_items']} evidence items; {evidence} evidence files; audit log of "
                f"{outcome.manifest['audit_head'].get('tree_size', 0)} entries.")
        names = ", ".join(f"{label} ({path})" for label, path in outcome.key_files)
        self.stderr.write("WARNING: keys are not in the backup. Without them a restored installation cannot sign its "
                          "audit log or read what they protect. Export them separately and keep them apart from "
                          f"the backups: {names or 'none found'}.")
