"""After sealing: on SQLite, rewrite the database file so that the pages that held the plaintext
identity values are not left behind in its free list (or its write-ahead log).
PostgreSQL reuses dead rows' space itself; run VACUUM FULL there after the upgrade
(docs/identity-vault.md)."""

from django.db import migrations


def vacuum(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM people_personidentity")
        if not cursor.fetchone()[0]:
            return
        cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("people", "0007_identity_vault")]

    operations = [migrations.RunPython(vacuum, migrations.RunPython.noop, elidable=False)]
