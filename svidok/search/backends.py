"""Prefix lookups on ``SearchEntry.key``, one implementation per database, chosen by vendor.

Both return the same rows; they differ only in the SQL that lets the database use its index:
SQLite's ``LIKE`` is case-insensitive and never uses a plain index, so it gets a range; PostgreSQL
gets ``LIKE 'k%'``, served by the ``varchar_pattern_ops`` index of the model.
"""

import json

from django.db import connection
from django.db.models import Q

from svidok.search.models import SearchEntry


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(SearchEntry._meta.db_table)), params)
        return cursor.fetchall()


def _keys_under(sql: str, params: list, limit: int) -> list[str]:
    return [row[0] for row in _rows(sql, [*params, limit])]


# The stem index's expression as each database's CREATE INDEX spells it (search migration 0004):
# a query uses the index only when its expression is the same, literals included (Django's
# Substr would send 1 and 3 as parameters).
_STEM_ARGS = f'("key", 1, {SearchEntry.STEM_LENGTH})'


class SQLiteBackend:
    stem_expression = "SUBSTR" + _STEM_ARGS

    @staticmethod
    def sorts_by_code_point(field) -> bool:
        """Whether the database orders ``field`` (a text model field) by code point, as
        ``indexing.name_rank`` does: SQLite's BINARY collation compares UTF-8 bytes."""
        return field.db_collation is None

    @staticmethod
    def prefix(key: str) -> Q:
        # Keys are ASCII [a-z0-9]; "~" sorts after all of them in SQLite's BINARY collation.
        return Q(key__gte=key, key__lt=key + "~")

    @staticmethod
    def keys_under(key: str, limit: int) -> list[str]:
        """The distinct keys that start with ``key``, at most ``limit``, in order: one step down
        the key index per key (a loose index scan), not a read of every entry under the prefix."""
        return _keys_under("""
            WITH RECURSIVE k(key) AS (
                SELECT (SELECT min(key) FROM {table} WHERE key >= %s AND key < %s)
                UNION ALL
                SELECT (SELECT min(key) FROM {table} WHERE key > k.key AND key < %s) FROM k WHERE k.key IS NOT NULL)
            SELECT key FROM k WHERE key IS NOT NULL LIMIT %s""", [key, key + "~", key + "~"], limit)

    # The keys go as one JSON array (json_each): SQLite looks each up in the key index.
    @staticmethod
    def extreme_rank(keys: list[str], *, highest: bool) -> int | None:
        """The highest (or lowest) rank of the entries of ``keys``, None when they have none: one
        step of the key index per key."""
        most = "max" if highest else "min"
        (row,) = _rows(f"SELECT {most}((SELECT {most}(rank) FROM {{table}} WHERE key = j.value)) FROM json_each(%s) j",
                       [json.dumps(keys)])
        return row[0]

    @staticmethod
    def ranked_between(keys: list[str], low: int | None, high: int | None) -> list[tuple[int, int]]:
        """The (rank, id) of the entries of ``keys`` with ``low <= rank < high`` (None: no bound),
        in no order: one range of the key index per key."""
        bounds, params = _bounds(low, high)
        return _rows(f"SELECT rank, object_id FROM {{table}} WHERE key IN (SELECT value FROM json_each(%s)){bounds}",
                     [json.dumps(keys), *params])


class PostgreSQLBackend:
    stem_expression = "SUBSTRING" + _STEM_ARGS

    @staticmethod
    def sorts_by_code_point(field) -> bool:
        """Whether the database orders ``field`` by code point: the C collations compare UTF-8
        bytes (``C.UTF-8`` too, the one scripts/with-postgres.sh and docs/deploy.md create; a
        test checks it); a language's collation (``uk_UA.UTF-8``) does not. Asked once."""
        key = (connection.settings_dict["NAME"], field.db_collation)
        if key not in _CODE_POINT_ORDER:
            collation = field.db_collation
            if collation is None:
                (collation,) = _rows("SELECT datcollate FROM pg_database WHERE datname = current_database()", [])[0]
            _CODE_POINT_ORDER[key] = collation in CODE_POINT_COLLATIONS
        return _CODE_POINT_ORDER[key]

    @staticmethod
    def prefix(key: str) -> Q:
        return Q(key__startswith=key)

    @staticmethod
    def keys_under(key: str, limit: int) -> list[str]:
        # The pattern operators (~>~, ~<~) are those the varchar_pattern_ops index orders by.
        return _keys_under("""
            WITH RECURSIVE k(key) AS (
                (SELECT key FROM {table} WHERE key LIKE %s ORDER BY key USING ~<~ LIMIT 1)
                UNION ALL
                SELECT (SELECT s.key FROM {table} s WHERE s.key ~>~ k.key AND s.key LIKE %s ORDER BY s.key USING ~<~ LIMIT 1)
                FROM k WHERE k.key IS NOT NULL)
            SELECT key FROM k WHERE key IS NOT NULL LIMIT %s""", [key + "%", key + "%"], limit)

    # The keys go as one array, unnested and joined: ``key = ANY(%s)`` reads the index the same
    # way but took the planner 105 ms for 1,781 keys (a selectivity estimate per element).
    @staticmethod
    def extreme_rank(keys: list[str], *, highest: bool) -> int | None:
        most = "max" if highest else "min"
        (row,) = _rows(f"""
            SELECT {most}(b.rank) FROM unnest(%s::varchar[]) k(key)
            CROSS JOIN LATERAL (SELECT {most}(rank) AS rank FROM {{table}} e WHERE e.key = k.key) b""", [keys])
        return row[0]

    @staticmethod
    def ranked_between(keys: list[str], low: int | None, high: int | None) -> list[tuple[int, int]]:
        bounds, params = _bounds(low, high, "e.")
        return _rows(f"SELECT e.rank, e.object_id FROM unnest(%s::varchar[]) k(key) JOIN {{table}} e ON e.key = k.key{bounds}",
                     [keys, *params])


# PostgreSQL collations that order text by code point; what each database was asked (by name).
CODE_POINT_COLLATIONS = {"C", "POSIX", "C.UTF-8", "C.utf8", "ucs_basic"}
_CODE_POINT_ORDER: dict[tuple, bool] = {}


def _bounds(low: int | None, high: int | None, alias: str = "") -> tuple[str, list[int]]:
    conditions = [(f" AND {alias}rank >= %s", low), (f" AND {alias}rank < %s", high)]
    kept = [(sql, value) for sql, value in conditions if value is not None]
    return "".join(sql for sql, _value in kept), [value for _sql, value in kept]


def backend():
    return PostgreSQLBackend if connection.vendor == "postgresql" else SQLiteBackend
