"""Prefix lookups on ``SearchEntry.key``, one implementation per database, chosen by vendor.

Both return the same rows; they differ only in the SQL that lets the database use its index:
SQLite's ``LIKE`` is case-insensitive and never uses a plain index, so it gets a range; PostgreSQL
gets ``LIKE 'k%'``, served by the ``varchar_pattern_ops`` index of the model.
"""

from django.db import connection
from django.db.models import Q

from svidok.search.models import SearchEntry


def _keys_under(sql: str, params: list, limit: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(SearchEntry._meta.db_table)), [*params, limit])
        return [row[0] for row in cursor.fetchall()]


class SQLiteBackend:
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


class PostgreSQLBackend:
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


def backend():
    return PostgreSQLBackend if connection.vendor == "postgresql" else SQLiteBackend
