# The stem index: a two-letter word's matches in rank order as one range (decision 77).
# Building it reads every entry once: about a minute at a million incidents (29 million entries).

import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('search', '0003_rank'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='searchentry',
            index=models.Index(django.db.models.functions.text.Substr('key', 1, 3), models.F('rank'), models.F('object_id'), name='search_entry_stem_rank'),
        ),
    ]
