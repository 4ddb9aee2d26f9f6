import sys

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.incidents.exporting import export_incidents, write_redactions_csv
from svidok.people.consent import Purpose


class Command(BaseCommand):
    help = (
        "Export every incident (with involvements and sources) as CSV, XLSX or JSON, in the columns `svidok import` reads. "
        "By default for internal use, run by the installation owner, so protected persons appear under their real names: "
        "keep the file safe. --purpose litigation, partner or publication shows a protected person's name only with their "
        "consent for that use (publication: only verified public incidents, and without consent not even the pseudonym), "
        "and lists every redaction (docs/redaction.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["csv", "xlsx", "json"], required=True)
        parser.add_argument("--output", "-o", help="file to write (default: standard output; required for xlsx)")
        parser.add_argument("--as", dest="username", help="export what this user may see (default: the system account, everything)")
        parser.add_argument("--purpose", choices=[p.value for p in Purpose], default=Purpose.INTERNAL.value,
                            help="what the file is for (default: internal)")
        parser.add_argument("--partner", default="", help="the partner the file is for (with --purpose partner)")

    def handle(self, *args, format, output, username, purpose, partner, **options):
        if format == "xlsx" and not output:
            raise CommandError("XLSX is binary: give --output FILE.")
        if partner.strip() and purpose != Purpose.PARTNER.value:
            raise CommandError("--partner goes with --purpose partner.")
        if format == "csv" and not output and purpose != Purpose.INTERNAL.value:
            # A CSV has no room for its list of redactions: the file and its list must travel together.
            raise CommandError(f"A {purpose} export must carry its list of redactions: give --output FILE "
                               "(the list is written beside it as FILE.redactions.csv), or use --format json.")
        actor = find_actor(username)
        try:
            if output:
                mode = {"xlsx": "wb"}.get(format, "w")
                kwargs = {} if format == "xlsx" else {"encoding": "utf-8", "newline": ""}
                with open(output, mode, **kwargs) as handle:
                    result = export_incidents(actor=actor, fmt=format, output=handle, purpose=purpose, partner=partner)
                if format == "csv":
                    with open(f"{output}.redactions.csv", "w", encoding="utf-8", newline="") as handle:
                        write_redactions_csv(result.redactions, handle)
            else:
                result = export_incidents(actor=actor, fmt=format, output=self.stdout, purpose=purpose, partner=partner)
        except PermissionDenied:
            raise CommandError(f"{username} may not export incidents.") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        self.stderr.write(f"Exported {result.incidents} incidents.")
        if result.left_out:
            self.stderr.write(f"Left out {result.left_out} incidents that are not verified and public.")
        for what, count in result.dropped.items():
            self.stderr.write(f"Warning: {count} {what} do not fit the {format.upper()} columns; use --format json to keep them.")
        if result.redactions or purpose != Purpose.INTERNAL.value:
            where = {"json": "in the file's \"redactions\" list", "xlsx": "on the file's \"redactions\" sheet",
                     "csv": f"in {output}.redactions.csv" if output else "not kept: give --output FILE to keep it"}[format]
            withheld = f", {result.withheld} persons withheld entirely" if result.withheld else ""
            self.stderr.write(f"Redactions: {len(result.redactions)}{withheld}; the list is {where}.")
        sys.stderr.flush()
