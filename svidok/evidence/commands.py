"""What the evidence commands share: the incident and source named on their command line."""

import uuid

from django.core.management.base import CommandError

from svidok.incidents.models import Incident, Source


def find_targets(incident: str | None, source: str | None) -> tuple[Incident | None, Source | None]:
    """The incident (by reference) and source (by id) given with ``--incident`` and ``--source``, or
    None for each one not given; CommandError naming the one that does not exist. Whether the
    acting user may see them is the services' question."""
    incident_obj = source_obj = None
    if incident:
        incident_obj = Incident.objects.filter(reference=incident.strip()).first()
        if incident_obj is None:
            raise CommandError(f"No incident {incident}.")
    if source:
        try:
            source_obj = Source.objects.get(uuid=uuid.UUID(source))
        except (ValueError, Source.DoesNotExist):
            raise CommandError(f"No source {source!r}.") from None
    return incident_obj, source_obj
