from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class PublicConfig(AppConfig):
    """The anonymous public site and its open data: only what ``public.records`` lets out."""

    name = "svidok.public"
    label = "public"
    verbose_name = "Public site"

    def ready(self):
        from svidok.incidents.models import Incident

        # The portal's cached pages go stale when an incident is published or withdrawn, or a
        # published one changes (status, sensitivity, text): incidents knows nothing of the portal
        # (lint-imports), so the portal listens to its saves.
        post_save.connect(_incident_changed, sender=Incident, dispatch_uid="svidok.public.incident_saved")
        post_delete.connect(_incident_changed, sender=Incident, dispatch_uid="svidok.public.incident_deleted")


def _incident_changed(sender, instance, update_fields=None, **kwargs):
    from svidok.public.cache import bump_generation

    if instance.published_at is not None or (update_fields and "published_at" in update_fields):
        bump_generation()
