from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from svidok.common.filemodes import SharedDirectory, restrict_tree


class Command(BaseCommand):
    help = "Prepare the database: migrate, load vocabularies and the gazetteer, and (with --demo) demo data and accounts. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="also load the demo data set and the demo accounts (one per role)")

    def handle(self, *args, demo, **options):
        # The identity key first: migrating an older database seals its identities with it.
        call_command("keys", "init", "--if-missing", stdout=self.stdout)
        call_command("migrate", interactive=False, verbosity=0)
        # What an older version or a copy left readable to other local users (docs/deploy.md, "Files").
        try:
            changed = restrict_tree(settings.VAR_DIR)
        except SharedDirectory as shared:
            self.stderr.write(f"File modes left unchanged: {settings.VAR_DIR} is not Svidok's alone ({shared} belongs to "
                              "another account). Give SVIDOK_VAR_DIR a directory of its own (docs/deploy.md).")
        else:
            if changed:
                self.stdout.write(f"Made {len(changed)} files and directories under {settings.VAR_DIR} private to their owner.")
        # Each app prepares its own data (``setup_data`` on its AppConfig), in ``setup_order``: this
        # command knows no app, so the apps above it stay above it.
        steps = sorted((c for c in apps.get_app_configs() if hasattr(c, "setup_data")), key=lambda c: c.setup_order)
        for config in steps:
            config.setup_data(demo=demo, stdout=self.stdout)
