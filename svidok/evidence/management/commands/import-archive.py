"""``svidok import-archive FILE...``: import web archives (WARC, WACZ) as evidence items.

    svidok import-archive capture.warc.gz site.wacz --incident SV-2018-000123 --as documenter --json

Each file is checked (every record read and its digests recomputed; a WACZ read inside the ZIP,
never unpacked) before it is stored byte-exact. ``svidok evidence import-archive`` is the same.
"""

from django.core.management.base import BaseCommand

from svidok.evidence.management.commands import _archive_cli


class Command(BaseCommand):
    help = "Import web archives (WARC, WACZ) as evidence items, each checked before it is stored."

    def add_arguments(self, parser):
        _archive_cli.add_arguments(parser)

    def handle(self, *args, **options):
        _archive_cli.run(self, **options)
