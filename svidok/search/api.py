"""The search interface every caller uses (UI, API, CLI). Backends live behind it; the apps
register what they make searchable (:func:`register_searchable`), so this module knows none of them.

A query matches a record when every word of the query is, in some spelling, the start of a word
of the record (see :mod:`svidok.search.normalize` and ``docs/search.md``).
"""

import heapq
import math
from collections.abc import Callable

from django.db import connection
from django.db.models import Q

from svidok.common.idlists import among
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


# How a word's matches are read in rank order: a two-letter word from the stem index; a longer
# one by how many keys lie under its prefix: up to MAX_WALKED_KEYS, each key's entries in rank
# order, merged; more, but fewer than FEW_ENTRIES entries under them, sorted by the database; else
# up to MAX_SEEKED_KEYS (a three-letter word: "Пра" has 126 keys and 1.4 million entries at a
# million incidents), all keys together one band of ranks at a time, highest first; beyond that,
# sorted by the database again.
MAX_WALKED_KEYS = 32
FEW_ENTRIES = 10_000
MAX_SEEKED_KEYS = 16_384
# The first band of ranks read (for incidents: 32 days), before the share of matches is known.
FIRST_BAND = 32


def ranked_ids(object_type: str, q: str, limit: int | None = None) -> list[int]:
    """The ids of :func:`matching_ids`, highest ``SearchEntry.rank`` first, then highest id (for
    incidents: newest first, as their lists show them), each once; the first ``limit`` of them.

    The order comes from the search indexes alone, no record is read. For one word, a prefix of
    ``STEM_LENGTH`` (a two-letter word) is read backwards along the stem index, one range; for a
    longer prefix the keys under it are found first (a loose index scan); up to
    ``MAX_WALKED_KEYS`` of them, each is read backwards along (key, rank, id), at most ``limit``
    entries each, and the streams merged; with more keys and many entries, bands of ranks are read
    across all of them (:func:`_by_bands`). Few entries, more keys than ``MAX_SEEKED_KEYS``, or
    several words (intersected) are sorted by the database.
    """
    pairs, _of_rank = _ranked(object_type, q, limit)
    return [object_id for object_id, _rank in pairs]


def ranked_ties(object_type: str, q: str, limit: int, most: int) -> list[int] | None:
    """The ids of the first ``limit`` of :func:`ranked_ids` and of every other match with the same
    rank as the last of them, in no order; None when that is more than ``most``, or when they
    cannot be read in rank order from the index alone: several words, or a prefix of more than
    ``MAX_WALKED_KEYS`` keys with at least ``FEW_ENTRIES`` entries.

    These are all the matches that can be among the first ``limit`` in an order that the rank only
    approximates, never contradicts: persons by name (``indexing.name_rank``), where a match of a
    lower rank has ``limit`` matches before it. The caller sorts them exactly. The matches of the
    last rank are read by that rank, one range of the index per key or stem, at most ``most + 1``.
    """
    pairs, of_rank = _ranked(object_type, q, limit, ties=True)
    # Several words, or a prefix with many entries not walked: the caller sorts every match.
    if of_rank is None:
        return None
    if len(pairs) < limit:
        return [object_id for object_id, _rank in pairs]
    last = pairs[-1][1]
    tied = of_rank(last, most + 1)
    ids = {object_id for object_id, rank in pairs if rank > last} | tied
    return list(ids) if len(ids) <= most else None


def _ranked(object_type: str, q: str, limit: int | None, *, ties: bool = False):
    """The (id, rank) pairs of :func:`ranked_ids`, and a function giving the ids of the matches
    of one rank, at most as many as asked (None after bands of ranks, or for several words). With
    ``ties``, nothing is read and the function is None unless the matches are walked in order or
    are few: one word."""
    if object_type not in OBJECT_TYPES:
        raise ValueError(object_type)
    prefix = SearchEntry.TYPE_PREFIX[object_type]
    groups = sorted(query_keys(q), key=lambda keys: -max(map(len, keys)))[:MAX_QUERY_WORDS]
    if not groups:
        return [], lambda rank, most: set()
    db = backend()
    words = []
    for keys in groups:
        condition = Q()
        for key in shortest_prefixes(keys):
            condition |= db.prefix(prefix + key)
        words.append(SearchEntry.objects.filter(condition).values_list("object_id", "rank"))

    if len(groups) == 1 and limit:
        prefixes = [prefix + key for key in shortest_prefixes(groups[0])]
        # A stem (two letters) is one range of the stem index; the longer prefixes' keys each one.
        stems = [p for p in prefixes if len(p) == SearchEntry.STEM_LENGTH]
        keys = _keys_under(db, [p for p in prefixes if p not in stems], MAX_WALKED_KEYS)
        if keys is not None:
            # (rank, id) pairs, each stream in descending order: merged as they come, no key function.
            streams = [*(_walk_stem(stem, limit) for stem in stems), *(_walk(key, limit) for key in keys)]
            pairs = _first_each(((object_id, rank) for rank, object_id in heapq.merge(*streams, reverse=True)), limit)
            return pairs, lambda rank, most: _of_rank(stems, keys, rank, most)
        if words[0][:FEW_ENTRIES].count() == FEW_ENTRIES:
            if ties:
                return [], None
            keys = _keys_under(db, prefixes, MAX_SEEKED_KEYS)
            if keys is not None:
                return _by_bands(db, keys, limit), None
    elif ties:
        return [], None
    ordered = (words[0].distinct() if len(words) == 1 else words[0].intersection(*words[1:])).order_by("-rank", "-object_id")
    pairs = _first_each(ordered[:limit] if limit else ordered, limit)
    if len(words) > 1:
        return pairs, None
    return pairs, lambda rank, most: set(words[0].filter(rank=rank).values_list("object_id", flat=True).distinct()[:most])


def _keys_under(db, prefixes: list[str], most: int) -> list[str] | None:
    """The keys that start with one of ``prefixes``, or None when there are more than ``most``."""
    keys: list[str] = []
    for prefix in prefixes:
        keys += db.keys_under(prefix, most + 1 - len(keys))
        if len(keys) > most:
            return None
    return keys


def _by_bands(db, keys: list[str], limit: int) -> list[tuple[int, int]]:
    """The (id, rank) of the first ``limit`` of the entries of ``keys``, in rank order, read one band of ranks at a
    time from the highest down, each band one range of the key index per key.

    The first band holds the highest rank and the ``FIRST_BAND - 1`` below it; each next one is as
    wide as the share of matches found so far says the missing ones need, with a quarter more, and
    at least as wide as all read before, so that a common prefix takes two or three bands (at a
    million incidents the keys of "Се" hold a million entries, the newest 3,000 of them within 50
    days). A band that finds nothing (a gap in the dates, or the end) makes the next one eight times
    as wide as all read before, and the lowest rank is looked up to know where the end lies; when
    the matches are so sparse that the next band would be wider than that, it takes all the rest.
    """
    top = db.extreme_rank(keys, highest=True)
    if top is None:
        return []
    ids: list[tuple[int, int]] = []
    seen: set[int] = set()
    bottom: int | None = None
    low: int | None = top - FIRST_BAND + 1
    high: int | None = None
    while True:
        before = len(ids)
        for rank, object_id in sorted(db.ranked_between(keys, low, high), reverse=True):
            if object_id not in seen:
                seen.add(object_id)
                ids.append((object_id, rank))
                if len(ids) == limit:
                    return ids
        if low is None:
            return ids
        read = top + 1 - low
        if len(ids) == before:
            bottom = db.extreme_rank(keys, highest=False) if bottom is None else bottom
            width = 8 * read
        else:
            width = max(read, math.ceil((limit - len(ids)) * read / len(ids) * 1.25))
        high, low = low, low - width
        if width > 8 * read or (bottom is not None and low <= bottom):
            low = None


def _walk(key: str, limit: int | None) -> list[tuple[int, int]]:
    """The (rank, id) of ``key``'s entries, highest first: its part of the key index, read backwards.
    Through the cursor: the thousands of rows of a common name cost twice as much as model rows."""
    table, rank, object_id, key_ = map(connection.ops.quote_name, (SearchEntry._meta.db_table, "rank", "object_id", "key"))
    sql = f"SELECT {rank}, {object_id} FROM {table} WHERE {key_} = %s ORDER BY {rank} DESC, {object_id} DESC"
    with connection.cursor() as cursor:
        cursor.execute(sql + (" LIMIT %s" if limit else ""), [key, limit] if limit else [key])
        return cursor.fetchall()


def _stem_statement(stem: str, limit: int) -> tuple[str, list]:
    """The (rank, id) of the records with a key that starts with ``stem`` (``STEM_LENGTH`` long),
    highest first, each once: the stem index read backwards, each record's entries neighbours in it."""
    table, rank, object_id = map(connection.ops.quote_name, (SearchEntry._meta.db_table, "rank", "object_id"))
    sql = (f"SELECT DISTINCT {rank}, {object_id} FROM {table} WHERE {backend().stem_expression} = %s "
           f"ORDER BY {rank} DESC, {object_id} DESC LIMIT %s")
    return sql, [stem, limit]


def _walk_stem(stem: str, limit: int) -> list[tuple[int, int]]:
    with connection.cursor() as cursor:
        cursor.execute(*_stem_statement(stem, limit))
        return cursor.fetchall()


def _of_rank(stems: list[str], keys: list[str], rank: int, most: int) -> set[int]:
    """The ids of the records with ``rank`` and a key under one of ``stems`` or among ``keys``, at
    most ``most``: one range of the stem or key index each."""
    table, rank_, object_id, key_ = map(connection.ops.quote_name, (SearchEntry._meta.db_table, "rank", "object_id", "key"))
    found: set[int] = set()
    with connection.cursor() as cursor:
        for expression, values in ((backend().stem_expression, stems), (key_, keys)):
            for value in values:
                cursor.execute(f"SELECT DISTINCT {object_id} FROM {table} WHERE {expression} = %s AND {rank_} = %s LIMIT %s",
                               [value, rank, most])
                found.update(row[0] for row in cursor.fetchall())
                if len(found) >= most:
                    return found
    return found


def _first_each(rows, limit: int | None) -> list[tuple[int, int]]:
    ids: list[tuple[int, int]] = []
    seen: set[int] = set()
    for object_id, rank in rows:
        if object_id not in seen:
            seen.add(object_id)
            ids.append((object_id, rank))
            if limit and len(ids) == limit:
                break
    return ids


# The least and the most ids handed to ``keep`` at once (SQLite takes at most 32,766 parameters).
MIN_PROBE, MAX_PROBE = 100, 10_000


def first_matching(object_type: str, q: str, keep: Callable[[list[int]], set[int]], need: int) -> list[int]:
    """The first ``need`` ids, in :func:`ranked_ids` order, of the records matching ``q`` that
    ``keep(ids)`` keeps (it returns the subset of ``ids`` to keep: those a user may see, under the
    list's other filters).

    The matches come in rank order from the index, a few times ``need`` at first and eight times
    more each time they run out; ``keep`` sees them in batches sized by the share it kept so far,
    and the walk stops once ``need`` are found. A common name (30,000 incidents of a million) then
    costs a few thousand look-ups of its newest matches, not one per match for a count and
    another for the sort (docs/search.md, "Reads at scale").
    """
    if need <= 0:
        return []
    limit = max(MIN_PROBE, 3 * need)
    candidates = ranked_ids(object_type, q, limit)
    position = 0
    found: list[int] = []
    kept_count = 0
    while len(found) < need:
        if position == len(candidates):
            if len(candidates) < limit:
                break  # every match was read
            limit *= 8
            candidates = ranked_ids(object_type, q, limit)
            continue
        # Enough for what is missing at the share kept so far (a half before anything is known).
        share = (kept_count + 1) / (position + 2)
        size = min(MAX_PROBE, max(MIN_PROBE, round((need - len(found)) / share * 1.2)))
        batch = candidates[position:position + size]
        position += len(batch)
        kept = keep(batch)
        found.extend(pk for pk in batch if pk in kept)
        kept_count += len(kept)
    return found[:need]


def kept_by(queryset) -> Callable[[list[int]], set[int]]:
    """The ``keep`` of :func:`first_matching` for ``queryset``: which of the ids it holds, asked
    as one array of ids (``common.idlists.among``)."""
    unordered = queryset.order_by()
    return lambda ids: set(unordered.filter(pk__in=among(ids)).values_list("pk", flat=True))


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
