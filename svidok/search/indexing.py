"""Keeping the search index in step with the records. Called by services inside their transaction.

This module knows no domain app. Each app computes its records' keys (``search.normalize``) and
writes them with :func:`replace_keys`; it registers how to rebuild all its records of a type
(:func:`register`) for ``svidok rebuild_search_index``. Protected persons are indexed by their
pseudonym only: their real name never reaches the index, so no search reveals it.
"""

import datetime as dt
from collections.abc import Callable

from svidok.common.bulk import insert_rows
from svidok.search.models import SearchEntry

BATCH = 2000
# object type -> (order, function indexing a list of records, queryset of every record)
_REBUILDERS: dict[str, tuple[int, Callable, Callable]] = {}


EPOCH = dt.date(1970, 1, 1)


def day_rank(day: dt.date) -> int:
    """The rank of a record listed by a day, newest first (``SearchEntry.rank``): days since 1970."""
    return (day - EPOCH).days


def replace_keys(object_type: str, keys_by_id: dict[int, set[str]], ranks: dict[int, int] | None = None) -> None:
    """Replace every key of the records ``keys_by_id`` names with the keys given, each with the
    record's rank from ``ranks`` (0 for a record not in it)."""
    prefix = SearchEntry.TYPE_PREFIX[object_type]
    ids = list(keys_by_id)
    ranks = ranks or {}
    for start in range(0, len(ids), BATCH):
        SearchEntry.objects.filter(object_type=object_type, object_id__in=ids[start:start + BATCH]).delete()
    # A bulk insert, not bulk_create: an import writes hundreds of thousands of keys, and building
    # a model instance per key cost more than the insert itself.
    rows = ((object_type, pk, prefix + key, ranks.get(pk, 0)) for pk, keys in keys_by_id.items() for key in sorted(keys))
    insert_rows(SearchEntry, ["object_type", "object_id", "key", "rank"], rows, batch=10 * BATCH)


def is_empty(object_type: str) -> bool:
    return not SearchEntry.objects.filter(object_type=object_type).exists()


def register(object_type: str, *, index_many: Callable, every: Callable, order: int) -> None:
    """How to rebuild ``object_type``: ``index_many(records)`` over ``every()`` (a queryset), in
    ``order`` among the types (places before the incidents whose keys include place names)."""
    _REBUILDERS[object_type] = (order, index_many, every)


def object_types() -> tuple[str, ...]:
    return tuple(sorted(_REBUILDERS, key=lambda t: _REBUILDERS[t][0]))


def rebuild(object_types_: tuple[str, ...] | None = None) -> dict:
    """Rebuild the whole index of the given types; returns the number of records indexed per type."""
    counts = {}
    for object_type in object_types():
        if object_types_ is not None and object_type not in object_types_:
            continue
        _order, index_many, every = _REBUILDERS[object_type]
        SearchEntry.objects.filter(object_type=object_type).delete()
        counts[object_type] = 0
        chunk = []
        for obj in every().order_by("pk").iterator(chunk_size=BATCH):
            chunk.append(obj)
            if len(chunk) == BATCH:
                index_many(chunk)
                counts[object_type] += len(chunk)
                chunk = []
        index_many(chunk)
        counts[object_type] += len(chunk)
    return counts
