from django.core.management.base import BaseCommand, CommandError

from svidok.evidence.bundle import verify_bundle


class Command(BaseCommand):
    help = "Check a court bundle (ZIP) as its verify.py does: sums, the signed head, every inclusion proof, evidence tied to the log."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the bundle's ZIP file")

    def handle(self, *args, path, **options):
        check = verify_bundle(path)
        for line in check.lines:
            self.stdout.write(line)
        if check.exit_code == 1:
            raise CommandError("The bundle does not verify: " + (check.lines[-1].removeprefix("FAIL ") if check.lines else path))
        if check.exit_code == 2:
            raise CommandError("The bundle is consistent, but its signature could not be checked here.", returncode=2)
