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


# A record listed by name, A first (persons: people.search_index), ranks by its name's first
# NAME_RANK_LETTERS characters, each mapped to a number in an order-keeping way; the highest rank
# is the first name. Names of the same rank are ordered by the database (search.api.ranked_ties).
NAME_RANK_LETTERS = 3
# Code points below this are their own number: ASCII, Latin-1 and Latin Extended-A and -B (the
# Crimean Tatar letters among them); then one number for everything up to Cyrillic, Cyrillic and
# its supplement one each, and one for everything after.
_LATIN_END, _CYRILLIC, _CYRILLIC_END = 0x250, 0x400, 0x530
_LETTER_NUMBERS = _LATIN_END + 1 + (_CYRILLIC_END - _CYRILLIC) + 1


def _letter_number(letter: str) -> tuple[int, bool]:
    """The letter's number, and whether it is the only letter with that number."""
    code = ord(letter)
    if code < _LATIN_END:
        return code, True
    if code < _CYRILLIC:
        return _LATIN_END, False
    if code < _CYRILLIC_END:
        return _LATIN_END + 1 + code - _CYRILLIC, True
    return _LETTER_NUMBERS - 1, False


def name_rank(name: str) -> int:
    """The rank of a record listed by ``name`` in code-point order (``SearchEntry.rank``): never
    higher for a name that sorts after another. A missing letter counts as less than any letter;
    after a letter that shares its number with others, no letter counts (their order would not
    follow the names')."""
    number = 0
    exact = True
    for position in range(NAME_RANK_LETTERS):
        letter_number = 0
        if exact and position < len(name):
            letter_number, exact = _letter_number(name[position])
        number = number * _LETTER_NUMBERS + letter_number
    return -number


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
