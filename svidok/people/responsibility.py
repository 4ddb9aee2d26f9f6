"""What the person and organization pages show of responsibility: posts held, incidents, sources.

Every statement cites what it rests on: a post held its occupancy's source, an involvement the
sources linked to the incident (only incidents the viewer may see, through ``visible_incidents``).
A canonical person's page also shows what the records linked to it hold (deduplication links
records, it never merges their rows), each item labelled with the source record it comes from.
"""

from __future__ import annotations

from django.db.models import Prefetch

from svidok.accounts import rules
from svidok.incidents.models import IncidentSource, Involvement
from svidok.incidents.queries import visible_incidents
from svidok.people.merging import canonical, source_records
from svidok.people.models import NameVariant, Occupancy, Organization, Person
from svidok.sanctions.models import ProposalMember
from svidok.sanctions.services import is_listed


def involvements(user, **party):
    """``party``'s involvements in incidents ``user`` may see, each incident with its sources."""
    return (
        Involvement.objects.filter(incident__in=visible_incidents(user), **party)
        .select_related("incident__type", "role", "perpetrator_type", "person")
        .prefetch_related(Prefetch("incident__source_links", queryset=IncidentSource.objects.select_related("source").order_by("id")))
        .order_by("-incident__date_start", "id")
    )


def _memberships(user, **party) -> list[ProposalMember]:
    """The proposals naming the party (for those who may read proposals), with their listing statuses."""
    if not rules.can(user, "proposal.view"):
        return []
    members = list(ProposalMember.objects.filter(**party).select_related("proposal").prefetch_related("listings")
                   .order_by("-proposal__created_at"))
    for member in members:
        member.listed = is_listed(member)
    return members


def person_context(user, person: Person) -> dict:
    """Context for the person page: the records shown, names, posts, incidents, proposals."""
    if person.merged_into_id is not None:
        # A linked record's own page shows its own rows and points to the canonical person.
        records, linked_to = [person], canonical(person)
    else:
        records, linked_to = source_records(person), None
    names = (NameVariant.objects.filter(person__in=records, person__protected=False)
             .select_related("person").order_by("-primary", "person_id", "id"))
    return {
        "linked_to": linked_to,
        "source_records": records[1:],
        "names": () if person.protected else names,
        "occupancies": Occupancy.objects.filter(person__in=records)
        .select_related("position__organization", "source", "person").order_by("-start_date", "id"),
        "involvements": involvements(user, person__in=records),
        "memberships": _memberships(user, person=person),
    }


def organization_context(user, organization: Organization) -> dict:
    """Context for the organization page: its posts with their holders, incidents, proposals."""
    posts = organization.positions.prefetch_related(
        Prefetch("occupancies", queryset=Occupancy.objects.select_related("person", "source").order_by("-start_date", "id")))
    return {
        "positions": posts,
        "involvements": involvements(user, organization=organization),
        "memberships": _memberships(user, organization=organization),
    }
