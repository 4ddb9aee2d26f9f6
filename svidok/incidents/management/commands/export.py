import sys

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.incidents.exporting import export_incidents


class Command(BaseCommand):
    help = (
        "Export every incident (with involvements and sources) as CSV, XLSX or JSON, in the columns `svidok import` reads. "
        "Run by the installation owner, so protected persons appear under their real names: keep the file safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], required=True)
        parser.add_argument("--output", "-o", help="file to write (default: standard output; required for xlsx)")
        parser.add_argument("--as", dest="username", help="export what this user may see (default: the system account, everything)")

    def handle(self, *args, format, output, username, **options):
        if format == "xlsx" and not output:
            raise CommandError("XLSX is binary: give --output FILE.")
        actor = find_actor(username)
        try:
            if output:
                mode = {"xlsx": "wb"}.get(format, "w")
                kwargs = {} if format == "xlsx" else {"encoding": "utf-8", "newline": ""}
                with open(output, mode, **kwargs) as handle:
                    result = export_incidents(actor=actor, fmt=format, output=handle)
            else:
                result = export_incidents(actor=actor, fmt=format, output=self.stdout)
        except PermissionDenied:
            raise CommandError(f"{username} may not export incidents.") from None
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        self.stderr.write(f"Exported {result.incidents} incidents.")
        for what, count in result.dropped.items():
            self.stderr.write(f"Warning: {count} {what} do not fit the {format.upper()} columns; use --format json to keep them.")
        sys.stderr.flush()
