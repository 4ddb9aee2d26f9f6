"""PostgreSQL only: a finer sample of ``search_searchentry.key`` for the planner.

With the default statistics target the planner estimated the keys under a prefix five times too
high (77,307 for 13,826 at a million incidents) and, expecting too many ids to probe one by one,
read every verified incident instead (docs/search.md, "Reads at scale"). The new target takes
effect at the next ANALYZE (autovacuum runs it as the table grows; ``svidok rebuild_search_index``
leaves it to autovacuum too).
"""

from django.db import migrations

TARGET = 1000


def finer(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE search_searchentry ALTER COLUMN key SET STATISTICS {TARGET}")


def default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE search_searchentry ALTER COLUMN key SET STATISTICS -1")


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [migrations.RunPython(finer, default)]
