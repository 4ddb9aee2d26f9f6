from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from svidok.accounts.models import Role, User
from svidok.accounts.services import create_user, remove_second_factor, set_active, set_role, system_account


def _message(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(f"{field}: {' '.join(messages)}" for field, messages in exc.message_dict.items())
    return " ".join(exc.messages)


class Command(BaseCommand):
    help = ("Manage users: `user create USERNAME --role ROLE`, `user list`, `user set-role USERNAME ROLE`, "
            "`user disable|enable USERNAME`, `user reset-2fa USERNAME`.")

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        create = commands.add_parser("create", help="create a user; prints a generated password once")
        create.add_argument("username")
        create.add_argument("--role", required=True, choices=Role.values)
        create.add_argument("--email", default="")
        commands.add_parser("list", help="list users and their roles")
        change = commands.add_parser("set-role", help="change a user's role")
        change.add_argument("username")
        change.add_argument("role", choices=Role.values)
        for name, text in (("disable", "disable an account: its sessions end and its API tokens are revoked at once"),
                           ("enable", "enable a disabled account again (its old tokens stay revoked)"),
                           ("reset-2fa", "remove a user's authenticator and backup codes (a lost phone); they set up a new one at the next sign-in")):
            commands.add_parser(name, help=text).add_argument("username")

    def handle(self, *args, subcommand, **options):
        try:
            if subcommand == "create":
                user, password = create_user(actor=system_account(), username=options["username"], role=options["role"], email=options["email"])
                self.stdout.write(f"Created {user.username} ({user.role}). Password (shown once): {password}")
            elif subcommand == "list":
                for user in User.objects.order_by("username"):
                    state = "" if user.is_active else " (inactive)"
                    self.stdout.write(f"{user.username:<24} {user.role:<12}{state}")
            else:
                user = User.objects.filter(username=options["username"]).first()
                if user is None:
                    raise CommandError(f"No user {options['username']!r}.")
                if subcommand in ("disable", "enable"):
                    set_active(actor=system_account(), user=user, active=subcommand == "enable")
                    self.stdout.write(f"{user.username}: {'enabled' if user.is_active else 'disabled'}")
                    return
                if subcommand == "reset-2fa":
                    removed = remove_second_factor(actor=system_account(), user=user)
                    self.stdout.write(f"{user.username}: {'authenticator removed' if removed else 'had no authenticator'}")
                    return
                before = user.role
                set_role(actor=system_account(), user=user, role=options["role"])
                self.stdout.write(f"{user.username}: {before} -> {user.role}")
        except ValidationError as exc:
            raise CommandError(_message(exc)) from None
