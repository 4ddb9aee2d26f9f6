"""Keeping the search index in step with the records. Called by services inside their transaction.

Each ``index_*`` function replaces all keys of the records it is given. Protected persons are
indexed by their pseudonym only: their real name never reaches the index, so no search reveals it.
"""

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
    SearchEntry.objects.bulk_create(
        (SearchEntry(object_type=object_type, object_id=pk, key=prefix + key)
         for pk, keys in keys_by_id.items() for key in sorted(keys)),
        batch_size=BATCH,
    )


def place_texts(place) -> list[str]:
    return [place.name_uk, place.name_ru, place.name_latin, place.name_crh, *(place.alt_names or [])]


def incident_keys(incident) -> set[str]:
    from svidok.incidents.models import Involvement

    keys = text_keys(incident.reference) | text_keys(incident.title) | text_keys(incident.narrative, limit=NARRATIVE_WORDS)
    for involvement in Involvement.objects.filter(incident=incident).select_related("person", "organization"):
        if involvement.person_id:
            keys |= text_keys(involvement.person.display_name)
        else:
            keys |= text_keys(involvement.organization.name)
    if incident.place_id:
        place = incident.place
        keys |= text_keys(" ".join(filter(None, (place.name_uk, place.name_ru, place.name_latin, place.name_crh))))
    keys |= text_keys(incident.place_text)
    return keys


def index_incident(incident) -> None:
    _replace("incident", {incident.pk: incident_keys(incident)})


def person_keys(person) -> set[str]:
    if person.protected:
        return text_keys(person.pseudonym)
    keys = text_keys(person.display_name)
    for variant in person.names.all():
        keys |= text_keys(variant.name)
    return keys


def _reindex_incidents(**involvement_filter) -> None:
    from svidok.incidents.models import Incident

    for incident in Incident.objects.filter(**{f"involvements__{k}": v for k, v in involvement_filter.items()}).distinct().select_related("place"):
        index_incident(incident)


def index_person(person) -> None:
    """Index a person, and the incidents they appear in (their display name may have changed)."""
    _replace("person", {person.pk: person_keys(person)})
    _reindex_incidents(person=person)


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
    if "person" in object_types:
        SearchEntry.objects.filter(object_type="person").delete()
        persons = Person.objects.prefetch_related("names")
        _replace("person", {p.pk: person_keys(p) for p in persons})
        counts["person"] = persons.count()
    if "organization" in object_types:
        SearchEntry.objects.filter(object_type="organization").delete()
        counts["organization"] = 0
        for organization in Organization.objects.all():
            keys = text_keys(organization.name)
            for name in organization.names.values_list("name", flat=True):
                keys |= text_keys(name)
            _replace("organization", {organization.pk: keys})
            counts["organization"] += 1
    if "incident" in object_types:
        SearchEntry.objects.filter(object_type="incident").delete()
        counts["incident"] = 0
        for incident in Incident.objects.select_related("place").iterator(chunk_size=2000):
            index_incident(incident)
            counts["incident"] += 1
    return counts
