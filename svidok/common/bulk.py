"""Bulk inserts: many rows into one table, as fast as each database allows.

PostgreSQL gets one ``COPY ... FROM STDIN`` (psycopg 3 streams the rows); SQLite gets
``executemany`` in batches. Both are several times faster than ``bulk_create``, which on SQLite
builds statements of at most 999 parameters and prepares every value through its field in Python.
Nothing runs per row but the insert: no ``save()``, no signals, so this is only for tables whose
rows need neither (the importers and the search index).
"""

from collections.abc import Callable, Iterable, Sequence
from itertools import islice

from django.db import connection

BATCH = 5000

# Values of these field types go to the database driver as they are; others are prepared by the field.
_PLAIN_TYPES = frozenset({
    "AutoField", "BigAutoField", "SmallAutoField", "CharField", "TextField", "SlugField", "URLField", "EmailField",
    "IntegerField", "BigIntegerField", "SmallIntegerField", "PositiveIntegerField", "PositiveBigIntegerField",
    "PositiveSmallIntegerField", "BooleanField", "ForeignKey", "OneToOneField",
})


def insert_rows(target, columns: Sequence[str], rows: Iterable[Sequence], *, batch: int = BATCH,
                progress: Callable[[int], None] | None = None) -> int:
    """Insert ``rows`` (values in the order of ``columns``) into ``target``; return how many.

    ``target`` is a model or a table name. With a model, ``columns`` are its field names or
    attnames (``person_id``), and the values of fields that are not plain (dates, times, UUIDs,
    JSON...) are prepared by their field, each distinct date or time once. With a table name,
    ``columns`` are column names and the values go to the driver as they are. ``progress(n)`` is
    called after every ``batch`` rows and once for the rest. Runs in the caller's transaction.
    """
    quote = connection.ops.quote_name
    if isinstance(target, str):
        table, names = target, list(columns)
    else:
        meta = target._meta
        fields = [meta.get_field(name) for name in columns]
        table, names = meta.db_table, [f.column for f in fields]
        converters = [None if f.get_internal_type() in _PLAIN_TYPES else _converter(f) for f in fields]
        if any(converters):
            rows = (tuple(v if c is None else c(v, connection) for c, v in zip(converters, row, strict=True)) for row in rows)
    column_list = ", ".join(quote(name) for name in names)
    rows = iter(rows)
    count = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Through Django's cursor (logged like any query) and its error wrapper (IntegrityError...).
            with connection.wrap_database_errors, cursor.copy(f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy:
                write = copy.write_row
                while True:
                    done = 0
                    for row in islice(rows, batch):
                        write(row)
                        done += 1
                    if not done:
                        break
                    count += done
                    if progress:
                        progress(done)
            return count
        sql = f"INSERT INTO {quote(table)} ({column_list}) VALUES ({', '.join(['%s'] * len(names))})"
        while chunk := list(islice(rows, batch)):
            cursor.executemany(sql, chunk)
            count += len(chunk)
            if progress:
                progress(len(chunk))
    return count


def _converter(field) -> Callable:
    prepare = field.get_db_prep_save
    if field.get_internal_type() not in ("DateField", "DateTimeField"):
        return prepare
    # Bulk rows repeat few dates (and one creation time): prepare each distinct value once.
    cache = {}

    def convert(value, conn):
        try:
            return cache[value]
        except KeyError:
            cache[value] = prepared = prepare(value, conn)
            return prepared

    return convert
