"""The covering index for the ids a search matched (migration incidents 0009): PostgreSQL only."""

import datetime as dt

import pytest
from django.db import connection

from svidok.search.api import search
from tests import factories

pytestmark = pytest.mark.django_db


def _index_sql():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'incident_id_visibility'")
        else:
            cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'incident_id_visibility'")
        return [row[0] for row in cursor.fetchall()]


def test_the_covering_index_exists_on_postgresql_only():
    found = _index_sql()

    if connection.vendor == "postgresql":
        assert len(found) == 1 and found[0].endswith("(id) INCLUDE (status, sensitivity, date_start)")
    else:
        assert found == []


def test_search_lists_the_newest_incidents_first_and_only_as_many_as_asked(coordinator):
    for day in (5, 20, 12, 28):
        factories.incident(coordinator, title=f"Teachers threatened on day {day}", date=dt.date(2018, 3, day))
    factories.incident(coordinator, title="Doctors dismissed", date=dt.date(2018, 3, 30))

    found = search(coordinator, "teachers", limit=3)["incidents"]

    assert [i.date_start.day for i in found] == [28, 20, 12]
