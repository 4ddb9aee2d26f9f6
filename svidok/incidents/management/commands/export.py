import sys

from django.core.management.base import BaseCommand, CommandError

from svidok.incidents.exporting import export_incidents


class Command(BaseCommand):
    help = (
        "Export every incident (with involvements and sources) as CSV, XLSX or JSON, in the columns `svidok import` reads. "
        "Run by the installation owner, so protected persons appear under their real names: keep the file safe."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], required=True)
        parser.add_argument("--output", "-o", help="file to write (default: standard output; required for xlsx)")

    def handle(self, *args, format, output, **options):
        if format == "xlsx" and not output:
            raise CommandError("XLSX is binary: give --output FILE.")
        try:
            if output:
                mode = {"xlsx": "wb"}.get(format, "w")
                kwargs = {} if format == "xlsx" else {"encoding": "utf-8", "newline": ""}
                with open(output, mode, **kwargs) as handle:
                    result = export_incidents(actor=None, fmt=format, output=handle)
            else:
                result = export_incidents(actor=None, fmt=format, output=self.stdout)
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        self.stderr.write(f"Exported {result.incidents} incidents.")
        for what, count in result.dropped.items():
            self.stderr.write(f"Warning: {count} {what} do not fit the {format.upper()} columns; use --format json to keep them.")
        sys.stderr.flush()
