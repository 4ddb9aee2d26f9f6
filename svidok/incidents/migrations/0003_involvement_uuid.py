import uuid

from django.db import migrations, models


def fill_uuids(apps, schema_editor):
    Involvement = apps.get_model("incidents", "Involvement")
    for involvement in Involvement.objects.filter(uuid__isnull=True).only("pk"):
        involvement.uuid = uuid.uuid4()
        involvement.save(update_fields=["uuid"])


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_initial")]

    operations = [
        migrations.AddField(model_name="involvement", name="uuid", field=models.UUIDField(null=True, editable=False)),
        migrations.RunPython(fill_uuids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="involvement", name="uuid", field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
        ),
    ]
