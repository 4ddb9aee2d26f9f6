"""API tokens get a public id, a scope and an expiry; users a session epoch ("sign out everywhere").

Tokens issued before this migration never expired and could write: they keep read-write and get
the default lifetime (SVIDOK_TOKEN_DAYS) counted from the migration, so no running integration
stops without warning, and none lives for ever.
"""

import datetime as dt
import uuid

from django.conf import settings
from django.db import migrations, models
from django.utils import timezone


def fill_tokens(apps, schema_editor):
    APIToken = apps.get_model("accounts", "APIToken")
    expires = timezone.now() + dt.timedelta(days=settings.SVIDOK_TOKEN_DAYS)
    for token in APIToken.objects.all():
        token.public_id = uuid.uuid4()
        token.expires_at = expires
        token.scope = "write"
        token.save(update_fields=["public_id", "expires_at", "scope"])


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="session_epoch",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="scope",
            field=models.CharField(choices=[("read", "read only"), ("write", "read and write")], default="read", max_length=8, verbose_name="scope"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="expires"),
        ),
        migrations.RunPython(fill_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="name",
            field=models.CharField(blank=True, max_length=100, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="last_used_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last used"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="revoked"),
        ),
    ]
