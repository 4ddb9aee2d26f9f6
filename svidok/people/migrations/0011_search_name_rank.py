"""The persons' search entries carry the rank of their name (``search.indexing.name_rank``), so a
search reads the first persons by name from the index (``people.search_index.find_persons``).
Filled here, in the app that knows the persons; ``people.search_index`` writes it from now on."""

import json
from collections import defaultdict

from django.db import migrations

from svidok.search.indexing import name_rank

CHUNK = 5000


def fill(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    ids_by_rank = defaultdict(list)
    for pk, display_name in Person.objects.values_list("pk", "display_name").iterator(chunk_size=CHUNK):
        ids_by_rank[name_rank(display_name)].append(pk)
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        sql, as_param = ("UPDATE search_searchentry SET rank = %s WHERE object_type = 'person' "
                         "AND object_id IN (SELECT unnest(%s::bigint[]))"), list
    else:
        sql, as_param = ("UPDATE search_searchentry SET rank = %s WHERE object_type = 'person' "
                         "AND object_id IN (SELECT value FROM json_each(%s))"), json.dumps
    with connection.cursor() as cursor:
        for rank, ids in ids_by_rank.items():
            for start in range(0, len(ids), CHUNK):
                cursor.execute(sql, [rank, as_param(ids[start:start + CHUNK])])


class Migration(migrations.Migration):
    dependencies = [("people", "0010_consent"), ("search", "0004_stem_rank")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
