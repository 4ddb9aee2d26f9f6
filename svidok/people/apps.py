from django.apps import AppConfig
from django.core import checks


def identity_key_check(app_configs, **kwargs):
    """Say at start-up, not at the first person, that identities cannot be sealed or read."""
    from svidok.common import crypto

    try:
        crypto.keyring()
    except crypto.VaultError as error:
        return [checks.Warning(str(error), hint="docs/identity-vault.md", id="people.W001")]
    return []


class PeopleConfig(AppConfig):
    name = "svidok.people"
    label = "people"
    verbose_name = "People and organizations"

    def ready(self):
        from django.conf import settings

        from svidok.names.index import CACHE
        from svidok.people import audit_names, search_index

        # The matcher's indexes (the registry's, the reference lists'), built once for all the
        # processes of this installation (svidok.names.index.IndexCache).
        CACHE.directory = settings.VAR_DIR / "cache" / "names"

        checks.register(identity_key_check)
        audit_names.register()
        search_index.register()
