"""Keeping the search index in step with the records. Called by services inside their transaction.

Each ``index_*`` function replaces all keys of the records it is given. Protected persons are
indexed by their pseudonym only: their real name never reaches the index, so no search reveals it.
"""

from django.db import connection

from svidok.search.models import SearchEntry
from svidok.search.normalize import text_keys

# A narrative can be long; its first words carry the names and places that people search for,
# and a cap keeps the index (and the write) small at a million incidents.
NARRATIVE_WORDS = 150
BATCH = 2000


def _replace(object_type: str, keys_by_id: dict[int, set[str]]) -> None:
    prefix = SearchEntry.TYPE_PREFIX[object_type]
    ids = list(keys_by_id)
    for start in range(0, len(ids), BATCH):
        SearchEntry.objects.filter(object_type=object_type, object_id__in=ids[start:start + BATCH]).delete()
    # Plain executemany: an import writes hundreds of thousands of keys, and building a model
    # instance per key cost more than the insert itself.
    table = connection.ops.quote_name(SearchEntry._meta.db_table)
    sql = f"INSERT INTO {table} (object_type, object_id, key) VALUES (%s, %s, %s)"
    rows = [(object_type, pk, prefix + key) for pk, keys in keys_by_id.items() for key in sorted(keys)]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 10 * BATCH):
            cursor.executemany(sql, rows[start:start + 10 * BATCH])


def place_texts(place) -> list[str]:
    return [place.name_uk, place.name_ru, place.name_latin, place.name_crh, *(place.alt_names or [])]


def incident_keys(incident, party_names=None, place=None) -> set[str]:
    """Keys of an incident: its own text, the names of the parties involved, its place.

    ``party_names`` and ``place`` may be given by a bulk caller that fetched them for many
    incidents at once; otherwise they are read here.
    """
    from svidok.incidents.models import Involvement

    keys = text_keys(incident.reference) | text_keys(incident.title) | text_keys(incident.narrative, limit=NARRATIVE_WORDS)
    if party_names is None:
        party_names = [
            involvement.person.display_name if involvement.person_id else involvement.organization.name
            for involvement in Involvement.objects.filter(incident=incident).select_related("person", "organization")
        ]
    for name in party_names:
        keys |= text_keys(name)
    if place is None and incident.place_id:
        place = incident.place
    if place is not None:
        keys |= text_keys(" ".join(filter(None, (place.name_uk, place.name_ru, place.name_latin, place.name_crh))))
    keys |= text_keys(incident.place_text)
    return keys


def index_incident(incident) -> None:
    _replace("incident", {incident.pk: incident_keys(incident)})


def index_incidents(incidents) -> None:
    """Index many incidents with three queries in all (parties, places, the write)."""
    from svidok.incidents.models import Involvement, Place

    incidents = list(incidents)
    ids = [i.pk for i in incidents]
    names: dict[int, list[str]] = {pk: [] for pk in ids}
    for start in range(0, len(ids), BATCH):
        rows = Involvement.objects.filter(incident_id__in=ids[start:start + BATCH]).values_list(
            "incident_id", "person__display_name", "organization__name"
        )
        for incident_id, person_name, organization_name in rows:
            names[incident_id].append(person_name or organization_name or "")
    places = Place.objects.in_bulk({i.place_id for i in incidents if i.place_id})
    _replace("incident", {i.pk: incident_keys(i, names[i.pk], places.get(i.place_id)) for i in incidents})


def person_keys(person) -> set[str]:
    if person.protected:
        return text_keys(person.pseudonym)
    keys = text_keys(person.display_name)
    for variant in person.names.all():
        keys |= text_keys(variant.name)
    return keys


def _reindex_incidents(**involvement_filter) -> None:
    from svidok.incidents.models import Incident

    # In bulk: a perpetrator may stand in thousands of incidents, and one query set per incident
    # made renaming them an N+1.
    incidents = Incident.objects.filter(**{f"involvements__{k}": v for k, v in involvement_filter.items()}).distinct()
    index_incidents(incidents)


def index_person(person) -> None:
    """Index a person, and the incidents they appear in (their display name may have changed)."""
    _replace("person", {person.pk: person_keys(person)})
    _reindex_incidents(person=person)


def index_persons(persons) -> None:
    """Index many persons (e.g. created by an import). Unlike :func:`index_person`, the incidents
    they appear in are not re-indexed: callers that change display names use index_person."""
    from svidok.people.models import NameVariant

    persons = list(persons)
    variants: dict[int, list[str]] = {p.pk: [] for p in persons}
    for person_id, name in NameVariant.objects.filter(person__in=[p.pk for p in persons if not p.protected]).values_list("person_id", "name"):
        variants[person_id].append(name)
    keys_by_id = {}
    for person in persons:
        if person.protected:
            keys_by_id[person.pk] = set(text_keys(person.pseudonym))
            continue
        keys = text_keys(person.display_name)
        for name in variants[person.pk]:
            keys |= text_keys(name)
        keys_by_id[person.pk] = keys
    _replace("person", keys_by_id)


def index_organizations(organizations) -> None:
    """Index many organizations (their incidents are not re-indexed; see :func:`index_persons`)."""
    from svidok.people.models import NameVariant

    organizations = list(organizations)
    names: dict[int, list[str]] = {o.pk: [o.name] for o in organizations}
    for organization_id, name in NameVariant.objects.filter(organization__in=list(names)).values_list("organization_id", "name"):
        names[organization_id].append(name)
    _replace("organization", {pk: set().union(*(text_keys(n) for n in texts)) for pk, texts in names.items()})


def index_organization(organization) -> None:
    keys = set()
    for name in [organization.name, *organization.names.values_list("name", flat=True)]:
        keys |= text_keys(name)
    _replace("organization", {organization.pk: keys})
    _reindex_incidents(organization=organization)


def index_places(places) -> None:
    """Index many places at once (the gazetteer load passes all of them)."""
    keys_by_id = {}
    for place in places:
        keys = set()
        for text in place_texts(place):
            keys |= text_keys(text or "")
        keys_by_id[place.pk] = keys
    _replace("place", keys_by_id)


def rebuild(object_types=("incident", "person", "organization", "place")) -> dict:
    """Rebuild the whole index of the given types; returns the number of records indexed per type."""
    from svidok.incidents.models import Incident, Place
    from svidok.people.models import Organization, Person

    counts = {}
    if "place" in object_types:
        SearchEntry.objects.filter(object_type="place").delete()
        places = list(Place.objects.all())
        index_places(places)
        counts["place"] = len(places)
    for object_type, model, bulk in (("person", Person, index_persons), ("organization", Organization, index_organizations),
                                      ("incident", Incident, index_incidents)):
        if object_type not in object_types:
            continue
        SearchEntry.objects.filter(object_type=object_type).delete()
        counts[object_type] = 0
        chunk = []
        for obj in model.objects.order_by("pk").iterator(chunk_size=BATCH):
            chunk.append(obj)
            if len(chunk) == BATCH:
                bulk(chunk)
                counts[object_type] += len(chunk)
                chunk = []
        bulk(chunk)
        counts[object_type] += len(chunk)
    return counts
