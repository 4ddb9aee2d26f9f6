"""Prefix lookups on ``SearchEntry.key``, one implementation per database, chosen by vendor.

Both return the same rows; they differ only in the SQL that lets the database use its index:
SQLite's ``LIKE`` is case-insensitive and never uses a plain index, so it gets a range; PostgreSQL
gets ``LIKE 'k%'``, served by the ``varchar_pattern_ops`` index of the model.
"""

from django.db import connection
from django.db.models import Q


class SQLiteBackend:
    @staticmethod
    def prefix(key: str) -> Q:
        # Keys are ASCII [a-z0-9]; "~" sorts after all of them in SQLite's BINARY collation.
        return Q(key__gte=key, key__lt=key + "~")


class PostgreSQLBackend:
    @staticmethod
    def prefix(key: str) -> Q:
        return Q(key__startswith=key)


def backend():
    return PostgreSQLBackend if connection.vendor == "postgresql" else SQLiteBackend
