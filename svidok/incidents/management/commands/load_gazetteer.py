from django.core.management.base import BaseCommand

from svidok.accounts.commands import find_actor
from svidok.incidents.gazetteer import load_gazetteer


class Command(BaseCommand):
    help = "Load or update the gazetteer of occupied territories from data/gazetteer/ (idempotent)."

    def handle(self, *args, **options):
        counts = load_gazetteer(actor=find_actor(None))
        self.stdout.write("gazetteer: " + ", ".join(f"{name} {count}" for name, count in counts.items()))
