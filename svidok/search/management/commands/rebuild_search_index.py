from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from svidok.search.indexing import object_types, rebuild


class Command(BaseCommand):
    help = "Rebuild the transliteration-aware search index (all record types, or those named)."

    def add_arguments(self, parser):
        parser.add_argument("types", nargs="*", help="incident, person, organization or place")

    def handle(self, *args, types, **options):
        unknown = sorted(set(types) - set(object_types()))
        if unknown:
            raise CommandError(f"unknown record type(s): {', '.join(unknown)}")
        with transaction.atomic():
            counts = rebuild(tuple(types) or None)
        self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
