"""The incidents' search entries carry the day each incident began as their rank (search migration
0003 added the column; ``incidents.search_index`` writes it from now on). Filled here, in the app
that knows the incidents, by one UPDATE per database."""

from django.db import migrations

SQLITE = """
UPDATE search_searchentry SET rank = (
    SELECT CAST(julianday(i.date_start) - 2440587.5 AS INTEGER) FROM incidents_incident i
    WHERE i.id = search_searchentry.object_id)
WHERE object_type = 'incident'
"""
POSTGRESQL = """
UPDATE search_searchentry s SET rank = i.date_start - DATE '1970-01-01'
FROM incidents_incident i WHERE s.object_type = 'incident' AND i.id = s.object_id
"""


def fill(apps, schema_editor):
    schema_editor.execute(POSTGRESQL if schema_editor.connection.vendor == "postgresql" else SQLITE)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0010_list_covering_indexes"), ("search", "0003_rank")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
