"""The incidents app's records in the search index: incidents (their text, the names of their
parties, their place) and the gazetteer's places. Services call these inside their transaction."""

from django.db.models import Case, When

from svidok.accounts import rules
from svidok.common import extensions
from svidok.common.pagination import rows_in_order
from svidok.incidents.models import Incident, Involvement, Place
from svidok.incidents.queries import visible_incidents
from svidok.people import freetext
from svidok.search import indexing
from svidok.search.api import first_matching, kept_by, matching_ids, register_searchable
from svidok.search.normalize import text_keys

# A narrative can be long; its first words carry the names and places that people search for,
# and a cap keeps the index (and the write) small at a million incidents.
NARRATIVE_WORDS = 150
BATCH = indexing.BATCH
# Towns before the villages of the same name, administrative units after them.
PLACE_ORDER = ("K", "M", "X", "C", "O", "P", "H", "B")


def place_texts(place) -> list[str]:
    return [place.name_uk, place.name_ru, place.name_latin, place.name_crh, *(place.alt_names or [])]


def incident_keys(incident, party_names=None, place=None, matcher=None) -> set[str]:
    """Keys of an incident: its own text, the names of the parties involved, its place.

    ``party_names`` and ``place`` may be given by a bulk caller that fetched them for many
    incidents at once; otherwise they are read here. Protected persons' names typed into the title
    or the narrative are indexed as their pseudonym (``people.freetext``): nobody finds the incident
    by such a name. ``matcher`` is the loaded blind index, shared by a bulk caller.
    """
    matcher = matcher if matcher is not None else freetext.Matcher([incident.title, incident.narrative, incident.place_text])
    title = freetext.pseudonymize(incident.title, matcher)[0]
    narrative = freetext.pseudonymize(incident.narrative, matcher)[0]
    keys = text_keys(incident.reference) | text_keys(title) | text_keys(narrative, limit=NARRATIVE_WORDS)
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
    keys |= text_keys(freetext.pseudonymize(incident.place_text, matcher)[0])
    return keys


def index_incident(incident) -> None:
    indexing.replace_keys("incident", {incident.pk: incident_keys(incident)}, {incident.pk: indexing.day_rank(incident.date_start)})


def index_incidents(incidents) -> None:
    """Index many incidents with three queries in all (parties, places, the write)."""
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
    matcher = freetext.Matcher(t for i in incidents for t in (i.title, i.narrative, i.place_text))
    indexing.replace_keys("incident", {i.pk: incident_keys(i, names[i.pk], places.get(i.place_id), matcher) for i in incidents},
                          {i.pk: indexing.day_rank(i.date_start) for i in incidents})


def reindex_party_incidents(**involvement_filter) -> None:
    # In bulk: a perpetrator may stand in thousands of incidents, and one query set per incident
    # made renaming them an N+1.
    incidents = Incident.objects.filter(**{f"involvements__{k}": v for k, v in involvement_filter.items()}).distinct()
    index_incidents(incidents)


def index_places(places) -> None:
    """Index many places at once (the gazetteer load passes all of them)."""
    keys_by_id = {}
    for place in places:
        keys = set()
        for text in place_texts(place):
            keys |= text_keys(text or "")
        keys_by_id[place.pk] = keys
    indexing.replace_keys("place", keys_by_id)




def find_incidents(user, q: str, limit: int) -> list:
    # The newest matches first from the index (search.api.first_matching), kept when ``user``
    # may see them; then the rows of the ``limit`` shown, with their type and place.
    ids = first_matching("incident", q, kept_by(visible_incidents(user)), limit)
    return rows_in_order(ids, lambda page: Incident.objects.select_related("type", "place").filter(pk__in=page))


def find_places(user, q: str, limit: int) -> list:
    if not rules.can(user, "place.view"):
        return []
    return (Place.objects.filter(pk__in=matching_ids("place", q)).select_related("raion", "region")
            .annotate(rank=Case(*(When(category=c, then=n) for n, c in enumerate(PLACE_ORDER)), default=len(PLACE_ORDER)))
            .order_by("rank", "name_uk", "id")[:limit])


def register() -> None:
    register_searchable("incidents", find_incidents, order=10)
    register_searchable("places", find_places, order=40)
    indexing.register("place", index_many=index_places, every=Place.objects.all, order=10)
    indexing.register("incident", index_many=index_incidents, every=Incident.objects.all, order=40)
    # A renamed person or organization changes the keys of the incidents they stand in.
    extensions.provide("search.party_changed", reindex_party_incidents)
