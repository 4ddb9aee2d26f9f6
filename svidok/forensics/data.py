"""Loading a result set's precincts from the database as :class:`~svidok.forensics.arrays.Precincts`.

Analyses and plots of one result set are asked for many times in a row (a page and its plots),
so the arrays of the last few result sets are kept in memory, keyed by the result set's id and
import time (a re-import is a new result set, so a cached entry can never be stale).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import replace

import numpy as np
from django.db import connection

from svidok.forensics.arrays import PROTOCOL_FIELDS, REQUIRED_FIELDS, Precincts
from svidok.forensics.models import Precinct, ResultSet
from svidok.forensics.parsing import FLAG_MISSING, build_precincts, naming_electronic

CACHE_SIZE = 3
_cache: OrderedDict = OrderedDict()
_lock = threading.Lock()


def _load_all(result_set: ResultSet, regions: tuple[str, ...] = ()) -> Precincts:
    meta = Precinct._meta
    quote = connection.ops.quote_name
    names = ["line", "region", "tik", "uik", *PROTOCOL_FIELDS, "votes"]
    columns = ", ".join(quote(meta.get_field(n).column) for n in names)
    required = " AND ".join(f"{quote(f)} IS NOT NULL" for f in REQUIRED_FIELDS)
    only = f" AND {quote('region')} IN ({', '.join(['%s'] * len(regions))})" if regions else ""
    sql = (f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {quote('result_set_id')} = %s AND {required}{only} "
           f"ORDER BY {quote('line')}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [result_set.pk, *regions])
        rows = cursor.fetchall()
    width = len(result_set.candidates)
    kept = []
    for row in rows:
        votes = row[-1]
        if isinstance(votes, str):
            votes = json.loads(votes)
        if len(votes) != width or any(v is None for v in votes):
            continue  # flagged "missing" at import: not analysable
        kept.append((row, votes))
    counts = {f: [r[4 + j] or 0 for r, _ in kept] for j, f in enumerate(PROTOCOL_FIELDS)}
    return build_precincts(
        region=[r[1] for r, _ in kept],
        tik=[r[2] for r, _ in kept],
        uik=[r[3] for r, _ in kept],
        counts=counts,
        votes=[v for _, v in kept] or np.zeros((0, width), dtype=np.int64),
        candidates=result_set.candidates,
        leader=result_set.candidates.index(result_set.leader),
        excluded=result_set.precinct_count - len(kept),
        rows=[r[0] for r, _ in kept],
    )


def electronic_rows(p: Precincts) -> np.ndarray:
    """Which precincts of ``p`` are remote electronic voting (their commission or precinct cell names
    it, as the import's ``electronic`` mark): a bool array."""
    if not len(p):
        return np.zeros(0, dtype=bool)
    return naming_electronic(p.tik) | naming_electronic(p.uik)


def load_precincts(result_set: ResultSet, *, region: str = "", tik: str = "",
                   without_electronic_voting: bool = False, regions: tuple[str, ...] = ()) -> Precincts:
    """The analysable precincts of a result set, optionally of one region (or several: ``regions``,
    e.g. Crimea and Sevastopol) and/or commission.

    By default every row of the file is counted, so the totals are the file's (the CEC's, which
    include remote electronic voting); ``without_electronic_voting`` leaves the electronic-voting
    rows out (see :func:`electronic_rows`)."""
    precincts = _load_scope(result_set, region=region, tik=tik, regions=tuple(regions))
    if without_electronic_voting:
        electronic = electronic_rows(precincts)
        if electronic.any():
            precincts = precincts.subset(~electronic)
    return precincts


def _load_scope(result_set: ResultSet, *, region: str = "", tik: str = "", regions: tuple[str, ...] = ()) -> Precincts:
    key = (result_set.pk, result_set.imported_at)
    with _lock:
        precincts = _cache.get(key)
        if precincts is not None:
            _cache.move_to_end(key)
        elif region or regions:
            # The whole file is not in memory: read only the regions asked for (1,388 rows for Crimea
            # and Sevastopol instead of 97,699), kept under their own key beside the whole files.
            precincts = _cache.get((*key, region, regions))
    wanted = tuple(r for r in regions if not region or r == region) if regions else ((region,) if region else ())
    if precincts is None and wanted:
        precincts = _load_all(result_set, wanted)
        with _lock:
            _cache[(*key, region, regions)] = precincts
            while len(_cache) > CACHE_SIZE * 4:
                _cache.popitem(last=False)
    if precincts is None:
        precincts = _load_all(result_set)
        with _lock:
            _cache[key] = precincts
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
    if region or tik or regions:
        mask = np.ones(len(precincts), dtype=bool)
        if region:
            mask &= precincts.region == region
        if regions:
            mask &= np.isin(precincts.region, list(regions))
        if tik:
            mask &= precincts.tik == tik
        scope = Precinct.objects.filter(result_set=result_set, flags__contains=FLAG_MISSING)
        if region:
            scope = scope.filter(region=region)
        if regions:
            scope = scope.filter(region__in=regions)
        if tik:
            scope = scope.filter(tik=tik)
        return replace(precincts.subset(mask), excluded=scope.count())
    return precincts


def remember(result_set: ResultSet, precincts: Precincts) -> None:
    """Put the arrays of a freshly imported result set in the cache (they equal what a load returns)."""
    with _lock:
        _cache[(result_set.pk, result_set.imported_at)] = precincts
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)


def clear_cache() -> None:
    with _lock:
        _cache.clear()
