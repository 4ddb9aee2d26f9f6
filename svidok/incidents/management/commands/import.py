import sys

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from svidok.accounts.commands import find_actor
from svidok.incidents.importing import ImportFileError, import_incidents, read_file

# Listing thousands of bad rows helps nobody; the first ones show the pattern.
MAX_ERRORS_SHOWN = 1000


class Command(BaseCommand):
    help = (
        "Import incidents (with involvements and sources) from a CSV, XLSX or JSON file; see docs/import-format.md. "
        "All or nothing: any bad row is reported with its line and field, and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], help="default: from the file name's suffix")
        parser.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
        parser.add_argument("--as", dest="username", help="record the import as this user (default: the installation owner)")
        parser.add_argument("--verified-elsewhere", action="store_true",
                            help="keep the status 'verified' the file gives: its incidents were verified in the system the file "
                                 "comes from (under four eyes an import verifies nothing otherwise); the audit log says so")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar on stderr")

    def handle(self, *args, file, format, dry_run, username, no_progress, verified_elsewhere, **options):
        actor = find_actor(username)
        try:
            rows = read_file(file, format)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        # Validation counts each row once, writing counts each created incident once.
        total = len(rows) * (1 if dry_run else 2)
        with tqdm(total=total, unit="row", file=sys.stderr, disable=no_progress or None, leave=False) as bar:
            try:
                result = import_incidents(actor=actor, rows=rows, dry_run=dry_run, progress=bar.update,
                                          verified_elsewhere=verified_elsewhere)
            except PermissionDenied:
                raise CommandError(f"{username} may not import data.") from None
        if result.errors:
            bad_lines = sorted({e.line for e in result.errors})
            for error in result.errors[:MAX_ERRORS_SHOWN]:
                self.stderr.write(str(error))
            if len(result.errors) > MAX_ERRORS_SHOWN:
                self.stderr.write(f"... and {len(result.errors) - MAX_ERRORS_SHOWN} more problems")
            raise CommandError(
                f"{len(bad_lines)} of {result.rows} rows have problems ({len(result.errors)} in all); nothing was imported."
            )
        if dry_run:
            self.stdout.write(f"{result.rows} rows are valid; nothing was written (dry run).")
            return
        created = ", ".join(f"{n} {kind}" for kind, n in result.created.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {result.rows} rows: {created}."))
