"""The query shapes of the read paths before they were made to scale (commit 7ffac52), for the
read benchmark's "before" columns.

:func:`shapes` swaps them in for the duration of a ``with`` block, so the same code path (views'
filters, ``search.api.search``) runs against the same fixture database with the old statements.
The indexes are today's: the old statements run with every index the new ones have.
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


@contextlib.contextmanager
def shapes():
    """Run the read paths with the old statements inside the block."""
    with contextlib.ExitStack() as stack:
        for target, replacement in OLD.items():
            module, name = target.rsplit(".", 1)
            stack.enter_context(mock.patch(f"{module}.{name}", replacement))
        yield


# Every name the read paths look the new shapes up by (a module's own import of a function too).
OLD = {
    "svidok.incidents.queries.ends_on_or_after": old_ends_on_or_after,
    "svidok.incidents.queries.matching_ids": old_matching_ids,
    "svidok.incidents.search_index.matching_ids": old_matching_ids,
    "svidok.people.search_index.matching_ids": old_matching_ids,
    "svidok.search.api.matching_ids": old_matching_ids,
}
