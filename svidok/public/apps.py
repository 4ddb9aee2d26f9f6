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


# A save that names its fields and none of these leaves an unpublished incident off the portal.
PUBLICATION_FIELDS = frozenset({"published_at", "status", "sensitivity"})


def _incident_changed(sender, instance, update_fields=None, **kwargs):
    """A published incident changed, or one may have just left the portal: a save after which
    ``published_at`` is None cannot tell whether it was set before (``incidents.services`` clears it
    when a published incident is made restricted or reopened), so a full save bumps too."""
    from svidok.public.cache import bump_generation

    if instance.published_at is not None or update_fields is None or PUBLICATION_FIELDS & set(update_fields):
        bump_generation()
