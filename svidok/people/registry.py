"""The registry as a matcher index: every non-protected person and every organization with all
their name variants. Built once per process and rebuilt when a name or a protection changes."""

from __future__ import annotations

from django.db.models import Count, Max, Q

from svidok.names import fold
from svidok.names.index import CACHE, MatchIndex
from svidok.names.shapes import Entry, make_entry
from svidok.people.models import NameVariant, Organization, Person, PersonIdentity

REGISTRY = "registry"



def _registry_state() -> tuple:
    """Changes whenever a name of the index is added or removed: the registry's names are its
    name variants, which the services add or delete when a person's protection or name changes.
    A protected person has none, so recording a victim leaves the index as it is (it counted
    every person before: each victim recorded made the next name check of every process rebuild
    the index, 150 ms at 20,000 incidents). Birth dates are read at scoring time, so they need no
    part in it."""
    variants = NameVariant.objects.aggregate(n=Count("id"), last=Max("id"))
    organizations = Organization.objects.aggregate(n=Count("id"), last=Max("id"))
    # Ids come back after a rollback (tests) or a deletion; the newest UUIDs do not.
    newest = NameVariant.objects.order_by("-id").values_list("name", "person__uuid", "organization__uuid").first()
    return (variants["n"], variants["last"], organizations["n"], organizations["last"], newest)


def registry_entries() -> list[Entry]:
    """Every non-protected person and every organization, with all name variants and their keys.
    A protected person's names stay in the identity record and are never matched against."""
    names: dict[tuple[str, int], list] = {}
    variants = NameVariant.objects.filter(Q(person__protected=False) | Q(organization__isnull=False)).order_by("-primary", "id")
    for variant in variants.only("id", "person_id", "organization_id", "name", "keys").iterator(chunk_size=5000):
        owner = ("person", variant.person_id) if variant.person_id else ("organization", variant.organization_id)
        names.setdefault(owner, []).append(variant)
    entries = []
    persons = Person.objects.filter(protected=False).only("id", "uuid", "display_name")
    organizations = Organization.objects.only("id", "uuid", "name")
    for kind, objects in (("person", persons), ("organization", organizations)):
        for obj in objects.iterator(chunk_size=2000):
            variants = names.get((kind, obj.pk), [])
            if not variants:
                continue
            # The stored romanization keys spare recomputing them for every name of the registry.
            extra = [(v.name, [fold(v.name), *(fold(k) for k in v.keys.values() if isinstance(k, str))])
                     for v in variants if v.keys]
            entries.append(make_entry(
                id=str(obj.uuid), schema="Person" if kind == "person" else "Organization", caption=obj.display_name,
                names=[v.name for v in variants], extra_forms=extra,
            ))
    return entries


def registry_birth_dates(entries: list[Entry]) -> dict[str, tuple[str, ...]]:
    """The birth dates of the registry persons among ``entries``, read now (they are not indexed)."""
    ids = [e.id for e in entries if e.is_person]
    if not ids:
        return {}
    rows = PersonIdentity.objects.filter(person__uuid__in=ids, person__protected=False, birth_date__isnull=False)
    # Sealed values open on instances only (``models.SealedField``).
    return {str(i.person.uuid): (i.birth_date.isoformat(),) for i in rows.select_related("person").only("person__uuid", "person_id", "birth_date")}



def registry_index() -> MatchIndex:
    """The registry's index, current with the registry."""
    return CACHE.get(REGISTRY, _registry_state(), registry_entries, birth_dates=registry_birth_dates)
