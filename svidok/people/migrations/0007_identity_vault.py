"""The identity vault: identity values sealed at rest (existing plaintext rows are sealed here, in
place: the plaintext columns become sealed columns), the identity's own history, the blind index.
Needs the identity key when there are rows to seal: `svidok setup` makes it before migrating."""

import django.db.models.deletion
import svidok.people.models
import uuid
from django.conf import settings
from django.db import migrations, models


COLUMNS = ("full_name", "other_names", "birth_date", "contacts", "identifiers", "address")


def seal_plaintext(apps, schema_editor):
    """Seal every identity value still stored as plaintext, bound to its row as
    ``SealedField`` does (``table.column.person_id``)."""
    from svidok.common import crypto

    connection = schema_editor.connection
    table = "people_personidentity"
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, person_id, {', '.join(quote(c) for c in COLUMNS)} FROM {quote(table)} ORDER BY id")
        rows = cursor.fetchall()
        for row_id, person_id, *values in rows:
            updates = {}
            for column, value in zip(COLUMNS, values, strict=True):
                if value is None or value == "" or crypto.is_sealed(value):
                    continue
                text = value.isoformat() if hasattr(value, "isoformat") else str(value)
                updates[column] = crypto.seal(text, f"{table}.{column}.{person_id}")
            if updates:
                assignments = ", ".join(f"{quote(c)} = %s" for c in updates)
                cursor.execute(f"UPDATE {quote(table)} SET {assignments} WHERE id = %s", [*updates.values(), row_id])


def index_protected_names(apps, schema_editor):
    """The blind index of the protected persons sealed above (``people.vault.index_identity`` does
    the same for later changes): HMAC of the search keys of every word of every name."""
    from svidok.common import crypto
    from svidok.search.normalize import word_keys, words

    Identity = apps.get_model("people", "PersonIdentity")
    NameKey = apps.get_model("people", "PersonNameKey")
    table = "people_personidentity"
    rows = list(Identity.objects.filter(person__protected=True).values_list("person_id", "full_name", "other_names"))
    if not rows:
        return
    key = crypto.keyring().current
    found = []
    for person_id, full_name, other_names in rows:
        names = [crypto.open_sealed(full_name, f"{table}.full_name.{person_id}") or ""]
        names += (crypto.open_sealed(other_names, f"{table}.other_names.{person_id}") or "").replace(";", "\n").splitlines()
        keys = {k for name in names for word in words(name) for k in word_keys(word)}
        found += [NameKey(person_id=person_id, kid=key.kid, digest=d) for d in sorted({crypto.blind(k, key=key) for k in keys})]
    NameKey.objects.bulk_create(found, batch_size=2000)


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0006_sanctions_models_moved'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='personidentity',
            name='notes',
            field=svidok.people.models.SealedField(blank=True, verbose_name='identity notes'),
        ),
        migrations.AlterField(
            model_name='personidentity',
            name='address',
            field=svidok.people.models.SealedField(blank=True, verbose_name='address'),
        ),
        migrations.AlterField(
            model_name='personidentity',
            name='birth_date',
            field=svidok.people.models.SealedField(blank=True, null=True, value_type='date', verbose_name='birth date'),
        ),
        migrations.AlterField(
            model_name='personidentity',
            name='contacts',
            field=svidok.people.models.SealedField(blank=True, verbose_name='contacts'),
        ),
        migrations.AlterField(
            model_name='personidentity',
            name='full_name',
            field=svidok.people.models.SealedField(blank=True, verbose_name='full name'),
        ),
        migrations.AlterField(
            model_name='personidentity',
            name='identifiers',
            field=svidok.people.models.SealedField(blank=True, help_text='passport, tax number, ...', verbose_name='identifiers'),
        ),
        migrations.AlterField(
            model_name='personidentity',
            name='other_names',
            field=svidok.people.models.SealedField(blank=True, verbose_name='other names'),
        ),
        migrations.CreateModel(
            name='IdentityChange',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('changed_at', models.DateTimeField()),
                ('actor_label', models.CharField(max_length=150)),
                ('fields', svidok.people.models.SealedField()),
                ('values', svidok.people.models.SealedField(blank=True)),
                ('actor', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='identity_changes', to='people.person')),
            ],
            options={
                'ordering': ['-changed_at', '-id'],
            },
        ),
        migrations.CreateModel(
            name='PersonNameKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kid', models.CharField(max_length=16)),
                ('digest', models.CharField(db_index=True, max_length=64)),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='people.person')),
            ],
            options={
                'constraints': [models.UniqueConstraint(fields=('person', 'kid', 'digest'), name='personnamekey_unique')],
            },
        ),
        migrations.RunPython(seal_plaintext, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(index_protected_names, migrations.RunPython.noop, elidable=False),
    ]
