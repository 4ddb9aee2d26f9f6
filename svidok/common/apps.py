from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _create_cache_tables(sender, using, **kwargs):
    """The database cache's table (rate-limit counters) comes with ``migrate``: a deployment that
    migrates has it, whether or not it runs ``svidok setup``. Idempotent. (Sent once per app with
    models; this app has none, so it listens to all of them: the check is one cheap query.)"""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class CommonConfig(AppConfig):
    name = "svidok.common"
    label = "common"

    def ready(self):
        from svidok.common.languages import register_languages

        register_languages()
        post_migrate.connect(_create_cache_tables, dispatch_uid="svidok.common.createcachetable")
