from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('people', '0005_duplicate_candidates'),
    ]

    # The sanctions models moved to the sanctions app: their tables stay (db_table), only Django's state changes.
    operations = [
        migrations.SeparateDatabaseAndState(state_operations=[
                migrations.RemoveField(
                    model_name='proposal',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='proposal',
                    name='signed_off_by',
                ),
                migrations.RemoveField(
                    model_name='proposalmember',
                    name='proposal',
                ),
                migrations.RemoveField(
                    model_name='proposalmember',
                    name='incidents',
                ),
                migrations.RemoveField(
                    model_name='proposalmember',
                    name='occupancies',
                ),
                migrations.RemoveField(
                    model_name='proposalmember',
                    name='organization',
                ),
                migrations.RemoveField(
                    model_name='proposalmember',
                    name='person',
                ),
                migrations.RemoveField(
                    model_name='proposalmember',
                    name='reviewed_by',
                ),
                migrations.RemoveField(
                    model_name='proposalmember',
                    name='sources',
                ),
                migrations.RemoveField(
                    model_name='referenceentity',
                    name='reference_list',
                ),
                migrations.RemoveField(
                    model_name='referencelist',
                    name='imported_by',
                ),
                migrations.DeleteModel(
                    name='Listing',
                ),
                migrations.DeleteModel(
                    name='Proposal',
                ),
                migrations.DeleteModel(
                    name='ProposalMember',
                ),
                migrations.DeleteModel(
                    name='ReferenceEntity',
                ),
                migrations.DeleteModel(
                    name='ReferenceList',
                ),
        ]),
    ]
