"""PostgreSQL only: a covering index for the ids a search matched (see the comment in
``Incident.Meta.indexes`` and docs/search.md, "Reads at scale"). Not in the model's state: Django
would create it on SQLite as a plain second index of the primary key, which SQLite never uses."""

from django.db import migrations

CREATE = ("CREATE INDEX IF NOT EXISTS incident_id_visibility ON incidents_incident (id) "
          "INCLUDE (status, sensitivity, date_start)")
DROP = "DROP INDEX IF EXISTS incident_id_visibility"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0008_incident_span_days")]

    operations = [migrations.RunPython(create, drop)]
