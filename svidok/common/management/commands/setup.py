from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from svidok.accounts.services import ensure_demo_users


class Command(BaseCommand):
    help = "Prepare the database: migrate, load vocabularies and the gazetteer, and (with --demo) demo data and accounts. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="also load the demo data set and the five demo accounts")

    def handle(self, *args, demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        call_command("load_vocabularies", stdout=self.stdout)
        call_command("load_gazetteer", stdout=self.stdout)
        if not demo:
            return
        call_command("load_demo", stdout=self.stdout)
        call_command("load_demo_results", stdout=self.stdout)
        passwords = ensure_demo_users(password=settings.SVIDOK_DEMO_PASSWORD or None)
        self.stdout.write("")
        self.stdout.write(f"Sign in at http://127.0.0.1:{settings.PORT}/ with one of the demo accounts:")
        for username, password in passwords.items():
            if password is None:
                shown = "(password set earlier; shown only when it was created)"
            elif settings.SVIDOK_DEMO_PASSWORD:
                shown = "(the password in SVIDOK_DEMO_PASSWORD)"
            else:
                shown = password
            self.stdout.write(f"  {username:<12} {shown}")
        if any(passwords.values()) and not settings.SVIDOK_DEMO_PASSWORD:
            self.stdout.write("These passwords are shown once. Set SVIDOK_DEMO_PASSWORD to choose one for all demo accounts.")
