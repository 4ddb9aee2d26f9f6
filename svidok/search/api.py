"""The search interface every caller uses (UI, API, CLI). Backends live behind it.

A query matches a record when every word of the query is, in some spelling, the start of a word
of the record (see :mod:`svidok.search.normalize` and ``docs/search.md``).
"""

from django.db.models import Case, Q, When

from svidok.search.backends import backend
from svidok.search.models import SearchEntry
from svidok.search.normalize import query_keys

OBJECT_TYPES = ("incident", "person", "organization", "place")
MAX_QUERY_WORDS = 8
# Towns before the villages of the same name, administrative units after them.
PLACE_ORDER = ("K", "M", "X", "C", "O", "P", "H", "B")


def matching_ids(object_type: str, q: str):
    """Ids of ``object_type`` records whose names or text match ``q`` in any spelling.

    Returns a queryset of primary keys, usable as ``filter(pk__in=matching_ids(...))``.
    """
    if object_type not in OBJECT_TYPES:
        raise ValueError(object_type)
    prefix = SearchEntry.TYPE_PREFIX[object_type]
    # Longest keys first: the most selective word becomes the innermost subquery.
    groups = sorted(query_keys(q), key=lambda keys: -max(map(len, keys)))[:MAX_QUERY_WORDS]
    if not groups:
        return SearchEntry.objects.none().values("object_id")
    lookup = backend().prefix
    ids = None
    for keys in groups:
        condition = Q()
        for key in sorted(keys):
            condition |= lookup(prefix + key)
        entries = SearchEntry.objects.filter(condition)
        if ids is not None:
            entries = entries.filter(object_id__in=ids)
        ids = entries.values("object_id")
    return ids


def search(user, q: str, limit: int = 20) -> dict:
    """Records of every type visible to ``user`` that match ``q``, at most ``limit`` of each.

    Returns ``{"incidents": [...], "persons": [...], "organizations": [...], "places": [...]}``
    of model instances; an empty or unsearchable query gives empty lists.
    """
    from svidok.accounts import rules
    from svidok.incidents.models import Place
    from svidok.incidents.queries import visible_incidents
    from svidok.people.queries import visible_organizations, visible_persons

    result = {"incidents": [], "persons": [], "organizations": [], "places": []}
    if not query_keys(q):
        return result
    result["incidents"] = list(
        visible_incidents(user).filter(pk__in=matching_ids("incident", q))
        .select_related("type", "place").order_by("-date_start", "-id")[:limit]
    )
    result["persons"] = list(visible_persons(user).filter(pk__in=matching_ids("person", q)).order_by("display_name", "id")[:limit])
    result["organizations"] = list(
        visible_organizations(user).filter(pk__in=matching_ids("organization", q)).order_by("name", "id")[:limit]
    )
    if rules.can(user, "place.view"):
        result["places"] = list(
            Place.objects.filter(pk__in=matching_ids("place", q)).select_related("raion", "region")
            .annotate(rank=Case(*(When(category=c, then=n) for n, c in enumerate(PLACE_ORDER)), default=len(PLACE_ORDER)))
            .order_by("rank", "name_uk", "id")[:limit]
        )
    return result
