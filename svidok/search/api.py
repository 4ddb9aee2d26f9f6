"""The search interface every caller uses (UI, API, CLI). Backends live behind it; the apps
register what they make searchable (:func:`register_searchable`), so this module knows none of them.

A query matches a record when every word of the query is, in some spelling, the start of a word
of the record (see :mod:`svidok.search.normalize` and ``docs/search.md``).
"""

from collections.abc import Callable

from django.db.models import Q

from svidok.search.backends import backend
from svidok.search.models import SearchEntry
from svidok.search.normalize import query_keys

OBJECT_TYPES = tuple(SearchEntry.TYPE_PREFIX)
MAX_QUERY_WORDS = 8
# result name -> (order, find(user, q, limit)); registered by the apps that own the records.
_SEARCHABLE: dict[str, tuple[int, Callable]] = {}


def shortest_prefixes(keys) -> list[str]:
    """``keys`` without those that start with another of them: a prefix lookup of ``savcank`` already
    finds every key that ``savcanka`` would, so scanning both reads the same index range twice."""
    kept: list[str] = []
    for key in sorted(keys):
        if not any(key.startswith(shorter) for shorter in kept):
            kept.append(key)
    return kept


def matching_ids(object_type: str, q: str):
    """Ids of ``object_type`` records whose names or text match ``q`` in any spelling.

    Returns a queryset of primary keys, usable as ``filter(pk__in=matching_ids(...))``.
    """
    if object_type not in OBJECT_TYPES:
        raise ValueError(object_type)
    prefix = SearchEntry.TYPE_PREFIX[object_type]
    groups = sorted(query_keys(q), key=lambda keys: -max(map(len, keys)))[:MAX_QUERY_WORDS]
    if not groups:
        return SearchEntry.objects.none().values("object_id")
    lookup = backend().prefix
    words = []
    for keys in groups:
        condition = Q()
        for key in shortest_prefixes(keys):
            condition |= lookup(prefix + key)
        words.append(SearchEntry.objects.filter(condition).values("object_id"))
    # Several words: the ids each word finds, intersected. Each is one range of the covering key
    # index; nesting them (``object_id IN (...)``) let SQLite look every id of one word up by
    # object and read each of its ~30 keys from the table (340 ms at a million for two names).
    return words[0] if len(words) == 1 else words[0].intersection(*words[1:])


def register_searchable(result: str, find: Callable, *, order: int) -> None:
    """``find(user, q, limit)`` gives the records of one kind that ``user`` may see and that match
    ``q``; :func:`search` lists them under ``result`` (``incidents``, ``persons``...)."""
    _SEARCHABLE[result] = (order, find)


def search(user, q: str, limit: int = 20) -> dict:
    """Records of every registered kind visible to ``user`` that match ``q``, at most ``limit`` of
    each: ``{"incidents": [...], "persons": [...], "organizations": [...], "places": [...]}`` of
    model instances; an empty or unsearchable query gives empty lists."""
    kinds = sorted(_SEARCHABLE.items(), key=lambda item: item[1][0])
    if not query_keys(q):
        return {result: [] for result, _entry in kinds}
    return {result: list(find(user, q, limit)) for result, (_order, find) in kinds}
