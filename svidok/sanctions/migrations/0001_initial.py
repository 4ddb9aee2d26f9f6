import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('incidents', '0004_incident_date_index'),
        ('people', '0006_sanctions_models_moved'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # Models that moved here from the people app; their tables exist already (db_table keeps the names).
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.CreateModel(
                    name='ReferenceEntity',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('record_id', models.CharField(max_length=200, verbose_name="the list's own id")),
                        ('schema', models.CharField(help_text='FollowTheMoney schema: Person, Organization, LegalEntity, ...', max_length=40)),
                        ('caption', models.CharField(max_length=500)),
                        ('names', models.JSONField(default=list, help_text='every name and alias the list gives')),
                        ('properties', models.JSONField(default=dict, help_text='FollowTheMoney properties {prop: [values]}')),
                        ('listed_since', models.DateField(blank=True, null=True)),
                        ('program', models.CharField(blank=True, max_length=200)),
                    ],
                    options={
                        'db_table': 'people_referenceentity',
                        'ordering': ['reference_list', 'record_id'],
                    },
                ),
                migrations.CreateModel(
                    name='Proposal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('title', models.CharField(max_length=300, verbose_name='title')),
                        ('description', models.TextField(blank=True, verbose_name='description')),
                        ('status', models.CharField(choices=[('draft', 'draft'), ('in_review', 'in review'), ('signed_off', 'signed off'), ('submitted', 'submitted')], default='draft', max_length=16, verbose_name='status')),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('signed_off_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('signed_off_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'people_proposal',
                        'ordering': ['-created_at'],
                    },
                ),
                migrations.CreateModel(
                    name='ProposalMember',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('grounds', models.TextField(blank=True, help_text="the statement of reasons, in the proposal's words", verbose_name='grounds')),
                        ('order', models.PositiveIntegerField(default=0)),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                        ('review_note', models.TextField(blank=True)),
                        ('incidents', models.ManyToManyField(blank=True, related_name='+', to='incidents.incident')),
                        ('occupancies', models.ManyToManyField(blank=True, related_name='+', to='people.occupancy')),
                        ('organization', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='proposals', to='people.organization')),
                        ('person', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='proposals', to='people.person')),
                        ('proposal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='members', to='sanctions.proposal')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('sources', models.ManyToManyField(blank=True, related_name='+', to='incidents.source')),
                    ],
                    options={
                        'db_table': 'people_proposalmember',
                        'ordering': ['proposal', 'order', 'id'],
                    },
                ),
                migrations.CreateModel(
                    name='Listing',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('jurisdiction', models.CharField(choices=[('eu', 'European Union'), ('uk', 'United Kingdom'), ('us', 'United States'), ('ua', 'Ukraine'), ('other', 'other')], max_length=8, verbose_name='jurisdiction')),
                        ('jurisdiction_other', models.CharField(blank=True, max_length=100, verbose_name='other jurisdiction')),
                        ('status', models.CharField(choices=[('proposed', 'proposed'), ('submitted', 'submitted'), ('listed', 'listed'), ('delisted', 'delisted'), ('refused', 'refused')], default='proposed', max_length=16, verbose_name='status')),
                        ('date', models.DateField(blank=True, help_text='of the status: submission, listing, delisting', null=True, verbose_name='date')),
                        ('legal_act', models.CharField(blank=True, help_text='e.g. Council Implementing Regulation (EU) 2018/705', max_length=300, verbose_name='legal act')),
                        ('note', models.TextField(blank=True)),
                        ('source', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='incidents.source')),
                        ('member', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='listings', to='sanctions.proposalmember')),
                        ('reference_entity', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='sanctions.referenceentity')),
                    ],
                    options={
                        'db_table': 'people_listing',
                        'ordering': ['member', 'jurisdiction'],
                    },
                ),
                migrations.CreateModel(
                    name='ReferenceList',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ('name', models.SlugField(help_text='short name used on the command line, e.g. eu-269', max_length=100, unique=True, verbose_name='name')),
                        ('title', models.CharField(blank=True, max_length=300, verbose_name='title')),
                        ('publisher', models.CharField(blank=True, help_text='e.g. Council of the EU', max_length=200, verbose_name='publisher')),
                        ('jurisdiction', models.CharField(blank=True, help_text='eu, uk, us, ua, other', max_length=16, verbose_name='jurisdiction')),
                        ('format', models.CharField(choices=[('ftm', 'FollowTheMoney JSON lines'), ('eu-269-csv', 'EU Regulation 269/2014 annex (CSV)')], max_length=16)),
                        ('source_name', models.CharField(max_length=255, verbose_name='file')),
                        ('sha256', models.CharField(max_length=64)),
                        ('entity_count', models.PositiveIntegerField(default=0)),
                        ('imported_at', models.DateTimeField()),
                        ('imported_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'people_referencelist',
                        'ordering': ['name'],
                    },
                ),
                migrations.AddField(
                    model_name='referenceentity',
                    name='reference_list',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='entities', to='sanctions.referencelist'),
                ),
                migrations.AddConstraint(
                    model_name='proposalmember',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('organization__isnull', True), ('person__isnull', False)), models.Q(('organization__isnull', False), ('person__isnull', True)), _connector='OR'), name='proposalmember_person_xor_organization'),
                ),
                migrations.AddConstraint(
                    model_name='proposalmember',
                    constraint=models.UniqueConstraint(fields=('proposal', 'person'), name='proposalmember_unique_person'),
                ),
                migrations.AddConstraint(
                    model_name='proposalmember',
                    constraint=models.UniqueConstraint(fields=('proposal', 'organization'), name='proposalmember_unique_organization'),
                ),
                migrations.AddConstraint(
                    model_name='listing',
                    constraint=models.UniqueConstraint(fields=('member', 'jurisdiction', 'jurisdiction_other'), name='listing_one_per_jurisdiction'),
                ),
                migrations.AddConstraint(
                    model_name='referenceentity',
                    constraint=models.UniqueConstraint(fields=('reference_list', 'record_id'), name='referenceentity_unique_record'),
                ),
        ]),
    ]
