"""The query shapes of the read paths before they were made to scale (commit 7ffac52), for the
read benchmark's "before" columns.

:func:`shapes` swaps them in for the duration of a ``with`` block, so the same code path (views'
filters, ``search.api.search``) runs against the same fixture database with the old statements.
:func:`indexes` puts the incident table's indexes back as they were before migrations incidents
0009 and 0010 for the "before" runs, and on PostgreSQL the planner's settings of before
(``random_page_cost`` 4, PostgreSQL's default; the search key's default statistics: search migration 0002).
Bench only; nothing in ``svidok`` imports this.
"""

import contextlib
from unittest import mock

from django.db.models import Q


def old_ends_on_or_after(day):
    """The overlap test alone (``date_end >= day OR date_start >= day``): no index can bound it."""
    return Q(date_end__gte=day) | Q(date_start__gte=day)


def old_matching_ids(object_type: str, q: str):
    """``search.api.matching_ids`` as it was: every key of a word scanned, redundant prefixes included."""
    from svidok.search.api import MAX_QUERY_WORDS, OBJECT_TYPES
    from svidok.search.backends import backend
    from svidok.search.models import SearchEntry
    from svidok.search.normalize import query_keys

    if object_type not in OBJECT_TYPES:
        raise ValueError(object_type)
    prefix = SearchEntry.TYPE_PREFIX[object_type]
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


def old_places_under(code: str) -> list[int]:
    """The place filter's ids as they were: the code ORed across joins to parent, raion and region."""
    from svidok.incidents.models import Place

    places = Place.objects.filter(Q(code=code) | Q(parent__code=code) | Q(raion__code=code) | Q(region__code=code))
    return list(places.values_list("pk", flat=True))


# The indexes of the incident list before migration incidents 0010 (and, on PostgreSQL, 0009).
OLD_TYPE_INDEX = ("incidents_i_type_id_ab43c5_idx", ["type", "date_start"])
NEW_INDEXES = ("incident_type_date", "incident_place_status")


@contextlib.contextmanager
def indexes(log=print):
    """Inside the block the incident table has the indexes it had before: the new ones dropped,
    (type, date_start) back; ANALYZE after each switch. Minutes at a million incidents."""
    import importlib

    from django.conf import settings
    from django.db import connection, models

    from svidok.incidents.models import Incident

    visibility = importlib.import_module("svidok.incidents.migrations.0009_incident_id_visibility")
    key_target = importlib.import_module("svidok.search.migrations.0002_key_statistics").TARGET
    new = [index for index in Incident._meta.indexes if index.name in NEW_INDEXES]
    old = models.Index(fields=OLD_TYPE_INDEX[1], name=OLD_TYPE_INDEX[0])
    postgresql = connection.vendor == "postgresql"

    def analyze(*tables):
        with connection.cursor() as cursor:
            for table in ("incidents_incident", *tables):
                cursor.execute(f"ANALYZE {table}")

    def planner(before: bool):
        # PostgreSQL: the planner's settings of before too (random_page_cost 4, the key
        # column's default sample: search migration 0002), set back afterwards.
        with connection.cursor() as cursor:
            # 4 is PostgreSQL's own default (RESET would give back the connection's option).
            cursor.execute("SET random_page_cost = " + ("4" if before else settings.PG_RANDOM_PAGE_COST))
            cursor.execute(f"ALTER TABLE search_searchentry ALTER COLUMN key SET STATISTICS {-1 if before else key_target}")
        analyze("search_searchentry")

    log("  indexes as before: dropping " + ", ".join(NEW_INDEXES) + (", incident_id_visibility" if postgresql else ""))
    with connection.schema_editor(atomic=False) as editor:
        for index in new:
            editor.remove_index(Incident, index)
        if postgresql:
            editor.execute(visibility.DROP)
        editor.add_index(Incident, old)
    analyze()
    if postgresql:
        planner(before=True)
    try:
        yield
    finally:
        log("  indexes as today: building them again")
        with connection.schema_editor(atomic=False) as editor:
            editor.remove_index(Incident, old)
            for index in new:
                editor.add_index(Incident, index)
            if postgresql:
                editor.execute(visibility.CREATE)
        analyze()
        if postgresql:
            planner(before=False)


def old_incident_page(request, queryset):
    """The list's page as it was: the whole rows, joined to type, place and election, sorted and cut."""
    from svidok.common.views import paginate
    from svidok.incidents.views import incident_rows

    return paginate(request, incident_rows(queryset))


def old_list_page(request, queryset, q: str, sort):
    """The list with a text as it was: every match filtered and sorted by the database, and
    counted up to the general cap (10,000), not walked newest first from the index."""
    from svidok.incidents.queries import sort_incidents

    if q:
        queryset = queryset.filter(pk__in=old_matching_ids("incident", q))
    return old_incident_page(request, sort_incidents(queryset, sort))


def old_find_incidents(user, q: str, limit: int) -> list:
    """The search page's incidents as they were: joined rows sorted, not their ids first."""
    from svidok.incidents.queries import visible_incidents
    from svidok.search.api import matching_ids

    return (visible_incidents(user).filter(pk__in=matching_ids("incident", q))
            .select_related("type", "place").order_by("-date_start", "-id")[:limit])


def old_find_persons(user, q: str, limit: int) -> list:
    """The search page's persons as they were: every match sorted by name by the database."""
    from svidok.people.queries import visible_persons
    from svidok.people.search_index import matching_persons

    return visible_persons(user).filter(matching_persons(user, q)).order_by("display_name", "id")[:limit]


@contextlib.contextmanager
def shapes():
    """Run the read paths with the old statements inside the block."""
    from svidok.search import api

    with contextlib.ExitStack() as stack:
        for target, replacement in OLD.items():
            module, name = target.rsplit(".", 1)
            stack.enter_context(mock.patch(f"{module}.{name}", replacement))
        old = {"incidents": old_find_incidents, "persons": old_find_persons}
        stack.enter_context(mock.patch.dict(api._SEARCHABLE, {kind: (api._SEARCHABLE[kind][0], find) for kind, find in old.items()}))
        yield


# Every name the read paths look the new shapes up by (a module's own import of a function too).
OLD = {
    "svidok.incidents.queries.ends_on_or_after": old_ends_on_or_after,
    "svidok.incidents.queries.matching_ids": old_matching_ids,
    "svidok.incidents.search_index.matching_ids": old_matching_ids,
    "svidok.people.search_index.matching_ids": old_matching_ids,
    "svidok.search.api.matching_ids": old_matching_ids,
    "svidok.incidents.views.incident_page": old_incident_page,
    "svidok.incidents.views.list_page": old_list_page,
    "svidok.incidents.queries.places_under": old_places_under,
}
