from django.core.management.base import BaseCommand

from svidok.forensics.demo import load_demo_results


class Command(BaseCommand):
    help = "Import the shipped 2016 and 2018 precinct results into the demo elections (after load_demo). Idempotent."

    def handle(self, *args, **options):
        created = load_demo_results()
        if created:
            self.stdout.write("demo results: imported " + ", ".join(f"{n:,} {kind}" for kind, n in created.items()))
        else:
            self.stdout.write("demo results: already imported, nothing to do")
