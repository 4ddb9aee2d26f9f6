from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.models import User
from svidok.accounts.services import create_token, system_account


class Command(BaseCommand):
    help = "API tokens: `token create USERNAME [--name NAME]` prints a new token once (only its digest is stored)."

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        create = commands.add_parser("create", help="issue a new API token for a user")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")

    def handle(self, *args, subcommand, username, name, **options):
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r}.")
        raw = create_token(actor=system_account(), user=user, name=name[:100])
        self.stdout.write(raw)
