"""What the incidents app adds to the pages of the apps below it (``common.extensions``): a
person's or organization's incidents with their sources, an organization's interventions, and the
incident counts on the duplicate review. Registered in ``IncidentsConfig.ready()``."""

from __future__ import annotations

from django.db.models import Count, Prefetch
from django.utils.translation import gettext as _

from svidok.common import extensions
from svidok.common.validation import is_uuid
from svidok.incidents.case_views import named_access_section
from svidok.incidents.cases import visible_cases
from svidok.incidents.forms import resolve_place
from svidok.incidents.models import Incident, IncidentSource, Involvement
from svidok.incidents.queries import visible_incidents
from svidok.incidents.search_index import index_incidents
from svidok.people import freetext
from svidok.search.api import matching_ids


def involvements(user, **party):
    """``party``'s involvements in incidents ``user`` may see, each incident with its sources."""
    return (
        Involvement.objects.filter(incident__in=visible_incidents(user), **party)
        .select_related("incident__type", "role", "perpetrator_type", "person")
        .prefetch_related(Prefetch("incident__source_links", queryset=IncidentSource.objects.select_related("source").order_by("id")))
        .order_by("-incident__date_start", "id")
    )


def _expected(request, rows: list) -> list:
    # The free texts the rows show, announced at once (people.freetext.Reader): one lookup.
    freetext.reader_for(request).expect(
        t for inv in rows for t in (inv.details, inv.incident.title, *(link.source.title for link in inv.incident.source_links.all())))
    return rows


def _person_incidents(request, person, context) -> dict:
    # A canonical person's page shows its linked records' incidents too, labelled with the record.
    return {"involvements": _expected(request, list(involvements(request.user, person__in=context["records"])))}


def _organization_incidents(request, organization, context) -> dict:
    return {"involvements": _expected(request, list(involvements(request.user, organization=organization)))}


def _organization_interventions(request, organization, context) -> dict:
    return {"interventions": organization.interventions.select_related("kind")}


def incident_counts(user, person_ids: list[int]) -> dict[int, int]:
    """For each person, the number of incidents ``user`` may see that involve them."""
    rows = (Involvement.objects.filter(person_id__in=person_ids, incident__in=visible_incidents(user))
            .values("person_id").annotate(n=Count("incident", distinct=True)))
    return {row["person_id"]: row["n"] for row in rows}


def reindex_incidents_naming(names: list[str]) -> int:
    """Index again the incidents whose text holds any of ``names`` (a person just protected): their
    keys are rebuilt with the names as the pseudonym (``search_index.incident_keys``)."""
    ids: set[int] = set()
    for name in names:
        ids |= set(Incident.objects.filter(pk__in=matching_ids("incident", name)).values_list("pk", flat=True))
    if ids:
        index_incidents(Incident.objects.filter(pk__in=ids))
    return len(ids)


def withhold_entry(actor, entry) -> str:
    """Why ``actor`` may not read an audit entry's content (``accounts.audit_log``): it is about an
    incident or a case they may not see. Visibility is the pages' own (404 there, withheld here)."""
    if entry.object_type == "incidents.incident":
        if not visible_incidents(actor).filter(reference=entry.object_id).exists():
            return _("It is about an incident you may not see.")
    elif entry.object_type == "incidents.case":
        if not is_uuid(entry.object_id) or not visible_cases(actor).filter(uuid=entry.object_id).exists():
            return _("It is about a case you may not see.")
    return ""


def register() -> None:
    extensions.provide("audit.withhold_entry", withhold_entry)
    extensions.add_section("incidents.incident", context=named_access_section,
                           template="incidents/_incident_cases.html", order=90)
    extensions.add_section("people.person", context=_person_incidents, template="incidents/_party_involvements.html", order=10)
    extensions.add_section("people.organization", context=_organization_incidents,
                           template="incidents/_party_involvements.html", order=10)
    extensions.add_section("people.organization", context=_organization_interventions,
                           template="incidents/_party_interventions.html", order=30)
    extensions.provide("people.incident_counts", incident_counts)
    extensions.provide("places.resolve", resolve_place)
    extensions.provide("people.names_protected", reindex_incidents_naming)
