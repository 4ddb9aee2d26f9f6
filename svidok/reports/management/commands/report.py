import os
import sys

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.commands import find_actor
from svidok.people.consent import Purpose
from svidok.reports import periodic, runs


class Command(BaseCommand):
    help = (
        "Write a periodic report (summary figures, map, charts, forensic findings on the official results, "
        "methodology, what is not known, and the verified incidents with their sources) about one election, or a "
        "period, optionally in one place. --purpose internal (default) holds what --as USER may see (by default the "
        "system account: everything, protected persons by name: keep the file safe); --purpose publication holds only "
        "verified public incidents, protected persons only with consent to publication (docs/periodic-report.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--election", help="the election's name (as the election list shows it) or the address of its page")
        parser.add_argument("--from", dest="date_from", help="first day of the period, e.g. 2024-01-01")
        parser.add_argument("--to", dest="date_to", help="last day of the period, e.g. 2024-03-31")
        parser.add_argument("--place", help="a region, raion, hromada or settlement: its name in any spelling, or its KATOTTG code")
        parser.add_argument("--format", choices=periodic.FORMATS, required=True)
        parser.add_argument("-o", "--output", required=True, help="the file to write")
        parser.add_argument("--language", choices=periodic.LANGUAGES, default="en")
        parser.add_argument("--purpose", choices=[p.value for p in periodic.PURPOSES], default=Purpose.INTERNAL.value)
        parser.add_argument("--as", dest="username", help="report what this user may see (default: the system account)")

    def handle(self, *args, election, date_from, date_to, place, format, output, language, purpose, username, **options):
        actor = find_actor(username)
        folder = os.path.dirname(os.path.abspath(output))
        if not os.path.isdir(folder):
            raise CommandError(f"Cannot write {output}: the folder {folder} does not exist.")
        if os.path.isdir(output):
            raise CommandError(f"Cannot write {output}: it is a folder.")
        try:
            periodic.check_allowed(actor)
            scope = periodic.resolve_scope(election=election, date_from=date_from, date_to=date_to, place=place)
            made = runs.make_report(actor=actor, scope=scope, purpose=purpose, fmt=format, language=language,
                                    path=output)
        except PermissionDenied:
            raise CommandError(f"{username} may not make reports.") from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror}.") from None
        self.stderr.write(f"Wrote {output}: {made.counted} incidents counted, {made.listed} verified listed, "
                          f"{made.size} bytes.")
        if made.redactions:
            self.stderr.write(f"Protected persons shown under a pseudonym or withheld: {made.redactions} times.")
        sys.stderr.flush()
