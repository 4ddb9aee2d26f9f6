import datetime as dt
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from svidok.audit.models import AuditEntry
from svidok.common.bulk import insert_rows
from svidok.incidents.models import Source, Term
from svidok.search.models import SearchEntry

pytestmark = pytest.mark.django_db

SOURCE_COLUMNS = ["uuid", "kind_id", "title", "publisher", "author", "url", "published_on", "accessed_on", "language",
                  "reliability", "credibility", "excerpt", "notes", "created_by_id", "created_at"]


def _keys():
    return list(SearchEntry.objects.filter(object_type="bulk").order_by("id").values_list("object_type", "object_id", "key"))


def test_insert_rows_into_a_model_writes_every_row_in_order_and_counts_them():
    rows = [("bulk", 7, "pабв"), ("bulk", 7, "pxyz"), ("bulk", 9_000_000_000, "p'quote\\back\ttab")]

    count = insert_rows(SearchEntry, ["object_type", "object_id", "key"], rows)

    assert count == 3
    assert _keys() == rows


def test_insert_rows_prepares_dates_times_uuids_and_nulls_through_their_fields():
    kind = Term.objects.get(vocabulary__code="source_type", code="article")
    when = dt.datetime(2018, 3, 20, 12, 30, tzinfo=dt.UTC)
    ids = [uuid.UUID(int=1), uuid.UUID(int=2)]
    rows = [
        (ids[0], kind.pk, "Звільнення", "", "", "https://example.org/a", dt.date(2018, 3, 20), None, "uk", "B", 2, "", "", None, when),
        (ids[1], kind.pk, "Second", "Pub", "", "", None, dt.date(2019, 1, 31), "", "F", 6, "line\nbreak", "", None, when),
    ]

    assert insert_rows(Source, SOURCE_COLUMNS, rows) == 2

    stored = list(Source.objects.filter(uuid__in=ids).order_by("uuid").values_list(*SOURCE_COLUMNS))
    assert stored == rows


def test_insert_rows_stores_json_as_json():
    now = timezone.now()
    changes = {"title": [None, "Café «ünïcode»"], "tags": [None, ["a", "b"]], "count": [None, 3], "gone": [1, None]}
    columns = ["created_at", "actor_id", "actor_label", "action", "object_type", "object_id", "object_repr",
               "changes", "request_id", "payload"]

    insert_rows(AuditEntry, columns, [(now, None, "bulk-test", "import", "test.thing", "1", "", changes, "", "{}")])

    entry = AuditEntry.objects.get(actor_label="bulk-test")
    assert (entry.created_at, entry.changes, entry.payload) == (now, changes, "{}")
    assert AuditEntry.objects.filter(actor_label="bulk-test", changes__title__1="Café «ünïcode»").count() == 1


def test_insert_rows_into_a_table_passes_the_values_as_they_are():
    table = SearchEntry._meta.db_table

    count = insert_rows(table, ["object_type", "object_id", "key"], iter([("bulk", 1, "pa"), ("bulk", 2, "pb")]))

    assert count == 2
    assert _keys() == [("bulk", 1, "pa"), ("bulk", 2, "pb")]


def test_insert_rows_reports_progress_after_every_batch_and_the_rest():
    done = []
    rows = (("bulk", n, f"p{n}") for n in range(5))

    count = insert_rows(SearchEntry, ["object_type", "object_id", "key"], rows, batch=2, progress=done.append)

    assert (count, done) == (5, [2, 2, 1])
    assert [key for _type, _id, key in _keys()] == ["p0", "p1", "p2", "p3", "p4"]


def test_insert_rows_of_nothing_writes_nothing_and_reports_nothing():
    done = []

    assert insert_rows(SearchEntry, ["object_type", "object_id", "key"], [], progress=done.append) == 0
    assert (done, _keys()) == ([], [])


def test_insert_rows_gives_ids_in_the_order_of_the_rows():
    rows = [("bulk", n, f"p{n:03d}") for n in range(300)]

    insert_rows(SearchEntry, ["object_type", "object_id", "key"], rows, batch=64)

    stored = list(SearchEntry.objects.filter(object_type="bulk").order_by("id").values_list("object_id", flat=True))
    assert stored == list(range(300))


def test_insert_rows_runs_in_the_callers_transaction():
    with pytest.raises(RuntimeError), transaction.atomic():
        insert_rows(SearchEntry, ["object_type", "object_id", "key"], [("bulk", 1, "pa")])
        raise RuntimeError("roll back")

    assert _keys() == []


def test_insert_rows_uses_copy_on_postgresql_and_batched_executemany_on_sqlite(django_assert_num_queries):
    rows = [("bulk", n, f"p{n}") for n in range(5)]
    vendor = connection.vendor

    with django_assert_num_queries({"postgresql": 1, "sqlite": 3}[vendor]) as captured:
        insert_rows(SearchEntry, ["object_type", "object_id", "key"], rows, batch=2)

    # Django logs an executemany as "N times: INSERT ...".
    statements = [q["sql"].split(" (")[0] for q in captured.captured_queries]
    assert statements == {"postgresql": ['COPY "search_searchentry"'],
                          "sqlite": [f'{n} times: INSERT INTO "search_searchentry"' for n in (2, 2, 1)]}[vendor]
    assert len(_keys()) == 5


def test_insert_rows_refusal_by_the_database_is_djangos_integrity_error():
    kind = Term.objects.get(vocabulary__code="source_type", code="article")
    row = (uuid.uuid4(), kind.pk, "Out of range", "", "", "", None, None, "", "F", 9, "", "", None, timezone.now())

    with pytest.raises(IntegrityError, match="source_credibility_1_6"), transaction.atomic():
        insert_rows(Source, SOURCE_COLUMNS, [row])

    assert not Source.objects.filter(title="Out of range").exists()
