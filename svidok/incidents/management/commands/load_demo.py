from django.core.management.base import BaseCommand

from svidok.incidents.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo data set (the facts of one real article, March 2018) through the services. Idempotent."

    def handle(self, *args, **options):
        created = load_demo()
        if created:
            self.stdout.write("demo data: created " + ", ".join(f"{count} {kind}" for kind, count in created.items()))
        else:
            self.stdout.write("demo data: already loaded, nothing to do")
