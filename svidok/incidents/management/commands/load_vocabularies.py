import json

from django.conf import settings
from django.core.management.base import BaseCommand

from svidok.accounts.commands import find_actor
from svidok.incidents.services import load_vocabularies


class Command(BaseCommand):
    help = "Load or update the controlled vocabularies (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(settings.DATA_DIR / "vocabularies.json"))

    def handle(self, *args, file, **options):
        with open(file, encoding="utf-8") as handle:
            counts = load_vocabularies(actor=find_actor(None), data=json.load(handle))
        self.stdout.write(f"vocabularies: {counts['vocabularies']}, terms created: {counts['created']}, updated: {counts['updated']}")
