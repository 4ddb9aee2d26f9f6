"""``svidok keys init|rotate|reseal|status``: the identity vault's key (docs/identity-vault.md)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, connection

from svidok.common import crypto
from svidok.people import vault
from svidok.people.models import IdentityChange, PersonIdentity


def _sealed_rows() -> bool:
    """Whether the database holds a sealed identity (not before the vault's migration: an upgrade
    seals the plaintext rows under the key made now)."""
    tables = connection.introspection.table_names()
    table = PersonIdentity._meta.db_table
    if table not in tables:
        return False
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT 1 FROM {table} WHERE full_name LIKE %s", [crypto.PREFIX + ":%"])
            return cursor.fetchone() is not None or (
                IdentityChange._meta.db_table in tables and IdentityChange.objects.exists())
    except DatabaseError:
        return False


class Command(BaseCommand):
    help = "Make, rotate or check the key that seals identities (names, contacts, documents, addresses) in the database."
    # The start-up check warns of a missing key: the command that makes it need not repeat that.
    requires_system_checks = []

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="write a new key file (0600 in a 0700 directory) when there is none")
        init.add_argument("--if-missing", action="store_true", help="do nothing when a key is configured already")
        sub.add_parser("rotate", help="seal every identity under a new key and drop the old one (key file only)")
        sub.add_parser("reseal", help="seal every identity under the first configured key (after adding a key in front)")
        sub.add_parser("status", help="where the key comes from and its id")

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except crypto.VaultError as error:
            raise CommandError(str(error)) from None

    def _init(self, *, if_missing=False, **options):
        if crypto.has_key():
            if if_missing:
                return
            raise CommandError(f"An identity key is configured already ({crypto.keyring().source}); `svidok keys rotate` replaces it.")
        if _sealed_rows():
            # The key was lost or not restored: a new one would not open the stored identities.
            raise CommandError(
                "The database holds sealed identities but no identity key is configured: restore the key file "
                f"({crypto.key_file()}) or set {crypto.ENV_VAR}; a new key would not open them.")
        path = crypto.write_key_file([crypto.Key.generate()], replace=False)
        self.stdout.write(f"Identity key {crypto.keyring().current.kid} written to {path}. Back it up apart from the database.")

    def _rotate(self, **options):
        ring = crypto.keyring()
        if ring.source == crypto.ENV_VAR:
            raise CommandError(
                f"The identity key comes from {crypto.ENV_VAR}: put a new key (`openssl rand -base64 32`) first in it, "
                "the old one after, run `svidok keys reseal`, then remove the old key.")
        new = crypto.Key.generate()
        # 1. The new key joins the file behind the old ones: the old keys still seal, every key opens,
        #    so a failure from here on leaves a usable state.
        crypto.write_key_file([*ring.keys, new], replace=True)
        # 2. Every value resealed and the blind index rebuilt under the new key, in one transaction.
        counts = vault.reseal_all(new)
        # 3. Only the new key is kept.
        crypto.write_key_file([new], replace=True)
        self.stdout.write(f"Identity key rotated to {new.kid}: {counts['personidentity']} identities, "
                          f"{counts['identitychange']} history rows resealed, {counts['personnamekey']} name keys rebuilt.")

    def _reseal(self, **options):
        ring = crypto.keyring()
        counts = vault.reseal_all(ring.current)
        self.stdout.write(f"Sealed under {ring.current.kid}: {counts['personidentity']} identities, "
                          f"{counts['identitychange']} history rows, {counts['personnamekey']} name keys.")

    def _status(self, **options):
        ring = crypto.keyring()
        self.stdout.write(f"Identity keys from {ring.source}: {', '.join(k.kid for k in ring.keys)} (the first seals).")
