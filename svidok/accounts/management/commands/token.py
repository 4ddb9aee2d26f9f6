from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from svidok.accounts.models import APIToken, User
from svidok.accounts.services import create_token, revoke_token, system_account, tokens_for


def _state(token: APIToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.is_expired else "active"


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "never"


class Command(BaseCommand):
    help = ("API tokens: `token create USERNAME [--scope read|write] [--days N] [--name NAME]` prints a new "
            "token once (only its digest is stored); `token list [USERNAME]`; `token revoke ID`.")

    def add_arguments(self, parser):
        commands = parser.add_subparsers(dest="subcommand", required=True)
        create = commands.add_parser("create", help="issue a new API token for a user")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        create.add_argument("--scope", choices=APIToken.Scope.values, default=APIToken.Scope.READ,
                            help="read (safe methods only, the default) or write")
        create.add_argument("--days", type=int, default=None, help="lifetime in days (default SVIDOK_TOKEN_DAYS)")
        listing = commands.add_parser("list", help="list tokens: id, account, prefix, scope, created, expires, last used, state")
        listing.add_argument("username", nargs="?")
        revoke = commands.add_parser("revoke", help="revoke a token at once, by the id `token list` shows")
        revoke.add_argument("token_id")

    def handle(self, *args, subcommand, **options):
        actor = system_account()
        try:
            if subcommand == "create":
                user = self._user(options["username"], active=True)
                raw = create_token(actor=actor, user=user, name=options["name"][:100], scope=options["scope"], days=options["days"])
                self.stdout.write(raw)
            elif subcommand == "list":
                user = self._user(options["username"]) if options["username"] else None
                for token in tokens_for(actor, user):
                    self.stdout.write("  ".join([str(token.public_id), f"{token.user.username:<16}", f"sv_{token.prefix}…",
                                                 f"{token.scope:<5}", _when(token.created_at), _when(token.expires_at),
                                                 _when(token.last_used_at), _state(token), token.name]).rstrip())
            else:
                token = APIToken.objects.select_related("user").filter(public_id=self._uuid(options["token_id"])).first()
                if token is None:
                    raise CommandError(f"No token {options['token_id']!r}; `svidok token list` shows the ids.")
                revoke_token(actor=actor, token=token)
                self.stdout.write(f"Revoked sv_{token.prefix}… of {token.user.username}.")
        except ValidationError as exc:
            raise CommandError("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())) from None

    @staticmethod
    def _user(username: str, active: bool = False) -> User:
        users = User.objects.filter(username=username)
        user = (users.filter(is_active=True) if active else users).first()
        if user is None:
            raise CommandError(f"No {'active ' if active else ''}user {username!r}.")
        return user

    @staticmethod
    def _uuid(value: str):
        import uuid

        try:
            return uuid.UUID(value)
        except ValueError:
            raise CommandError(f"{value!r} is not a token id; `svidok token list` shows the ids.") from None
