"""The search index: one row per (record, search key)."""

from django.db import models


class SearchEntry(models.Model):
    """One phonetic key (see :mod:`svidok.search.normalize`) of one record.

    ``key`` starts with the record type's letter (``TYPE_PREFIX``) so that a prefix lookup of one
    type is a single range scan of one covering index.
    """

    TYPE_PREFIX = {"incident": "i", "person": "p", "organization": "o", "place": "l"}

    object_type = models.CharField(max_length=12)
    object_id = models.BigIntegerField()
    key = models.CharField(max_length=48)

    class Meta:
        indexes = [
            # Covering index for lookups; the operator classes matter on PostgreSQL only (LIKE
            # 'prefix%' under a non-C collation) and are ignored elsewhere.
            models.Index(fields=["key", "object_id"], name="search_entry_key", opclasses=["varchar_pattern_ops", "int8_ops"]),
            models.Index(fields=["object_type", "object_id"], name="search_entry_object"),
        ]
        verbose_name_plural = "search entries"

    def __str__(self):
        return f"{self.object_type}:{self.object_id} {self.key}"
