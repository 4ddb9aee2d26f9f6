"""What PostgreSQL's planner is told so that the list and search read by index (docs/search.md)."""

import pytest
from django.db import connection

from svidok import settings as svidok_settings

pytestmark = pytest.mark.django_db


def test_each_postgresql_connection_plans_for_memory_or_ssd():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"


def test_the_key_column_has_a_finer_sample_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SELECT attstattarget FROM pg_attribute WHERE attrelid = 'search_searchentry'::regclass AND attname = 'key'")
        assert cursor.fetchone()[0] == 1000


def test_the_option_joins_the_url_options_and_leaves_sqlite_alone():
    postgresql = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"options": "-c statement_timeout=5000"}}
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "OPTIONS": {}}

    assert svidok_settings._postgresql_options(postgresql)["OPTIONS"] == {
        "options": "-c statement_timeout=5000 -c random_page_cost=1.1"}
    assert svidok_settings._postgresql_options(sqlite)["OPTIONS"] == {}
