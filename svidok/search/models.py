"""The search index: one row per (record, search key)."""

from django.db import models
from django.db.models.functions import Substr

# The type's letter and a word's first two key letters: the stem index of SearchEntry reads the
# matches of a two-letter word, thousands of keys, as one key.
STEM_LENGTH = 3


class SearchEntry(models.Model):
    """One phonetic key (see :mod:`svidok.search.normalize`) of one record.

    ``key`` starts with the record type's letter (``TYPE_PREFIX``) so that a prefix lookup of one
    type is a single range scan of one covering index.

    ``rank`` is the record's place in the order its lists show first, the same in each of its
    entries: for an incident the day it began (days since 1970-01-01), so the matches of a common
    name come newest first from the index alone and only the first of them are looked up in the
    incident table (:func:`svidok.search.api.first_matching`); for a person the rank of its name
    (``indexing.name_rank``: persons by name, :func:`svidok.search.api.ranked_ties`); 0 for the
    types not ranked.
    """

    TYPE_PREFIX = {"incident": "i", "person": "p", "organization": "o", "place": "l"}
    STEM_LENGTH = STEM_LENGTH

    object_type = models.CharField(max_length=12)
    object_id = models.BigIntegerField()
    key = models.CharField(max_length=48)
    rank = models.IntegerField(default=0, db_default=0)

    class Meta:
        indexes = [
            # Covering index for lookups; the operator classes matter on PostgreSQL only (LIKE
            # 'prefix%' under a non-C collation) and are ignored elsewhere.
            # Covering, and within one key in rank order: the newest matches of a key are the
            # first entries read backwards (search.api.ranked_ids).
            models.Index(fields=["key", "rank", "object_id"], name="search_entry_key_rank",
                         opclasses=["varchar_pattern_ops", "int4_ops", "int8_ops"]),
            # A two-letter word covers thousands of keys ("Се": 1,781 at a million incidents);
            # under its stem they are one range in rank order (search.api.ranked_ids).
            models.Index(Substr("key", 1, STEM_LENGTH), "rank", "object_id", name="search_entry_stem_rank"),
            models.Index(fields=["object_type", "object_id"], name="search_entry_object"),
        ]
        verbose_name_plural = "search entries"

    def __str__(self):
        return f"{self.object_type}:{self.object_id} {self.key}"
